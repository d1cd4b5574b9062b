import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError, mailFrom, parseDeploymentConfig, readDeploymentConfig } from '../config';
import { EXAMPLE_FILE, exampleInput, SINGLE } from './support';

describe('the deployment configuration', () => {
  it('reads the documented example, with the defaults of what it leaves out', () => {
    const config = readDeploymentConfig(EXAMPLE_FILE);
    expect(config).toMatchObject({ stackName: 'Bosun', account: '123456789012', region: 'eu-west-1', mode: 'platform' });
    const minimal = parseDeploymentConfig({
      ...exampleInput(),
      database: undefined,
      functions: undefined,
      api: undefined,
      stackName: undefined,
    });
    expect(minimal.database).toEqual({ instanceType: 't4g.micro', storageGiB: 20, maxStorageGiB: 100, multiAz: false, backupDays: 7 });
    expect(minimal.functions).toEqual({ apiMemoryMiB: 1024, workerMemoryMiB: 1024, workerTimeoutSeconds: 900, apiReservedConcurrency: 30 });
    expect(minimal.api).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(minimal.stackName).toBe('Bosun');
  });

  it('sends mail from mail.from, else from bosun@ the mail-from domain', () => {
    expect(mailFrom(parseDeploymentConfig(exampleInput()))).toBe('bosun@example.com');
    const input = exampleInput();
    expect(mailFrom(parseDeploymentConfig({ ...input, mail: { fromDomain: 'mail.example.net' } }))).toBe('bosun@mail.example.net');
  });

  it('takes single mode with its guest domain, certificate and tenant', () => {
    const config = parseDeploymentConfig({ ...exampleInput(), mode: 'single', single: SINGLE });
    expect(config.single).toEqual(SINGLE);
  });

  const wrong: [string, (c: Record<string, any>) => void, string][] = [
    ['a short account id', (c) => (c.account = '12345'), 'account: must be a 12-digit AWS account id'],
    ['a region name in words', (c) => (c.region = 'Europe'), 'region: must be an AWS region like eu-west-1'],
    ['an unknown mode', (c) => (c.mode = 'multi'), 'mode: must be "platform" (many operators) or "single" (one operator)'],
    [
      'a certificate outside us-east-1',
      (c) => (c.platform.certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000001'),
      'platform.certificateArn: must be an ACM certificate ARN in us-east-1',
    ],
    ['a host name in capitals', (c) => (c.platform.domain = 'Ops.Example.com'), 'platform.domain: must be a lower-case host name'],
    ['a URL for a domain', (c) => (c.platform.domain = 'https://ops.example.com'), 'platform.domain: must be a lower-case host name'],
    ['single mode without its site', (c) => (c.mode = 'single'), 'single: is required in single mode'],
    ['a site in platform mode', (c) => (c.single = SINGLE), 'single: is for single mode only'],
    ['a misspelt field', (c) => (c.regoin = 'eu-west-1'), 'unknown field regoin'],
    ['a misspelt nested field', (c) => (c.database.storageGb = 20), 'unknown field database.storageGb'],
    ['too little storage', (c) => (c.database.storageGiB = 10), 'database.storageGiB: must be at least 20'],
    ['a ceiling under the storage', (c) => (c.database.maxStorageGiB = 10), 'database.maxStorageGiB: must be at least database.storageGiB'],
    ['a sender at another domain', (c) => (c.mail.from = 'bosun@other.example'), 'mail.from: must be an address at mail.fromDomain'],
    [
      'a worker timeout under two minutes',
      (c) => (c.functions.workerTimeoutSeconds = 60),
      'functions.workerTimeoutSeconds: must be at least 120 (the worker stops taking jobs a minute before its end)',
    ],
    [
      'no reserved concurrency for the API',
      (c) => (c.functions.apiReservedConcurrency = 0),
      'functions.apiReservedConcurrency: must be at least 1',
    ],
    ['a fractional reserved concurrency', (c) => (c.functions.apiReservedConcurrency = 2.5), 'functions.apiReservedConcurrency: '],
    ['a zero rate limit', (c) => (c.api.rateLimit = 0), 'api.rateLimit: must be at least 1'],
    ['a burst over what API Gateway takes', (c) => (c.api.burstLimit = 10001), 'api.burstLimit: must be at most 5000'],
    ['a misspelt throttle field', (c) => (c.api.rate = 10), 'unknown field api.rate'],
    [
      'a regional web ACL',
      (c) => (c.api.webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/bosun/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'),
      'api.webAclArn: must be the ARN of a CloudFront-scope AWS WAF web ACL (us-east-1, global/webacl/NAME/ID)',
    ],
    ['no mail section', (c) => delete c.mail, 'mail: is required'],
    ['no account', (c) => delete c.account, 'account: is required'],
    [
      'zones of another region',
      (c) => (c.availabilityZones = ['us-east-1a', 'us-east-1b']),
      'availabilityZones: must be zones of the region eu-west-1',
    ],
    ['one zone', (c) => (c.availabilityZones = ['eu-west-1a']), 'availabilityZones: must name exactly two availability zones'],
  ];
  it.each(wrong)('refuses %s with one line naming the field', (_, change, message) => {
    const input = exampleInput();
    change(input);
    let error: unknown;
    try {
      parseDeploymentConfig(input, 'infra/bosun.config.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeploymentConfigError);
    const text = (error as Error).message;
    expect(text.startsWith(`infra/bosun.config.json: ${message}`)).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('names a file that is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-infra-config-'));
    expect(() => readDeploymentConfig(join(dir, 'absent.json'))).toThrow(/absent\.json: cannot be read \(ENOENT\)$/);
    writeFileSync(join(dir, 'broken.json'), '{ "account": "123456789012", }');
    expect(() => readDeploymentConfig(join(dir, 'broken.json'))).toThrow(/broken\.json: is not JSON \(/);
  });
});
