/**
 * Another operator's ids, tried on every dashboard route that takes one: walked from the router, so a
 * route added later is tried too. An owner of tenant B gets 404 for each page and action on tenant A's
 * booking, crew member, vessel, key, mail, message to many, staff user and job — and nothing of A changes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { registerJobHandlers } from '../../src/jobs/register';
import { messageDepartureGuests } from '../../src/services/guest-messages';
import { listOutgoingMail } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { dumpTables } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually } from '../support/mailbox';
import { browserFor } from '../support/ops-pages';
import { addStaff, signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let mailDir: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDb();
  mailDir = join(mkdtempSync(join(tmpdir(), 'bosun-ops-iso-')), 'mail');
  const mailer = new FileMailer(mailDir);
  app = makeApp(t, { mailArchive: mailer });
  await registerJobHandlers(t.jobs, { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } });
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  const booking = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  ids.booking = booking.json.id;
  expect(
    (
      await call(app, 'POST', '/api/v1/events', a.serviceKey, {
        booking_id: ids.booking,
        crew: [{ email: a.captain.email, role: 'captain' }],
      })
    ).status,
  ).toBe(201);
  ids.crew = a.captain.id;
  ids.vessel = a.vessel.id;
  ids.key = a.serviceKeyId;
  ids.staff = (await addStaff(t.deps, a.tenant.id, 'staff')).id;
  ids.mail = await eventually(async () => (await listOutgoingMail(t.deps, a.ctx, {}))[0]?.id, 'the assignment mail');
  ids.batch = (
    await messageDepartureGuests(t.deps, a.ctx, { date: booking.json.startsAt.slice(0, 10), subject: 'Hello', body: 'See you aboard.' })
  ).batchId;
  await eventually(
    async () => ((await listOutgoingMail(t.deps, a.ctx, {})).every((m) => m.status === 'sent') ? true : undefined),
    'every mail sent',
  );
  // A job id of A's would be a pg-boss row; an unknown one must answer the same as another tenant's.
  ids.job = randomUUID();
});

afterAll(async () => {
  await t.close();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});

/** Fills a route's parameters with A's ids, by the resource the path names. */
function withIdsOfA(pattern: string): string {
  return pattern
    .replace(/^\/app\/messages\/:batchId/, () => `/app/messages/${ids.batch}`)
    .replace(/^\/app\/(bookings|crew|vessels|keys|mail|staff|jobs)\/:id/, (_, resource: string) => {
      const kind =
        { bookings: 'booking', crew: 'crew', vessels: 'vessel', keys: 'key', mail: 'mail', staff: 'staff', jobs: 'job' }[resource] ?? '';
      return `/app/${resource}/${ids[kind]}`;
    })
    .replace(':crewId', ids.crew ?? '');
}

it('answers 404 to another operator’s owner on every /app route that takes an id, and changes nothing of A', async () => {
  const before = await dumpTables(t);
  const owner = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie);
  await owner.open('/app/today');
  const routes = app.routes.filter(
    (r) =>
      r.path.startsWith('/app/') &&
      r.path.includes(':') &&
      !r.path.endsWith('*') &&
      r.method !== 'ALL' &&
      !/^\/app\/(feed|assets|login)\//.test(r.path) &&
      // A guest mail template's kind is a name every tenant has, not an id: each owner edits their own.
      !r.path.startsWith('/app/settings/guest-mail/:kind'),
  );
  const tried = new Set<string>();
  for (const r of routes) {
    const path = withIdsOfA(r.path);
    expect(path, `no id of A for ${r.path}`).not.toContain(':');
    const key = `${r.method} ${path}`;
    if (tried.has(key)) continue;
    tried.add(key);
    const page = r.method === 'GET' ? await owner.open(path) : await owner.submit(path, { role: 'crew', crewId: ids.crew ?? '' });
    expect(page.status, `${r.method} ${r.path}`).toBe(404);
  }
  expect(tried.size).toBeGreaterThanOrEqual(20);
  // Nothing of A was written: every table as it was, apart from B's own session and sign-in.
  const after = await dumpTables(t);
  const ofA = (dump: typeof before) => dump.map((d) => ({ table: d.table, rows: d.rows.filter((row) => row.includes(a.tenant.id)) }));
  expect(ofA(after)).toEqual(ofA(before));
  // A's key still opens the API.
  expect((await call(app, 'GET', `/api/v1/bookings/${ids.booking}`, a.serviceKey)).status).toBe(200);
});
