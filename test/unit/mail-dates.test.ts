/** Dates in crew and office mail: the zone on every time, the year on every date outside the current one. */
import { describe, expect, it } from 'vitest';
import { viewBookingForCrew, viewBookingForStaff } from '../../src/domain/visibility';
import { renderCrewNotice, renderCrewReminder } from '../../src/mail/crew-mail';
import { renderDeclineAlert } from '../../src/mail/office-mail';
import { bookingRecord } from '../support/booking-record';

const now = new Date('2026-05-01T12:00:00Z');
const link = { signInUrl: 'http://localhost:8080/crew/login/abc', linkExpiresAt: new Date('2026-05-31T00:00:00Z') };
const nextYear = bookingRecord({ startsAt: new Date('2027-01-15T18:00:00Z'), endsAt: new Date('2027-01-15T21:00:00Z') });

const notice = (record = bookingRecord()) =>
  renderCrewNotice({
    kind: 'crew.assigned',
    tenantName: 'Demo',
    recipientName: 'Casey',
    role: 'captain',
    booking: viewBookingForCrew(record),
    eventNotes: null,
    ...link,
    now,
  });

describe('crew mail dates', () => {
  it('a notice names the zone, and the year only of a charter in another year', async () => {
    expect((await notice()).subject).toMatch(/^New charter: Jada, Sat, May 30, 10:00\sAM PDT \(captain\)$/);
    const later = await notice(nextYear);
    expect(later.subject).toMatch(/^New charter: Jada, Fri, Jan 15, 2027, 10:00\sAM PST \(captain\)$/);
    expect(later.text).toMatch(/When: Friday, January 15, 2027, 10:00\sAM\s–\s1:00\sPM PST/);
  });

  it('a reminder does the same', async () => {
    const reminder = await renderCrewReminder({
      tenantName: 'Demo',
      recipientName: 'Casey',
      role: 'crew',
      booking: viewBookingForCrew(nextYear),
      eventNotes: null,
      hoursBefore: 24,
      ...link,
      now: new Date('2027-01-14T18:00:00Z'),
    });
    // Sent in 2027, about a charter in 2027: no year needed in the subject.
    expect(reminder.subject).toMatch(/^Reminder: Jada, Fri, Jan 15, 10:00\sAM PST \(crew\)$/);
  });
});

describe('office mail dates', () => {
  it('a decline alert names the charter with its year and zone', async () => {
    const mail = await renderDeclineAlert({
      tenantName: 'Demo',
      booking: viewBookingForStaff(nextYear),
      crewName: 'Dana Deckhand',
      role: 'crew',
      reason: null,
      stillAssigned: [],
    });
    expect(mail.text).toMatch(/Charter: Jada, Friday, January 15, 2027, 10:00\sAM\s–\s1:00\sPM PST/);
  });
});
