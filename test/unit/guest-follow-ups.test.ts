import { describe, expect, it } from 'vitest';
import { type GuestMailSnapshot, guestChanges, guestFollowUps, guestReminderKey } from '../../src/domain/guest-follow-ups';

const booking = (overrides: Partial<GuestMailSnapshot> = {}): GuestMailSnapshot => ({
  id: 'K7RM2QX',
  status: 'confirmed',
  version: 1,
  startsAt: '2026-05-30T10:00:00-07:00',
  endsAt: '2026-05-30T13:00:00-07:00',
  vessel: 'Jada',
  meetingPoint: 'Dock C',
  partySize: 6,
  ...overrides,
});

describe('guest mail that follows a booking', () => {
  it('confirms a booking created confirmed, once per version', () => {
    expect(guestFollowUps(null, booking())).toEqual([
      { kind: 'guest.confirmation', dedupeKey: 'guest.confirmation:K7RM2QX:v1', content: {} },
    ]);
  });

  it('confirms a hold when it is confirmed, with whatever changed in the same step', () => {
    const hold = booking({ status: 'hold', version: 3 });
    expect(guestFollowUps(null, hold)).toEqual([]);
    expect(guestFollowUps(hold, booking({ version: 4, partySize: 8 }))).toEqual([
      { kind: 'guest.confirmation', dedupeKey: 'guest.confirmation:K7RM2QX:v4', content: {} },
    ]);
  });

  it('says nothing about a hold, whatever changes or if it is cancelled', () => {
    const hold = booking({ status: 'hold' });
    expect(guestFollowUps(hold, booking({ status: 'hold', version: 2, startsAt: '2026-05-31T10:00:00-07:00' }))).toEqual([]);
    expect(guestFollowUps(hold, booking({ status: 'cancelled', version: 2 }))).toEqual([]);
  });

  it('tells of each change a guest sees, old → new, in a fixed order', () => {
    const after = booking({
      version: 2,
      partySize: 8,
      startsAt: '2026-05-30T11:00:00-07:00',
      endsAt: '2026-05-30T14:00:00-07:00',
      vessel: 'Blue Heron',
      meetingPoint: 'Dock A',
    });
    expect(guestFollowUps(booking(), after)).toEqual([
      {
        kind: 'guest.change',
        dedupeKey: 'guest.change:K7RM2QX:v2',
        content: {
          changes: [
            { field: 'startsAt', from: '2026-05-30T10:00:00-07:00', to: '2026-05-30T11:00:00-07:00' },
            { field: 'endsAt', from: '2026-05-30T13:00:00-07:00', to: '2026-05-30T14:00:00-07:00' },
            { field: 'vessel', from: 'Jada', to: 'Blue Heron' },
            { field: 'meetingPoint', from: 'Dock C', to: 'Dock A' },
            { field: 'partySize', from: 6, to: 8 },
          ],
        },
      },
    ]);
  });

  it('says nothing when nothing a guest sees changed (a new version for a price or a note)', () => {
    expect(guestFollowUps(booking(), booking({ version: 2 }))).toEqual([]);
    expect(guestChanges(booking(), booking({ version: 2 }))).toEqual([]);
  });

  it('cancels a confirmed charter once, with no change mail beside it', () => {
    const cancelled = booking({ status: 'cancelled', version: 2, startsAt: '2026-05-31T10:00:00-07:00' });
    expect(guestFollowUps(booking(), cancelled)).toEqual([
      { kind: 'guest.cancellation', dedupeKey: 'guest.cancellation:K7RM2QX', content: {} },
    ]);
  });

  it('says nothing when a charter is completed', () => {
    expect(guestFollowUps(booking(), booking({ status: 'completed', version: 2 }))).toEqual([]);
  });

  it('keys a reminder by the departure it is for', () => {
    expect(guestReminderKey('K7RM2QX', new Date('2026-05-30T17:00:00.900Z'))).toBe('guest.reminder:K7RM2QX:1780160400');
  });
});
