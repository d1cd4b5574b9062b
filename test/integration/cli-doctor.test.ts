/**
 * `bosun doctor` names each problem and exits non-zero while there is one: no tenant, a guest site
 * with nothing published, a CloudFront site without its distribution; and exits 0 once all is well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { killAll, oneJsonObject, runBosun } from '../support/processes';

let target: DataTarget;

beforeAll(async () => {
  target = await openDataTarget();
});
afterAll(async () => {
  await killAll();
  await target?.close();
});

describe('bosun doctor', () => {
  it('reports each problem by name, exits non-zero until they are fixed, then exits 0', async () => {
    const empty = await runBosun(['doctor'], target.env());
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/^ok\s+database: answers; schema is current$/m);
    expect(empty.stdout).toMatch(/^PROBLEM\s+tenants: no tenant yet/m);

    const created = await runBosun(
      ['tenant', 'create', 'harbor', '--name', 'Harbor Charters', '--guest-domain', 'harbor.localhost'],
      target.env(),
    );
    expect(created.code).toBe(0);
    const unpublished = await runBosun(['--json', 'doctor'], target.env());
    expect(unpublished.code).toBe(1);
    const report = oneJsonObject(unpublished.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual(expect.objectContaining({ check: 'site harbor.localhost', ok: false }));

    const published = await runBosun(['publish', 'harbor', '--all'], target.env());
    expect(published.code).toBe(0);
    const healthy = await runBosun(['doctor'], target.env());
    expect(healthy.stdout).toContain('No problems found.');
    expect(healthy.code).toBe(0);

    const cloudfront = await runBosun(['doctor'], target.env({ BOSUN_CDN: 'cloudfront' }));
    expect(cloudfront.code).toBe(1);
    expect(cloudfront.stdout).toMatch(
      /^PROBLEM\s+site harbor\.localhost cdn: no CloudFront distribution; set it with bosun site cdn harbor --distribution-id <id>$/m,
    );
  }, 240_000);
});
