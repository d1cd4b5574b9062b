/**
 * Several jobs enqueued together (`JobQueue.enqueueAll`, one statement): inside the caller's
 * transaction — gone with it when it rolls back —, with the queue's policy like a job enqueued alone,
 * their ids in the order given, and each worked once with its own payload; with the change's audit
 * entries in the same statement, both or neither. And a booking's create enqueues its jobs this way:
 * its guest page and its guest's confirmation, with its audit entries, in its transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAuditEntries } from '../../src/db/queries/audit';
import type { JobPayload, MailJobPayload } from '../../src/ports/job-queue';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});

type JobRow = {
  id: string;
  name: string;
  data: { reason: string };
  retry_limit: number;
  retry_delay: number;
  retry_backoff: boolean;
  policy: string;
};

async function jobsWithReason(reason: string): Promise<JobRow[]> {
  const { rows } = await t.handle.executeSql(
    `select id, name, data, retry_limit, retry_delay, retry_backoff, policy, extract(epoch from expire_in)::int as expire_s
       from pgboss.job where data->>'reason' = $1 order by name`,
    [reason],
  );
  return rows as JobRow[];
}

describe('jobs enqueued together', () => {
  it('leave nothing when their transaction rolls back', async () => {
    await expect(
      t.handle.db.transaction().execute(async (tx) => {
        await t.jobs.enqueueAll(tx, [
          { name: 'guest-page.publish', payload: { tenantId: 't', bookingId: 'B1', reason: 'rolled-back' } },
          { name: 'mail.send', payload: { tenantId: 't', mailId: 'm1', reason: 'rolled-back' } },
        ]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await jobsWithReason('rolled-back')).toEqual([]);
  });

  it('take the queue policy of a job enqueued alone, answer their ids in order, and each runs once', async () => {
    const ids = await t.handle.db.transaction().execute(async (tx) => {
      await t.jobs.enqueue(tx, 'guest-page.publish', { tenantId: 't', bookingId: 'B0', reason: 'alone' });
      await t.jobs.enqueue(tx, 'mail.send', { tenantId: 't', mailId: 'm0', reason: 'alone' });
      return t.jobs.enqueueAll(tx, [
        { name: 'mail.send', payload: { tenantId: 't', mailId: 'm2', reason: 'together' } },
        { name: 'guest-page.publish', payload: { tenantId: 't', bookingId: 'B2', reason: 'together' } },
      ]);
    });
    const together = await jobsWithReason('together');
    const alone = await jobsWithReason('alone');
    expect(together.map((j) => j.id).sort()).toEqual([...ids].sort());
    const byName = new Map(together.map((j) => [j.name, j.id]));
    expect(ids).toEqual([byName.get('mail.send'), byName.get('guest-page.publish')]);
    const policy = ({ id: _, data: __, ...rest }: JobRow) => rest;
    expect(together.map(policy)).toEqual(alone.map(policy));

    const published: JobPayload[] = [];
    const mailed: MailJobPayload[] = [];
    await t.jobs.work('guest-page.publish', async (payload) => {
      published.push(payload);
    });
    await t.jobs.work('mail.send', async (payload) => {
      mailed.push(payload);
    });
    await expect.poll(() => published.length + mailed.length, { timeout: 30_000 }).toBe(4);
    expect(published.map((p) => p.bookingId).sort()).toEqual(['B0', 'B2']);
    expect(mailed.map((p) => p.mailId).sort()).toEqual(['m0', 'm2']);
  });
});

describe("jobs enqueued with the change's audit entries", () => {
  const actor = { kind: 'operator' as const, id: 'test' };
  const entriesOf = async (tenantId: string) =>
    (await t.handle.executeSql('select action, entity_id, after from audit_log where tenant_id = $1 order by id', [tenantId])).rows.map(
      (r) => ({ action: r.action, entityId: r.entity_id, after: r.after }),
    );

  it('writes both, the entries in the order given, their values as given', async () => {
    const { tenant } = await makeTenant(t.deps, 'alongside');
    const entries = [
      { actor, action: 'booking.created', entityType: 'booking', entityId: 'A1', after: { note: 'costs $1 and $12, says "$2"' } },
      { actor, action: 'booking.confirmed', entityType: 'booking', entityId: 'A1' },
      { actor, action: 'mail.queued', entityType: 'booking', entityId: 'A1', after: { mail: 'm3' } },
    ];
    const ids = await t.handle.db.transaction().execute((tx) =>
      t.jobs.enqueueAll(
        tx,
        [
          { name: 'guest-page.publish', payload: { tenantId: tenant.id, bookingId: 'A1', reason: 'alongside' } },
          { name: 'mail.send', payload: { tenantId: tenant.id, mailId: 'm3', reason: 'alongside' } },
        ],
        { alongside: compileAuditEntries(tx, tenant.id, entries) },
      ),
    );
    expect((await jobsWithReason('alongside')).map((j) => j.id).sort()).toEqual([...ids].sort());
    const before = await entriesOf(tenant.id);
    expect(before.slice(-3)).toEqual([
      { action: 'booking.created', entityId: 'A1', after: { note: 'costs $1 and $12, says "$2"' } },
      { action: 'booking.confirmed', entityId: 'A1', after: null },
      { action: 'mail.queued', entityId: 'A1', after: { mail: 'm3' } },
    ]);
  });

  it('writes neither when the entries are refused, and the entries alone when there is no job', async () => {
    const { tenant } = await makeTenant(t.deps, 'alongside-refused');
    const count = await entriesOf(tenant.id);
    // An entry of a tenant that does not exist breaks the audit log's foreign key: the statement fails whole.
    await expect(
      t.handle.db.transaction().execute((tx) =>
        t.jobs.enqueueAll(tx, [{ name: 'mail.send', payload: { tenantId: tenant.id, mailId: 'm4', reason: 'refused' } }], {
          alongside: compileAuditEntries(tx, '00000000-0000-4000-8000-000000000000', [
            { actor, action: 'mail.queued', entityType: 'booking', entityId: 'A2' },
          ]),
        }),
      ),
    ).rejects.toThrow();
    expect(await jobsWithReason('refused')).toEqual([]);
    await t.handle.db.transaction().execute((tx) =>
      t.jobs.enqueueAll(tx, [], {
        alongside: compileAuditEntries(tx, tenant.id, [{ actor, action: 'booking.updated', entityType: 'booking', entityId: 'A3' }]),
      }),
    );
    expect((await entriesOf(tenant.id)).slice(count.length)).toEqual([{ action: 'booking.updated', entityId: 'A3', after: null }]);
  });
});

describe('a booking create', () => {
  it('enqueues its guest page and its confirmation mail in its own transaction, once each', async () => {
    const { tenant, vessel } = await makeTenant(t.deps, 'enqueue-all');
    const ctx = { tenantId: tenant.id, actor: { kind: 'operator' as const, id: 'test' } };
    const { booking } = await createBooking(t.deps, ctx, createBookingSchema.parse(bookingInput({ vessel: vessel.slug })));
    const { rows } = await t.handle.executeSql(
      `select name, data from pgboss.job where data->>'tenantId' = $1 and data->>'reason' in ('booking.created', 'guest.confirmation') order by name`,
      [tenant.id],
    );
    expect(rows.map((r) => r.name)).toEqual(['guest-page.publish', 'mail.send']);
    expect(rows[0]?.data).toEqual({ tenantId: tenant.id, bookingId: booking.id, reason: 'booking.created' });
    const mail = await t.handle.executeSql('select id from outgoing_mail where tenant_id = $1 and booking_id = $2', [
      tenant.id,
      booking.id,
    ]);
    expect(rows[1]?.data).toEqual({ tenantId: tenant.id, mailId: mail.rows[0]?.id, reason: 'guest.confirmation' });
    const entries = await t.handle.executeSql('select action from audit_log where tenant_id = $1 and entity_id = $2 order by id', [
      tenant.id,
      booking.id,
    ]);
    expect(entries.rows.map((r) => r.action)).toEqual(['booking.created', 'booking.confirmed', 'mail.queued']);
  });
});
