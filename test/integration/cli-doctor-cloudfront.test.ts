/**
 * `bosun doctor` on a CloudFront set-up, run as a user runs it (the real CLI in a child process) with
 * the local CloudFront API server and an S3 server standing in for AWS: the function each guest site's
 * distribution runs is read back (GetDistributionConfig, then GetFunction at its LIVE stage) and must be
 * the generated one byte for byte. A different function, none, and a distribution that does not exist
 * are each named, with what to run, and exit non-zero (a site without a distribution: cli-doctor.test.ts).
 * In platform mode (one multi-tenant distribution) the distribution's one function is checked once,
 * against the function `bosun edge-function` prints there, and a site without its distribution tenant
 * is named.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/cloudfront-cdn';
import { parseS3Url, S3ObjectStore } from '../../src/adapters/s3-object-store';
import { commands } from '../../src/cli/commands';
import { openRuntime, type Runtime } from '../../src/main/runtime';
import { generatePlatformEdgeFunction } from '../../src/publish/edge-function';
import { NOT_FOUND_KEY, PAGE_CONTENT_TYPE, SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { getEdgeFunction } from '../../src/services/publishing';
import { provisionGuestSite } from '../../src/services/site-provisioning';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { killAll, oneJsonObject, runBosun } from '../support/processes';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3';

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const DOMAIN = 'harbor.example.com';
let target: DataTarget;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let cloudfront: FakeCloudFront;
let sm: FakeSecretsManager;
let generated: string;

/** A complete CloudFront set-up; on the pglite project the database stays embedded (one problem, named). */
const env = (extra: Record<string, string> = {}) =>
  target.env({
    BOSUN_CDN: 'cloudfront',
    BOSUN_OBJECT_STORE: `s3://bosun-sites/prod?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}`,
    BOSUN_PUBLIC_URL: 'https://ops.example.com',
    BOSUN_SECRET: 's'.repeat(40),
    SMTP_URL: 'smtp://127.0.0.1:2525',
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...extra,
  });

/** What a healthy installation still reports here: an embedded database is no CloudFront set-up. */
const expectedProblems = () => (target.engine === 'pglite' ? ['configuration DATABASE_SECRET_ARN'] : []);

async function doctor(extra: Record<string, string> = {}) {
  const run = await runBosun(['--json', 'doctor'], env(extra), 150_000);
  const report = oneJsonObject(run.stdout);
  const checks = report.checks as { check: string; ok: boolean; detail: string }[];
  return { code: run.code, checks, problems: checks.filter((c) => !c.ok), check: (name: string) => checks.find((c) => c.check === name) };
}

/** Runs operator commands in this process, on the same data the child processes use (none runs meanwhile). */
async function operator(run: (rt: Runtime) => Promise<unknown>) {
  const rt = await openRuntime(target.config(), { log: pino({ level: 'silent' }), migrate: true, supervise: false, liveFeed: 'off' });
  try {
    await run(rt);
  } finally {
    await rt.close();
  }
}

const command = (name: string) => {
  const found = commands[name];
  if (!found) throw new Error(`no command ${name}`);
  return found;
};

beforeAll(async () => {
  target = await openDataTarget();
  s3 = await startS3Server(['bosun-sites']);
  cloudfront = await new FakeCloudFront().start();
  cloudfront.setViewerRequestFunction(DISTRIBUTION, null);
  sm = await new FakeSecretsManager().start();
  await operator(async (rt) => {
    await command('tenant create')(rt, { slug: 'harbor', name: 'Harbor Charters', guestDomain: DOMAIN, timezone: 'UTC' });
    await command('site cdn')(rt, { tenant: 'harbor', distributionId: DISTRIBUTION });
    generated = (await getEdgeFunction(rt.deps, 'harbor')).code;
  });
  // The site's not-found page, where the S3 object store keeps it.
  const store = new S3ObjectStore(parseS3Url(`s3://bosun-sites/prod?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}`), {
    credentials: S3_TEST_CREDENTIALS,
  });
  await store.put({
    bucket: DOMAIN,
    key: NOT_FOUND_KEY,
    body: '<!doctype html><title>Not found</title>',
    contentType: PAGE_CONTENT_TYPE,
    cacheControl: SITE_CACHE_CONTROL,
  });
  store.destroy();
}, 600_000);
afterAll(async () => {
  await killAll();
  await cloudfront?.stop();
  await sm?.stop();
  await s3?.stop();
  await target?.close();
});

describe('bosun doctor with BOSUN_CDN=cloudfront', () => {
  it('passes when the distribution runs the generated function, read from its LIVE stage', async () => {
    cloudfront.setViewerRequestFunction(DISTRIBUTION, cloudfront.putFunction('bosun-harbor', generated));
    const run = await doctor();
    expect(run.check(`site ${DOMAIN} function`)).toEqual({
      check: `site ${DOMAIN} function`,
      ok: true,
      detail: `CloudFront function bosun-harbor (LIVE, on distribution ${DISTRIBUTION}) is the generated one`,
    });
    expect(run.problems.map((c) => c.check)).toEqual(expectedProblems());
    expect(run.code).toBe(expectedProblems().length === 0 ? 0 : 1);
    expect(cloudfront.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([`GET /2020-05-31/distribution/${DISTRIBUTION}/config`, 'GET /2020-05-31/function/bosun-harbor?Stage=LIVE']),
    );
  }, 600_000);

  it('names a function that differs from the generated one, with what to run, and exits non-zero', async () => {
    // The seed's mistake: a rewrite to another suffix than the one pages are stored under.
    cloudfront.putFunction('bosun-harbor', generated.replace('const PAGE_SUFFIX = ".html";', 'const PAGE_SUFFIX = "/index.html";'));
    const run = await doctor();
    expect(run.code).toBe(1);
    expect(run.problems.map((c) => c.check)).toEqual([...expectedProblems(), `site ${DOMAIN} function`].sort());
    const detail = run.check(`site ${DOMAIN} function`)?.detail ?? '';
    expect(detail).toMatch(
      new RegExp(
        `^CloudFront function bosun-harbor \\(LIVE, on distribution ${DISTRIBUTION}\\) differs from the generated one from line \\d+; deploy it: bosun edge-function harbor > edge\\.js && aws cloudfront update-function --name bosun-harbor `,
      ),
    );
    expect(detail).toContain('aws cloudfront publish-function --name bosun-harbor');
    expect(detail).not.toContain('\n');
  }, 600_000);

  it('names a distribution without a viewer-request function, and an unknown distribution', async () => {
    cloudfront.setViewerRequestFunction(DISTRIBUTION, null);
    const none = await doctor();
    expect(none.code).toBe(1);
    expect(none.check(`site ${DOMAIN} function`)?.detail).toBe(
      `distribution ${DISTRIBUTION} runs no function on viewer requests; create a function (runtime cloudfront-js-2.0) from bosun edge-function harbor, publish it and associate it with viewer requests`,
    );

    await operator((rt) => command('site cdn')(rt, { tenant: 'harbor', distributionId: 'E1NOSUCHONE1' }));
    const unknown = await doctor();
    expect(unknown.code).toBe(1);
    expect(unknown.check(`site ${DOMAIN} function`)?.detail).toBe(
      'distribution E1NOSUCHONE1 does not exist in this account (NoSuchDistribution); set the right one with bosun site cdn harbor --distribution-id ID',
    );
  }, 900_000);

  it('names every piece a CloudFront set-up lacks, one line each, and still checks the sites', async () => {
    const run = await runBosun(['doctor'], env({ BOSUN_PUBLIC_URL: 'http://ops.example.com', SMTP_URL: '', BOSUN_SECRET: '' }), 150_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^PROBLEM {2}configuration BOSUN_PUBLIC_URL: is not https \(got "http:\/\/ops\.example\.com"\); behind CloudFront it must be/m,
    );
    expect(run.stdout).toMatch(/^PROBLEM {2}configuration BOSUN_SECRET_ARN: neither BOSUN_SECRET_ARN nor BOSUN_SECRET is set/m);
    expect(run.stdout).toMatch(/^PROBLEM {2}configuration SMTP_URL: neither SMTP_URL nor BOSUN_MAIL is set/m);
    expect(run.stdout).toMatch(/^ok +database: answers; schema is current$/m);
    expect(run.stdout).toMatch(new RegExp(`^\\w+ +site ${DOMAIN.replace(/\./g, '\\.')} function: `, 'm'));
  }, 600_000);

  it('names a signing secret it cannot read, and goes on with every other check', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing-Gone01';
    const run = await runBosun(['doctor'], env({ BOSUN_SECRET: '', BOSUN_SECRET_ARN: missing }), 150_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `PROBLEM  secret BOSUN_SECRET_ARN: secret ${missing} is not readable: not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)\n`,
    );
    // The variable is set: what is wrong is the secret, named once.
    expect(run.stdout).not.toContain('configuration BOSUN_SECRET_ARN');
    expect(run.stdout).toMatch(/^ok +database: answers; schema is current$/m);
    expect(run.stdout).toMatch(new RegExp(`^\\w+ +site ${DOMAIN.replace(/\./g, '\\.')} function: `, 'm'));
  }, 600_000);

  it('names an origin secret it cannot read as one failing check, and goes on with every other check', async () => {
    const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-origin-Gone02';
    const denied = sm.put('bosun-origin', { string: 'Origin-Secret-From-Secrets-Manager-4d2e8b1a' }, { denied: true });
    for (const [arn, reason] of [
      [missing, 'not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)'],
      [denied, "access denied (AccessDeniedException: the function's role needs secretsmanager:GetSecretValue on it)"],
    ] as const) {
      const run = await runBosun(['doctor'], env({ BOSUN_ORIGIN_SECRET_ARN: arn }), 150_000);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/^bosun: /m);
      expect(run.stdout).toContain(`PROBLEM  secret BOSUN_ORIGIN_SECRET_ARN: secret ${arn} is not readable: ${reason}\n`);
      expect(run.stdout).toMatch(/^ok +database: answers; schema is current$/m);
      expect(run.stdout).toMatch(new RegExp(`^\\w+ +site ${DOMAIN.replace(/\./g, '\\.')} function: `, 'm'));
      expect(run.stdout + run.stderr).not.toContain('Origin-Secret-From-Secrets-Manager');
    }
  }, 600_000);

  it("names the database's secret it cannot read, and says the database was not checked", async () => {
    const signing = 'Signing-Secret-From-Secrets-Manager-7f3a9c';
    const signingArn = sm.put('bosun-signing', { string: signing });
    const database = sm.put('bosun-db', { string: '{"username":"bosun","password":"pw","host":"db.internal"}' }, { denied: true });
    const run = await runBosun(
      ['--json', 'doctor'],
      env({ BOSUN_SECRET: '', BOSUN_SECRET_ARN: signingArn, DATABASE_URL: '', DATABASE_SECRET_ARN: database }),
      150_000,
    );
    expect(run.code).toBe(1);
    const report = oneJsonObject(run.stdout);
    expect(report.checks).toEqual(
      expect.arrayContaining([
        { check: 'secret BOSUN_SECRET_ARN', ok: true, detail: `${signingArn} is readable and holds a valid value` },
        {
          check: 'secret DATABASE_SECRET_ARN',
          ok: false,
          detail: `secret ${database} is not readable: access denied (AccessDeniedException: the function's role needs secretsmanager:GetSecretValue on it)`,
        },
        {
          check: 'database',
          ok: false,
          detail: `not checked: its credentials are in DATABASE_SECRET_ARN (${database}), which cannot be read; nor are the sites and their pages`,
        },
      ]),
    );
    expect(report.checks.some((c: { check: string }) => c.check.startsWith('site '))).toBe(false);
    expect(run.stdout + run.stderr).not.toContain(signing);
  }, 600_000);
  it('in platform mode checks the one distribution function once and names a site without its distribution tenant', async () => {
    const platform = 'E1PLATFORM0001';
    const keyValueStoreArn = 'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-0123456789ab';
    const platformFunction = generatePlatformEdgeFunction({ keyValueStoreArn });
    cloudfront.distributions.add(platform);
    // A second site, made a distribution tenant as the site.provision job makes it; harbor never was.
    await operator(async (rt) => {
      await command('tenant create')(rt, { slug: 'marina', name: 'Marina Sails', guestDomain: 'marina.example.com', timezone: 'UTC' });
      const cdn = new CloudFrontCdn({
        clientConfig: { endpoint: cloudfront.endpoint, credentials: S3_TEST_CREDENTIALS, region: 'us-east-1' },
        platform: { distributionId: platform },
      });
      try {
        const marina = (await rt.deps.db.selectFrom('tenants').select('id').where('slug', '=', 'marina').executeTakeFirstOrThrow()).id;
        await provisionGuestSite({ ...rt.deps, sites: { ...rt.sites, cdn } }, marina);
      } finally {
        cdn.destroy();
      }
    });
    // The seed's mistake again, now in the one function every site of the distribution runs.
    const fn = cloudfront.putFunction(
      'bosun-platform',
      platformFunction.replace('const PAGE_SUFFIX = ".html";', 'const PAGE_SUFFIX = "/index.html";'),
    );
    cloudfront.setViewerRequestFunction(platform, fn);
    const gets = cloudfront.functionGets().length;
    const platformEnv = { BOSUN_CLOUDFRONT_DISTRIBUTION_ID: platform, BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: keyValueStoreArn };
    const run = await doctor(platformEnv);
    expect(run.code).toBe(1);
    expect(run.check(`site ${DOMAIN} cdn`)).toEqual({
      check: `site ${DOMAIN} cdn`,
      ok: false,
      detail:
        'no distribution tenant yet; the site.provision job makes it (is the worker running?), or run bosun site cdn harbor --provision',
    });
    expect(run.check('site marina.example.com cdn')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^distribution tenant dt_\w+, /),
    });
    const functionChecks = run.checks.filter((c) => c.check.endsWith(' function'));
    expect(functionChecks.map((c) => c.check)).toEqual([`distribution ${platform} function`]);
    expect(functionChecks[0]?.ok).toBe(false);
    expect(functionChecks[0]?.detail).toMatch(
      new RegExp(
        `^CloudFront function bosun-platform \\(LIVE, on distribution ${platform}\\) differs from the generated one from line \\d+; deploy it: bosun edge-function harbor > edge\\.js && `,
      ),
    );
    // Asked once for the distribution, not once per site.
    expect(cloudfront.functionGets().length - gets).toBe(1);

    // Deployed as generated, the function passes; the site without its tenant is still named.
    cloudfront.putFunction('bosun-platform', platformFunction);
    const fixed = await doctor(platformEnv);
    expect(fixed.check(`distribution ${platform} function`)).toEqual({
      check: `distribution ${platform} function`,
      ok: true,
      detail: `CloudFront function bosun-platform (LIVE, on distribution ${platform}) is the generated one`,
    });
    expect(fixed.problems.map((c) => c.check)).toContain(`site ${DOMAIN} cdn`);
  }, 900_000);
});
