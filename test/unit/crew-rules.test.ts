import { describe, expect, it } from 'vitest';
import { assignmentRefusal, checklistRefusal, unassignmentRefusal } from '../../src/domain/crew-rules';

const charter = (overrides: Partial<Parameters<typeof checklistRefusal>[0]> = {}) => ({
  id: 'XHQGMDH',
  status: 'confirmed' as const,
  startsAt: new Date('2026-05-30T17:00:00Z'),
  endsAt: new Date('2026-05-30T20:00:00Z'),
  timezone: 'America/Los_Angeles',
  ...overrides,
});

describe('assigning and unassigning crew', () => {
  it('takes crew until the charter ends, never once it is cancelled or completed', () => {
    expect(assignmentRefusal(charter(), new Date('2026-05-30T19:59:59Z'))).toBeNull();
    expect(assignmentRefusal(charter(), new Date('2026-05-30T20:00:00Z'))).toBe(
      'Charter XHQGMDH ended Sat, May 30, 2026, 1:00 PM PDT; crew cannot be assigned to a past charter.',
    );
    expect(assignmentRefusal(charter({ status: 'cancelled' }), new Date('2026-05-01T00:00:00Z'))).toBe(
      'Charter XHQGMDH is cancelled; crew cannot be assigned to it.',
    );
    expect(assignmentRefusal(charter({ status: 'completed' }), new Date('2026-05-30T18:00:00Z'))).toBe(
      'Charter XHQGMDH is completed; crew cannot be assigned to it.',
    );
    expect(assignmentRefusal(charter({ status: 'hold' }), new Date('2026-05-01T00:00:00Z'))).toBeNull();
  });

  it('keeps the crew of a charter that is over', () => {
    expect(unassignmentRefusal(charter({ status: 'cancelled' }), new Date('2026-05-01T00:00:00Z'))).toBeNull();
    expect(unassignmentRefusal(charter(), new Date('2026-05-30T20:00:00Z'))).toBe('Charter XHQGMDH is over; its crew stays on record.');
    expect(unassignmentRefusal(charter({ status: 'completed' }), new Date('2026-05-30T18:00:00Z'))).not.toBeNull();
  });
});

describe('the checklist window', () => {
  const open = new Date('2026-05-29T12:00:00Z');

  it('is for crew who accepted, and never on a cancelled charter', () => {
    expect(checklistRefusal(charter(), 'accepted', 48, open)).toBeNull();
    expect(checklistRefusal(charter(), 'invited', 48, open)).toBe('Accept this charter to tick its checklist.');
    expect(checklistRefusal(charter(), 'declined', 48, open)).toBe('You declined this charter.');
    expect(checklistRefusal(charter({ status: 'cancelled' }), 'accepted', 48, open)).toBe('This charter is cancelled.');
  });

  it('opens the given hours before departure and closes at the end, to the second', () => {
    expect(checklistRefusal(charter(), 'accepted', 48, new Date('2026-05-28T16:59:59Z'))).toBe(
      'The checklist opens 48 hours before departure, at Thu, May 28, 2026, 10:00 AM PDT.',
    );
    expect(checklistRefusal(charter(), 'accepted', 48, new Date('2026-05-28T17:00:00Z'))).toBeNull();
    expect(checklistRefusal(charter(), 'accepted', 48, new Date('2026-05-30T19:59:59Z'))).toBeNull();
    expect(checklistRefusal(charter(), 'accepted', 48, new Date('2026-05-30T20:00:00Z'))).toBe(
      'The checklist closed when the charter ended, at Sat, May 30, 2026, 1:00 PM PDT.',
    );
    expect(checklistRefusal(charter(), 'accepted', 1, open)).toBe(
      'The checklist opens 1 hour before departure, at Sat, May 30, 2026, 9:00 AM PDT.',
    );
    expect(checklistRefusal(charter(), 'accepted', 0, open)).toBe('The checklist opens at departure, Sat, May 30, 2026, 10:00 AM PDT.');
  });

  it('counts real hours across a change of the clocks, and names the zone in force then', () => {
    // Departs Mon, Nov 2, 2026, 10:00 PST; clocks went back on Sunday, so 48 hours earlier is 11:00 PDT.
    const autumn = charter({ startsAt: new Date('2026-11-02T18:00:00Z'), endsAt: new Date('2026-11-02T21:00:00Z') });
    expect(checklistRefusal(autumn, 'accepted', 48, new Date('2026-10-31T00:00:00Z'))).toBe(
      'The checklist opens 48 hours before departure, at Sat, Oct 31, 2026, 11:00 AM PDT.',
    );
  });
});
