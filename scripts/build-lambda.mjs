#!/usr/bin/env node
// `npm run build:lambda`: the two Lambda functions as ESM bundles for Node 22 (ADR 0026) —
// dist/lambda/api/index.mjs (the app behind API Gateway, from src/main/lambda.ts) and
// dist/lambda/worker/index.mjs (the job worker, from src/main/lambda-worker.ts) — each minified,
// exporting `handler`, with its source map beside it, and a .zip of each folder to upload (without the map). PGlite and
// esbuild stay out (Lambda always uses a PostgreSQL server; the dashboard's client assets are built
// here and embedded); the AWS SDK is bundled, not taken from the runtime. Prints each size.
//
// `--only api|worker` builds one; `--api-entry <file>` bundles another module as the API function.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32, deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'lambda');

/** Loaded only where chosen, or never on Lambda: left out of the bundles. */
const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'esbuild', 'pg-native'];

/** swagger-ui-dist's files the API reference serves (src/http/api/docs.tsx), copied beside the API bundle. */
const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];
const SWAGGER_UI_DIR = 'swagger-ui';

/** ESM output of CommonJS packages (pg, pg-boss) still calls `require` for Node's own modules. */
const BANNER =
  "import { createRequire as __bosunCreateRequire } from 'node:module'; const require = __bosunCreateRequire(import.meta.url);";

const { values } = parseArgs({ options: { only: { type: 'string' }, 'api-entry': { type: 'string' } } });
const FUNCTIONS = {
  api: { entry: values['api-entry'] ? resolve(values['api-entry']) : join(ROOT, 'src', 'main', 'lambda.ts'), swaggerUi: true },
  worker: { entry: join(ROOT, 'src', 'main', 'lambda-worker.ts'), swaggerUi: false },
};
const chosen = values.only ? [values.only] : Object.keys(FUNCTIONS);
for (const name of chosen) {
  if (!(name in FUNCTIONS)) throw new Error(`--only names no function ${name}; the functions are ${Object.keys(FUNCTIONS).join(', ')}`);
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

async function main() {
  const started = performance.now();
  // The dashboard's scripts and stylesheet, built once here as `bosun start` builds them at start-up.
  const { buildOpsAssetContents } = await tsImport('../src/http/ops/assets/assets.ts', import.meta.url);
  const opsAssets = await buildOpsAssetContents();
  const define = {
    __BOSUN_OPS_ASSETS__: JSON.stringify(opsAssets),
    __BOSUN_SWAGGER_UI_DIR__: JSON.stringify(`./${SWAGGER_UI_DIR}/`),
  };
  for (const name of chosen) {
    const fn = FUNCTIONS[name];
    if (!existsSync(fn.entry)) throw new Error(`the ${name} function's entry ${relative(ROOT, fn.entry)} does not exist`);
    const dir = join(OUT, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const result = await build({
      entryPoints: [fn.entry],
      outfile: join(dir, 'index.mjs'),
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      // ES module builds first: a UMD build (jsonc-parser's `main`) requires its parts by names esbuild cannot follow.
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: 'linked',
      // Source paths in the map relative to the checkout, not this machine's folders.
      sourceRoot: '',
      legalComments: 'none',
      external: EXTERNAL,
      define,
      banner: { js: BANNER },
      jsx: 'automatic',
      jsxImportSource: 'hono/jsx',
      metafile: true,
      logLevel: 'warning',
    });
    if (fn.swaggerUi) {
      const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
      mkdirSync(join(dir, SWAGGER_UI_DIR));
      for (const file of SWAGGER_UI_FILES) cpSync(join(dist, file), join(dir, SWAGGER_UI_DIR, file));
    }
    const zip = join(OUT, `${name}.zip`);
    // The map stays beside the bundle, out of the upload: a stack trace from Lambda is read against it here.
    writeFileSync(
      zip,
      zipFolder(dir, (path) => !path.endsWith('.map')),
    );
    const bundle = statSync(join(dir, 'index.mjs')).size;
    const map = statSync(join(dir, 'index.mjs.map')).size;
    const inputs = Object.keys(result.metafile.inputs).length;
    process.stdout.write(
      `${name}: ${relative(ROOT, join(dir, 'index.mjs'))} ${kB(bundle)} (map ${kB(map)}, ${inputs} inputs); ${relative(ROOT, zip)} ${kB(statSync(zip).size)}\n`,
    );
  }
  process.stdout.write(`built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** Every file under `dir`, relative to it, in a stable order. */
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

/**
 * A .zip of the files under `dir` that `include` accepts (deflated; PKWARE APPNOTE 4.3: local headers, then the central
 * directory). Times are fixed at 1980-01-01, so the same bundle zips to the same bytes.
 */
function zipFolder(dir, include) {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const path of filesUnder(dir).filter(include)) {
    const name = Buffer.from(path.split('\\').join('/'), 'utf8');
    const data = readFileSync(join(dir, path));
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

main().catch((err) => {
  process.stderr.write(`build:lambda failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
