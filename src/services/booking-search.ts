/**
 * The ops dashboard's bookings list: text search over guest name, guest e-mail and booking id, with
 * filters that combine, by start time, a page at a time with the total. Every value reaches the
 * database as a parameter; the search text's own `%`, `_` and `\` match themselves.
 */
import { z } from 'zod';
import { countBookings, searchBookings as searchBookingRows } from '../db/queries/booking-search';
import { getVesselBySlug } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import { BOOKING_RULES, BOOKING_STATUSES, isSaneYear } from '../domain/booking';
import { startOfDayIn } from '../domain/time';
import type { StaffBookingView } from '../domain/visibility';
import { staffViewsOf } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { ValidationError } from './errors';
import { parseInput, wholeNumber } from './parse-input';
import { optionalLine } from './text-fields';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

const day = z.iso
  .date('must be a date like 2026-05-30')
  .refine(
    (v) => isSaneYear(Number(v.slice(0, 4))),
    `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
  );

export const searchBookingsSchema = z
  .strictObject({
    /** Empty means no text filter (a cleared search box). */
    q: optionalLine(200).optional(),
    status: z.enum(BOOKING_STATUSES, { error: `must be one of ${BOOKING_STATUSES.join(', ')}` }).optional(),
    /** A vessel's slug. */
    vessel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a vessel slug')
      .optional(),
    /** The first day (in the tenant's zone) a listed booking may start on. */
    from: day.optional(),
    /** The last day (inclusive) a listed booking may start on. */
    to: day.optional(),
    page: wholeNumber().min(1).max(100_000).default(1),
    pageSize: wholeNumber().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  })
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, { message: 'must not be before from', path: ['to'] });

export type BookingSearchPage = {
  bookings: StaffBookingView[];
  /** Matches over all pages. */
  total: number;
  page: number;
  pageSize: number;
  pages: number;
};

/**
 * One page of the tenant's bookings matching every given filter, by start time. ValidationError (422,
 * naming each field) for a bad date, page, status or an unknown vessel.
 */
export async function searchBookings(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: z.input<typeof searchBookingsSchema> = {},
): Promise<BookingSearchPage> {
  const f = parseInput(searchBookingsSchema, input);
  const { tenantId } = ctx;
  let vesselId: string | undefined;
  if (f.vessel !== undefined) {
    const vessel = await getVesselBySlug(deps.db, tenantId, f.vessel);
    if (!vessel) throw new ValidationError([{ field: 'vessel', message: `no vessel "${f.vessel}" in this tenant` }]);
    vesselId = vessel.id;
  }
  const zone = f.from || f.to ? ((await getTenantById(deps.db, tenantId))?.timezone ?? 'UTC') : 'UTC';
  const search = {
    text: f.q || undefined,
    status: f.status,
    vesselId,
    startsFrom: f.from ? startOfDayIn(f.from, zone) : undefined,
    startsBefore: f.to ? startOfDayIn(f.to, zone, 1) : undefined,
  };
  const [rows, total] = await Promise.all([
    searchBookingRows(deps.db, tenantId, search, { limit: f.pageSize, offset: (f.page - 1) * f.pageSize }),
    countBookings(deps.db, tenantId, search),
  ]);
  const views = await staffViewsOf(deps, tenantId, rows);
  return {
    bookings: views.map((v) => v.booking),
    total,
    page: f.page,
    pageSize: f.pageSize,
    pages: Math.max(1, Math.ceil(total / f.pageSize)),
  };
}
