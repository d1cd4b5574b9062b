/**
 * Test support: the stack of each mode, synthesized once per test file from a configuration like
 * the example, with stand-in function bundles (a folder holding an `index.mjs`), so no bundle and no
 * AWS account are needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../app';
import type { BosunStack } from '../bosun-stack';
import { type DeploymentConfig, parseDeploymentConfig } from '../config';

export const EXAMPLE_FILE = new URL('../bosun.config.example.json', import.meta.url).pathname;

export function exampleInput(): Record<string, any> {
  return JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8'));
}

export const SINGLE = {
  domain: 'sail.example.org',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000002',
  tenant: 'blue-water',
};

export function configFor(mode: 'platform' | 'single'): DeploymentConfig {
  const input = exampleInput();
  return parseDeploymentConfig(mode === 'single' ? { ...input, mode, single: SINGLE } : input);
}

/** A folder with `api/index.mjs` and `worker/index.mjs`, as `npm run build:lambda` writes them. */
export function standInFunctions(): { dir: string; api: string; worker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-infra-functions-'));
  for (const name of ['api', 'worker']) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.mjs'), 'export const handler = async () => ({ statusCode: 204 });\n');
  }
  return { dir, api: join(dir, 'api'), worker: join(dir, 'worker') };
}

export type Synthesized = { config: DeploymentConfig; stack: BosunStack; template: Template; json: any };

const cache = new Map<string, Synthesized>();

export function synthesize(mode: 'platform' | 'single'): Synthesized {
  const hit = cache.get(mode);
  if (hit) return hit;
  const config = configFor(mode);
  const functions = standInFunctions();
  const outdir = mkdtempSync(join(tmpdir(), 'bosun-infra-out-'));
  // The schema validation runs in the synth test; here it would only double the time of each file.
  const { stack } = buildApp(config, { outdir, functionCode: functions, validate: false });
  const template = Template.fromStack(stack);
  const made = { config, stack, template, json: template.toJSON() };
  cache.set(mode, made);
  return made;
}

type Resource = { Type: string; Properties?: any; [k: string]: any };

/** The resources of one type, by logical id. */
export function resourcesOf(json: any, type: string): [string, Resource][] {
  return Object.entries(json.Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceOf(json: any, type: string, prefix: string): [string, Resource] {
  const found = resourcesOf(json, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.length}`);
  return found[0]!;
}

/** The logical ids a template value refers to (Ref and Fn::GetAtt). */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) ids.add(inner);
        else if (k === 'Fn::GetAtt' && Array.isArray(inner)) ids.add(String(inner[0]));
        else visit(inner);
      }
    }
  };
  visit(value);
  return ids;
}

/**
 * A template string with its references put in: `Fn::Join` of literals, `Ref`/`Fn::GetAtt` through
 * `values` (by logical id, or `id.Attribute`), pseudo parameters by name.
 */
export function resolveText(value: unknown, values: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'];
      return (parts as unknown[]).map((p) => resolveText(p, values)).join(separator);
    }
    if ('Ref' in v) return values[v.Ref] ?? `<${v.Ref}>`;
    if ('Fn::GetAtt' in v) {
      const key = `${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}`;
      return values[key] ?? `<${key}>`;
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}
