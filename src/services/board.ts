/**
 * The ops dashboard's board: charters as cards in columns by state. "crewed" is not a status of its
 * own: it is a confirmed charter whose every assigned crew member accepted, so it follows from crew
 * answers and cannot be chosen. Moving a card changes the booking through the same booking services
 * as the API (`updateBooking`, `cancelBooking`): the same rules, audit entries and jobs.
 */
import { z } from 'zod';
import { searchBookings } from '../db/queries/booking-search';
import { getTenantById } from '../db/queries/tenants';
import { BOOKING_RULES, isSaneYear } from '../domain/booking';
import { formatCharterStart, startOfDayIn } from '../domain/time';
import type { StaffBookingView } from '../domain/visibility';
import { cancelBooking, getBooking, staffViewsOf, updateBooking, versionFromEtag } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { ConflictError, PreconditionFailedError } from './errors';
import { parseInput, wholeNumber } from './parse-input';

export const BOARD_COLUMNS = ['hold', 'confirmed', 'crewed', 'completed', 'cancelled'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;
export const BOARD_DAYS_BEFORE = 7;
export const BOARD_DAYS_AFTER = 60;
/** More cards than a board can show; the window keeps a board far below it. */
const MAX_CARDS = 2000;

const day = z.iso
  .date('must be a date like 2026-05-30')
  .refine(
    (v) => isSaneYear(Number(v.slice(0, 4))),
    `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
  );

export const boardSchema = z
  .strictObject({ from: day.optional(), to: day.optional() })
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, { message: 'must not be before from', path: ['to'] });

export type BoardCard = {
  id: string;
  column: BoardColumn;
  guestName: string;
  vesselName: string;
  /** ISO 8601 in the vessel's zone, and as a person reads it. */
  startsAt: string;
  when: string;
  partySize: number;
  crew: { accepted: number; total: number };
  /** The booking's version, to move the card only if nobody changed it meanwhile. */
  version: number;
};

/** The window's bounds as instants, and the tenant's zone, in which the window's days were read. */
export type Board = { from: string; to: string; timezone: string; columns: Record<BoardColumn, BoardCard[]> };

/** The column a booking's card stands in. */
export function columnOf(b: Pick<StaffBookingView, 'status' | 'crew'>): BoardColumn {
  if (b.status === 'confirmed' && b.crew.length > 0 && b.crew.every((c) => c.status === 'accepted')) return 'crewed';
  return b.status;
}

function cardOf(b: StaffBookingView, version: number, now: Date): BoardCard {
  return {
    id: b.id,
    column: columnOf(b),
    guestName: b.guest.name,
    vesselName: b.vesselName,
    startsAt: b.startsAt,
    when: formatCharterStart(new Date(b.startsAt), b.timezone, now),
    partySize: b.partySize,
    crew: { accepted: b.crew.filter((c) => c.status === 'accepted').length, total: b.crew.length },
    version,
  };
}

/**
 * The tenant's charters starting from `from` to `to` (days, inclusive, in the tenant's zone; by
 * default 7 days ago to 60 days ahead), as cards by column, each column by start.
 */
export async function getBoard(deps: ServiceDeps, ctx: TenantContext, input: z.input<typeof boardSchema> = {}): Promise<Board> {
  const f = parseInput(boardSchema, input);
  const now = deps.clock.now();
  const zone = (await getTenantById(deps.db, ctx.tenantId))?.timezone ?? 'UTC';
  const startsFrom = f.from ? startOfDayIn(f.from, zone) : new Date(now.getTime() - BOARD_DAYS_BEFORE * DAY_MS);
  const startsBefore = f.to ? startOfDayIn(f.to, zone, 1) : new Date(now.getTime() + BOARD_DAYS_AFTER * DAY_MS);
  const rows = await searchBookings(deps.db, ctx.tenantId, { startsFrom, startsBefore }, { limit: MAX_CARDS, offset: 0 });
  const columns = Object.fromEntries(BOARD_COLUMNS.map((c) => [c, [] as BoardCard[]])) as Record<BoardColumn, BoardCard[]>;
  for (const { booking, version } of await staffViewsOf(deps, ctx.tenantId, rows)) {
    const card = cardOf(booking, version, now);
    columns[card.column].push(card);
  }
  return { from: startsFrom.toISOString(), to: startsBefore.toISOString(), timezone: zone, columns };
}

export const moveBookingSchema = z.strictObject({
  bookingId: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id'),
  to: z.enum(BOARD_COLUMNS, { error: `must be one of ${BOARD_COLUMNS.join(', ')}` }),
  /** The card's version as the board showed it: the move is refused (412) if the booking changed since. */
  version: wholeNumber().min(1).optional(),
});

/**
 * Moves a card to another column by changing the booking's status through the booking services:
 * their rules decide (e.g. cancelled → confirmed is a ConflictError, 409, with their sentence). Moving
 * to "crewed" is refused unless the card is crewed already; "crewed" → "confirmed" changes nothing.
 * NotFoundError for a booking of another tenant; PreconditionFailedError when `version` is stale.
 */
export async function moveBooking(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: z.input<typeof moveBookingSchema>,
): Promise<{ card: BoardCard; moved: boolean }> {
  const m = parseInput(moveBookingSchema, input);
  const expected = m.version ?? '*';
  const current = await getBooking(deps, ctx, m.bookingId);
  const version = versionFromEtag(current.etag) as number;
  const from = columnOf(current.booking);
  if (m.to === from || (m.to === 'confirmed' && from === 'crewed')) {
    if (expected !== '*' && expected !== version) {
      throw new PreconditionFailedError(`The booking has changed since version ${expected}; fetch it again.`);
    }
    return { card: cardOf(current.booking, version, deps.clock.now()), moved: false };
  }
  if (m.to === 'crewed') {
    throw new ConflictError(
      'A charter is crewed once every assigned crew member has accepted; assign crew and wait for their answers instead of moving the card.',
    );
  }
  const moved =
    m.to === 'cancelled'
      ? await cancelBooking(deps, ctx, m.bookingId, expected)
      : await updateBooking(deps, ctx, m.bookingId, { status: m.to }, expected);
  return { card: cardOf(moved.booking, versionFromEtag(moved.etag) as number, deps.clock.now()), moved: true };
}
