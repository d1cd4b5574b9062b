/**
 * Guest mail templates and their rendering: only plain `{{placeholder}}` tags of the known names are
 * accepted (every other mustache tag refused, naming the field and the tag), values are escaped in the
 * HTML part and left as written in the text part, and nothing but the guest view reaches any part.
 */
import { describe, expect, it } from 'vitest';
import { type BookingRecord, viewBookingForGuest } from '../../src/domain/visibility';
import { type GuestMailBooking, type GuestMailKind, renderGuestMail } from '../../src/mail/guest-mail';
import { ValidationError } from '../../src/services/errors';
import { DEFAULT_TEMPLATES, GUEST_TEMPLATE_KINDS, mailTemplateSchema, PLACEHOLDERS } from '../../src/services/guest-mail';
import { parseInput } from '../../src/services/parse-input';
import { bookingRecord } from '../support/booking-record';

const tenant = {
  name: 'Demo Charters',
  contactEmail: 'office@demo.example',
  contactPhone: '+1 (619) 555-0123',
  whatToBring: ['Sunscreen', 'A warm layer'],
  policies: ['Free cancellation up to 48 hours before departure.'],
};

/** The refusal of `input` as the form shows it: field → message. */
function refusal(input: { subject: string; body: string }): Record<string, string> {
  try {
    parseInput(mailTemplateSchema, input);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return Object.fromEntries((err.errors ?? []).map((e) => [e.field, e.message]));
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

const ok = { subject: 'Your charter, {{guest.firstName}}', body: 'Hello {{guest.name}},\n\nSee {{guestPageUrl}}.' };

describe('template parsing', () => {
  it('accepts plain placeholders of every known name, in subject and body', () => {
    const all = PLACEHOLDERS.map((p) => `{{${p.name}}}`).join(' ');
    expect(parseInput(mailTemplateSchema, { subject: 'Hi {{ guest.firstName }}', body: all })).toEqual({
      subject: 'Hi {{ guest.firstName }}',
      body: all,
    });
    expect(PLACEHOLDERS.map((p) => p.name)).toEqual(
      expect.arrayContaining(['guest.firstName', 'charter.date', 'charter.timeZone', 'guestPageUrl', 'mapUrl', 'tenant.contactPhone']),
    );
  });

  it('every default template passes its own rules', () => {
    for (const kind of GUEST_TEMPLATE_KINDS) expect(mailTemplateSchema.safeParse(DEFAULT_TEMPLATES[kind]).success, kind).toBe(true);
  });

  const REFUSED: [string, string, RegExp][] = [
    ['section', '{{#guest.name}}x{{/guest.name}}', /sections are not allowed: \{\{#guest\.name\}\}/],
    ['inverted section', '{{^guest.name}}x{{/guest.name}}', /inverted sections are not allowed: \{\{\^guest\.name\}\}/],
    ['partial', '{{> footer}}', /partials are not allowed: \{\{> footer\}\}/],
    ['triple mustache', '{{{guest.name}}}', /unescaped placeholders are not allowed: \{\{\{guest\.name\}\}\}/],
    ['ampersand', '{{& guest.name}}', /unescaped placeholders are not allowed: \{\{& guest\.name\}\}/],
    ['delimiter change', '{{=<% %>=}} <% guest.name %>', /changing the delimiters is not allowed: \{\{=<% %>=\}\}/],
    ['comment', 'Hi {{! a note to self }}', /comments are not allowed: \{\{! a note to self \}\}/],
    ['closing tag alone', 'x {{/guest.name}}', /sections are not allowed/],
    ['unclosed tag', 'Hello {{guest.name', /has a \{\{ without its closing \}\}/],
    ['unclosed triple', 'Hello {{{guest.name}}', /has a \{\{ without its closing \}\}/],
    [
      'unknown name',
      'Hi {{guest.lastName}}',
      /^unknown placeholder \{\{guest\.lastName\}\}; known: \{\{guest\.name\}\}, \{\{guest\.firstName\}\}/,
    ],
    ['a field no guest may see', 'Total {{pricing.total}}', /^unknown placeholder \{\{pricing\.total\}\}/],
    ['the context itself', 'Hi {{.}}', /^unknown placeholder \{\{\.\}\}/],
    ['an empty tag', 'Hi {{}}', /^unknown placeholder \{\{\}\}/],
  ];

  it.each(REFUSED)('refuses a %s, in the body and in the subject, naming the field and the tag', (_what, text, message) => {
    expect(refusal({ ...ok, body: text })).toEqual({ body: expect.stringMatching(message) });
    expect(refusal({ ...ok, subject: text })).toEqual({ subject: expect.stringMatching(message) });
  });

  it('lists every known placeholder with an unknown one', () => {
    const message = refusal({ ...ok, body: '{{foo}}' }).body ?? '';
    for (const p of PLACEHOLDERS) expect(message).toContain(`{{${p.name}}}`);
  });

  it('refuses a subject with a line break or other control character, or longer than 200 characters', () => {
    for (const subject of ['Hi\r\nBcc: x@example.com', 'Hi\nthere', 'Hi\rthere', 'Tab\there', 'NUL\u0000', 'Sep\u2028x']) {
      expect(refusal({ ...ok, subject })).toEqual({ subject: 'must not contain control characters' });
    }
    expect(refusal({ ...ok, subject: 'x'.repeat(201) })).toEqual({ subject: 'must be at most 200 characters' });
    expect(refusal({ ...ok, subject: '   ' })).toEqual({ subject: 'must not be empty' });
  });

  it('takes a body of lines and paragraphs up to 10,000 characters, and nothing longer', () => {
    expect(mailTemplateSchema.safeParse({ ...ok, body: `a\r\n\r\nb\tc\n${'x'.repeat(9990)}` }).success).toBe(true);
    expect(refusal({ ...ok, body: 'x'.repeat(10_001) })).toEqual({ body: 'must be at most 10000 characters' });
    expect(refusal({ ...ok, body: 'bell\u0007' })).toEqual({ body: 'must not contain control characters other than tab and line breaks' });
    expect(refusal({ ...ok, body: '' })).toEqual({ body: 'must not be empty' });
  });

  it('refuses any other field', () => {
    expect(refusal({ ...ok, html: '<b>' } as never)).toEqual({ html: 'is not a known field' });
  });
});

const view = (overrides: Partial<BookingRecord> = {}) => viewBookingForGuest(bookingRecord(overrides)) as GuestMailBooking;

describe('rendering', () => {
  it('puts in the values in the vessel zone, with the zone named', async () => {
    const mail = await renderGuestMail({
      kind: 'guest.confirmation',
      template: {
        subject: '{{charter.date}} at {{charter.startTime}}',
        body: '{{guest.firstName}} / {{guest.name}} / {{booking.id}} / {{charter.endTime}} / {{charter.timeZone}} / {{charter.vessel}} / {{charter.meetingPoint}} / {{charter.partySize}} / {{guestPageUrl}} / {{mapUrl}} / {{tenant.name}} / {{tenant.contactEmail}} / {{tenant.contactPhone}}',
      },
      booking: view(),
      tenant,
    });
    expect(mail.subject).toMatch(/^Saturday, May 30, 2026 at 10:00\sAM$/);
    expect(mail.text.split('\n')[0]?.split(' / ')).toEqual([
      'Avery',
      'Avery Guest',
      'ABC1234',
      expect.stringMatching(/^1:00\sPM$/),
      'America/Los_Angeles',
      'Jada',
      'Harbor Island West Marina, Dock C',
      '6',
      'http://demo.localhost:8080/g/ABC1234',
      'https://www.openstreetmap.org/search?query=Harbor%20Island%20West%20Marina%2C%20Dock%20C',
      'Demo Charters',
      'office@demo.example',
      '+1 (619) 555-0123',
    ]);
    expect(mail.text).toMatch(/When: Saturday, May 30, 2026, 10:00\sAM\s–\s1:00\sPM PDT \(America\/Los_Angeles\)/);
    expect(mail.html).toContain('href="https://www.openstreetmap.org/search?query=Harbor%20Island%20West%20Marina%2C%20Dock%20C"');
    expect(mail.html).toContain('href="http://demo.localhost:8080/g/ABC1234"');
  });

  it('escapes values and the template text in the HTML part, and leaves them as written in the text part', async () => {
    const hostile = view({ guestName: '<script>alert(1)</script> "&Co\' Mallory', vesselName: '<b>Jada</b>' });
    const mail = await renderGuestMail({
      kind: 'guest.message',
      template: { subject: 'For {{guest.name}}', body: 'Dear {{guest.name}} on {{charter.vessel}} <i>& friends</i>' },
      booking: hostile,
      tenant,
    });
    expect(mail.text).toContain('Dear <script>alert(1)</script> "&Co\' Mallory on <b>Jada</b> <i>& friends</i>');
    expect(mail.subject).toBe('For <script>alert(1)</script> "&Co\' Mallory');
    expect(mail.html).not.toMatch(/<script|<b>Jada|<i>/);
    expect(mail.html).toContain(
      'Dear &lt;script&gt;alert(1)&lt;&#x2F;script&gt; &quot;&amp;Co&#39; Mallory on &lt;b&gt;Jada&lt;&#x2F;b&gt;',
    );
    expect(mail.html).toContain('&lt;i&gt;&amp; friends&lt;&#x2F;i&gt;');
  });

  it('makes paragraphs of blank lines and keeps the lines within one', async () => {
    const mail = await renderGuestMail({
      kind: 'guest.message',
      template: { subject: 'Hello', body: 'One\ntwo\r\n\r\n\r\nThree' },
      booking: view(),
      tenant,
    });
    expect(mail.html).toContain('<p>One<br>two</p><p>Three</p>');
    expect(mail.text.startsWith('One\ntwo\n\nThree\n\n')).toBe(true);
  });

  it('a change lists what changed, old → new, times in the vessel zone', async () => {
    const mail = await renderGuestMail({
      kind: 'guest.change',
      template: DEFAULT_TEMPLATES['guest.change'],
      booking: view(),
      tenant,
      changes: [
        { field: 'startsAt', from: '2026-05-30T09:00:00-07:00', to: '2026-05-30T10:00:00-07:00' },
        { field: 'meetingPoint', from: 'Dock A', to: 'Harbor Island West Marina, Dock C' },
        { field: 'partySize', from: 4, to: 6 },
      ],
    });
    expect(mail.text).toMatch(/What changed:\n- Departure: Sat, May 30, 2026, 9:00\sAM PDT → Sat, May 30, 2026, 10:00\sAM PDT\n/);
    expect(mail.text).toContain('- Meeting point: Dock A → Harbor Island West Marina, Dock C\n- Party size: 4 guests → 6 guests');
    expect(mail.html).toContain('What changed');
  });

  it('a cancellation says so first and gives no arrival instructions', async () => {
    const mail = await renderGuestMail({
      kind: 'guest.cancellation',
      template: DEFAULT_TEMPLATES['guest.cancellation'],
      booking: view({ status: 'cancelled' }),
      tenant,
    });
    expect(mail.subject).toBe('Your charter on Saturday, May 30, 2026 is cancelled');
    expect(mail.text.startsWith('CANCELLED. This charter has been cancelled')).toBe(true);
    expect(mail.html).toContain('Your charter has been cancelled');
    for (const part of [mail.text, mail.html]) {
      expect(part).not.toContain('Sunscreen');
      expect(part).not.toContain('Free cancellation');
      expect(part).not.toContain('openstreetmap');
    }
  });

  it('a subject carrying a line break in a value stays one line', async () => {
    const mail = await renderGuestMail({
      kind: 'guest.confirmation',
      template: { subject: 'Hi {{guest.name}}', body: 'x' },
      booking: view({ guestName: 'Eve\r\nBcc: victim@example.com' }),
      tenant,
    });
    expect(mail.subject).toBe('Hi Eve Bcc: victim@example.com');
  });
});

describe('no guest mail carries what only staff or crew may see', () => {
  const secretRecord = bookingRecord({ pricingTotal: '9876.54', captainFeePerHour: '321.09' });
  const SECRETS = [
    '9876.54',
    '9876',
    '321.09',
    'INTERNAL-ONLY',
    'CREW-ONLY',
    'Casey Captain',
    'Dana Deckhand',
    'casey.captain@crew.test',
    'avery.private@example.com',
    '619 555 0100',
  ];
  const kinds: GuestMailKind[] = [...GUEST_TEMPLATE_KINDS, 'guest.message'];
  const everything = PLACEHOLDERS.map((p) => `{{${p.name}}}`).join('\n');

  it.each(kinds)('%s: not in the subject, the text or the HTML', async (kind) => {
    for (const status of ['confirmed', 'cancelled'] as const) {
      const mail = await renderGuestMail({
        kind,
        template: { subject: PLACEHOLDERS.map((p) => `{{${p.name}}}`).join(' '), body: everything },
        booking: viewBookingForGuest({ ...secretRecord, status }) as GuestMailBooking,
        tenant,
        changes: [{ field: 'partySize', from: 4, to: 6 }],
      });
      for (const part of [mail.subject, mail.text, mail.html]) for (const secret of SECRETS) expect(part).not.toContain(secret);
    }
  });
});
