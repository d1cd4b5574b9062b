import { describe, expect, it } from 'vitest';
import { type Audience, type BookingRecord, FORBIDDEN, guestPageStatus, VISIBLE, viewBooking } from '../../src/domain/visibility';

const AUDIENCES: Audience[] = ['staff', 'crew', 'guest', 'public'];
const MONEY_AND_INTERNAL = ['pricing.total', 'pricing.currency', 'captainFeePerHour', 'notes.internal'];

/** A booking whose every sensitive value is distinctive, so a leak shows in any serialization. */
function record(overrides: Partial<BookingRecord> = {}): BookingRecord {
  return {
    id: 'K7PQ2ZX',
    status: 'confirmed',
    guestName: 'Avery Quillfeather',
    guestEmail: 'avery.quillfeather@guest.example',
    guestPhone: '+1 619 555 0199',
    partySize: 6,
    vesselSlug: 'jada',
    vesselName: 'Jada',
    meetingPoint: 'Dock C',
    startsAt: new Date('2026-05-30T17:00:00Z'),
    endsAt: new Date('2026-05-30T20:00:00Z'),
    timezone: 'America/Los_Angeles',
    pricingTotal: '98765.43',
    currency: 'XAU',
    captainFeePerHour: '321.09',
    notesInternal: 'INTERNAL-ONLY: owner discount approved',
    notesCrew: 'CREW-ONLY: bring spare fenders',
    notesGuest: 'Bring sunscreen',
    friendlySlug: 'quillfeather-birthday',
    guestPageUrl: 'http://demo.localhost:8080/g/K7PQ2ZX',
    version: 3,
    createdAt: new Date('2026-05-01T12:00:00Z'),
    updatedAt: new Date('2026-05-02T12:00:00Z'),
    crew: [
      {
        id: 'c1',
        name: 'Casey Captain',
        email: 'casey.private@crew.example',
        phone: '+1 619 555 0142',
        role: 'captain',
        status: 'accepted',
      },
    ],
    guestPage: {
      url: 'http://demo.localhost:8080/g/K7PQ2ZX',
      pageHash: `${'fa11ed'.repeat(10)}beef`,
      bookingVersion: 2,
      publishedAt: new Date('2026-05-01T12:30:00Z'),
      verifiedAt: new Date('2026-05-01T12:30:01Z'),
      error: 'PUBLISH-ERROR: store: object store unavailable',
      errorAt: new Date('2026-05-02T12:05:00Z'),
      failures: 4,
    },
    ...overrides,
  };
}

const MONEY_VALUES = ['98765.43', '98765', 'XAU', '321.09'];
const INTERNAL_VALUES = ['INTERNAL-ONLY'];
const CREW_NOTE_VALUES = ['CREW-ONLY'];
const CREW_CONTACT_VALUES = ['casey.private@crew.example', '555 0142'];
const GUEST_CONTACT_VALUES = ['avery.quillfeather@guest.example', '555 0199'];
const PUBLISHING_VALUES = ['PUBLISH-ERROR', 'fa11edfa11ed', '2026-05-01T12:30', '2026-05-02T12:05'];

describe('visibility policy', () => {
  it.each(AUDIENCES)('keeps VISIBLE and FORBIDDEN disjoint for %s', (audience) => {
    const forbidden = new Set(FORBIDDEN[audience]);
    expect(VISIBLE[audience].filter((path) => forbidden.has(path))).toEqual([]);
  });

  it.each(['crew', 'guest', 'public'] as const)('lists no money or internal-note field for %s', (audience) => {
    for (const path of MONEY_AND_INTERNAL) {
      expect(VISIBLE[audience]).not.toContain(path);
      expect(FORBIDDEN[audience]).toContain(path);
    }
  });

  it.each(['crew', 'guest', 'public'] as const)("shows the guest page's publishing state to staff only, not to %s", (audience) => {
    expect(VISIBLE.staff).toContain('guestPage');
    expect(VISIBLE[audience]).not.toContain('guestPage');
    expect(FORBIDDEN[audience]).toContain('guestPage');
    const view = viewBooking(record(), audience);
    expect(view).not.toHaveProperty('guestPage');
    const json = JSON.stringify(view);
    for (const value of PUBLISHING_VALUES) expect(json).not.toContain(value);
  });

  it('lists no crew notes or crew contacts for guests and the public', () => {
    for (const audience of ['guest', 'public'] as const) {
      for (const path of ['notes.crew', 'crew', 'crewContacts'] as const) expect(VISIBLE[audience]).not.toContain(path);
    }
  });

  it('gives the crew view none of the money, internal notes or guest contact of the booking', () => {
    const json = JSON.stringify(viewBooking(record(), 'crew'));
    for (const value of [...MONEY_VALUES, ...INTERNAL_VALUES, ...GUEST_CONTACT_VALUES, ...CREW_CONTACT_VALUES]) {
      expect(json).not.toContain(value);
    }
    expect(json).not.toContain('pricing');
    expect(json).not.toContain('captainFee');
    // What the crew needs is there.
    expect(viewBooking(record(), 'crew')).toMatchObject({
      id: 'K7PQ2ZX',
      guest: { firstName: 'Avery' },
      partySize: 6,
      notes: { crew: 'CREW-ONLY: bring spare fenders' },
      startsAt: '2026-05-30T10:00:00-07:00',
    });
  });

  it('gives the guest view no money, internal or crew notes, or crew contacts', () => {
    const json = JSON.stringify(viewBooking(record(), 'guest'));
    for (const value of [...MONEY_VALUES, ...INTERNAL_VALUES, ...CREW_NOTE_VALUES, ...CREW_CONTACT_VALUES, 'Casey']) {
      expect(json).not.toContain(value);
    }
    expect(viewBooking(record(), 'guest')).toMatchObject({ guest: { name: 'Avery Quillfeather' }, notes: { guest: 'Bring sunscreen' } });
  });

  it('gives the public view only when and on which vessel', () => {
    const view = viewBooking(record(), 'public');
    expect(Object.keys(view).sort()).toEqual(['endsAt', 'id', 'startsAt', 'status', 'timezone', 'vesselName']);
    const json = JSON.stringify(view);
    for (const value of [...MONEY_VALUES, ...INTERNAL_VALUES, ...CREW_NOTE_VALUES, ...GUEST_CONTACT_VALUES, 'Avery', 'Bring sunscreen']) {
      expect(json).not.toContain(value);
    }
  });

  it('gives the staff view the money and internal notes', () => {
    const view = viewBooking(record(), 'staff');
    expect(view).toMatchObject({
      pricing: { total: 98765.43, currency: 'XAU' },
      captainFeePerHour: 321.09,
      notes: { internal: 'INTERNAL-ONLY: owner discount approved', crew: 'CREW-ONLY: bring spare fenders', guest: 'Bring sunscreen' },
      guest: { name: 'Avery Quillfeather', email: 'avery.quillfeather@guest.example', phone: '+1 619 555 0199' },
    });
  });

  it('shows a missing price as null rather than zero', () => {
    const view = viewBooking(record({ pricingTotal: null, currency: null, captainFeePerHour: null }), 'staff');
    expect(view).toMatchObject({ pricing: { total: null, currency: null }, captainFeePerHour: null });
  });
});

describe('guest page status', () => {
  const at = (iso: string) => new Date(iso);
  const page = (overrides: Partial<NonNullable<BookingRecord['guestPage']>> = {}): BookingRecord['guestPage'] => ({
    url: 'http://demo.localhost:8080/g/K7PQ2ZX',
    pageHash: 'a'.repeat(64),
    bookingVersion: 3,
    publishedAt: at('2026-05-02T12:01:00Z'),
    verifiedAt: at('2026-05-02T12:01:00Z'),
    error: null,
    errorAt: null,
    failures: 0,
    ...overrides,
  });
  const neverPublished = { publishedAt: null, verifiedAt: null, pageHash: null, bookingVersion: null };
  const status = (overrides: Partial<BookingRecord>) => guestPageStatus(record(overrides));

  it('is pending until a first publish is recorded, and published once the current version was verified', () => {
    expect(status({ guestPage: null })).toBe('pending');
    expect(status({ guestPage: page() })).toBe('published');
  });

  it('is pending again once the booking changed after the verified publish', () => {
    expect(status({ version: 4, guestPage: page() })).toBe('pending');
  });

  it('is failed when the last attempt recorded an error, also while an earlier version stays live', () => {
    const error = { error: 'store: unavailable', errorAt: at('2026-05-02T12:00:00Z'), failures: 1 };
    expect(status({ guestPage: page({ ...neverPublished, ...error }) })).toBe('failed');
    expect(status({ version: 4, guestPage: page(error) })).toBe('failed');
    // An error at the very time of the change counts: it cannot be shown to be older.
    expect(status({ updatedAt: at('2026-05-02T12:00:00Z'), guestPage: page(error) })).toBe('failed');
  });

  it("is pending when the error was recorded before the booking's latest change (whose job has not run yet)", () => {
    const error = { error: 'store: unavailable', errorAt: at('2026-05-02T11:00:00Z'), failures: 2 };
    expect(status({ version: 4, guestPage: page(error) })).toBe('pending');
  });

  it('is none for a hold, and for a cancelled booking that never had a page', () => {
    expect(status({ status: 'hold', guestPage: null })).toBe('none');
    expect(status({ status: 'cancelled', guestPage: null })).toBe('none');
    expect(status({ status: 'cancelled', guestPage: page() })).toBe('published');
  });

  it('shows the live page only once a publish succeeded, and the error of the last attempt', () => {
    const failedFirst = viewBooking(
      record({ guestPage: page({ ...neverPublished, error: 'verify: 404', errorAt: at('2026-05-02T12:00:00Z'), failures: 2 }) }),
      'staff',
    );
    expect(failedFirst.guestPage).toEqual({
      status: 'failed',
      url: null,
      publishedVersion: null,
      contentHash: null,
      publishedAt: null,
      verifiedAt: null,
      error: 'verify: 404',
      errorAt: '2026-05-02T12:00:00.000Z',
      failedAttempts: 2,
    });
    expect(viewBooking(record({ guestPage: page() }), 'staff').guestPage).toEqual({
      status: 'published',
      url: 'http://demo.localhost:8080/g/K7PQ2ZX',
      publishedVersion: 3,
      contentHash: 'a'.repeat(64),
      publishedAt: '2026-05-02T12:01:00.000Z',
      verifiedAt: '2026-05-02T12:01:00.000Z',
      error: null,
      errorAt: null,
      failedAttempts: 0,
    });
  });
});
