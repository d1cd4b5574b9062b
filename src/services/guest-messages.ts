/**
 * Mail the office writes to guests (ADR 0022): one guest of a booking ("E-mail guest"), or every guest
 * of a departure day — the whole fleet's or one vessel's ("Message all guests"). Nothing is sent in the
 * request: each message is a queued `outgoing_mail` row of kind `guest.message` (content: the subject
 * and body as written, placeholders filled per guest when the outbox renders it), with its audit entry,
 * and its `mail.send` job — all in one transaction, so a failure leaves nothing behind. A message to
 * many is one batch: its rows share the batch id and one job sends them over the pooled connections.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Tx } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import { searchBookings } from '../db/queries/booking-search';
import { getBooking } from '../db/queries/bookings';
import { countBatchMail, getOutgoingMailByKey } from '../db/queries/mail';
import { getVesselBySlug, listVessels } from '../db/queries/people';
import { BOOKING_RULES, isSaneYear } from '../domain/booking';
import { dayIn, startOfDayIn } from '../domain/time';
import { staffViewsOf } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError, ValidationError } from './errors';
import { mailTemplateSchema } from './guest-mail';
import { queueMail } from './mail';
import { parseInput } from './parse-input';

/** The kind of every message the office writes (no stored template: its subject and body are the content). */
export const GUEST_MESSAGE_KIND = 'guest.message';

const HOUR_MS = 60 * 60 * 1000;
/** Every time zone's day lies within this much of the UTC day (UTC−12 to UTC+14). */
const ZONE_REACH_MS = 14 * HOUR_MS;
/** More departures than any fleet sails in a day: one message reaches at most this many guests. */
export const MAX_RECIPIENTS = 5000;

/** A departure day: `date` (`YYYY-MM-DD`), and optionally one vessel of the tenant by slug. */
export const departureSchema = z.strictObject({
  date: z.iso
    .date('must be a date like 2026-05-30')
    .refine(
      (v) => isSaneYear(Number(v.slice(0, 4))),
      `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
    ),
  vessel: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a vessel slug: lower-case letters, digits and dashes')
    .optional(),
});

/**
 * What the office writes: a one-line subject and a body, with placeholders such as
 * `{{guest.firstName}}` filled per guest when it is sent — parsed as a template is (`mailTemplateSchema`:
 * plain tags of known placeholders only).
 */
export const guestMessageSchema = mailTemplateSchema;

const departureMessageSchema = departureSchema.extend(mailTemplateSchema.shape);

export type DepartureRecipient = {
  bookingId: string;
  guestName: string;
  guestEmail: string;
  vesselName: string;
  /** ISO 8601 in the vessel's zone. */
  startsAt: string;
};

/**
 * The guests of the confirmed charters departing on `date` — the day taken in each vessel's own zone,
 * as on the day sheet (Today) — of every vessel or of `vessel` only, by start time. A vessel slug the
 * tenant does not have (another tenant's, say) finds nobody.
 */
export async function listDepartureRecipients(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: z.input<typeof departureSchema>,
): Promise<DepartureRecipient[]> {
  return recipientsOf(deps, ctx, parseInput(departureSchema, input));
}

async function recipientsOf(deps: ServiceDeps, ctx: TenantContext, departure: z.output<typeof departureSchema>) {
  const { tenantId } = ctx;
  const vessels = departure.vessel
    ? [await getVesselBySlug(deps.db, tenantId, departure.vessel)].filter((v) => v !== undefined)
    : await listVessels(deps.db, tenantId);
  if (vessels.length === 0) return [];
  const zoneOf = new Map(vessels.map((v) => [v.id, v.timezone]));
  const rows = await searchBookings(
    deps.db,
    tenantId,
    {
      status: 'confirmed',
      ...(departure.vessel ? { vesselId: vessels[0]?.id } : {}),
      startsFrom: new Date(startOfDayIn(departure.date, 'UTC').getTime() - ZONE_REACH_MS),
      startsBefore: new Date(startOfDayIn(departure.date, 'UTC', 1).getTime() + ZONE_REACH_MS),
    },
    { limit: MAX_RECIPIENTS, offset: 0 },
  );
  const ofDay = rows.filter((r) => {
    const zone = zoneOf.get(r.vessel_id);
    return zone !== undefined && dayIn(r.starts_at, zone) === departure.date;
  });
  const views = await staffViewsOf(deps, tenantId, ofDay);
  return views.map(({ booking: b }) => ({
    bookingId: b.id,
    guestName: b.guest.name,
    guestEmail: b.guest.email,
    vesselName: b.vesselName,
    startsAt: b.startsAt,
  }));
}

/**
 * Queues one message, as written, to every guest of the departure (`listDepartureRecipients`): one
 * `outgoing_mail` row each (kind `guest.message`, not automatic, one batch), a `mail.queued` entry each,
 * a `mail.batch_queued` entry naming the batch, day, vessel and count, and one `mail.send` job for the
 * batch — in one transaction. ValidationError when the text is refused or nobody departs that day.
 */
export async function messageDepartureGuests(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: z.input<typeof departureSchema> & z.input<typeof guestMessageSchema>,
  options: { requestId?: string } = {},
): Promise<{ batchId: string; recipients: DepartureRecipient[] }> {
  const { subject, body, ...departure } = parseInput(departureMessageSchema, input);
  const message = { subject, body };
  return deps.db.transaction().execute(async (tx) => {
    const txDeps = { ...deps, db: tx };
    const recipients = await recipientsOf(txDeps, ctx, departure);
    if (recipients.length === 0) {
      const what = departure.vessel ? `${departure.vessel} has no confirmed charter` : 'no confirmed charter departs';
      throw new ValidationError(
        [{ field: departure.vessel ? 'vessel' : 'date', message: `${what} on ${departure.date}: nobody to message` }],
        'Nobody to message: no confirmed charter departs that day.',
      );
    }
    // The form's request id names the batch: pressing Send twice finds the batch queued, and queues nothing.
    const batchId = options.requestId ? requestIdSchema.parse(options.requestId) : randomUUID();
    if (await batchExists(tx, ctx.tenantId, batchId)) return { batchId, recipients };
    for (const r of recipients) {
      await queueMail(txDeps, tx, ctx, {
        kind: GUEST_MESSAGE_KIND,
        dedupeKey: `${GUEST_MESSAGE_KIND}:${batchId}:${r.bookingId}`,
        to: { name: r.guestName, address: r.guestEmail },
        bookingId: r.bookingId,
        content: { subject: message.subject, body: message.body },
        automatic: false,
        batchId,
      });
    }
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'mail.batch_queued',
      entityType: 'mail_batch',
      entityId: batchId,
      after: { batch: batchId, kind: GUEST_MESSAGE_KIND, date: departure.date, vessel: departure.vessel ?? null, count: recipients.length },
    });
    await deps.jobs.enqueue(tx, 'mail.send', { tenantId: ctx.tenantId, batchId, reason: GUEST_MESSAGE_KIND });
    return { batchId, recipients };
  });
}

const bookingIdSchema = z.string().regex(/^[A-Za-z0-9]{4,16}$/);

/**
 * Queues one message, as written, to the guest of booking `bookingId` (any status: a cancelled
 * charter's guest may still be written to): its row, its `mail.queued` entry and its `mail.send` job,
 * in one transaction. NotFoundError for a booking the tenant does not have; ValidationError for
 * refused text.
 */
export async function emailGuest(
  deps: ServiceDeps,
  ctx: TenantContext,
  bookingId: string,
  input: z.input<typeof guestMessageSchema>,
  options: { requestId?: string } = {},
): Promise<{ mailId: string }> {
  const message = parseInput(guestMessageSchema, input);
  const id = bookingIdSchema.safeParse(bookingId);
  if (!id.success) throw new NotFoundError(`Booking ${bookingId}`);
  return deps.db.transaction().execute(async (tx) => {
    const row = await getBooking(tx, ctx.tenantId, id.data.toUpperCase());
    if (!row) throw new NotFoundError(`Booking ${bookingId}`);
    const txDeps = { ...deps, db: tx };
    const [view] = await staffViewsOf(txDeps, ctx.tenantId, [row]);
    if (!view) throw new NotFoundError(`Booking ${bookingId}`);
    // The form's request id keys the mail: pressing Send twice queues it once.
    const mailKey = options.requestId ? requestIdSchema.parse(options.requestId) : randomUUID();
    const dedupeKey = `${GUEST_MESSAGE_KIND}:${mailKey}`;
    const mailId = await queueMail(txDeps, tx, ctx, {
      kind: GUEST_MESSAGE_KIND,
      dedupeKey,
      to: { name: view.booking.guest.name, address: view.booking.guest.email },
      bookingId: view.booking.id,
      content: { subject: message.subject, body: message.body },
      automatic: false,
    });
    if (mailId) return { mailId };
    const earlier = await getOutgoingMailByKey(tx, ctx.tenantId, dedupeKey);
    if (!earlier || earlier.booking_id !== view.booking.id) throw new Error('the message could not be queued');
    return { mailId: earlier.id };
  });
}

const requestIdSchema = z.uuid('must be a UUID');

/** Whether the tenant has queued any message of batch `batchId` already. */
async function batchExists(tx: Tx, tenantId: string, batchId: string): Promise<boolean> {
  return (await countBatchMail(tx, tenantId, batchId)) > 0;
}
