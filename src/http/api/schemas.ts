/** Output schemas, for the OpenAPI document: what each view carries (the views themselves come from the domain policy). */
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const instant = z.string().nullable().meta({ description: 'ISO 8601 in UTC' });

export const guestPageSchema = z
  .object({
    status: z.enum(['none', 'pending', 'published', 'failed']).meta({
      description:
        'none: the booking has no guest page (a hold, or cancelled while on hold) · pending: its current version is not live yet · ' +
        'failed: the last attempt to publish it failed (the job retries with back-off) · published: its current version was verified live',
    }),
    url: z.string().nullable().meta({ description: 'The live page; null until a publish succeeds' }),
    publishedVersion: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The booking version the live page shows; the ETag of the booking names its current version, e.g. "v3"' }),
    contentHash: z.string().nullable().meta({ description: 'SHA-256 (hex) of the live page' }),
    publishedAt: instant,
    verifiedAt: instant.meta({ description: 'When the live page was last fetched back and found to match (ISO 8601 in UTC)' }),
    error: z.string().nullable().meta({ description: 'The error of the last attempt (`step: message`), until one succeeds' }),
    errorAt: instant,
    failedAttempts: z.number().int().meta({ description: 'Failed attempts since the last successful publish' }),
  })
  .meta({
    id: 'GuestPage',
    description: "The publishing state of the booking's guest page; staff only. It is not part of the booking's ETag.",
  });

export const bookingSchema = z
  .object({
    id: z.string().meta({ example: 'XHQGMDH' }),
    status: z.enum(['hold', 'confirmed', 'cancelled', 'completed']).meta({ example: 'confirmed' }),
    guest: z.object({
      name: z.string().meta({ example: 'Avery Guest' }),
      email: z.string().meta({ example: 'avery@example.com' }),
      phone: z.string().nullable().meta({ example: '+1 619 555 0100' }),
    }),
    partySize: z.number().int().meta({ example: 6 }),
    vessel: z.string().meta({ description: 'The vessel slug', example: 'jada' }),
    vesselName: z.string().meta({ example: 'Jada' }),
    meetingPoint: z.string().meta({ example: 'Harbor Island West Marina, Dock C' }),
    startsAt: z.string().meta({ description: "ISO 8601 in the vessel's time zone", example: '2030-06-15T10:00:00-07:00' }),
    endsAt: z.string().meta({ description: "ISO 8601 in the vessel's time zone", example: '2030-06-15T13:00:00-07:00' }),
    timezone: z.string().meta({ description: "The vessel's time zone (IANA)", example: 'America/Los_Angeles' }),
    pricing: z.object({ total: z.number().nullable().meta({ example: 840.75 }), currency: z.string().nullable().meta({ example: 'USD' }) }),
    captainFeePerHour: z.number().nullable().meta({ example: 50 }),
    notes: z.object({ internal: z.string().nullable(), crew: z.string().nullable(), guest: z.string().nullable() }),
    friendlySlug: z.string().nullable().meta({ example: 'avery-sunset-sail' }),
    guestPageUrl: z.string().meta({ example: 'https://guests.example.com/g/XHQGMDH' }),
    createdAt: z.string().meta({ description: 'ISO 8601 in UTC' }),
    updatedAt: z.string().meta({ description: 'ISO 8601 in UTC' }),
    crew: z.array(
      z.object({
        name: z.string().meta({ example: 'Casey Captain' }),
        role: z.string().meta({ example: 'captain' }),
        status: z.string().meta({ example: 'accepted' }),
      }),
    ),
    guestPage: guestPageSchema,
  })
  .meta({ id: 'Booking' });

export const crewBookingSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    guest: z.object({ firstName: z.string() }),
    partySize: z.number().int(),
    vessel: z.string(),
    vesselName: z.string(),
    meetingPoint: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    timezone: z.string(),
    notes: z.object({ crew: z.string().nullable() }),
    crew: z.array(z.object({ name: z.string(), role: z.string(), status: z.string() })),
  })
  .meta({ id: 'CrewBooking' });

export const crewEventSchemaOut = z
  .object({ event_id: z.string(), notes: z.string().nullable(), booking: crewBookingSchema })
  .meta({ id: 'CrewEvent' });

export const calendarEntrySchemaOut = z
  .object({
    id: z.string(),
    date: z.string(),
    event_type: z.string(),
    booking_id: z.string().nullable(),
    title: z.string().nullable(),
  })
  .meta({ id: 'CalendarEntry' });
