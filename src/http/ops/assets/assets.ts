/**
 * The dashboard's client assets (ADR 0020): the enhancement bundles, built from `../client/` by
 * esbuild in memory once per process (or ahead, at bundle time, for Lambda: ADR 0026), and Bosun's
 * own stylesheet, each under a content-hashed name that is cached for good. Nothing is fetched from
 * elsewhere; no file is written.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'esbuild';
import { Hono } from 'hono';

/**
 * The assets' contents by logical name, when they were built ahead (the Lambda bundle defines this
 * with what `buildOpsAssetContents` made at bundle time; esbuild is not part of the bundle).
 */
declare const __BOSUN_OPS_ASSETS__: Record<LogicalAssetName, string> | undefined;

/** Where the router is mounted; `assetUrl` answers under it. */
export const ASSETS_PATH = '/app/assets';

/** Each logical asset and the source it comes from, relative to this file. */
const BUNDLES = { 'app.js': '../client/app.ts', 'board.js': '../client/board.ts', 'calendar.js': '../client/calendar.ts' } as const;
const STYLESHEETS = { 'app.css': './app.css' } as const;

export type LogicalAssetName = keyof typeof BUNDLES | keyof typeof STYLESHEETS;
export const LOGICAL_ASSET_NAMES = [...Object.keys(BUNDLES), ...Object.keys(STYLESHEETS)] as LogicalAssetName[];

export type OpsAsset = {
  /** `app.js` */
  logicalName: LogicalAssetName;
  /** `app.3f2a1c9e.js` */
  fileName: string;
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
  /** The body gzipped once (level 9), for clients that accept it; its length is what the bench reports. */
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
};

export type OpsAssets = { byLogicalName: ReadonlyMap<LogicalAssetName, OpsAsset>; byFileName: ReadonlyMap<string, OpsAsset> };

export type LoadOptions = {
  /** Inline source maps for local development; production bundles carry none. */
  sourcemap?: boolean;
};

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * FullCalendar's injected CSS declares its icon font as a data: URL, which Chromium loads as soon
 * as the rule is inserted, whether an icon is shown or not — a violation of the dashboard's
 * `font-src 'self'`. The calendar shows words instead of icons, so the font is left out (ADR 0020).
 */
const FULLCALENDAR_ICON_FONT = /@font-face\{font-family:fcicons;[^}]*\}/;

const withoutFullCalendarIconFont: Plugin = {
  name: 'without-fullcalendar-icon-font',
  setup(b) {
    b.onLoad({ filter: /[\\/]@fullcalendar[\\/]core[\\/]internal-common\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!FULLCALENDAR_ICON_FONT.test(source)) {
        throw new Error(`FullCalendar's icon font rule was not found in ${args.path}: check what it injects under a strict CSP`);
      }
      return { contents: source.replace(FULLCALENDAR_ICON_FONT, ''), loader: 'js' };
    });
  },
};

function sourcePath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

function toAsset(logicalName: LogicalAssetName, contents: Uint8Array, contentType: string): OpsAsset {
  const digest = createHash('sha256').update(contents).digest();
  const dot = logicalName.lastIndexOf('.');
  return {
    logicalName,
    fileName: `${logicalName.slice(0, dot)}.${digest.toString('hex').slice(0, 8)}${logicalName.slice(dot)}`,
    contentType,
    body: new Uint8Array(contents),
    gzip: new Uint8Array(gzipSync(contents, { level: 9 })),
    etag: `"${digest.toString('base64url').slice(0, 27)}"`,
  };
}

/** Each asset's contents by logical name: the client bundled by esbuild, the stylesheet as it is. */
export async function buildOpsAssetContents(options: LoadOptions = {}): Promise<Record<LogicalAssetName, string>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: Object.entries(BUNDLES).map(([logical, source]) => ({ in: sourcePath(source), out: logical.replace(/\.js$/, '') })),
    // Packages resolve from the node_modules above the sources, wherever the checkout is.
    absWorkingDir: sourcePath('../../../..'),
    outdir: 'ops-assets',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    sourcemap: options.sourcemap ? 'inline' : false,
    write: false,
    logLevel: 'silent',
    plugins: [withoutFullCalendarIconFont],
  });
  const contents: Partial<Record<LogicalAssetName, string>> = {};
  for (const [logical] of Object.entries(BUNDLES)) {
    const output = result.outputFiles.find((f) => f.path.endsWith(`/${logical}`));
    if (!output) throw new Error(`esbuild produced no ${logical}`);
    contents[logical as LogicalAssetName] = output.text;
  }
  for (const [logical, source] of Object.entries(STYLESHEETS)) {
    contents[logical as LogicalAssetName] = await readFile(sourcePath(source), 'utf8');
  }
  return contents as Record<LogicalAssetName, string>;
}

async function buildAssets(options: LoadOptions): Promise<OpsAssets> {
  const contents = typeof __BOSUN_OPS_ASSETS__ === 'undefined' ? await buildOpsAssetContents(options) : __BOSUN_OPS_ASSETS__;
  const assets = LOGICAL_ASSET_NAMES.map((logical) =>
    toAsset(logical, Buffer.from(contents[logical], 'utf8'), logical.endsWith('.css') ? CSS : JS),
  );
  return {
    byLogicalName: new Map(assets.map((a) => [a.logicalName, a])),
    byFileName: new Map(assets.map((a) => [a.fileName, a])),
  };
}

let loading: Promise<OpsAssets> | undefined;
let loaded: OpsAssets | undefined;

/**
 * Builds every asset once per process; later calls get the same promise (the first call's options
 * win). A failed build is not memoised, so the next call tries again and reports its own error.
 */
export function loadOpsAssets(options: LoadOptions = {}): Promise<OpsAssets> {
  loading ??= buildAssets(options).then(
    (assets) => {
      loaded = assets;
      return assets;
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/**
 * The URL of a logical asset for the layout: `assetUrl('app.js')` → `/app/assets/app.3f2a1c9e.js`.
 * Synchronous, so pages render without waiting: the surface awaits `loadOpsAssets()` before its
 * first page.
 */
export function assetUrl(name: LogicalAssetName): string {
  const asset = loaded?.byLogicalName.get(name);
  if (!asset) throw new Error(`The dashboard's assets are not built yet: await loadOpsAssets() before rendering a page that names ${name}`);
  return `${ASSETS_PATH}/${asset.fileName}`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/** `GET /{fileName}` for each hashed asset; every other name is 404. Mount at `ASSETS_PATH`. */
export function createAssetsRouter(options: LoadOptions = {}) {
  // Built on first use; `bosun start` starts the build at start-up so the first page need not wait.
  const router = new Hono();

  router.get('/:name', async (c) => {
    const asset = (await loadOpsAssets(options)).byFileName.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404, { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
    const headers: Record<string, string> = {
      'content-type': asset.contentType,
      'cache-control': IMMUTABLE,
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (etagMatches(c.req.header('if-none-match'), asset.etag)) return c.body(null, 304, headers);
    if (!/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) return c.body(asset.body, 200, headers);
    headers['content-encoding'] = 'gzip';
    return c.body(asset.gzip, 200, headers);
  });

  return router;
}
