/**
 * Inviting again a crew member who declined is a new invitation: they are mailed an assignment notice
 * with a fresh sign-in link, once, while those who did not decline get nothing more at the same version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import type { JobDeps } from '../../src/jobs/register';
import { createBooking } from '../../src/services/bookings';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { notifyCrewOfBooking } from '../../src/services/crew-notices';
import { upsertEvent } from '../../src/services/events';
import { listOutgoingMail } from '../../src/services/mail';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { readMailbox } from '../support/mailbox';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let mailDir: string;
let jobDeps: JobDeps;
let bookingId: string;

beforeAll(async () => {
  t = await createTestDb();
  t.clock.set(new Date('2026-05-01T12:00:00Z'));
  a = await makeTenant(t.deps, 'alpha');
  mailDir = join(mkdtempSync(join(tmpdir(), 'bosun-reinvite-')), 'mail');
  jobDeps = { ...t.deps, mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } };
  const created = await createBooking(t.deps, a.ctx, bookingInput() as never);
  bookingId = created.booking.id;
  await upsertEvent(t.deps, a.ctx, {
    booking_id: bookingId,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
  });
});

afterAll(async () => {
  await t.close();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});

const kindsTo = async (address: string) =>
  (await listOutgoingMail(t.deps, a.ctx, { bookingId })).filter((m) => m.recipient === address).map((m) => m.kind);

describe('inviting again after a decline', () => {
  it('mails the re-invited member a new assignment notice once, and nobody else', async () => {
    await notifyCrewOfBooking(jobDeps, a.tenant.id, bookingId);
    expect(await readMailbox(mailDir)).toHaveLength(2);

    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingId, { answer: 'decline', reason: 'Away' });
    t.clock.set(new Date('2026-05-02T12:00:00Z'));
    await upsertEvent(t.deps, a.ctx, { booking_id: bookingId, crew: [{ email: a.deckhand.email, role: 'crew' }] });

    const outcomes = await notifyCrewOfBooking(jobDeps, a.tenant.id, bookingId);
    expect(outcomes.find((o) => o.crewMemberId === a.deckhand.id)?.outcome).toBe('sent');
    expect(outcomes.find((o) => o.crewMemberId === a.captain.id)?.outcome).toBe('already-sent');
    expect(await kindsTo(a.deckhand.email)).toEqual(['crew.assigned', 'crew.assigned']);
    expect(await kindsTo(a.captain.email)).toEqual(['crew.assigned']);

    const mails = await readMailbox(mailDir);
    expect(mails).toHaveLength(3);
    const toDeckhand = mails.filter((m) => m.to === a.deckhand.email);
    expect(toDeckhand).toHaveLength(2);
    expect(new Set(toDeckhand.map((m) => m.mail.text))).toHaveProperty('size', 2); // each with its own link

    // A retry of the same job sends nothing more.
    const again = await notifyCrewOfBooking(jobDeps, a.tenant.id, bookingId);
    expect(again.map((o) => o.outcome)).toEqual(['already-sent', 'already-sent']);
    expect(await readMailbox(mailDir)).toHaveLength(3);
  });
});
