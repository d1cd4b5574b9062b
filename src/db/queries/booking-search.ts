/** Bookings of one tenant found the dashboard's ways: by text and filters a page at a time, or by start. */
import type { Queryable } from '../client';
import type { BookingStatus } from '../schema';
import { selectBookings } from './bookings';

export type BookingSearch = {
  /** Matched against the guest's name and e-mail (substring, any case) and the booking id (exact). */
  text?: string | undefined;
  status?: BookingStatus | undefined;
  vesselId?: string | undefined;
  /** Bookings that start at or after `startsFrom` and before `startsBefore`. */
  startsFrom?: Date | undefined;
  startsBefore?: Date | undefined;
};

/** `text` as a LIKE pattern that matches it anywhere, its own `%`, `_` and `\` taken literally. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtered(q: Queryable, tenantId: string, s: BookingSearch) {
  let query = selectBookings(q, tenantId);
  if (s.text) {
    const pattern = containing(s.text);
    const id = s.text.toUpperCase();
    query = query.where((eb) => eb.or([eb('b.guest_name', 'ilike', pattern), eb('b.guest_email', 'ilike', pattern), eb('b.id', '=', id)]));
  }
  if (s.status) query = query.where('b.status', '=', s.status);
  if (s.vesselId) query = query.where('b.vessel_id', '=', s.vesselId);
  if (s.startsFrom) query = query.where('b.starts_at', '>=', s.startsFrom);
  if (s.startsBefore) query = query.where('b.starts_at', '<', s.startsBefore);
  return query;
}

/** One page of the bookings that match, by start time. */
export async function searchBookings(q: Queryable, tenantId: string, s: BookingSearch, page: { limit: number; offset: number }) {
  return filtered(q, tenantId, s).orderBy('b.starts_at').orderBy('b.id').limit(page.limit).offset(page.offset).execute();
}

/** How many bookings match, over all pages. */
export async function countBookings(q: Queryable, tenantId: string, s: BookingSearch): Promise<number> {
  const row = await filtered(q, tenantId, s)
    .clearSelect()
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
