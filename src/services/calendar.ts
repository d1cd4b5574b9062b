/** Calendar entries for the operator's calendar (charters, maintenance, holidays). */
import { z } from 'zod';
import { insertAuditEntry } from '../db/queries/audit';
import { bookingIdExists } from '../db/queries/bookings';
import { insertCalendarEntry } from '../db/queries/calendar';
import { BOOKING_RULES, isSaneYear } from '../domain/booking';
import { normalizeBookingId } from '../domain/ids';
import type { ServiceDeps, TenantContext } from './context';
import { ValidationError } from './errors';
import { singleLine } from './text-fields';

export const calendarEntrySchema = z
  .strictObject({
    date: z.iso
      .date('must be a date like 2026-05-30')
      .refine(
        (v) => isSaneYear(Number(v.slice(0, 4))),
        `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
      ),
    event_type: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a short lower-case word like charter'),
    booking_id: z
      .string()
      .regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id')
      .optional(),
    title: singleLine(200).optional(),
  })
  .meta({
    id: 'CalendarEntryInput',
    example: { date: '2030-06-14', event_type: 'maintenance', title: 'Engine service on Jada' },
  });

export type CalendarEntryInput = z.infer<typeof calendarEntrySchema>;

export async function addCalendarEntry(deps: ServiceDeps, ctx: TenantContext, input: CalendarEntryInput) {
  return deps.db.transaction().execute(async (tx) => {
    const bookingId = input.booking_id ? normalizeBookingId(input.booking_id) : null;
    if (bookingId && !(await bookingIdExists(tx, ctx.tenantId, bookingId))) {
      throw new ValidationError([{ field: 'booking_id', message: `no booking ${input.booking_id} in this tenant` }]);
    }
    const row = await insertCalendarEntry(tx, ctx.tenantId, {
      date: input.date,
      eventType: input.event_type,
      bookingId,
      title: input.title ?? null,
    });
    const entry = { id: row.id, date: row.date, event_type: row.event_type, booking_id: row.booking_id, title: row.title };
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'calendar.entry_added',
      entityType: 'calendar_entry',
      entityId: row.id,
      after: entry,
    });
    return entry;
  });
}
