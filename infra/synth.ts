/**
 * `npm run synth`: writes the CloudFormation templates of the installation to infra/cdk.out from
 * infra/bosun.config.json (else the example), with no network and no AWS credentials, and prints each
 * stack's resources and the time it took.
 *
 *   npm run synth [-- --config FILE] [--out DIR] [--functions DIR]
 *
 * `--functions DIR` takes the function bundles from DIR/api and DIR/worker instead of building them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DeploymentConfigError, readDeploymentConfig } from './config';

// The CDK's own notices and version checks are for its command line; make sure none runs here.
process.env.CDK_DISABLE_VERSION_CHECK = '1';
process.env.CDK_DISABLE_CLI_TELEMETRY = '1';

const started = performance.now();
const infra = dirname(fileURLToPath(import.meta.url));
const root = resolve(infra, '..');
const show = (path: string) => relative(process.cwd(), path) || '.';

function fail(message: string): never {
  console.error(`synth: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: { config: { type: 'string' }, out: { type: 'string' }, functions: { type: 'string' } },
  allowPositionals: false,
});

let configFile = values.config ? resolve(values.config) : join(infra, 'bosun.config.json');
if (!values.config && !existsSync(configFile)) {
  configFile = join(infra, 'bosun.config.example.json');
  console.log(`No ${show(join(infra, 'bosun.config.json'))}: using ${show(configFile)} (copy it and put in your own values).`);
}
let config: ReturnType<typeof readDeploymentConfig>;
try {
  config = readDeploymentConfig(configFile);
} catch (err) {
  if (err instanceof DeploymentConfigError) fail(err.message);
  throw err;
}

/** The function bundles: given, built by `npm run build:lambda`, or a stand-in that refuses every call. */
function functionCode(): { api: string; worker: string } {
  if (values.functions) {
    const dir = resolve(values.functions);
    return { api: join(dir, 'api'), worker: join(dir, 'worker') };
  }
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {};
  if (scripts['build:lambda']) {
    const build = spawnSync('npm', ['run', '--silent', 'build:lambda'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) fail('npm run build:lambda failed; nothing was synthesized');
    return { api: join(root, 'dist/lambda/api'), worker: join(root, 'dist/lambda/worker') };
  }
  const standIn = join(root, 'dist/lambda-stand-in');
  for (const name of ['api', 'worker']) {
    mkdirSync(join(standIn, name), { recursive: true });
    writeFileSync(
      join(standIn, name, 'index.mjs'),
      "export const handler = async () => { throw new Error('This Bosun function was deployed without its bundle: run npm run build:lambda, then synth and deploy again'); };\n",
    );
  }
  console.log('There is no npm run build:lambda yet: the functions get a stand-in that refuses every call.');
  return { api: join(standIn, 'api'), worker: join(standIn, 'worker') };
}

const code = functionCode();
for (const [name, dir] of Object.entries(code)) {
  if (!existsSync(join(dir, 'index.mjs'))) fail(`the ${name} function's bundle ${show(join(dir, 'index.mjs'))} is missing`);
}

const outdir = values.out ? resolve(values.out) : join(infra, 'cdk.out');
rmSync(outdir, { recursive: true, force: true });
// The CDK is loaded only now: a wrong configuration or a missing bundle stops at once.
const beforeLoad = performance.now();
const { buildApp } = await import('./app');
const loaded = performance.now();
const { app } = buildApp(config, { outdir, functionCode: code });
const built = performance.now();
let assembly: ReturnType<typeof app.synth>;
try {
  assembly = app.synth();
} catch (err) {
  // The validation's report is printed above; a template that fails it is not left to be deployed.
  rmSync(outdir, { recursive: true, force: true });
  fail(`${(err as Error).message.split('\n')[0]} — nothing was written`);
}
const written = performance.now();
const missing = assembly.manifest.missing ?? [];
if (missing.length > 0) fail(`the app asked to look up ${missing.map((m) => m.key).join(', ')} in the account; nothing may be looked up`);

for (const stack of assembly.stacks) {
  const resources = Object.values((stack.template.Resources ?? {}) as Record<string, { Type: string }>);
  const byType = new Map<string, number>();
  for (const r of resources) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
  console.log(
    `${stack.stackName} (${config.mode} mode, ${config.region}): ${resources.length} resources → ${show(join(outdir, stack.templateFile))}`,
  );
  for (const [type, count] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
    console.log(`  ${String(count).padStart(3)}  ${type}`);
}
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `Synthesized in ${seconds(performance.now() - started)} (loading the CDK ${seconds(loaded - beforeLoad)}, building the stack ${seconds(built - loaded)}, writing and validating the template ${seconds(written - built)}).`,
);
