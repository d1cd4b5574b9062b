#!/usr/bin/env node
// The `bosun` command's bundle (ADR 0029): src/main/cli.ts and everything it imports as one ES module,
// dist/app/cli.mjs, for the Node it runs on (packages stay in node_modules), with its source map beside it so
// stack traces name src files, and the dashboard's client assets built in (as for Lambda, ADR 0026).
// Built at install (`prepare`) and by `npm run build`; bin/bosun.js calls `currentAppBundle()`, which
// compares a fingerprint of the sources (each file's path, size and mtime: a few ms) with the one stored beside
// the bundle and rebuilds first when they differ. A build happens in a folder of its own and its files are
// renamed into place, the fingerprint last, so a process started meanwhile never loads half a bundle, and a
// failed build leaves the previous bundle as it was. Beside the bundles, a new migrated database (`db-template`)
// that a first start copies; it is made again only when the database creator's bundle or the packages changed.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const APP = join(DIST, 'app');
/**
 * Each process and thread Bosun starts, by the name of its bundle: `bosun` itself, the short-lived child
 * that creates the embedded database (ADR 0030), and the render pool's worker thread (ADR 0032), each
 * started from the file beside the running module.
 */
const ENTRIES = {
  cli: join(SRC, 'main', 'cli.ts'),
  'create-database': join(SRC, 'main', 'create-database.ts'),
  'render-worker': join(SRC, 'publish', 'render-worker.ts'),
};
const ENTRY = 'cli.mjs';
const FINGERPRINT = 'fingerprint';
/**
 * A new embedded database made by this build's `create-database`, which a first start copies instead of
 * running initdb and the migrations (ADR 0030 addendum): `db-template/db`, with `made-by.json` naming the
 * digest of that bundle (checked again at run time) and of the lockfile (the packages it was made with).
 */
const TEMPLATE = 'db-template';
/** Besides src: what the bundle is built with and from (this script, the packages the client assets take in). */
const ALSO = [fileURLToPath(import.meta.url), join(ROOT, 'package.json'), join(ROOT, 'package-lock.json')];

/** Every file under `dir` with its size and mtime, in a stable order. */
function statsUnder(dir, into) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) statsUnder(path, into);
    else if (entry.isFile()) into.push(statLine(path));
  }
  return into;
}

function statLine(path) {
  try {
    const s = statSync(path);
    return `${relative(ROOT, path)}\0${s.size}\0${s.mtimeMs}`;
  } catch {
    return `${relative(ROOT, path)}\0absent`;
  }
}

/** The sources as they are now: a digest of every file's path, size and modification time. */
export function sourceFingerprint() {
  const lines = statsUnder(SRC, []);
  for (const path of ALSO) lines.push(statLine(path));
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function storedFingerprint() {
  try {
    return readFileSync(join(APP, FINGERPRINT), 'utf8');
  } catch {
    return null;
  }
}

/** A build that esbuild refused: `message` is its errors, formatted as it prints them. */
export class AppBuildError extends Error {}

/**
 * The bundle's path, built first when src changed since it was (or it was never built). Throws
 * `AppBuildError` when the sources do not build; the previous bundle stays.
 */
export async function currentAppBundle() {
  const fingerprint = sourceFingerprint();
  // A bundle removed by hand after it was built counts as stale too.
  if (storedFingerprint() !== fingerprint || !existsSync(join(APP, ENTRY))) await buildApp(fingerprint);
  return join(APP, ENTRY);
}

/** Builds the bundle from src as it is now and renames it into dist/app. */
export async function buildApp(fingerprint = sourceFingerprint()) {
  const { build, formatMessages } = await import('esbuild');
  const work = join(DIST, `.app-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(work, { recursive: true });
  const refused = async (err) => {
    if (!Array.isArray(err?.errors) || err.errors.length === 0) throw err;
    const text = await formatMessages(err.errors, { kind: 'error', color: false, terminalWidth: 100 });
    throw new AppBuildError(text.join('').trimEnd());
  };
  try {
    const common = {
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      jsx: 'automatic',
      jsxImportSource: 'hono/jsx',
      logLevel: 'silent',
    };
    // The dashboard's scripts and stylesheet, as `bosun start` would build them in memory (ADR 0020): the module
    // that builds them, bundled on its own with its own location, so it finds the client sources beside it.
    const assetsModule = join(SRC, 'http', 'ops', 'assets', 'assets.ts');
    await build({
      ...common,
      entryPoints: [assetsModule],
      outfile: join(work, 'assets-builder.mjs'),
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(assetsModule).href) },
    }).catch(refused);
    const { buildOpsAssetContents } = await import(pathToFileURL(join(work, 'assets-builder.mjs')).href);
    const opsAssets = await buildOpsAssetContents().catch(refused);
    const outputs = Object.keys(ENTRIES).flatMap((name) => [`${name}.mjs.map`, `${name}.mjs`]);
    await build({
      ...common,
      entryPoints: ENTRIES,
      outdir: work,
      outExtension: { '.js': '.mjs' },
      sourcemap: 'linked',
      // Stack traces need names and lines, not the sources themselves (they are in src).
      sourcesContent: false,
      define: { __BOSUN_OPS_ASSETS__: JSON.stringify(opsAssets) },
    }).catch(refused);
    const template = makeTemplate(work);
    writeFileSync(join(work, FINGERPRINT), fingerprint);
    mkdirSync(APP, { recursive: true });
    if (template !== 'kept') placeTemplate(work, template);
    // Each map before its bundle, the fingerprint last: a process that reads the new one finds the new bundles.
    for (const file of [...outputs, FINGERPRINT]) renameSync(join(work, file), join(APP, file));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(APP, ENTRY);
}

const digest = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

function readMadeBy(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, TEMPLATE, 'made-by.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The template for the bundles in `work`: `kept` when the installed one was made by the same
 * `create-database` and packages, else `made` (in `work`) or `none` (it could not be made: a first start
 * then builds its database as without one, so this only warns).
 */
function makeTemplate(work) {
  const madeBy = { createDatabase: digest(join(work, 'create-database.mjs')), lockfile: digest(join(ROOT, 'package-lock.json')) };
  const installed = readMadeBy(APP);
  if (
    installed?.createDatabase === madeBy.createDatabase &&
    installed?.lockfile === madeBy.lockfile &&
    existsSync(join(APP, TEMPLATE, 'db', 'PG_VERSION'))
  ) {
    return 'kept';
  }
  const dir = join(work, TEMPLATE);
  mkdirSync(dir);
  const made = spawnSync(process.execPath, [join(work, 'create-database.mjs'), join(dir, 'db')], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (made.status !== 0) {
    const said = (made.stderr ?? '').trim().split('\n').at(-1) || made.error?.message || `it exited with ${made.status ?? made.signal}`;
    process.stderr.write(`bosun: no database template (a first start will create its database itself): ${said}\n`);
    rmSync(dir, { recursive: true, force: true });
    return 'none';
  }
  // Readable by the user a service runs as, whoever installed it: it holds no data and no secret, and a
  // copy is closed to others once it is opened (main/runtime.ts).
  openToReading(dir);
  writeFileSync(join(dir, 'made-by.json'), `${JSON.stringify(madeBy)}\n`);
  return 'made';
}

function openToReading(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) openToReading(path);
    else chmodSync(path, 0o644);
  }
}

/** Takes the installed template away and, when one was made, renames it into place. */
function placeTemplate(work, template) {
  try {
    renameSync(join(APP, TEMPLATE), join(work, 'old-template'));
  } catch {
    // None installed, or another build moved it first.
  }
  if (template !== 'made') return;
  try {
    renameSync(join(work, TEMPLATE), join(APP, TEMPLATE));
  } catch {
    // Another build placed its own meanwhile: made from the same sources, or checked at run time.
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    await buildApp();
    const kB = (file) => `${(statSync(join(APP, file)).size / 1000).toFixed(0)} kB`;
    process.stdout.write(
      `bosun: built ${relative(ROOT, join(APP, ENTRY))} (${kB(ENTRY)}, map ${kB(`${ENTRY}.map`)}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } catch (err) {
    process.stderr.write(`bosun: the build failed:\n${err instanceof AppBuildError ? err.message : (err?.stack ?? String(err))}\n`);
    process.exitCode = 1;
  }
}
