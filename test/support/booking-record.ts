/** A booking record as the services build it, with a marker in every field no guest may see. */
import type { BookingRecord } from '../../src/domain/visibility';

export function bookingRecord(overrides: Partial<BookingRecord> = {}): BookingRecord {
  return {
    id: 'ABC1234',
    status: 'confirmed',
    guestName: 'Avery Guest',
    guestEmail: 'avery.private@example.com',
    guestPhone: '+1 619 555 0100',
    partySize: 6,
    vesselSlug: 'jada',
    vesselName: 'Jada',
    meetingPoint: 'Harbor Island West Marina, Dock C',
    startsAt: new Date('2026-05-30T17:00:00Z'),
    endsAt: new Date('2026-05-30T20:00:00Z'),
    timezone: 'America/Los_Angeles',
    pricingTotal: '840.75',
    currency: 'USD',
    captainFeePerHour: '57.25',
    notesInternal: 'Revenue: $840.75 INTERNAL-ONLY',
    notesCrew: 'CREW-ONLY: bring the spare fenders',
    notesGuest: 'Sunscreen and soft-soled shoes, please.',
    friendlySlug: 'avery-sunset',
    guestPageUrl: 'http://demo.localhost:8080/g/ABC1234',
    version: 3,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
    crew: [
      { id: 'c1', name: 'Casey Captain', email: 'casey.captain@crew.test', phone: '+1 555 0199', role: 'captain', status: 'accepted' },
      { id: 'c2', name: 'Dana Deckhand', email: 'dana.deck@crew.test', phone: null, role: 'crew', status: 'invited' },
    ],
    guestPage: null,
    ...overrides,
  };
}
