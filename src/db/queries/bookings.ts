/** Bookings with their vessel and crew, always within one tenant. */

import { type Insertable, sql, type Updateable } from 'kysely';
import type { Queryable } from '../client';
import type { BookingStatus, BookingsTable } from '../schema';

/** The columns of a stored booking, as `insertBooking` returns them and every read selects them. */
const storedColumns = [
  'tenant_id',
  'id',
  'status',
  'guest_name',
  'guest_email',
  'guest_phone',
  'party_size',
  'vessel_id',
  'starts_at',
  'ends_at',
  'timezone',
  'pricing_total',
  'currency',
  'captain_fee_per_hour',
  'notes_internal',
  'notes_crew',
  'notes_guest',
  'friendly_slug',
  'version',
  'created_at',
  'updated_at',
] as const;

const bookingColumns = [
  ...storedColumns.map((c) => `b.${c}` as const),
  'v.slug as vessel_slug',
  'v.name as vessel_name',
  'v.meeting_point',
  'v.capacity as vessel_capacity',
  'v.turnaround_minutes as vessel_turnaround_minutes',
] as const;

/** Bookings of one tenant with their vessel, for query modules that filter them their own way. */
export function selectBookings(q: Queryable, tenantId: string) {
  return q
    .selectFrom('bookings as b')
    .innerJoin('vessels as v', (j) => j.onRef('v.id', '=', 'b.vessel_id').onRef('v.tenant_id', '=', 'b.tenant_id'))
    .select(bookingColumns)
    .where('b.tenant_id', '=', tenantId);
}

export type BookingRow = NonNullable<Awaited<ReturnType<typeof getBooking>>>;

export async function getBooking(q: Queryable, tenantId: string, id: string) {
  return selectBookings(q, tenantId).where('b.id', '=', id).executeTakeFirst();
}

/** Same as `getBooking` but locks the row until the transaction ends. */
export async function getBookingForUpdate(q: Queryable, tenantId: string, id: string) {
  return selectBookings(q, tenantId).where('b.id', '=', id).forUpdate('b').executeTakeFirst();
}

export async function listBookings(
  q: Queryable,
  tenantId: string,
  filter: { from?: Date | undefined; to?: Date | undefined; status?: BookingStatus | undefined; limit: number },
) {
  let query = selectBookings(q, tenantId);
  if (filter.from) query = query.where('b.ends_at', '>', filter.from);
  if (filter.to) query = query.where('b.starts_at', '<', filter.to);
  if (filter.status) query = query.where('b.status', '=', filter.status);
  return query.orderBy('b.starts_at').orderBy('b.id').limit(filter.limit).execute();
}

/** The tenant's bookings of `ids` (those that exist), with their vessel. */
export async function listBookingsByIds(q: Queryable, tenantId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return selectBookings(q, tenantId)
    .where('b.id', 'in', [...ids])
    .execute();
}

export async function bookingIdExists(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const row = await q.selectFrom('bookings').select('id').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

export async function friendlySlugTaken(q: Queryable, tenantId: string, slug: string, exceptId?: string) {
  let query = q.selectFrom('bookings').select('id').where('tenant_id', '=', tenantId).where('friendly_slug', '=', slug);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Inserts a booking and returns it as stored (with its defaults: version and created time). */
export async function insertBooking(q: Queryable, tenantId: string, values: Omit<Insertable<BookingsTable>, 'tenant_id'>) {
  return q
    .insertInto('bookings')
    .values({ ...values, tenant_id: tenantId })
    .returning(storedColumns)
    .executeTakeFirstOrThrow();
}

export type StoredBooking = Awaited<ReturnType<typeof insertBooking>>;

/**
 * The vessel a new booking names, by slug, with the domain of the tenant's guest site (null when
 * it has none) and the id of a booking kept from before the no-overlap rule that the new one would
 * overlap (`kept_overlap`, null when none: the constraint leaves those out, ADR 0018) — what a create
 * needs besides its input, in one query. Undefined when no such vessel.
 */
export async function getVesselForNewBooking(q: Queryable, tenantId: string, slug: string, times: { startsAt: Date; endsAt: Date }) {
  return q
    .selectFrom('vessels as v')
    .select((eb) => [
      'v.id',
      'v.slug',
      'v.name',
      'v.capacity',
      'v.meeting_point',
      'v.timezone',
      'v.turnaround_minutes',
      eb
        .selectFrom('sites as s')
        .select('s.domain')
        .where('s.tenant_id', '=', tenantId)
        .where('s.role', '=', 'guest')
        .orderBy('s.created_at')
        .limit(1)
        .as('guest_domain'),
      eb
        .selectFrom('bookings as k')
        .select('k.id')
        .where('k.tenant_id', '=', tenantId)
        .whereRef('k.vessel_id', '=', 'v.id')
        // Spelled as the partial index bookings_kept_overlap_idx is (migration 0014), not as parameters,
        // so that the planner can prove the index applies whatever plan it makes.
        .where(sql<boolean>`k.overlap_allowed and k.status <> 'cancelled'`)
        .where('k.blocked_until', '>', times.startsAt)
        .where((k) => k('k.starts_at', '<', sql<Date>`${times.endsAt}::timestamptz + make_interval(mins => v.turnaround_minutes)`))
        .limit(1)
        .as('kept_overlap'),
    ])
    .where('v.tenant_id', '=', tenantId)
    .where('v.slug', '=', slug)
    .executeTakeFirst();
}

/**
 * The first booking of the vessel, other than `exceptId`, that keeps it during [startsAt, blockedUntil):
 * what the no-overlap constraint (`bookings_no_overlap`) refused a write for, or — with `keptOnly` —
 * one kept from before the rule, which the constraint leaves out. Undefined when none does.
 */
export async function findOverlappingBooking(
  q: Queryable,
  tenantId: string,
  vesselId: string,
  range: { startsAt: Date; blockedUntil: Date },
  options: { exceptId?: string | undefined; keptOnly?: boolean } = {},
) {
  let query = q
    .selectFrom('bookings')
    .select(['id', 'status', 'starts_at', 'ends_at', 'timezone'])
    .where('tenant_id', '=', tenantId)
    .where('vessel_id', '=', vesselId)
    .where('status', '!=', 'cancelled')
    .where('starts_at', '<', range.blockedUntil)
    .where('blocked_until', '>', range.startsAt);
  // As the partial index bookings_kept_overlap_idx is spelled (migration 0014).
  if (options.keptOnly) query = query.where(sql<boolean>`overlap_allowed and status <> 'cancelled'`);
  if (options.exceptId) query = query.where('id', '!=', options.exceptId);
  return query.orderBy('starts_at').limit(1).executeTakeFirst();
}

/** Upcoming bookings that the no-overlap rule was waived for when it was introduced (migration 0004). */
export async function listOverlapsKeptFromBefore(q: Queryable, tenantId: string, now: Date) {
  return q
    .selectFrom('bookings as b')
    .innerJoin('vessels as v', (j) => j.onRef('v.id', '=', 'b.vessel_id').onRef('v.tenant_id', '=', 'b.tenant_id'))
    .select(['b.id', 'b.starts_at', 'v.slug as vessel_slug'])
    .where('b.tenant_id', '=', tenantId)
    .where(sql<boolean>`b.overlap_allowed and b.status <> 'cancelled'`)
    .where('b.ends_at', '>', now)
    .orderBy('b.starts_at')
    .limit(50)
    .execute();
}

/**
 * Applies `changes` only if the stored version is still `expectedVersion`, bumping it.
 * Returns false when another write got there first (the caller answers 412).
 */
export async function updateBookingIfVersion(
  q: Queryable,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: Omit<Updateable<BookingsTable>, 'tenant_id' | 'id' | 'version'>,
): Promise<boolean> {
  const result = await q
    .updateTable('bookings')
    .set({ ...changes, version: expectedVersion + 1 })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function listCrewOfBooking(q: Queryable, tenantId: string, bookingId: string) {
  return q
    .selectFrom('assignments as a')
    .innerJoin('crew_members as c', (j) => j.onRef('c.id', '=', 'a.crew_member_id').onRef('c.tenant_id', '=', 'a.tenant_id'))
    .select(['c.id', 'c.name', 'c.email', 'c.phone', 'a.role', 'a.status'])
    .where('a.tenant_id', '=', tenantId)
    .where('a.booking_id', '=', bookingId)
    .orderBy('a.role')
    .orderBy('c.name')
    .execute();
}

/** The crew of each of the tenant's bookings of `ids`, in the order `listCrewOfBooking` gives. */
export async function listCrewOfBookings(q: Queryable, tenantId: string, bookingIds: readonly string[]) {
  if (bookingIds.length === 0) return [];
  return q
    .selectFrom('assignments as a')
    .innerJoin('crew_members as c', (j) => j.onRef('c.id', '=', 'a.crew_member_id').onRef('c.tenant_id', '=', 'a.tenant_id'))
    .select(['a.booking_id', 'c.id', 'c.name', 'c.email', 'c.phone', 'a.role', 'a.status'])
    .where('a.tenant_id', '=', tenantId)
    .where('a.booking_id', 'in', [...bookingIds])
    .orderBy('a.booking_id')
    .orderBy('a.role')
    .orderBy('c.name')
    .execute();
}

/**
 * Confirmed bookings departing after `from` and at most at `to` whose guest has no reminder for that
 * departure yet (queued, sent or failed: a queued one is sent by its own job), soonest first. The key
 * is `domain/guest-follow-ups.ts#guestReminderKey`, built here the same way.
 */
export async function listBookingsDueForGuestReminder(q: Queryable, tenantId: string, window: { from: Date; to: Date; limit: number }) {
  return q
    .selectFrom('bookings as b')
    .select(['b.id', 'b.guest_name', 'b.guest_email', 'b.starts_at'])
    .where('b.tenant_id', '=', tenantId)
    .where('b.status', '=', 'confirmed')
    .where('b.starts_at', '>', window.from)
    .where('b.starts_at', '<=', window.to)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outgoing_mail as m')
            .select('m.id')
            .where('m.tenant_id', '=', tenantId)
            // A withdrawn reminder (the charter moved away, and has moved back) is queued again.
            .where('m.status', '!=', 'withdrawn')
            .whereRef(
              'm.dedupe_key',
              '=',
              sql<string>`concat('guest.reminder:', b.id, ':', floor(extract(epoch from b.starts_at))::bigint)`,
            ),
        ),
      ),
    )
    .orderBy('b.starts_at')
    .orderBy('b.id')
    .limit(window.limit)
    .execute();
}
