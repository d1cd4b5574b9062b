/**
 * The dashboard's client assets as a browser gets them: hashed names cached for good, ETag/304,
 * 404 for anything else; bundles that parse as ES2020 and ask no other host for anything; a
 * stylesheet that imports nothing; and a build that finds its sources wherever it is started.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type Node as AcornNode, parse } from 'acorn';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ASSETS_PATH,
  assetUrl,
  createAssetsRouter,
  LOGICAL_ASSET_NAMES,
  type LogicalAssetName,
  loadOpsAssets,
} from '../../src/http/ops/assets/assets';
import { ROOT } from '../support/processes';

const app = new Hono().route(ASSETS_PATH, createAssetsRouter());

beforeAll(async () => {
  await loadOpsAssets();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await app.request(path, { headers });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

async function text(name: LogicalAssetName): Promise<string> {
  return (await get(assetUrl(name))).body.toString('utf8');
}

const SCRIPTS = LOGICAL_ASSET_NAMES.filter((n) => n.endsWith('.js'));

/** Calls `visit` on every node of a script's syntax tree. */
function walk(node: unknown, visit: (node: Record<string, any>) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  const n = node as Record<string, any>;
  visit(n);
  for (const [key, value] of Object.entries(n)) if (key !== 'type') walk(value, visit);
}

/** Every string a script holds: literals and the fixed parts of template literals. */
function stringsIn(ast: AcornNode): string[] {
  const found: string[] = [];
  walk(ast, (n) => {
    if (n.type === 'Literal' && typeof n.value === 'string') found.push(n.value);
    if (n.type === 'TemplateElement') found.push(String(n.value?.cooked ?? ''));
  });
  return found;
}

/** Calls that would make a request, whose first argument is written into the script. */
function requestTargets(ast: AcornNode): string[] {
  const requesters = new Set(['fetch', 'EventSource', 'WebSocket', 'sendBeacon', 'importScripts', 'open']);
  const targets: string[] = [];
  walk(ast, (n) => {
    if (n.type === 'ImportExpression') targets.push(n.source?.type === 'Literal' ? String(n.source.value) : '(computed)');
    if (n.type === 'CallExpression' || n.type === 'NewExpression') {
      const callee = n.callee;
      const name = callee?.type === 'Identifier' ? callee.name : callee?.type === 'MemberExpression' ? callee.property?.name : undefined;
      const first = n.arguments?.[0];
      if (requesters.has(name) && first?.type === 'Literal' && typeof first.value === 'string') targets.push(first.value);
    }
  });
  return targets;
}

const ABSOLUTE_URL = /(?:https?:|wss?:)?\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)+/i;
const ABSOLUTE_URL_IN_TEXT = /(?:https?:|wss?:)?\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s"'`)]*/gi;
const CDN_HOSTS = /jsdelivr|unpkg|cdnjs|googleapis|gstatic|esm\.sh|skypack|jspm|bootstrapcdn|cloudflare/i;
/** Absolute URLs a bundle may hold because nothing fetches them: an XML namespace, a link in a console warning. */
const NOT_FETCHED = new Set(['http://www.w3.org/2000/svg', 'https://fullcalendar.io/docs/upgrading-from-v6']);

describe('the dashboard assets', () => {
  it('names each asset by a hash of its content under /app/assets', async () => {
    for (const name of LOGICAL_ASSET_NAMES) {
      const [base, ext] = name.split('.');
      const url = assetUrl(name);
      expect(url).toMatch(new RegExp(`^/app/assets/${base}\\.[0-9a-f]{8}\\.${ext}$`));
      const { res, body } = await get(url);
      expect(res.status).toBe(200);
      const hash = url.split('.').at(-2);
      expect(
        createHash('sha256')
          .update(body)
          .digest('hex')
          .startsWith(hash ?? '-'),
      ).toBe(true);
    }
  });

  it('serves scripts and the stylesheet with their types, cached for good, and revalidates by ETag', async () => {
    for (const name of LOGICAL_ASSET_NAMES) {
      const { res, body } = await get(assetUrl(name));
      expect(res.headers.get('content-type')).toBe(name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const etag = res.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(body.length).toBeGreaterThan(0);

      const again = await get(assetUrl(name), { 'if-none-match': `W/"other", ${etag}` });
      expect(again.res.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.res.headers.get('etag')).toBe(etag);
      expect(again.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

      const stale = await get(assetUrl(name), { 'if-none-match': '"something-else"' });
      expect(stale.res.status).toBe(200);

      const zipped = await get(assetUrl(name), { 'accept-encoding': 'gzip, br' });
      expect(zipped.res.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(zipped.body).equals(body)).toBe(true);
    }
  });

  it('answers 404 for a name that is not an asset, including the unhashed and a wrongly hashed name', async () => {
    const hashed = assetUrl('app.js');
    for (const path of [
      `${ASSETS_PATH}/app.js`,
      `${ASSETS_PATH}/app.css`,
      `${ASSETS_PATH}/app.00000000.js`,
      hashed.replace('.js', '.css'),
      `${hashed}.map`,
      `${ASSETS_PATH}/assets.ts`,
      `${ASSETS_PATH}/..%2F..%2Fpackage.json`,
      `${ASSETS_PATH}/`,
    ]) {
      const { res } = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('cache-control') ?? '', path).not.toContain('immutable');
    }
  });

  it('ships scripts that parse as ES2020 modules, without a source map', async () => {
    for (const name of SCRIPTS) {
      const source = await text(name);
      expect(() => parse(source, { ecmaVersion: 2020, sourceType: 'module' }), name).not.toThrow();
      expect(source).not.toMatch(/sourceMappingURL/);
    }
  });

  it('ships scripts that ask no other host for anything', async () => {
    for (const name of SCRIPTS) {
      const source = await text(name);
      const ast = parse(source, { ecmaVersion: 2020, sourceType: 'module' });
      expect(
        requestTargets(ast).filter((t) => ABSOLUTE_URL.test(t) || t === '(computed)'),
        name,
      ).toEqual([]);
      const absolute = stringsIn(ast)
        .flatMap((s) => s.match(ABSOLUTE_URL_IN_TEXT) ?? [])
        .filter((url) => !NOT_FETCHED.has(url));
      expect(absolute, name).toEqual([]);
      expect(source, name).not.toMatch(CDN_HOSTS);
    }
    // The calendar's own requests go to the page's feed URL, read from the page.
    expect(await text('board.js')).toContain('/app/board/move');
  });

  it('ships a stylesheet that imports nothing and names no other host', async () => {
    const css = await text('app.css');
    expect(css).not.toMatch(/@import/i);
    expect(css).not.toMatch(/url\(\s*['"]?(?!data:)/i);
    expect(css).not.toMatch(ABSOLUTE_URL);
    expect(css).toMatch(/:focus-visible/);
    expect(css).toMatch(/@media print/);
  });

  it('refuses to name an asset before the build, saying what to do', async () => {
    vi.resetModules();
    const fresh = await import('../../src/http/ops/assets/assets');
    expect(() => fresh.assetUrl('app.js')).toThrow(/await loadOpsAssets\(\)/);
  });

  it('finds its sources and packages wherever the process starts, building the same files', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const module = pathToFileURL(join(ROOT, 'src/http/ops/assets/assets.ts')).href;
    const script = `const m = await import(${JSON.stringify(module)}); await m.loadOpsAssets(); console.log(JSON.stringify(${JSON.stringify(LOGICAL_ASSET_NAMES)}.map((n) => m.assetUrl(n))));`;
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(tsx).href, '--input-type=module', '-e', script], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(LOGICAL_ASSET_NAMES.map((n) => assetUrl(n)));
  });
});
