/**
 * `npm run synth` in a child process with no AWS credentials, proxies pointing at a closed port and
 * every outbound connection refused: it writes the templates, or stops with one line and writes nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_FILE, exampleInput, standInFunctions } from './support';

const root = new URL('../..', import.meta.url).pathname;
const noNetwork = new URL('./fixtures/no-network.mjs', import.meta.url).pathname;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the synth script as `npm run synth` does, in an environment with no way out. */
async function synth(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proxy = `http://127.0.0.1:${await closedPort()}`;
  const home = mkdtempSync(join(tmpdir(), 'bosun-synth-home-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', noNetwork, 'infra/synth.ts', ...args], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

describe('npm run synth', () => {
  it('writes the templates with no network and no AWS credentials, and prints the resources and the time', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bosun-synth-')), 'cdk.out');
    const functions = standInFunctions();
    const run = await synth(['--config', EXAMPLE_FILE, '--out', out, '--functions', functions.dir]);
    expect(run.stderr).not.toContain('NETWORK ATTEMPT');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Bosun \(platform mode, eu-west-1\): \d+ resources → /m);
    expect(run.stdout).toMatch(/^ +2 {2}AWS::CloudFront::Distribution$/m);
    expect(run.stdout).toMatch(
      /^Synthesized in \d+\.\d s \(loading the CDK \d+\.\d s, building the stack \d+\.\d s, writing and validating the template \d+\.\d s\)\.$/m,
    );
    const template = JSON.parse(readFileSync(join(out, 'Bosun.template.json'), 'utf8'));
    const count = Number(/: (\d+) resources/.exec(run.stdout)?.[1]);
    expect(Object.keys(template.Resources)).toHaveLength(count);
    // Nothing was left to look up in an account.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.missing).toBeUndefined();
    expect(manifest.artifacts.Bosun.environment).toBe('aws://123456789012/eu-west-1');
  });

  it('stops with one line naming what is wrong, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-synth-bad-'));
    const out = join(dir, 'cdk.out');
    const functions = standInFunctions();
    const cases: [string, Record<string, any> | null, string][] = [
      ['no-account.json', { ...exampleInput(), account: undefined }, 'no-account.json: account: is required'],
      [
        'eu-certificate.json',
        {
          ...exampleInput(),
          platform: {
            domain: 'ops.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000001',
          },
        },
        'eu-certificate.json: platform.certificateArn: must be an ACM certificate ARN in us-east-1',
      ],
      ['single.json', { ...exampleInput(), mode: 'single' }, 'single.json: single: is required in single mode'],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, name);
      if (content) writeFileSync(file, JSON.stringify(content));
      const run = await synth(['--config', file, '--out', out, '--functions', functions.dir]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().startsWith(`synth: ${join(dir, message)}`)).toBe(true);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).not.toContain('resources');
      expect(existsSync(out)).toBe(false);
    }
    // A missing bundle stops it too, and leaves an earlier synthesis as it was.
    const earlier = join(dir, 'earlier.out');
    mkdirSync(earlier);
    writeFileSync(join(earlier, 'Bosun.template.json'), '{}');
    const run = await synth(['--config', EXAMPLE_FILE, '--out', earlier, '--functions', join(dir, 'no-such-folder')]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^synth: the api function's bundle .*no-such-folder\/api\/index\.mjs is missing$/);
    expect(readFileSync(join(earlier, 'Bosun.template.json'), 'utf8')).toBe('{}');
  });
});
