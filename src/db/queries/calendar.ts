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

/** The tenant's calendar entries on days `from` to `to` (inclusive), each with the vessel of its booking, if any. */
export async function listCalendarEntriesWithVessel(q: Queryable, tenantId: string, range: { from: string; to: string }) {
  return q
    .selectFrom('calendar_entries as e')
    .leftJoin('bookings as b', (j) => j.onRef('b.id', '=', 'e.booking_id').onRef('b.tenant_id', '=', 'e.tenant_id'))
    .leftJoin('vessels as v', (j) => j.onRef('v.id', '=', 'b.vessel_id').onRef('v.tenant_id', '=', 'e.tenant_id'))
    .select(['e.id', 'e.date', 'e.event_type', 'e.booking_id', 'e.title', 'e.created_at', 'v.id as vessel_id', 'v.name as vessel_name'])
    .where('e.tenant_id', '=', tenantId)
    .where('e.date', '>=', range.from)
    .where('e.date', '<=', range.to)
    .orderBy('e.date')
    .orderBy('e.created_at')
    .execute();
}
