/**
 * The log never carries a guest's contact details, notes, money or a key. Bookings are made with a
 * marker in every personal and money field while the database refuses them — a unique violation, a
 * check violation, a value it cannot read, a connection that fails — and while jobs fail on database
 * errors that quote those values; each error is logged by its SQLSTATE and its query's SQL text, and
 * no marker appears in any log line or in any failed job's record.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import type { Database } from '../../src/db/schema';
import { registerJobHandlers } from '../../src/jobs/register';
import { jobQueueLogging, logOptions } from '../../src/main/logging';
import { addCrewMember } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { freePort, waitFor } from '../support/processes';
import { openTestSites, type TestSites } from '../support/sites';

/** A marker in every personal and money field of a booking, and in a crew member's address. */
const MARK = {
  name: 'Zqmarker Guestname',
  email: 'zqmarker.guest@example.com',
  phone: '+1 619 555 0199',
  internal: 'zqmarker internal note',
  crew: 'zqmarker crew note',
  guest: 'zqmarker guest note',
  total: 98765.43,
  fee: 4321.09,
  crewEmail: 'zqmarker.crew@example.com',
};
/** What must never be found in a log line (compared without case). */
const MARKERS = ['zqmarker', '619 555 0199', '5550199', '98765.43', '9876543', '4321.09', '432109'];

const markedBooking = (overrides: Record<string, unknown> = {}) =>
  bookingInput({
    guest: { name: MARK.name, email: MARK.email, phone: MARK.phone },
    pricing: { total: MARK.total, currency: 'USD' },
    captainFeePerHour: MARK.fee,
    notes: { internal: MARK.internal, crew: MARK.crew, guest: MARK.guest },
    ...overrides,
  });

let t: TestDb;
let app: TestApp;
let key: string;
let sites: TestSites;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const tenant = await makeTenant(t.deps, 'harbor');
  key = tenant.serviceKey;
  await addCrewMember(t.deps, tenant.ctx, { name: 'Zqmarker Crewname', email: MARK.crewEmail, role: 'crew' });
  app = makeApp(t, { logs });
  sites = openTestSites(t);
  // What this installation's database refuses, each the way PostgreSQL reports it (with the values).
  await t.handle.executeSql(`
    create unique index zq_one_booking_per_guest on bookings (tenant_id, guest_email);
    alter table bookings add constraint zq_party_not_9 check (party_size <> 9);
    create function zq_read_note() returns trigger language plpgsql as $$
      begin perform new.notes_internal::integer; return new; end $$;
    create trigger zq_read_note before insert on bookings for each row when (new.party_size = 10) execute function zq_read_note();
    create function zq_read_page() returns trigger language plpgsql as $$
      begin perform (select notes_internal from bookings where tenant_id = new.tenant_id and id = new.booking_id)::numeric; return new; end $$;
    create trigger zq_read_page before insert or update on guest_pages for each row when (new.verified_at is not null)
      execute function zq_read_page();
    alter table outgoing_mail add constraint zq_no_marked_mail check (crew_member_id is null or recipient not like 'zqmarker%');
  `);
});
afterAll(async () => {
  sites?.close();
  await t?.close();
});

/** Every log line as an object, without the fields pino adds (a timestamp may contain any digits). */
function logged(): Record<string, any>[] {
  return logs.map((line) => {
    const { time: _time, pid: _pid, hostname: _hostname, ...rest } = JSON.parse(line);
    return rest;
  });
}

function expectNoMarker(texts: readonly string[]) {
  for (const text of texts) {
    for (const marker of MARKERS) expect(text.toLowerCase(), `a log line or job record holds "${marker}"`).not.toContain(marker);
  }
}

const failures = () => logged().filter((l) => l.msg === 'request failed');
const bookingCount = async () => Number((await t.handle.executeSql('select count(*)::int as n from bookings')).rows[0]?.n);

describe('database errors in the log', () => {
  it('a unique violation is logged by its code, constraint and query, never the values', async () => {
    const first = await call(app, 'POST', '/api/v1/bookings', key, markedBooking());
    expect(first.status).toBe(201);
    const before = await bookingCount();
    const second = await call(app, 'POST', '/api/v1/bookings', key, markedBooking());
    expect(second.status).toBe(500);
    expect(second.text).not.toContain('zqmarker');
    expect(await bookingCount()).toBe(before);

    const [line] = failures();
    expect(line?.err).toMatchObject({
      type: 'DatabaseError',
      code: '23505',
      condition: 'unique_violation',
      constraint: 'zq_one_booking_per_guest',
      message: 'database error 23505 (unique_violation) on zq_one_booking_per_guest',
    });
    expect(line?.err.query).toMatch(/^insert into "bookings"/);
    expect(line?.err).not.toHaveProperty('detail');
    expectNoMarker(logs);
  });

  it('a value the database refuses or cannot read is logged by its code, never the value', async () => {
    const before = await bookingCount();
    const refused = await call(
      app,
      'POST',
      '/api/v1/bookings',
      key,
      markedBooking({ guest: { ...markedGuest(), email: 'a@example.com' }, partySize: 9 }),
    );
    expect(refused.status).toBe(500);
    const unreadable = await call(
      app,
      'POST',
      '/api/v1/bookings',
      key,
      markedBooking({ guest: { ...markedGuest(), email: 'b@example.com' }, partySize: 10 }),
    );
    expect(unreadable.status).toBe(500);
    expect(await bookingCount()).toBe(before);

    const codes = failures().map((l) => [l.err.code, l.err.condition, l.err.constraint]);
    expect(codes).toContainEqual(['23514', 'check_violation', 'zq_party_not_9']);
    expect(codes).toContainEqual(['22P02', 'invalid_text_representation', undefined]);
    expectNoMarker(logs);
  });

  it('a connection that fails is logged without the request or its values', async () => {
    // A database server that does not answer: nothing listens on this port.
    const port = await freePort();
    const dead = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: `postgres://bosun@127.0.0.1:${port}/bosun`, max: 1 }) }),
    });
    const lines: string[] = [];
    const offline = makeApp({ ...t, deps: { ...t.deps, db: dead } }, { logs: lines });
    const res = await call(offline, 'POST', '/api/v1/bookings', key, markedBooking());
    expect(res.status).toBe(500);
    await dead.destroy();
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
    expect(JSON.stringify(line?.err)).toContain('ECONNREFUSED');
    expect(line).not.toHaveProperty('body');
    expectNoMarker(lines);
  });

  it('a failed job is logged and recorded by the database error it met, never the values it quoted', async () => {
    const jobLines: string[] = [];
    const log = pino(logOptions('debug'), { write: (line: string) => jobLines.push(line) });
    // No retries: each job's first failure is its last, and it is recorded as failed.
    const worker = await PgBossJobQueue.start(t.handle, { ...jobQueueLogging(log), retryLimit: 0 });
    try {
      await registerJobHandlers(worker, {
        ...t.deps,
        jobs: worker,
        mail: { mailer: new FileMailer(sites.root), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
        sites: sites.deps.sites,
      });
      const made = await call(app, 'POST', '/api/v1/bookings', key, markedBooking({ guest: { ...markedGuest(), email: 'c@example.com' } }));
      expect(made.status).toBe(201);
      const assigned = await call(app, 'POST', '/api/v1/events', key, {
        booking_id: made.json.id,
        crew: [{ email: MARK.crewEmail, role: 'crew' }],
      });
      expect(assigned.status).toBe(201);

      const failed = await waitFor(
        'both jobs to fail',
        async () => {
          const jobs = (await worker.listFailed()).filter((j) => ['guest-page.publish', 'crew.notify'].includes(j.name));
          return jobs.length >= 2 ? jobs : undefined;
        },
        60_000,
      );
      const lines = jobLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'job failed; no retries left');
      expect(lines.map((l) => l.job.name).sort()).toEqual(['crew.notify', 'guest-page.publish']);
      const notify = lines.find((l) => l.job.name === 'crew.notify');
      expect(notify?.err).toMatchObject({ code: '23514', constraint: 'zq_no_marked_mail' });
      const publish = lines.find((l) => l.job.name === 'guest-page.publish');
      expect(publish?.err).toMatchObject({ type: 'PublishError' });
      expect(publish?.err.message).toContain('database error 22P02 (invalid_text_representation)');

      // What `bosun jobs` shows, and everything stored with the failed jobs.
      expect(failed.map((j) => j.error).join('\n')).toContain('database error');
      const { rows } = await t.handle.executeSql(
        `select output::text as output from pgboss.job where name in ('guest-page.publish', 'crew.notify')`,
      );
      expectNoMarker([...jobLines, ...rows.map((r) => String(r.output))]);
      expectNoMarker(logs);
    } finally {
      await worker.stop();
    }
  });
});

function markedGuest() {
  return { name: MARK.name, email: MARK.email, phone: MARK.phone };
}
