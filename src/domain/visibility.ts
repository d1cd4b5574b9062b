/**
 * The field-visibility policy. Every output channel (API, pages, mail, feeds, live streams) builds
 * what it sends from a view made here, never from a database row. A view is assembled from an
 * allow-list of field paths per audience, so a field reaches an audience only if it is listed for it;
 * `FORBIDDEN` states what must never be listed, and a test holds the lists to it.
 */
import type { AssignmentStatus, BookingStatus } from '../db/schema';
import { toZonedIso } from './time';

export type Audience = 'staff' | 'crew' | 'guest' | 'public';

/** Everything Bosun knows about a booking, as services load it. Never sent anywhere as is. */
export type BookingRecord = {
  id: string;
  status: BookingStatus;
  guestName: string;
  guestEmail: string;
  guestPhone: string | null;
  partySize: number;
  vesselSlug: string;
  vesselName: string;
  meetingPoint: string;
  startsAt: Date;
  endsAt: Date;
  timezone: string;
  pricingTotal: string | null;
  currency: string | null;
  captainFeePerHour: string | null;
  notesInternal: string | null;
  notesCrew: string | null;
  notesGuest: string | null;
  friendlySlug: string | null;
  guestPageUrl: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  crew: { id: string; name: string; email: string; phone: string | null; role: string; status: AssignmentStatus }[];
};

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? '';
const money = (v: string | null) => (v === null ? null : Number(v));

/** Every field any audience can see, by path in the view, with how to read it from the record. */
const FIELDS = {
  id: (b: BookingRecord) => b.id,
  status: (b) => b.status,
  'guest.name': (b) => b.guestName,
  'guest.firstName': (b) => firstName(b.guestName),
  'guest.email': (b) => b.guestEmail,
  'guest.phone': (b) => b.guestPhone,
  partySize: (b) => b.partySize,
  vessel: (b) => b.vesselSlug,
  vesselName: (b) => b.vesselName,
  meetingPoint: (b) => b.meetingPoint,
  startsAt: (b) => toZonedIso(b.startsAt, b.timezone),
  endsAt: (b) => toZonedIso(b.endsAt, b.timezone),
  timezone: (b) => b.timezone,
  'pricing.total': (b) => money(b.pricingTotal),
  'pricing.currency': (b) => b.currency,
  captainFeePerHour: (b) => money(b.captainFeePerHour),
  'notes.internal': (b) => b.notesInternal,
  'notes.crew': (b) => b.notesCrew,
  'notes.guest': (b) => b.notesGuest,
  friendlySlug: (b) => b.friendlySlug,
  guestPageUrl: (b) => b.guestPageUrl,
  createdAt: (b) => b.createdAt.toISOString(),
  updatedAt: (b) => b.updatedAt.toISOString(),
  crew: (b) => b.crew.map((c) => ({ name: c.name, role: c.role, status: c.status })),
  crewContacts: (b) => b.crew.map((c) => ({ name: c.name, email: c.email, phone: c.phone })),
} satisfies Record<string, (b: BookingRecord) => unknown>;

export type FieldPath = keyof typeof FIELDS;

/** What each audience may see. Adding a path here is the only way to show a field. */
export const VISIBLE: Record<Audience, readonly FieldPath[]> = {
  staff: [
    'id',
    'status',
    'guest.name',
    'guest.email',
    'guest.phone',
    'partySize',
    'vessel',
    'vesselName',
    'meetingPoint',
    'startsAt',
    'endsAt',
    'timezone',
    'pricing.total',
    'pricing.currency',
    'captainFeePerHour',
    'notes.internal',
    'notes.crew',
    'notes.guest',
    'friendlySlug',
    'guestPageUrl',
    'createdAt',
    'updatedAt',
    'crew',
  ],
  crew: [
    'id',
    'status',
    'guest.firstName',
    'partySize',
    'vessel',
    'vesselName',
    'meetingPoint',
    'startsAt',
    'endsAt',
    'timezone',
    'notes.crew',
    'crew',
  ],
  guest: [
    'id',
    'status',
    'guest.name',
    'guest.firstName',
    'partySize',
    'vesselName',
    'meetingPoint',
    'startsAt',
    'endsAt',
    'timezone',
    'notes.guest',
    'guestPageUrl',
  ],
  public: ['id', 'status', 'vesselName', 'startsAt', 'endsAt', 'timezone'],
};

/** Fields that must never reach an audience, whatever `VISIBLE` says. */
export const FORBIDDEN: Record<Audience, readonly FieldPath[]> = {
  staff: [],
  crew: ['pricing.total', 'pricing.currency', 'captainFeePerHour', 'notes.internal', 'guest.email', 'guest.phone'],
  guest: ['pricing.total', 'pricing.currency', 'captainFeePerHour', 'notes.internal', 'notes.crew', 'crew', 'crewContacts'],
  public: [
    'pricing.total',
    'pricing.currency',
    'captainFeePerHour',
    'notes.internal',
    'notes.crew',
    'notes.guest',
    'guest.name',
    'guest.email',
    'guest.phone',
    'crew',
    'crewContacts',
  ],
};

export type BookingView = Record<string, unknown>;

/** Builds the view of `booking` for `audience`: only the listed paths, nested by their dots. */
export function viewBooking(booking: BookingRecord, audience: Audience): BookingView {
  const view: BookingView = {};
  for (const path of VISIBLE[audience]) {
    if (FORBIDDEN[audience].includes(path)) continue; // defence in depth: the test also rejects such lists
    const value = FIELDS[path](booking);
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) {
      view[head] = value;
    } else {
      const inner = (view[head] ?? {}) as Record<string, unknown>;
      inner[tail] = value;
      view[head] = inner;
    }
  }
  return view;
}

export type StaffBookingView = {
  id: string;
  status: BookingStatus;
  guest: { name: string; email: string; phone: string | null };
  partySize: number;
  vessel: string;
  vesselName: string;
  meetingPoint: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  pricing: { total: number | null; currency: string | null };
  captainFeePerHour: number | null;
  notes: { internal: string | null; crew: string | null; guest: string | null };
  friendlySlug: string | null;
  guestPageUrl: string;
  createdAt: string;
  updatedAt: string;
  crew: { name: string; role: string; status: AssignmentStatus }[];
};

export const viewBookingForStaff = (b: BookingRecord) => viewBooking(b, 'staff') as StaffBookingView;
export type CrewBookingView = {
  id: string;
  status: BookingStatus;
  guest: { firstName: string };
  partySize: number;
  vessel: string;
  vesselName: string;
  meetingPoint: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  notes: { crew: string | null };
  crew: { name: string; role: string; status: AssignmentStatus }[];
};

export const viewBookingForCrew = (b: BookingRecord) => viewBooking(b, 'crew') as CrewBookingView;
export const viewBookingForGuest = (b: BookingRecord) => viewBooking(b, 'guest');
export const viewBookingForPublic = (b: BookingRecord) => viewBooking(b, 'public');
