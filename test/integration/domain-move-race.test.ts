/**
 * Two moves of one guest site at once, on a PostgreSQL server (two connections; SERVER_ONLY): each
 * leaves the domain the site had when it ran, and no move ends in a misleading 409 (ADR 0007 addendum).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lockDomains } from '../../src/db/queries/domain-cleanups';
import { changeGuestDomain } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.close();
});

/** Waits until `n` sessions of this database wait on a lock. */
async function waitForLockWaiters(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.handle.db);
    if ((rows[0]?.n ?? 0) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never ${n} sessions waiting on a lock`);
}

it('two moves of one site at once both succeed, each leaving the domain the site had when it ran', async () => {
  const m = await makeTenant(t.deps, 'mooring');
  // A change that holds the site's domain (another move, a tenant created) keeps both moves waiting
  // until both have begun.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const holds = new Promise<void>((resolve) => (holding = resolve));
  const holder = t.handle.db.transaction().execute(async (tx) => {
    await lockDomains(tx, ['mooring.localhost']);
    holding();
    await held;
  });
  await holds;
  const toB = changeGuestDomain(t.deps, m.ctx, { guestDomain: 'mooring-b.localhost' });
  const toC = changeGuestDomain(t.deps, m.ctx, { guestDomain: 'mooring-c.localhost' });
  await waitForLockWaiters(2);
  release();
  await holder;
  const [b, c] = await Promise.all([toB, toC]);

  // One ran first and left mooring.localhost; the other left the domain the first moved to.
  const [first, second] = b.previous === 'mooring.localhost' ? [b, c] : [c, b];
  expect(first).toMatchObject({ previous: 'mooring.localhost', changed: true });
  expect(second).toMatchObject({ previous: first.domain, changed: true });
  const site = await t.handle.db.selectFrom('sites').select('domain').where('tenant_id', '=', m.tenant.id).executeTakeFirstOrThrow();
  expect(site.domain).toBe(second.domain);
  const cleanups = await t.handle.db
    .selectFrom('domain_cleanups')
    .select('domain')
    .where('tenant_id', '=', m.tenant.id)
    .orderBy('created_at')
    .execute();
  expect(cleanups.map((r) => r.domain).sort()).toEqual(['mooring.localhost', first.domain].sort());
  // Each cleanup has its job, named by its id.
  const queued = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'site.cleanup'`.execute(t.handle.db);
  expect(queued.rows[0]?.n).toBe(2);
});
