/**
 * Booking use cases. Each write stores the change, its audit entries and the jobs that follow in
 * one transaction (no side effect happens inside a request); reads return views, never rows.
 */
import { createHash } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { Tx } from '../db/client';
import * as q from '../db/queries/bookings';
import { getCrewEvent } from '../db/queries/events';
import { getIdempotencyRecord, insertIdempotencyRecord } from '../db/queries/idempotency';
import { getVesselBySlug } from '../db/queries/people';
import { getGuestPage, listGuestPages } from '../db/queries/publishing';
import { getGuestSite, getTenantById } from '../db/queries/tenants';
import type { BookingStatus, BookingsTable } from '../db/schema';
import { blockedUntil, checkEditable, checkPartySize, checkTimes, checkTransition } from '../domain/booking';
import { BOOKING_ID_PATTERN, generateBookingId, normalizeBookingId } from '../domain/ids';
import { DATE_ONLY, startOfDayIn, toZonedIso } from '../domain/time';
import {
  type BookingRecord,
  type GuestPageRecord,
  type StaffBookingView,
  VISIBLE,
  viewBookingForCrew,
  viewBookingForGuest,
  viewBookingForStaff,
} from '../domain/visibility';
import { guestPageUrl } from '../publish/site-layout';
import type { CreateBookingInput, PatchBookingInput } from './booking-schemas';
import type { ServiceDeps, TenantContext } from './context';
import { ConflictError, NotFoundError, OverlapError, PreconditionFailedError, ServiceError, ValidationError } from './errors';
import { queueGuestFollowUps } from './guest-mail-follow-ups';
import { type PendingWrites, pendingWrites, writePending } from './pending-writes';

const MAX_ID_ATTEMPTS = 8;

/** A PostgreSQL unique violation, on either engine. */
function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' ? (e.constraint ?? 'unique') : null;
}

/** An overlap with a booking kept from before the rule, found inside a transaction and named after it. */
class KeptOverlap extends Error {}

/** The Idempotency-Key of a create holds a live record of another request, found when storing its own. */
class IdempotencyKeyTaken extends Error {}

/** True for the no-overlap constraint's refusal (exclusion violation), on either engine, or a KeptOverlap. */
function overlapViolation(err: unknown): boolean {
  if (err instanceof KeptOverlap) return true;
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23P01' && (e.constraint === undefined || e.constraint === 'bookings_no_overlap');
}

/**
 * The 409 for a booking that would overlap another of its vessel, naming the other booking. Read after
 * the refused transaction ended; if the other booking was cancelled meanwhile, it names none.
 */
async function overlapConflict(
  deps: ServiceDeps,
  tenantId: string,
  vessel: { id: string; slug: string },
  range: { startsAt: Date; blockedUntil: Date },
  exceptId?: string,
): Promise<OverlapError> {
  const other = await q.findOverlappingBooking(deps.db, tenantId, vessel.id, range, { exceptId });
  if (!other) {
    return new OverlapError(
      `Vessel ${vessel.slug} is booked at that time by another booking.`,
      [{ field: 'startsAt', message: 'overlaps another booking of the vessel' }],
      null,
    );
  }
  const from = toZonedIso(other.starts_at, other.timezone);
  const to = toZonedIso(other.ends_at, other.timezone);
  return new OverlapError(
    `Vessel ${vessel.slug} is booked from ${from} to ${to} by booking ${other.id} (${other.status}).`,
    [{ field: 'startsAt', message: `overlaps booking ${other.id}` }],
    other.id,
  );
}

/**
 * The ETag names the booking's version. The staff view also carries the guest page's publishing state,
 * which changes without the booking: recording a publish must not fail the If-Match of staff who read
 * the booking before the job ran, so that state is left out of the ETag.
 */
export function etagOf(version: number): string {
  return `"v${version}"`;
}

/** Loads a booking as the record that views are built from. */
async function loadRecord(
  deps: ServiceDeps,
  tx: Tx | ServiceDeps['db'],
  tenantId: string,
  id: string,
): Promise<{ record: BookingRecord; vesselId: string; capacity: number; turnaround: number } | undefined> {
  // An id no booking can have (a typo, a NUL from a hostile path) names none; the database is not asked.
  if (!BOOKING_ID_PATTERN.test(id)) return undefined;
  const row = await q.getBooking(tx, tenantId, id);
  if (!row) return undefined;
  return {
    record: await toRecord(deps, tx, tenantId, row),
    vesselId: row.vessel_id,
    capacity: row.vessel_capacity,
    turnaround: row.vessel_turnaround_minutes,
  };
}

async function toRecord(deps: ServiceDeps, tx: Tx | ServiceDeps['db'], tenantId: string, row: q.BookingRow): Promise<BookingRecord> {
  const [crew, site, page] = await Promise.all([
    q.listCrewOfBooking(tx, tenantId, row.id),
    getGuestSite(tx, tenantId),
    getGuestPage(tx, tenantId, row.id),
  ]);
  const vessel = { slug: row.vessel_slug, name: row.vessel_name, meeting_point: row.meeting_point };
  return buildRecord(deps, row, vessel, site?.domain ?? null, crew, guestPageRecord(page));
}

/**
 * The records of many stored bookings of one tenant, in a few queries for all of them, run together:
 * `ids` are the bookings `rows` will hold, so their crew and pages need not wait for the rows. The
 * guest pages' publishing state is read only for staff views (`guestPages`); others never show it.
 */
async function toRecords(
  deps: ServiceDeps,
  tenantId: string,
  ids: readonly string[],
  rows: readonly q.BookingRow[] | Promise<readonly q.BookingRow[]>,
  options: { guestPages: boolean },
): Promise<BookingRecord[]> {
  const [stored, crew, site, pages] = await Promise.all([
    rows,
    q.listCrewOfBookings(deps.db, tenantId, ids),
    getGuestSite(deps.db, tenantId),
    options.guestPages ? listGuestPages(deps.db, tenantId, ids) : [],
  ]);
  const crewOf = new Map<string, BookingRecord['crew']>();
  for (const { booking_id, ...member } of crew) {
    const list = crewOf.get(booking_id);
    if (list) list.push(member);
    else crewOf.set(booking_id, [member]);
  }
  const pageOf = new Map(pages.map((p) => [p.booking_id, p]));
  return stored.map((row) => {
    const vessel = { slug: row.vessel_slug, name: row.vessel_name, meeting_point: row.meeting_point };
    return buildRecord(deps, row, vessel, site?.domain ?? null, crewOf.get(row.id) ?? [], guestPageRecord(pageOf.get(row.id)));
  });
}

/**
 * Staff views of stored bookings of one tenant (crew and guest-page state included), in a few queries
 * for all of them: for the dashboard's services, which select bookings their own way.
 */
export async function staffViewsOf(
  deps: ServiceDeps,
  tenantId: string,
  rows: readonly q.BookingRow[],
): Promise<{ booking: StaffBookingView; version: number }[]> {
  const records = await toRecords(
    deps,
    tenantId,
    rows.map((r) => r.id),
    rows,
    { guestPages: true },
  );
  return records.map((r) => ({ booking: viewBookingForStaff(r), version: r.version }));
}

function guestPageRecord(row: Awaited<ReturnType<typeof getGuestPage>>): GuestPageRecord | null {
  if (!row) return null;
  return {
    url: row.url,
    pageHash: row.page_hash,
    bookingVersion: row.booking_version,
    publishedAt: row.published_at,
    verifiedAt: row.verified_at,
    error: row.last_error,
    errorAt: row.last_error_at,
    failures: row.failures,
  };
}

/**
 * The record of a stored booking, from its row, its vessel, its tenant's guest site (if any), its crew
 * and its guest page's publishing state.
 */
function buildRecord(
  deps: ServiceDeps,
  row: q.StoredBooking,
  vessel: { slug: string; name: string; meeting_point: string },
  guestDomain: string | null,
  crew: BookingRecord['crew'],
  guestPage: GuestPageRecord | null,
): BookingRecord {
  return {
    id: row.id,
    status: row.status,
    guestName: row.guest_name,
    guestEmail: row.guest_email,
    guestPhone: row.guest_phone,
    partySize: row.party_size,
    vesselSlug: vessel.slug,
    vesselName: vessel.name,
    meetingPoint: vessel.meeting_point,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    timezone: row.timezone,
    pricingTotal: row.pricing_total,
    currency: row.currency,
    captainFeePerHour: row.captain_fee_per_hour,
    notesInternal: row.notes_internal,
    notesCrew: row.notes_crew,
    notesGuest: row.notes_guest,
    friendlySlug: row.friendly_slug,
    guestPageUrl: guestDomain !== null ? guestPageUrl(deps.guestOrigin(guestDomain), row.id) : '',
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    crew,
    guestPage,
  };
}

export type BookingResult = { booking: StaffBookingView; etag: string };

function result(record: BookingRecord): BookingResult {
  return { booking: viewBookingForStaff(record), etag: etagOf(record.version) };
}

/** The staff view as the audit log keeps it: the booking, not the publishing state of its guest page. */
function audited(view: StaffBookingView): Omit<StaffBookingView, 'guestPage'> {
  const { guestPage: _, ...booking } = view;
  return booking;
}

/**
 * Jobs that follow a change of a booking, given the booking before the change (null: just created)
 * and after it: the guest page whenever guests can see it, crew when assigned, and the guest mail
 * that follows (`queueGuestFollowUps`: confirmation, change, cancellation). The jobs and audit entries
 * go to `pending`, which the change writes last, with its own entries (`writePending`).
 */
async function enqueueFollowUps(
  deps: ServiceDeps,
  tx: Tx,
  ctx: TenantContext,
  change: { before: BookingRecord | null; after: BookingRecord; reason: string; crewRelevant: boolean },
  pending: PendingWrites,
) {
  const { tenantId } = ctx;
  const { before, after, reason } = change;
  const bookingId = after.id;
  const status = after.status;
  const previous = before?.status ?? null;
  const guestVisible =
    status === 'confirmed' || status === 'completed' || (status === 'cancelled' && previous !== null && previous !== 'hold');
  if (guestVisible) {
    pending.jobs.push({ name: 'guest-page.publish', payload: { tenantId, bookingId, reason } });
  }
  if (change.crewRelevant && (await getCrewEvent(tx, tenantId, bookingId))) {
    pending.jobs.push({ name: 'crew.notify', payload: { tenantId, bookingId, reason } });
  }
  await queueGuestFollowUps(deps, tx, ctx, before, after, pending);
}

export function hashRequest(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export type Idempotency = { key: string; requestHash: string };

/**
 * Creates a booking. With `idempotency`, a retry with the same key and body returns the first
 * result; the same key with another body is a 422. Errors: ValidationError (unknown vessel, end
 * before start, party over capacity), ConflictError (id or friendly slug taken), OverlapError (the
 * vessel is taken then: names the other booking).
 */
export async function createBooking(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: CreateBookingInput,
  idempotency?: Idempotency,
): Promise<BookingResult & { replayed: boolean }> {
  const { tenantId } = ctx;
  const replay = await replayIdempotent(deps, tenantId, idempotency);
  if (replay) return replay;

  // What the insert tried to take, to name the booking it overlapped if the database refuses it.
  let attempted: { vessel: { id: string; slug: string }; range: { startsAt: Date; blockedUntil: Date } } | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await deps.db.transaction().execute(async (tx) => {
        // The vessel comes with the tenant's guest site, and the view is built from the row the insert
        // returns rather than read back: two queries less per create than loadRecord.
        const startsAt = new Date(input.startsAt);
        const endsAt = new Date(input.endsAt);
        const vessel = await q.getVesselForNewBooking(tx, tenantId, input.vessel, { startsAt, endsAt });
        if (!vessel) throw new ValidationError([{ field: 'vessel', message: `no vessel "${input.vessel}" in this tenant` }]);
        const problems = [
          ...checkTimes({ startsAt, endsAt, now: deps.clock.now(), startSet: true, endSet: true }),
          ...checkPartySize(input.partySize, vessel.capacity),
        ];
        if (problems.length > 0) throw new ValidationError(problems);
        attempted = { vessel, range: { startsAt, blockedUntil: blockedUntil(endsAt, vessel.turnaround_minutes) } };
        // A booking kept from before the rule is outside the constraint (ADR 0018): checked here. Nothing
        // gains that mark any more, so no concurrent write can slip past this check.
        if (vessel.kept_overlap) throw new KeptOverlap();
        if (input.friendlySlug && (await q.friendlySlugTaken(tx, tenantId, input.friendlySlug))) {
          throw new ConflictError('The friendly slug is taken.', [
            { field: 'friendlySlug', message: 'is already used by another booking' },
          ]);
        }
        const id = input.id ? normalizeBookingId(input.id) : generateBookingId();
        // Only a caller's id is looked up first, to name it in the answer; a generated id that is
        // taken fails the insert on bookings_pkey and is drawn again below (one query less per create).
        if (input.id && (await q.bookingIdExists(tx, tenantId, id))) {
          throw new ConflictError(`A booking ${id} exists already.`, [{ field: 'id', message: 'is taken' }]);
        }
        const now = deps.clock.now();
        const status = input.status ?? 'confirmed';
        const row = await q.insertBooking(tx, tenantId, {
          id,
          status,
          guest_name: input.guest.name,
          guest_email: input.guest.email,
          guest_phone: input.guest.phone ?? null,
          party_size: input.partySize,
          vessel_id: vessel.id,
          starts_at: startsAt,
          ends_at: endsAt,
          blocked_until: attempted.range.blockedUntil,
          timezone: vessel.timezone,
          pricing_total: input.pricing?.total.toFixed(2) ?? null,
          currency: input.pricing?.currency ?? null,
          captain_fee_per_hour: input.captainFeePerHour?.toFixed(2) ?? null,
          notes_internal: input.notes?.internal ?? null,
          notes_crew: input.notes?.crew ?? null,
          notes_guest: input.notes?.guest ?? null,
          friendly_slug: input.friendlySlug ?? null,
          updated_at: now,
        });
        // No crew yet: assignments hang off the booking's crew event, which references the booking
        // and so cannot exist before it; nor a guest page, which its job publishes after the commit.
        const record = buildRecord(deps, row, vessel, vessel.guest_domain, [], null);
        const out = result(record);
        const pending = pendingWrites([
          { actor: ctx.actor, action: 'booking.created', entityType: 'booking', entityId: id, after: audited(out.booking) },
          ...(status === 'confirmed' ? [{ actor: ctx.actor, action: 'booking.confirmed', entityType: 'booking', entityId: id }] : []),
        ]);
        await enqueueFollowUps(deps, tx, ctx, { before: null, after: record, reason: 'booking.created', crewRelevant: false }, pending);
        // The booking's entries, the mail's, and every job: two statements (ADR 0003: in this transaction).
        await writePending(deps, tx, tenantId, pending);
        if (idempotency && !(await insertIdempotencyRecord(tx, tenantId, { ...idempotency, status: 201, body: out }, now))) {
          // A concurrent request with the same key committed first: this one is rolled back.
          throw new IdempotencyKeyTaken();
        }
        return out;
      });
      return { ...created, replayed: false };
    } catch (err) {
      if (overlapViolation(err) && attempted) {
        // A concurrent request with the same Idempotency-Key took the slot first: answer as it did.
        const again = idempotency ? await replayIdempotent(deps, tenantId, idempotency) : undefined;
        if (again) return again;
        throw await overlapConflict(deps, tenantId, attempted.vessel, attempted.range);
      }
      const constraint = uniqueViolation(err);
      if (constraint === 'bookings_pkey' && !input.id && attempt < MAX_ID_ATTEMPTS) continue;
      if ((err instanceof IdempotencyKeyTaken || constraint === 'idempotency_records_pkey') && idempotency) {
        // A concurrent request with the same key won: answer as it did.
        const again = await replayIdempotent(deps, tenantId, idempotency);
        if (again) return again;
      }
      if (constraint === 'bookings_slug_idx') {
        throw new ConflictError('The friendly slug is taken.', [{ field: 'friendlySlug', message: 'is already used by another booking' }]);
      }
      if (constraint === 'bookings_pkey')
        throw new ConflictError('A booking with this id exists already.', [{ field: 'id', message: 'is taken' }]);
      throw err;
    }
  }
}

async function replayIdempotent(
  deps: ServiceDeps,
  tenantId: string,
  idempotency: Idempotency | undefined,
): Promise<(BookingResult & { replayed: true }) | undefined> {
  if (!idempotency) return undefined;
  const record = await getIdempotencyRecord(deps.db, tenantId, idempotency.key, deps.clock.now());
  if (!record) return undefined;
  if (record.request_hash !== idempotency.requestHash) {
    throw new ServiceError(422, 'Idempotency key reused', 'This Idempotency-Key was used with a different request in the last 24 hours.');
  }
  return { ...(record.body as BookingResult), replayed: true };
}

export async function getBooking(deps: ServiceDeps, ctx: TenantContext, id: string): Promise<BookingResult> {
  const loaded = await loadRecord(deps, deps.db, ctx.tenantId, normalizeBookingId(id));
  if (!loaded) throw new NotFoundError(`Booking ${id}`);
  return result(loaded.record);
}

/** The crew-safe view of a booking: no money, no internal notes, no guest contact. */
export async function getBookingForCrew(deps: ServiceDeps, ctx: TenantContext, id: string) {
  const loaded = await loadRecord(deps, deps.db, ctx.tenantId, normalizeBookingId(id));
  if (!loaded) throw new NotFoundError(`Booking ${id}`);
  return viewBookingForCrew(loaded.record);
}

/**
 * `getBookingForCrew` for many bookings of one tenant in a few queries, whatever their number (a crew
 * member's calendar feed): the crew view of each id that names a booking (ids that name none are absent).
 */
export async function getBookingsForCrew(deps: ServiceDeps, ctx: Pick<TenantContext, 'tenantId'>, ids: readonly string[]) {
  const records = await loadRecordsByIds(deps, ctx.tenantId, ids, { guestPages: true });
  return new Map(records.map((r) => [r.id, viewBookingForCrew(r)]));
}

/** The records of the ids that name a booking of the tenant, in a few queries whatever their number. */
async function loadRecordsByIds(deps: ServiceDeps, tenantId: string, ids: readonly string[], options: { guestPages: boolean }) {
  const normalized = [...new Set(ids.map(normalizeBookingId))].filter((id) => BOOKING_ID_PATTERN.test(id));
  return toRecords(deps, tenantId, normalized, q.listBookingsByIds(deps.db, tenantId, normalized), options);
}

/**
 * The guest view of a booking (all its guest page may show), with the facts publishing needs about
 * it: its status, version and friendly slug. NotFoundError when there is no such booking. Read within
 * `tx` when given (a mail rendered inside the transaction that records its attempt).
 */
export async function getBookingForGuest(
  deps: ServiceDeps,
  ctx: Pick<TenantContext, 'tenantId'>,
  id: string,
  tx: Tx | ServiceDeps['db'] = deps.db,
) {
  const loaded = await loadRecord(deps, tx, ctx.tenantId, normalizeBookingId(id));
  if (!loaded) throw new NotFoundError(`Booking ${id}`);
  return guestEntry(loaded.record);
}

/** Whether the guest view shows anything of a booking's crew or its page's publishing state (it does not). */
const GUEST_VIEW_READS_MORE = VISIBLE.guest.some((path) => path === 'crew' || path === 'crewContacts' || path === 'guestPage');

/**
 * `getBookingForGuest` in one query, for a caller that knows the tenant's guest site already (a job
 * rendering many guest mails reads it once): the guest view shows neither the crew nor the page's
 * publishing state, so neither is read. Should the policy ever show them to guests, the whole record
 * is loaded as `getBookingForGuest` does.
 */
export async function getBookingForGuestKnowingSite(
  deps: ServiceDeps,
  tx: Tx | ServiceDeps['db'],
  tenantId: string,
  id: string,
  guestDomain: string | null,
) {
  if (GUEST_VIEW_READS_MORE) return getBookingForGuest(deps, { tenantId }, id, tx);
  const normalized = normalizeBookingId(id);
  const row = BOOKING_ID_PATTERN.test(normalized) ? await q.getBooking(tx, tenantId, normalized) : undefined;
  if (!row) throw new NotFoundError(`Booking ${id}`);
  const vessel = { slug: row.vessel_slug, name: row.vessel_name, meeting_point: row.meeting_point };
  return guestEntry(buildRecord(deps, row, vessel, guestDomain, [], null));
}

/**
 * `getBookingForGuest` for many bookings of one tenant in a few queries: the entry of each id that
 * names a booking (ids that name none are absent).
 */
export async function getBookingsForGuest(deps: ServiceDeps, ctx: Pick<TenantContext, 'tenantId'>, ids: readonly string[]) {
  const records = await loadRecordsByIds(deps, ctx.tenantId, ids, { guestPages: false });
  return new Map(records.map((r) => [r.id, guestEntry(r)]));
}

/**
 * The guest view with what publishing and mail need beside it: status, version, friendly slug, and the
 * guest's name and address as the booking has them now (where guest mail goes; never part of the view).
 */
function guestEntry(r: BookingRecord) {
  return {
    view: viewBookingForGuest(r),
    status: r.status,
    version: r.version,
    updatedAt: r.updatedAt,
    friendlySlug: r.friendlySlug,
    recipient: { name: r.guestName, address: r.guestEmail },
  };
}

/**
 * The tenant's bookings that overlap `from`–`to`, by start time. A date-only `from` is the start of
 * that day and a date-only `to` the end of that day (inclusive), both in the tenant's time zone.
 */
export async function listBookings(
  deps: ServiceDeps,
  ctx: TenantContext,
  filter: { from?: string | undefined; to?: string | undefined; status?: BookingStatus | undefined; limit: number },
): Promise<StaffBookingView[]> {
  const days = [filter.from, filter.to].some((v) => v !== undefined && DATE_ONLY.test(v));
  const zone = days ? ((await getTenantById(deps.db, ctx.tenantId))?.timezone ?? 'UTC') : 'UTC';
  const instant = (value: string | undefined, laterDays: number) =>
    value === undefined ? undefined : DATE_ONLY.test(value) ? startOfDayIn(value, zone, laterDays) : new Date(value);
  const from = instant(filter.from, 0);
  const to = instant(filter.to, 1);
  const rows = await q.listBookings(deps.db, ctx.tenantId, { from, to, status: filter.status, limit: filter.limit });
  // The page's crew and guest-page states are read in one query each, not one per booking.
  const ids = rows.map((r) => r.id);
  return (await toRecords(deps, ctx.tenantId, ids, rows, { guestPages: true })).map(viewBookingForStaff);
}

/** Parses an `If-Match` value into a version; `*` matches any. */
export function versionFromEtag(ifMatch: string): number | '*' | null {
  const value = ifMatch.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"v(\d+)"$/.exec(value);
  return match ? Number(match[1]) : null;
}

/** The stored decimal (`"840.75"`) as a number, for comparing with input. */
const amount = (v: string | null) => (v === null ? null : Number(v));

/**
 * The columns a patch changes, compared with the stored booking: only what differs. Empty when the
 * patch changes nothing (the booking then keeps its version).
 */
function changedColumns(b: BookingRecord, patch: PatchBookingInput, times: { startsAt: Date; endsAt: Date }) {
  const changes: Omit<Updateable<BookingsTable>, 'tenant_id' | 'id' | 'version'> = {};
  const set = <K extends keyof typeof changes>(key: K, value: (typeof changes)[K], current: unknown) => {
    if (value !== undefined && value !== current) changes[key] = value;
  };
  set('status', patch.status, b.status);
  set('guest_name', patch.guest?.name, b.guestName);
  set('guest_email', patch.guest?.email, b.guestEmail);
  if (patch.guest?.phone !== undefined) set('guest_phone', patch.guest.phone || null, b.guestPhone);
  set('party_size', patch.partySize, b.partySize);
  if (times.startsAt.getTime() !== b.startsAt.getTime()) changes.starts_at = times.startsAt;
  if (times.endsAt.getTime() !== b.endsAt.getTime()) changes.ends_at = times.endsAt;
  if (patch.pricing !== undefined) {
    const total = patch.pricing?.total ?? null;
    const currency = patch.pricing?.currency ?? null;
    if (total !== amount(b.pricingTotal) || currency !== b.currency) {
      changes.pricing_total = total === null ? null : total.toFixed(2);
      changes.currency = currency;
    }
  }
  if (patch.captainFeePerHour !== undefined && (patch.captainFeePerHour ?? null) !== amount(b.captainFeePerHour)) {
    changes.captain_fee_per_hour = patch.captainFeePerHour?.toFixed(2) ?? null;
  }
  if (patch.notes?.internal !== undefined) set('notes_internal', patch.notes.internal, b.notesInternal);
  if (patch.notes?.crew !== undefined) set('notes_crew', patch.notes.crew, b.notesCrew);
  if (patch.notes?.guest !== undefined) set('notes_guest', patch.notes.guest, b.notesGuest);
  if (patch.friendlySlug !== undefined) set('friendly_slug', patch.friendlySlug, b.friendlySlug);
  return changes;
}

/**
 * Changes a booking if it is still at `expectedVersion` (from `If-Match`); otherwise a
 * PreconditionFailedError, and nothing is written. Of concurrent changes with the same version,
 * exactly one wins. A patch that changes nothing writes nothing and keeps the version.
 * Errors: ConflictError (a cancelled or completed booking; a change of status the rules forbid; the
 * vessel taken at the new time), ValidationError (times, party size, unknown vessel).
 */
export async function updateBooking(
  deps: ServiceDeps,
  ctx: TenantContext,
  rawId: string,
  patch: PatchBookingInput,
  expectedVersion: number | '*',
): Promise<BookingResult> {
  const { tenantId } = ctx;
  const id = normalizeBookingId(rawId);
  let attempted: { vessel: { id: string; slug: string }; range: { startsAt: Date; blockedUntil: Date } } | undefined;
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const before = await loadRecord(deps, tx, tenantId, id);
      if (!before) throw new NotFoundError(`Booking ${rawId}`);
      const version = expectedVersion === '*' ? before.record.version : expectedVersion;
      if (version !== before.record.version) {
        throw new PreconditionFailedError(`The booking has changed since version ${version}; fetch it again.`);
      }
      const b = before.record;
      const startsAt = patch.startsAt ? new Date(patch.startsAt) : b.startsAt;
      const endsAt = patch.endsAt ? new Date(patch.endsAt) : b.endsAt;
      const vesselChanged = patch.vessel !== undefined && patch.vessel !== b.vesselSlug;
      const changes = changedColumns(b, patch, { startsAt, endsAt });
      if (!vesselChanged && Object.keys(changes).length === 0) return result(b);

      const final = checkEditable(b.status);
      if (final) throw new ConflictError(final);
      let vessel = { id: before.vesselId, slug: b.vesselSlug, capacity: before.capacity, turnaround: before.turnaround };
      if (vesselChanged) {
        const v = await getVesselBySlug(tx, tenantId, patch.vessel ?? '');
        if (!v) throw new ValidationError([{ field: 'vessel', message: `no vessel "${patch.vessel}" in this tenant` }]);
        vessel = { id: v.id, slug: v.slug, capacity: v.capacity, turnaround: v.turnaround_minutes };
        changes.vessel_id = v.id;
        changes.timezone = v.timezone;
      }
      const timed = changes.starts_at !== undefined || changes.ends_at !== undefined;
      const now = deps.clock.now();
      const problems = checkTimes({
        startsAt,
        endsAt,
        now,
        startSet: changes.starts_at !== undefined,
        endSet: changes.ends_at !== undefined,
      });
      if (changes.party_size !== undefined || vesselChanged)
        problems.push(...checkPartySize(changes.party_size ?? b.partySize, vessel.capacity));
      if (problems.length > 0) throw new ValidationError(problems);
      const status = changes.status ?? b.status;
      const refused = checkTransition(b.status, status, startsAt, now);
      if (refused) throw new ConflictError(refused);
      if (timed || vesselChanged) {
        // New times or another vessel: the booking is held to the rule again, whatever it was before.
        changes.blocked_until = blockedUntil(endsAt, vessel.turnaround);
        changes.overlap_allowed = false;
        attempted = { vessel, range: { startsAt, blockedUntil: changes.blocked_until } };
        const kept = await q.findOverlappingBooking(tx, tenantId, vessel.id, attempted.range, { exceptId: id, keptOnly: true });
        if (kept) throw new KeptOverlap();
      }
      if (changes.friendly_slug && (await q.friendlySlugTaken(tx, tenantId, changes.friendly_slug, id))) {
        throw new ConflictError('The friendly slug is taken.', [{ field: 'friendlySlug', message: 'is already used by another booking' }]);
      }
      const won = await q.updateBookingIfVersion(tx, tenantId, id, version, { ...changes, updated_at: now });
      if (!won) throw new PreconditionFailedError('The booking was changed by another request; fetch it again.');
      const after = await loadRecord(deps, tx, tenantId, id);
      if (!after) throw new Error(`booking ${id} vanished inside its own transaction`);
      const out = result(after.record);
      const pending = pendingWrites([
        {
          actor: ctx.actor,
          action: 'booking.updated',
          entityType: 'booking',
          entityId: id,
          before: audited(viewBookingForStaff(b)),
          after: audited(out.booking),
        },
        ...(status !== b.status ? [{ actor: ctx.actor, action: `booking.${status}`, entityType: 'booking', entityId: id }] : []),
      ]);
      const crewRelevant = status !== b.status || vesselChanged || timed;
      await enqueueFollowUps(deps, tx, ctx, { before: b, after: after.record, reason: 'booking.updated', crewRelevant }, pending);
      await writePending(deps, tx, tenantId, pending);
      return out;
    });
  } catch (err) {
    if (overlapViolation(err) && attempted) throw await overlapConflict(deps, tenantId, attempted.vessel, attempted.range, id);
    if (uniqueViolation(err) === 'bookings_slug_idx') {
      throw new ConflictError('The friendly slug is taken.', [{ field: 'friendlySlug', message: 'is already used by another booking' }]);
    }
    throw err;
  }
}

/**
 * Cancels a booking; cancelling a cancelled one changes nothing. A completed charter cannot be
 * cancelled. With `expectedVersion`, the booking must still be at that version (412 otherwise).
 */
export async function cancelBooking(
  deps: ServiceDeps,
  ctx: TenantContext,
  rawId: string,
  expectedVersion: number | '*' = '*',
): Promise<BookingResult> {
  const current = await getBooking(deps, ctx, rawId);
  if (expectedVersion !== '*' && versionFromEtag(current.etag) !== expectedVersion) {
    throw new PreconditionFailedError(`The booking has changed since version ${expectedVersion}; fetch it again.`);
  }
  if (current.booking.status === 'cancelled') return current;
  if (current.booking.status === 'completed') throw new ConflictError('A completed charter cannot be cancelled.');
  return updateBooking(deps, ctx, rawId, { status: 'cancelled' }, expectedVersion);
}
