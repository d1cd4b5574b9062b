/**
 * Acceptance: `bosun start` is killed (SIGKILL) in the middle of a "message all guests" to 500 guests
 * of one departure day (500 confirmed charters on 50 vessels), sending over SMTP to a real
 * smtp-server peer; after a restart the batch finishes and every guest has exactly one message.
 *
 * One window no SMTP client can close: the server answered 250 for a message and the process died
 * before it recorded `sent`. The restarted process sends that message again, with the same Message-ID
 * (ADR 0022, "Exactly once"). So the test holds what is true: each guest received exactly one distinct
 * message (one Message-ID, the one recorded), and raw repeats — if the kill landed in that window —
 * number at most the messages in flight at once.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBookingId } from '../../src/domain/ids';
import { compose } from '../../src/main/compose';
import { messageDepartureGuests } from '../../src/services/guest-messages';
import { BATCH_CONCURRENCY } from '../../src/services/mail';
import { addVessel, createTenant } from '../../src/services/tenants';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { freePort, killAll, type Running, startHealthyServer } from '../support/processes';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const GUESTS = 500;
const VESSELS = 50;
const OPERATOR = { kind: 'operator' as const, id: 'test' };

let target: DataTarget;
let smtp: TestSmtpServer;
let port: number;

beforeAll(async () => {
  target = await openDataTarget();
  smtp = await startSmtpServer();
  port = await freePort();
});
afterAll(async () => {
  await killAll();
  await smtp?.close();
  await target?.close();
});

const env = () => target.env({ PORT: String(port), SMTP_URL: smtp.url });
const startServer = (): Promise<Running> => startHealthyServer(env(), `http://127.0.0.1:${port}`);

/** A day a month from now (the server's clock is the real one), as `YYYY-MM-DD`. */
const departureDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

/**
 * The tenant, its vessels and 500 confirmed charters of one day (10 an hour apart per vessel), written
 * straight into the database — no follow-up jobs — then the message queued as the dashboard queues
 * it. Returns the batch and its guests' addresses.
 */
async function seedAndQueue(): Promise<{ batchId: string; tenantId: string; addresses: string[] }> {
  const { runtime } = await compose(target.config({ PORT: String(port), SMTP_URL: smtp.url }), {
    role: 'command',
    log: pino({ level: 'silent' }),
  });
  try {
    const deps = runtime.deps;
    const tenant = await createTenant(deps, OPERATOR, {
      slug: 'harbor',
      name: 'Harbor Charters',
      guestDomain: 'harbor.localhost',
      timezone: 'UTC',
    });
    const ctx = { tenantId: tenant.id, actor: OPERATOR };
    const vessels: { id: string }[] = [];
    for (let v = 0; v < VESSELS; v++) {
      vessels.push(
        await addVessel(deps, ctx, { slug: `boat-${v}`, name: `Boat ${v}`, capacity: 12, meetingPoint: `Dock ${v}`, timezone: 'UTC' }),
      );
    }
    const ids = new Set<string>();
    while (ids.size < GUESTS) ids.add(generateBookingId());
    const now = new Date();
    const rows = [...ids].map((id, i) => {
      const vessel = vessels[i % VESSELS];
      if (!vessel) throw new Error('no vessel');
      const hour = 8 + Math.floor(i / VESSELS);
      const startsAt = new Date(`${departureDay}T${String(hour).padStart(2, '0')}:00:00Z`);
      const endsAt = new Date(startsAt.getTime() + 50 * 60_000);
      return {
        tenant_id: tenant.id,
        id,
        status: 'confirmed' as const,
        guest_name: `Guest ${i}`,
        guest_email: `guest${i}@example.com`,
        guest_phone: null,
        party_size: 4,
        vessel_id: vessel.id,
        starts_at: startsAt,
        ends_at: endsAt,
        blocked_until: endsAt,
        timezone: 'UTC',
        pricing_total: '840.75',
        currency: 'USD',
        captain_fee_per_hour: '50',
        notes_internal: 'Revenue: $840.75',
        notes_crew: 'Bring spare fenders',
        notes_guest: 'Bring sunscreen',
        friendly_slug: null,
        created_at: now,
        updated_at: now,
      };
    });
    for (let i = 0; i < rows.length; i += 100)
      await runtime.handle.db
        .insertInto('bookings')
        .values(rows.slice(i, i + 100))
        .execute();

    const { batchId, recipients } = await messageDepartureGuests(deps, ctx, {
      date: departureDay,
      subject: 'Your charter on {{charter.date}}',
      body: 'Hello {{guest.firstName}},\n\nThe forecast is fine: see you at the dock.',
    });
    expect(recipients).toHaveLength(GUESTS);
    return { batchId, tenantId: tenant.id, addresses: recipients.map((r) => r.guestEmail) };
  } finally {
    await runtime.close();
  }
}

describe('a message to 500 guests cut short by SIGKILL', () => {
  it('reaches every guest exactly once (one Message-ID each) after a restart', async () => {
    const { batchId, tenantId, addresses } = await seedAndQueue();

    const first = await startServer();
    // A few hundred have arrived: the batch is under way.
    await smtp.waitFor(200, 120_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const atKill = smtp.received.length;
    expect(atKill).toBeLessThan(GUESTS);

    const second = await startServer();
    const distinct = () => new Set(smtp.received.map((m) => m.envelope.to.join(','))).size;
    const deadline = Date.now() + 120_000;
    while (distinct() < GUESTS && Date.now() < deadline) await smtp.waitFor(smtp.received.length + 1, 120_000).catch(() => {});
    expect(distinct()).toBe(GUESTS);
    // A graceful stop lets the batch record its last sends.
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    // What arrived: every guest, nobody else, one distinct message each.
    const byGuest = new Map<string, string[]>();
    for (const m of smtp.received) {
      expect(m.envelope.to).toHaveLength(1);
      const to = m.envelope.to[0] as string;
      byGuest.set(to, [...(byGuest.get(to) ?? []), m.parsed.messageId ?? '']);
    }
    expect([...byGuest.keys()].sort()).toEqual([...addresses].sort());
    for (const [, ids] of byGuest) expect(new Set(ids).size).toBe(1);
    const repeats = smtp.received.length - GUESTS;
    expect(repeats).toBeLessThanOrEqual(BATCH_CONCURRENCY);
    for (const m of smtp.received) expect(m.parsed.subject).toMatch(/^Your charter on /);

    // What Bosun recorded: every message sent, with the Message-ID the guest got; the job done.
    const { runtime } = await compose(target.config({ PORT: String(port), SMTP_URL: smtp.url }), {
      role: 'command',
      log: pino({ level: 'silent' }),
    });
    try {
      const rows = await runtime.handle.db
        .selectFrom('outgoing_mail')
        .select(['recipient', 'status', 'message_id', 'response', 'kind'])
        .where('tenant_id', '=', tenantId)
        .where('batch_id', '=', batchId)
        .execute();
      expect(rows).toHaveLength(GUESTS);
      for (const r of rows) {
        expect(r).toMatchObject({ kind: 'guest.message', status: 'sent' });
        expect(r.response).toMatch(/^250/);
        expect(byGuest.get(r.recipient)).toContain(r.message_id);
      }
      const { rows: jobs } = await runtime.handle.executeSql(
        `select state from pgboss.job where name = 'mail.send' and data->>'batchId' = $1`,
        [batchId],
      );
      expect(jobs.map((j) => j.state)).toEqual(['completed']);
      expect(await runtime.jobs.listFailed()).toEqual([]);
    } finally {
      await runtime.close();
    }
    console.info(
      `guest-message-sigkill (${target.engine}): ${atKill} of ${GUESTS} arrived before the kill; ${repeats} repeated after the restart (same Message-ID)`,
    );
  }, 400_000);
});
