/**
 * The booking form ↔ the booking services' input: a date and two wall-clock times read in the chosen
 * vessel's zone, amounts and counts from text, and the services' field paths (`guest.email`,
 * `startsAt`) back onto the form's fields. Parsing is the services' own zod schemas; this only shapes.
 */
import type { z } from 'zod';
import { DATE_ONLY, instantOfWallTime, TIME_ONLY, toZonedIso } from '../../../domain/time';
import type { StaffBookingView } from '../../../domain/visibility';
import {
  type CreateBookingInput,
  createBookingSchema,
  type PatchBookingInput,
  patchBookingSchema,
} from '../../../services/booking-schemas';
import type { FieldError } from '../../../services/errors';
import { describeIssues } from '../../../services/field-errors';

export const BOOKING_FORM_FIELDS = [
  'guestName',
  'guestEmail',
  'guestPhone',
  'partySize',
  'vessel',
  'date',
  'startTime',
  'endTime',
  'status',
  'priceTotal',
  'currency',
  'captainFee',
  'notesGuest',
  'notesCrew',
  'notesInternal',
  'friendlySlug',
] as const;

export type BookingFormField = (typeof BOOKING_FORM_FIELDS)[number];

/** The form as typed: every field as text, so a refused form is shown again exactly as it was sent. */
export type BookingFormValues = Record<BookingFormField, string>;

/** A message for one field of the form, or for the form as a whole (`field` null). */
export type FormError = { field: BookingFormField | null; message: string };

/** A vessel as the form offers it. */
export type VesselChoice = { slug: string; name: string; timezone: string };

type Mapped<T> = { ok: true; input: T } | { ok: false; errors: FormError[] };

const NOTES: readonly BookingFormField[] = ['notesGuest', 'notesCrew', 'notesInternal'];

/** The submitted fields; single-line ones trimmed, notes with the browser's CRLF made LF. */
export function readBookingForm(form: Record<string, string>): BookingFormValues {
  const values = {} as BookingFormValues;
  for (const field of BOOKING_FORM_FIELDS) {
    const raw = form[field] ?? '';
    values[field] = NOTES.includes(field) ? raw.replace(/\r\n?/g, '\n') : raw.trim();
  }
  return values;
}

/** An empty form for a new booking: the first vessel, confirmed. */
export function blankBookingForm(vessels: readonly VesselChoice[]): BookingFormValues {
  const values = Object.fromEntries(BOOKING_FORM_FIELDS.map((f) => [f, ''])) as BookingFormValues;
  values.vessel = vessels[0]?.slug ?? '';
  values.status = 'confirmed';
  return values;
}

/** The booking as its edit form shows it: times as wall-clock time in its vessel's zone. */
export function bookingFormValues(b: StaffBookingView): BookingFormValues {
  return {
    guestName: b.guest.name,
    guestEmail: b.guest.email,
    guestPhone: b.guest.phone ?? '',
    partySize: String(b.partySize),
    vessel: b.vessel,
    // The view's times are ISO 8601 in the vessel's zone already: its wall clock is the text.
    date: b.startsAt.slice(0, 10),
    startTime: b.startsAt.slice(11, 16),
    endTime: b.endsAt.slice(11, 16),
    status: b.status,
    priceTotal: b.pricing.total === null ? '' : b.pricing.total.toFixed(2),
    currency: b.pricing.currency ?? '',
    captainFee: b.captainFeePerHour === null ? '' : b.captainFeePerHour.toFixed(2),
    notesGuest: b.notes.guest ?? '',
    notesCrew: b.notes.crew ?? '',
    notesInternal: b.notes.internal ?? '',
    friendlySlug: b.friendlySlug ?? '',
  };
}

/** A count or an amount: a number when it reads as one; otherwise the text, for the schema to refuse. */
function numberOf(text: string): number | string | undefined {
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/**
 * The start and end instants of the form's date and times in `zone`, as ISO 8601 in that zone. An end
 * at or before the start on the same date is refused, not taken as past midnight: the form has one date.
 */
function timesOf(values: BookingFormValues, zone: string | undefined): { startsAt: string; endsAt: string } | { errors: FormError[] } {
  const errors: FormError[] = [];
  if (values.date === '') errors.push({ field: 'date', message: 'required' });
  else if (!DATE_ONLY.test(values.date) || Number.isNaN(Date.parse(values.date)))
    errors.push({ field: 'date', message: 'must be a date like 2026-05-30' });
  for (const field of ['startTime', 'endTime'] as const) {
    if (values[field] === '') errors.push({ field, message: 'required' });
    else if (!TIME_ONLY.test(values[field])) errors.push({ field, message: 'must be a time like 10:00' });
  }
  if (errors.length > 0) return { errors };
  const clock = (t: string) => (t.length === 5 ? `${t}:00` : t);
  if (clock(values.endTime) <= clock(values.startTime)) {
    return {
      errors: [{ field: 'endTime', message: 'must be after the start time on the same date (a charter past midnight is not taken here)' }],
    };
  }
  // Without a vessel there is no zone to read them in: the vessel's own error says so.
  if (zone === undefined) return { errors: [] };
  const startsAt = instantOfWallTime(values.date, values.startTime, zone);
  const endsAt = instantOfWallTime(values.date, values.endTime, zone);
  const skipped = (field: 'startTime' | 'endTime') => ({
    field,
    message: `${values[field]} does not exist on ${values.date} in ${zone}: the clocks go forward then`,
  });
  if (!startsAt || !endsAt) return { errors: [...(startsAt ? [] : [skipped('startTime')]), ...(endsAt ? [] : [skipped('endTime')])] };
  return { startsAt: toZonedIso(startsAt, zone), endsAt: toZonedIso(endsAt, zone) };
}

/** Where a service's field path (`guest.email`) is on the form. */
const FIELD_OF_PATH: Record<string, BookingFormField> = {
  guest: 'guestName',
  'guest.name': 'guestName',
  'guest.email': 'guestEmail',
  'guest.phone': 'guestPhone',
  partySize: 'partySize',
  vessel: 'vessel',
  startsAt: 'startTime',
  endsAt: 'endTime',
  status: 'status',
  pricing: 'priceTotal',
  'pricing.total': 'priceTotal',
  'pricing.currency': 'currency',
  captainFeePerHour: 'captainFee',
  notes: 'notesGuest',
  'notes.guest': 'notesGuest',
  'notes.crew': 'notesCrew',
  'notes.internal': 'notesInternal',
  friendlySlug: 'friendlySlug',
};

/** The services' errors on the form's fields, in the form's words ("must be after the start time"). */
export function formErrorsOf(errors: readonly FieldError[]): FormError[] {
  return errors.map((e) => ({
    field: FIELD_OF_PATH[e.field] ?? null,
    message: e.message.replace(/\bstartsAt\b/g, 'the start time').replace(/\bendsAt\b/g, 'the end time'),
  }));
}

function parseWith<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  known: FormError[],
  skipTimes: boolean,
): Mapped<z.infer<S>> {
  const parsed = schema.safeParse(raw);
  const fromSchema = parsed.success
    ? []
    : formErrorsOf(describeIssues(parsed.error, raw).map((i) => ({ field: i.path, message: i.message }))).filter(
        // Times that could not be read are reported once, by the form's own message.
        (e) => !(skipTimes && (e.field === 'startTime' || e.field === 'endTime')),
      );
  const errors = [...known, ...fromSchema];
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, input: parsed.data };
}

function zoneOf(vessels: readonly VesselChoice[], slug: string): string | undefined {
  return vessels.find((v) => v.slug === slug)?.timezone;
}

/** The vessel field's own error: none chosen, or one this tenant does not have. */
function vesselError(values: BookingFormValues, vessels: readonly VesselChoice[]): FormError[] {
  if (values.vessel === '') return [{ field: 'vessel', message: 'required' }];
  return zoneOf(vessels, values.vessel) ? [] : [{ field: 'vessel', message: 'choose one of the vessels in the list' }];
}

/** The input of `createBooking` for a filled-in form, or the form's errors. */
export function toCreateInput(values: BookingFormValues, vessels: readonly VesselChoice[]): Mapped<CreateBookingInput> {
  const known = vesselError(values, vessels);
  const times = timesOf(values, zoneOf(vessels, values.vessel));
  if ('errors' in times) known.push(...times.errors);
  const text = (v: string) => (v === '' ? undefined : v);
  const notes = { guest: text(values.notesGuest), crew: text(values.notesCrew), internal: text(values.notesInternal) };
  const raw: Record<string, unknown> = {
    guest: { name: values.guestName, email: values.guestEmail, ...(values.guestPhone ? { phone: values.guestPhone } : {}) },
    partySize: numberOf(values.partySize),
    vessel: values.vessel,
    ...('errors' in times ? {} : times),
    status: values.status,
    ...(values.priceTotal || values.currency
      ? { pricing: { total: numberOf(values.priceTotal), currency: values.currency.toUpperCase() } }
      : {}),
    captainFeePerHour: numberOf(values.captainFee),
    ...(Object.values(notes).some((n) => n !== undefined) ? { notes } : {}),
    friendlySlug: text(values.friendlySlug),
  };
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  for (const n of Object.keys(notes) as (keyof typeof notes)[]) if (notes[n] === undefined) delete notes[n];
  return parseWith(createBookingSchema, raw, known, 'errors' in times);
}

/**
 * The patch of `updateBooking` for an edited form: only the fields that differ from `current` (an
 * emptied optional field clears it). New times are sent only when the instants differ.
 */
export function toPatchInput(
  values: BookingFormValues,
  current: StaffBookingView,
  vessels: readonly VesselChoice[],
): Mapped<PatchBookingInput> {
  const was = bookingFormValues(current);
  const changed = (f: BookingFormField) => values[f] !== was[f];
  const orNull = (v: string) => (v === '' ? null : v);
  const known = changed('vessel') ? vesselError(values, vessels) : [];
  const raw: Record<string, unknown> = {};
  const guest: Record<string, unknown> = {};
  if (changed('guestName')) guest.name = values.guestName;
  if (changed('guestEmail')) guest.email = values.guestEmail;
  if (changed('guestPhone')) guest.phone = orNull(values.guestPhone);
  if (Object.keys(guest).length > 0) raw.guest = guest;
  if (changed('partySize')) {
    if (values.partySize === '') known.push({ field: 'partySize', message: 'required' });
    else raw.partySize = numberOf(values.partySize);
  }
  if (changed('vessel')) raw.vessel = values.vessel;
  let timesUnread = false;
  if (changed('vessel') || changed('date') || changed('startTime') || changed('endTime')) {
    const times = timesOf(values, zoneOf(vessels, values.vessel));
    if ('errors' in times) {
      known.push(...times.errors);
      timesUnread = true;
    } else {
      if (Date.parse(times.startsAt) !== Date.parse(current.startsAt)) raw.startsAt = times.startsAt;
      if (Date.parse(times.endsAt) !== Date.parse(current.endsAt)) raw.endsAt = times.endsAt;
    }
  }
  if (changed('status')) raw.status = values.status;
  if (changed('priceTotal') || changed('currency')) {
    raw.pricing =
      values.priceTotal === '' && values.currency === ''
        ? null
        : { total: numberOf(values.priceTotal), currency: values.currency.toUpperCase() };
  }
  if (changed('captainFee')) raw.captainFeePerHour = values.captainFee === '' ? null : numberOf(values.captainFee);
  const notes: Record<string, unknown> = {};
  if (changed('notesGuest')) notes.guest = orNull(values.notesGuest);
  if (changed('notesCrew')) notes.crew = orNull(values.notesCrew);
  if (changed('notesInternal')) notes.internal = orNull(values.notesInternal);
  if (Object.keys(notes).length > 0) raw.notes = notes;
  if (changed('friendlySlug')) raw.friendlySlug = orNull(values.friendlySlug);
  return parseWith(patchBookingSchema, raw, known, timesUnread);
}
