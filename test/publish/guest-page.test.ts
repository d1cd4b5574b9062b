/**
 * The guest page as a guest sees it: built from the visibility policy's guest view only, so money,
 * internal and crew notes and crew contacts never appear, and every value is escaped.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { type BookingRecord, viewBookingForGuest } from '../../src/domain/visibility';
import { renderGuestCalendar } from '../../src/publish/guest-calendar';
import { describeWhen, renderGuestPage, renderNotFoundPage } from '../../src/publish/guest-page';
import { bookingRecord } from '../support/booking-record';

const record = bookingRecord;

const tenant = {
  name: 'Demo Charters',
  settings: {
    contactEmail: 'office@demo.example',
    contactPhone: '+1 (619) 555-0123',
    accentColor: '#0b4f6c',
    whatToBring: ['Sunscreen', 'A warm layer'],
    policies: ['Free cancellation up to 48 hours before departure.'],
  },
};

const render = (overrides: Partial<BookingRecord> = {}, t: { name: string; settings: unknown } = tenant) =>
  renderGuestPage(viewBookingForGuest(record(overrides)), t);

describe('guest page', () => {
  it("shows the charter in the vessel's time zone with the zone named, the vessel, meeting point and party", () => {
    const html = render();
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html).toContain('Ahoy, Avery!');
    expect(html).toContain('Saturday, May 30, 2026');
    expect(html).toContain('10:00 AM – 1:00 PM PDT');
    expect(html).toContain('Pacific Daylight Time (America/Los_Angeles)');
    expect(html).toContain('<dd>3 hours</dd>');
    expect(html).toContain('<dd>Jada</dd>');
    expect(html).toContain('Harbor Island West Marina, Dock C');
    expect(html).toContain('https://www.google.com/maps/search/?api=1&amp;query=Harbor%20Island%20West%20Marina%2C%20Dock%20C');
    expect(html).toContain('6 guests');
    expect(html).toContain('Sunscreen and soft-soled shoes, please.');
    expect(html).toContain('<li>A warm layer</li>');
    expect(html).toContain('Free cancellation up to 48 hours before departure.');
    expect(html).toContain('href="tel:+16195550123"');
    expect(html).toContain('href="mailto:office@demo.example"');
  });

  it('offers the calendar file beside the page and a Google Calendar link, and asks not to be indexed', () => {
    const html = render();
    expect(html).toContain('href="/g/abc1234.ics"');
    expect(html).toContain('https://calendar.google.com/calendar/render?action=TEMPLATE');
    expect(html).toContain('dates=20260530T170000Z%2F20260530T200000Z');
    expect(html).toContain('<meta name="robots" content="noindex, nofollow"/>');
  });

  it('never contains money, the captain fee, internal or crew notes, crew contacts or the guest contact', () => {
    const html = render();
    for (const secret of [
      '840.75',
      '840',
      '57.25',
      'USD',
      'INTERNAL-ONLY',
      'Revenue',
      'CREW-ONLY',
      'fenders',
      'Casey',
      'casey.captain@crew.test',
      '555 0199',
      'Dana',
      'avery.private@example.com',
      '555 0100',
    ]) {
      expect(html, secret).not.toContain(secret);
    }
  });

  it('escapes guest input: script tags, attribute breakouts, and keeps RTL and emoji names intact', () => {
    const html = render({
      guestName: '<script>alert(1)</script> Mallory',
      meetingPoint: '"><img src=x onerror=alert(1)>',
      notesGuest: '</style><script>steal()</script> & more',
      vesselName: "Jada' onmouseover='x",
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain("' onmouseover='x");
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/style&gt;&lt;script&gt;steal()&lt;/script&gt; &amp; more');

    const rtl = render({ guestName: 'שרה כהן' });
    expect(rtl).toContain('Ahoy, שרה!');
    const emoji = render({ guestName: '🚤⚓ Skipper' });
    expect(emoji).toContain('Ahoy, 🚤⚓!');
  });

  it('is self-contained and small: no scripts, no styles or images from other hosts, under 30 KB', () => {
    const logo = `data:image/png;base64,${'A'.repeat(11_000)}`;
    const html = render(
      { notesGuest: 'x'.repeat(4000), meetingPoint: 'm'.repeat(500) },
      {
        name: 'D'.repeat(200),
        settings: {
          ...tenant.settings,
          logoUrl: logo,
          whatToBring: Array.from({ length: 10 }, (_, i) => `item ${i}`),
          policies: ['p'.repeat(1000)],
        },
      },
    );
    expect(Buffer.byteLength(html)).toBeLessThan(30 * 1024);
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/src="https?:/);
  });

  it('leaves out branding that is unsafe or would load from another host', () => {
    const html = render(
      {},
      {
        name: 'Demo Charters',
        settings: {
          accentColor: 'red;}</style><script>alert(1)</script>',
          logoUrl: 'javascript:alert(1)',
          contactEmail: 'not an address',
          contactPhone: '<b>call</b>',
        },
      },
    );
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('alert(1)');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('not an address');
    expect(render({}, { name: 'Demo', settings: { logoUrl: 'https://cdn.example.com/logo.png' } })).not.toContain('<img');
    expect(render({}, { name: 'Demo', settings: { logoUrl: '/logo.png' } })).toContain('<img src="/logo.png" alt="Demo logo"/>');
    expect(render({}, { name: 'Demo', settings: 'not an object' })).toContain('Ahoy, Avery!');
  });

  it('keeps text readable on any accent colour', () => {
    expect(render({}, { name: 'Demo', settings: { accentColor: '#ffff00' } })).toContain('--on-accent:#111111');
    expect(render({}, { name: 'Demo', settings: { accentColor: '#0b1f3a' } })).toContain('--on-accent:#ffffff');
  });

  it('has a heading structure and labelled details for assistive technology', () => {
    const html = render();
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain('<section aria-labelledby="details"><h2 id="details">Your charter</h2><dl><dt>Date</dt>');
  });

  it('shows a cancellation notice at the same URL, without arrival instructions or calendar links', () => {
    const tenantWithArrival = {
      ...tenant,
      settings: { ...tenant.settings, policies: ['Please arrive 15 minutes before the start time.'] },
    };
    const html = render({ status: 'cancelled' }, tenantWithArrival);
    expect(html).toContain('This charter has been cancelled');
    expect(html).toContain('role="alert"');
    expect(html).not.toContain('.ics');
    expect(html).not.toContain('calendar.google.com');
    // Nothing tells the guest where to go, what to bring or when to arrive.
    for (const instruction of [
      'Meeting point',
      'Harbor Island',
      'google.com/maps',
      'What to bring',
      'A warm layer',
      'arrive',
      'Sunscreen',
    ]) {
      expect(html, instruction).not.toContain(instruction);
    }
    // Which charter it was, and whom to ask, stay.
    expect(html).toContain('Saturday, May 30, 2026');
    expect(html).toContain('10:00 AM – 1:00 PM PDT');
    expect(html).toContain('href="mailto:office@demo.example"');
  });

  it('shows "What to bring" only when the tenant set it: no list of its own', () => {
    const html = render({}, { name: 'Demo Charters', settings: { contactEmail: 'office@demo.example' } });
    expect(html).not.toContain('What to bring');
    expect(html).not.toContain('id="bring"');
    expect(render()).toContain('<h2 id="bring">What to bring</h2>');
  });

  it('names the year on every date and the zone on every time, whenever the page is read', () => {
    const nextYear = render({ startsAt: new Date('2027-01-15T18:00:00Z'), endsAt: new Date('2027-01-15T21:00:00Z') });
    expect(nextYear).toContain('<title>Your charter on Friday, January 15, 2027 — Demo Charters</title>');
    expect(nextYear).toContain('<dd>Friday, January 15, 2027</dd>');
    expect(nextYear).toContain('10:00 AM – 1:00 PM PST');
    expect(nextYear).toContain('Pacific Standard Time (America/Los_Angeles)');
    // The page is static: the current year is named too, as it may be read in another one.
    expect(render()).toContain('<dd>Saturday, May 30, 2026</dd>');
    const overnight = render({
      startsAt: new Date('2026-12-31T22:00:00Z'),
      endsAt: new Date('2027-01-01T02:00:00Z'),
      timezone: 'Europe/Berlin',
    });
    expect(overnight).toContain('<dd>Thursday, December 31, 2026 – Friday, January 1, 2027</dd>');
    expect(overnight).toMatch(/11:00 PM – 3:00 AM GMT\+1/);
  });

  it('names both dates when a charter runs past midnight, and minutes in the duration', () => {
    const when = describeWhen('2026-05-30T22:00:00-07:00', '2026-05-31T00:30:00-07:00', 'America/Los_Angeles');
    expect(when.endDate).toBe('Sunday, May 31, 2026');
    expect(when.duration).toBe('2 hours 30 minutes');
  });
});

describe('not-found page', () => {
  it("carries the tenant's name and contact, and asks not to be indexed", () => {
    const html = renderNotFoundPage(tenant);
    expect(html).toContain('We could not find this page');
    expect(html).toContain('Demo Charters');
    expect(html).toContain('mailto:office@demo.example');
    expect(html).toContain('noindex');
  });
});

describe('guest calendar file', () => {
  it('is valid iCalendar with a stable UID, the version as SEQUENCE and UTC times', () => {
    const ics = renderGuestCalendar(viewBookingForGuest(record()), { domain: 'demo.localhost', tenantName: 'Demo Charters' }, record());
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent') ?? undefined);
    expect(event.uid).toBe('ABC1234@demo.localhost');
    expect(event.sequence).toBe(3);
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-05-30T17:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-05-30T20:00:00.000Z');
    expect(ics).toContain('STATUS:CONFIRMED');
    expect(ics).not.toContain('840.75');
    expect(ics).not.toContain('CREW-ONLY');
  });

  it('says CANCELLED once the booking is cancelled', () => {
    const cancelled = record({ status: 'cancelled' });
    const ics = renderGuestCalendar(viewBookingForGuest(cancelled), { domain: 'demo.localhost', tenantName: 'Demo' }, cancelled);
    expect(ics).toContain('STATUS:CANCELLED');
  });
});
