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
    status: z.enum(['hold', 'confirmed', 'cancelled', 'completed']),
    guest: z.object({ name: z.string(), email: z.string(), phone: z.string().nullable() }),
    partySize: z.number().int(),
    vessel: z.string(),
    vesselName: z.string(),
    meetingPoint: z.string(),
    startsAt: z.string().meta({ description: "ISO 8601 in the vessel's time zone" }),
    endsAt: z.string(),
    timezone: z.string(),
    pricing: z.object({ total: z.number().nullable(), currency: z.string().nullable() }),
    captainFeePerHour: z.number().nullable(),
    notes: z.object({ internal: z.string().nullable(), crew: z.string().nullable(), guest: z.string().nullable() }),
    friendlySlug: z.string().nullable(),
    guestPageUrl: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    crew: z.array(z.object({ name: z.string(), role: z.string(), status: z.string() })),
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
