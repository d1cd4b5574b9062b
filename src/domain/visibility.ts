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
  /** What publishing last recorded about the booking's guest page; null before its first attempt. */
  guestPage: GuestPageRecord | null;
};

/** A booking's row of `guest_pages`: the last verified publish, and the error of the last attempt until one succeeds. */
export type GuestPageRecord = {
  url: string;
  pageHash: string | null;
  /** The booking version that was verified live. */
  bookingVersion: number | null;
  publishedAt: Date | null;
  verifiedAt: Date | null;
  error: string | null;
  errorAt: Date | null;
  /** Failed attempts since the last successful publish. */
  failures: number;
};

/**
 * none: the booking has no guest page (a hold, or cancelled as a hold) · pending: its current version
 * is not live yet · failed: the last attempt at it failed (the queue retries) · published: the current
 * version was verified live.
 */
export type GuestPageStatus = 'none' | 'pending' | 'published' | 'failed';

export type GuestPageView = {
  status: GuestPageStatus;
  /** The live page and what it shows; null until a publish succeeds. */
  url: string | null;
  publishedVersion: number | null;
  contentHash: string | null;
  publishedAt: string | null;
  verifiedAt: string | null;
  error: string | null;
  errorAt: string | null;
  failedAttempts: number;
};

export function guestPageStatus(b: Pick<BookingRecord, 'status' | 'version' | 'updatedAt' | 'guestPage'>): GuestPageStatus {
  const p = b.guestPage;
  if (b.status === 'hold') return 'none';
  // A booking cancelled while on hold never gets a page. One cancelled after its confirmation gets one
  // that says so; if it had none yet, this shows none until that is published.
  if (!p) return b.status === 'cancelled' ? 'none' : 'pending';
  // An error recorded before the booking's latest change was about an earlier version: the change has
  // its own job, which has not run yet.
  if (p.error !== null && (p.errorAt === null || p.errorAt.getTime() >= b.updatedAt.getTime())) return 'failed';
  return p.verifiedAt !== null && p.bookingVersion === b.version ? 'published' : 'pending';
}

function viewGuestPage(b: BookingRecord): GuestPageView {
  const p = b.guestPage;
  const live = p?.publishedAt ? p : null;
  return {
    status: guestPageStatus(b),
    url: live?.url ?? null,
    publishedVersion: live?.bookingVersion ?? null,
    contentHash: live?.pageHash ?? null,
    publishedAt: live?.publishedAt?.toISOString() ?? null,
    verifiedAt: live?.verifiedAt?.toISOString() ?? null,
    error: p?.error ?? null,
    errorAt: p?.errorAt?.toISOString() ?? null,
    failedAttempts: p?.failures ?? 0,
  };
}

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
  guestPage: viewGuestPage,
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
    'guestPage',
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

/**
 * Fields that must never reach an audience, whatever `VISIBLE` says. The guest page's publishing state
 * is the office's: and were it in the guest view, a page would change with its own publishing.
 */
export const FORBIDDEN: Record<Audience, readonly FieldPath[]> = {
  staff: [],
  crew: ['pricing.total', 'pricing.currency', 'captainFeePerHour', 'notes.internal', 'guest.email', 'guest.phone', 'guestPage'],
  guest: ['pricing.total', 'pricing.currency', 'captainFeePerHour', 'notes.internal', 'notes.crew', 'crew', 'crewContacts', 'guestPage'],
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
    'guestPage',
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
  guestPage: GuestPageView;
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
