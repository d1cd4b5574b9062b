/** Calendar entries of one tenant. */
import type { Queryable } from '../client';

export async function insertCalendarEntry(
  q: Queryable,
  tenantId: string,
  e: { date: string; eventType: string; bookingId: string | null; title: string | null },
) {
  return q
    .insertInto('calendar_entries')
    .values({ tenant_id: tenantId, date: e.date, event_type: e.eventType, booking_id: e.bookingId, title: e.title })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listCalendarEntries(q: Queryable, tenantId: string, range: { from: string; to: string }) {
  return q
    .selectFrom('calendar_entries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('date', '>=', range.from)
    .where('date', '<=', range.to)
    .orderBy('date')
    .execute();
}
