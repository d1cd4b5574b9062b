/**
 * Deactivating a crew member (`bosun crew remove`): every session and sign-in link ends at once, they
 * leave the crew of every charter that is not over (and staff streams hear of it), their feed stops,
 * and they can no longer be assigned, ask for a link or sign in. Their past charters and audit
 * entries stay; `crew list` hides them unless `--all`; adding their address again reactivates them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRuntime } from '../../src/cli/commands';
import { listAssignmentsOfBooking } from '../../src/db/queries/crew';
import { issueMagicLink, signInWithMagicLink } from '../../src/services/crew-access';
import type { ServiceError } from '../../src/services/errors';
import { addCrewMember } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { runCommand } from '../support/commands';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { auditActions, countJobs, countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';
import { openStream, type SseReader } from '../support/sse';

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let rt: CommandRuntime;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let sam: { id: string; email: string };
let samInBeta: { id: string };
let past: string;
let upcoming: string[];
let cookie: string;
let unusedLink: string;
let feedPath: string;
let staff: SseReader;

const SAM = 'sam@alpha.test';

const run = (name: string, args: Record<string, unknown>) => runCommand(rt, name, args);

async function createBooking() {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  expect(res.status).toBe(201);
  return res.json as { id: string; endsAt: string };
}

async function assignSam(bookingId: string) {
  return call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: bookingId, crew: [{ email: SAM, role: 'crew' }] });
}

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  app = makeApp(t);
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  sam = await addCrewMember(t.deps, a.ctx, { name: 'Sam Sparrow', email: SAM, role: 'crew' });
  // The same person crews for another operator too.
  samInBeta = await addCrewMember(t.deps, b.ctx, { name: 'Sam Sparrow', email: SAM, role: 'crew' });
  const first = await createBooking();
  past = first.id;
  upcoming = [(await createBooking()).id, (await createBooking()).id];
  for (const id of [past, ...upcoming]) expect((await assignSam(id)).status).toBe(201);
  cookie = await crewCookie(t.deps, a.tenant.id, sam.id);
  unusedLink = (
    await t.deps.db
      .transaction()
      .execute((tx) => issueMagicLink(tx, a.tenant.id, { crewMemberId: sam.id, purpose: 'assignment', now: t.deps.clock.now() }))
  ).token;
  const page = await (await app.request('/crew', { headers: { cookie } })).text();
  feedPath = new URL(/id="feed" type="text" readonly="" value="([^"]+)"/.exec(page)?.[1] ?? 'http://x/none').pathname;
  expect((await app.request(feedPath)).status).toBe(200);
  // The first charter is over: Sam leaves the crews of the other two only.
  t.clock.set(new Date(new Date(first.endsAt).getTime() + 60 * 60_000));
  staff = await openStream(() => app.request('/api/v1/stream', { headers: { 'x-dashboard-token': a.dashboardToken } }));
});

afterAll(async () => {
  await staff?.close();
  await t.close();
  sites.close();
});

describe('bosun crew remove', () => {
  it('ends sessions and links, takes them off upcoming charters, and says so', async () => {
    const out = await run('crew remove', { tenant: 'alpha', email: SAM.toUpperCase() });
    expect(out.text).toBe(
      `Deactivated Sam Sparrow <${SAM}>: 2 sign-in links revoked, 1 session ended, taken off ${[...upcoming].sort().join(', ')}. ` +
        'Past charters and the audit trail keep their name.',
    );
    expect(out.json.crew).toMatchObject({ id: sam.id, active: false, links: 2, sessions: 1, removedFrom: [...upcoming].sort() });

    expect((await app.request('/crew', { headers: { cookie } })).status).toBe(303);
    expect(await signInWithMagicLink(t.deps, unusedLink)).toEqual({ ok: false, reason: 'revoked' });
    const viaPage = await app.request(`/crew/login/${unusedLink}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: '',
    });
    expect(viaPage.status).toBe(410);
    expect(viaPage.headers.get('set-cookie')).toBeNull();
    expect((await app.request(feedPath)).status).toBe(404);
  });

  it('keeps the past charter and the audit trail, and tells staff streams of each charter it changed', async () => {
    expect((await listAssignmentsOfBooking(t.deps.db, a.tenant.id, past)).map((r) => r.name)).toEqual(['Sam Sparrow']);
    for (const id of upcoming) {
      expect(await listAssignmentsOfBooking(t.deps.db, a.tenant.id, id)).toEqual([]);
      expect(await auditActions(t, id)).toContain('assignment.removed');
    }
    expect(await auditActions(t, past)).not.toContain('assignment.removed');
    expect(await auditActions(t, sam.id)).toEqual(['crew.added', 'crew.signed_in', 'crew.deactivated']);
    const removed = (j: { action: string }) => j.action === 'assignment.removed';
    const heard = [(await staff.nextChange(removed)).json, (await staff.nextChange(removed)).json];
    expect(heard.map((e) => [e.action, e.bookingId]).sort()).toEqual(upcoming.map((id) => ['assignment.removed', id]).sort());
    expect(heard.every((e) => e.event.assignments.length === 0)).toBe(true);
    // The row stays: the audit trail names them.
    const audit = await run('audit', { tenant: 'alpha', entity: sam.id });
    expect(audit.text).toContain('operator (cli)');
    expect(audit.text).toContain('crew.deactivated');
  });

  it('refuses to assign them again, storing nothing', async () => {
    const before = await countWrites(t);
    const res = await assignSam(upcoming[0] as string);
    expect(res.status).toBe(409);
    expect(res.json.detail).toBe(`Sam Sparrow <${SAM}> is deactivated and cannot be assigned; add them again to reactivate.`);
    expect(res.json.errors).toEqual([{ field: 'crew.0', message: 'is deactivated' }]);
    const cli = await run('assign', { tenant: 'alpha', booking: upcoming[0], email: SAM }).catch((e: unknown) => e);
    expect((cli as ServiceError).status).toBe(409);
    expect((cli as ServiceError).errors).toEqual([{ field: '--email', message: 'is deactivated' }]);
    expect(await countWrites(t)).toEqual(before);
  });

  it('mails no sign-in link to them when asked, but still to the same address in another tenant', async () => {
    const res = await app.request('/crew/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', 'x-test-client': '192.0.2.200' },
      body: new URLSearchParams({ email: SAM }).toString(),
    });
    expect(res.status).toBe(200);
    const { rows } = await t.handle.executeSql(`select data->>'crewMemberId' as member from pgboss.job where name = 'crew.login-link'`);
    expect(rows.map((r) => r.member)).toEqual([samInBeta.id]);
  });

  it('is listed as inactive only with --all; a second remove changes nothing', async () => {
    const list = await run('crew list', { tenant: 'alpha' });
    expect(list.text).not.toContain(SAM);
    expect(list.text).toContain('1 deactivated crew member is not shown; --all lists them.');
    expect((list.json.crew as { email: string }[]).map((c) => c.email)).toEqual([`captain@alpha.test`, `deck@alpha.test`]);
    const all = await run('crew list', { tenant: 'alpha', all: true });
    expect(all.text.split('\n').find((l) => l.includes(SAM))).toMatch(/Sam Sparrow\s+crew\s+sam@alpha\.test\s+inactive since 2026-05-30$/);
    expect((all.json.crew as { email: string; active: boolean }[]).find((c) => c.email === SAM)?.active).toBe(false);

    const audit = await countWrites(t);
    expect((await run('crew remove', { tenant: 'alpha', crewId: sam.id })).text).toBe(`Sam Sparrow <${SAM}> was already inactive.`);
    expect(await countWrites(t)).toEqual(audit);
  });

  it("is a 404 for another tenant's crew member, and names a missing or doubled option", async () => {
    await expect(run('crew remove', { tenant: 'beta', crewId: sam.id })).rejects.toThrow(`Crew member ${sam.id} was not found.`);
    await expect(run('crew remove', { tenant: 'alpha', email: 'nobody@alpha.test' })).rejects.toThrow('was not found');
    const fields = async (args: Record<string, unknown>) =>
      ((await run('crew remove', { tenant: 'alpha', ...args }).catch((e: unknown) => e)) as ServiceError).errors?.map((e) => e.field);
    expect(await fields({})).toEqual(['--email']);
    expect(await fields({ email: SAM, crewId: sam.id })).toEqual(['--email']);
    expect(await fields({ crewId: 'x' })).toEqual(['--crew-id']);
    // Beta's Sam was untouched.
    expect((await run('crew list', { tenant: 'beta' })).text).toContain(SAM);
  });

  it('adding the address again reactivates the same crew member, with their history', async () => {
    const out = await run('crew add', { tenant: 'alpha', name: 'Sam Sparrow-Lee', email: SAM, role: 'captain' });
    expect(out.text).toBe(`Reactivated captain Sam Sparrow-Lee <${SAM}> (${sam.id})`);
    expect(out.json.crew).toMatchObject({ id: sam.id, name: 'Sam Sparrow-Lee', role: 'captain', reactivated: true });
    expect(await auditActions(t, sam.id)).toEqual(['crew.added', 'crew.signed_in', 'crew.deactivated', 'crew.reactivated']);
    expect((await listAssignmentsOfBooking(t.deps.db, a.tenant.id, past)).map((r) => r.name)).toEqual(['Sam Sparrow-Lee']);
    // Old links stay revoked; new assignments work.
    expect(await signInWithMagicLink(t.deps, unusedLink)).toEqual({ ok: false, reason: 'revoked' });
    expect((await assignSam(upcoming[0] as string)).status).toBe(201);
    expect(await countJobs(t, 'crew.notify', upcoming[0])).toBeGreaterThan(0);
    // An active member's address is still taken.
    await expect(run('crew add', { tenant: 'alpha', name: 'Sam Again', email: SAM })).rejects.toThrow('exists already');
  });
});
