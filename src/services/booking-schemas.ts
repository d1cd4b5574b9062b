/** The zod schemas of booking input: the API (and its OpenAPI document) and the CLI parse with these. */
import { z } from 'zod';
import { BOOKING_RULES, BOOKING_STATUSES, isSaneYear } from '../domain/booking';
import { BOOKING_ID_PATTERN } from '../domain/ids';
import { DATE_ONLY, ISO_WITH_OFFSET } from '../domain/time';
import { multiLine, optionalLine, singleLine } from './text-fields';

const note = multiLine(4000);
/** `Date.parse` rolls 2026-02-30 over into March; the day must exist in its month. */
const dayExists = (v: string) => {
  const [year, month, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
};
const dateTime = z
  .string()
  .regex(ISO_WITH_OFFSET, 'must be an ISO 8601 date-time with an offset, e.g. 2026-05-30T10:00:00-07:00')
  .refine((v) => !Number.isNaN(Date.parse(v)) && dayExists(v), 'is not a real date')
  .refine(
    (v) => isSaneYear(Number(v.slice(0, 4))),
    `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
  )
  .meta({ example: '2030-06-15T10:00:00-07:00' });
const money = z
  .number()
  .nonnegative('must not be negative')
  .max(1e10, 'is too large')
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'must have at most 2 decimals');
export const friendlySlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2–63 lower-case letters, digits or dashes')
  .refine((v) => v !== 'g' && v !== 'api', 'is reserved');

export const guestSchema = z.strictObject({
  name: singleLine(200),
  email: z.email('must be an e-mail address').max(254),
  phone: optionalLine(40).nullish(),
});

export const createBookingSchema = z
  .strictObject({
    id: z
      .string()
      .transform((v) => v.toUpperCase())
      .pipe(z.string().regex(BOOKING_ID_PATTERN, 'must be 4–16 letters and digits'))
      .optional(),
    guest: guestSchema,
    partySize: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10000),
    vessel: singleLine(64).meta({ description: 'the vessel slug' }),
    startsAt: dateTime,
    endsAt: dateTime,
    status: z.enum(['hold', 'confirmed']).optional(),
    pricing: z.strictObject({ total: money, currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD') }).optional(),
    captainFeePerHour: money.optional(),
    notes: z.strictObject({ internal: note.optional(), crew: note.optional(), guest: note.optional() }).optional(),
    friendlySlug: friendlySlugSchema.optional(),
  })
  .meta({
    id: 'BookingInput',
    description: 'A new booking. Times are ISO 8601 with an offset; the booking is shown in its vessel’s time zone.',
    example: {
      guest: { name: 'Avery Guest', email: 'avery@example.com', phone: '+1 619 555 0100' },
      partySize: 6,
      vessel: 'jada',
      startsAt: '2030-06-15T10:00:00-07:00',
      endsAt: '2030-06-15T13:00:00-07:00',
      status: 'confirmed',
      pricing: { total: 840.75, currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: 'Paid by card', crew: 'Fuel at the north dock', guest: 'Bring sunscreen and soft-soled shoes.' },
      friendlySlug: 'avery-sunset-sail',
    },
  });

export type CreateBookingInput = z.infer<typeof createBookingSchema>;

export const patchBookingSchema = z
  .strictObject({
    guest: z
      .strictObject({
        name: guestSchema.shape.name.optional(),
        email: guestSchema.shape.email.optional(),
        phone: guestSchema.shape.phone,
      })
      .optional(),
    partySize: createBookingSchema.shape.partySize.optional(),
    vessel: createBookingSchema.shape.vessel.optional(),
    startsAt: dateTime.optional(),
    endsAt: dateTime.optional(),
    status: z.enum(BOOKING_STATUSES).optional(),
    pricing: createBookingSchema.shape.pricing.nullable(),
    captainFeePerHour: money.nullish(),
    notes: z.strictObject({ internal: note.nullish(), crew: note.nullish(), guest: note.nullish() }).optional(),
    friendlySlug: friendlySlugSchema.nullish(),
  })
  .meta({
    id: 'BookingPatch',
    description: 'The fields to change; the others stay as they are. `null` clears an optional field.',
    example: { partySize: 8, startsAt: '2030-06-15T11:00:00-07:00', endsAt: '2030-06-15T14:00:00-07:00', notes: { guest: null } },
  });

export type PatchBookingInput = z.infer<typeof patchBookingSchema>;

/** A day (`2026-05-30`, read in the tenant's time zone) or an instant with an offset. */
const dayOrDateTime = (which: 'from' | 'to') =>
  z
    .string()
    .refine(
      (v) => (DATE_ONLY.test(v) || (ISO_WITH_OFFSET.test(v) && !Number.isNaN(Date.parse(v)))) && dayExists(v),
      'must be a date like 2026-05-30 or an ISO 8601 date-time with an offset',
    )
    .refine(
      (v) => isSaneYear(Number(v.slice(0, 4))),
      `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
    )
    .meta({
      description:
        which === 'from'
          ? "Bookings that end after this instant; a date means the start of that day in the tenant's time zone"
          : "Bookings that start before this instant; a date means the end of that day in the tenant's time zone (inclusive)",
      example: which === 'from' ? '2026-05-30' : '2026-06-01',
    });

export const listBookingsSchema = z.strictObject({
  from: dayOrDateTime('from').optional().meta({
    description:
      "Only bookings that end after this: a date-time with an offset, or a date (the start of that day in the tenant's time zone)",
  }),
  to: dayOrDateTime('to').optional().meta({
    description:
      "Only bookings that start before this: a date-time with an offset, or a date (the end of that day in the tenant's time zone)",
  }),
  status: z.enum(BOOKING_STATUSES).optional().meta({ description: 'Only bookings in this status' }),
  limit: z.coerce.number().int().min(1).max(500).default(100).meta({ description: 'At most this many bookings (1–500)', example: 100 }),
});
