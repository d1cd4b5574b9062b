/**
 * Every HTML page Bosun serves or mails is valid and accessible HTML by html-validate's recommended
 * and full-document rules (labels, headings, references, permitted content): guest pages (also with
 * hostile input), the guest site's 404, crew pages, crew, guest and office mail, the landing page and the API
 * docs. The guest page's colours keep WCAG AA contrast whatever accent a tenant picks.
 */

import { type FC, jsx } from 'hono/jsx';
import { type ConfigData, HtmlValidate, type Report, StaticConfigLoader } from 'html-validate';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { type BookingRecord, viewBookingForCrew, viewBookingForGuest, viewBookingForStaff } from '../../src/domain/visibility';
import { createApp } from '../../src/http/app';
import { CharterPage, ChartersPage, LinkNotValidPage, MessagePage, RequestLinkPage, SignInButtonPage } from '../../src/http/crew/views';
import { renderCrewLoginLink, renderCrewNotice, renderCrewReminder } from '../../src/mail/crew-mail';
import { type GuestMailBooking, renderGuestMail } from '../../src/mail/guest-mail';
import { renderDeclineAlert } from '../../src/mail/office-mail';
import { renderGuestPage, renderNotFoundPage } from '../../src/publish/guest-page';
import type { CharterForCrew } from '../../src/services/crew';
import { DEFAULT_TEMPLATES, GUEST_TEMPLATE_KINDS, PLACEHOLDERS } from '../../src/services/guest-mail';
import { bookingRecord } from '../support/booking-record';

const PAGE_RULES: ConfigData = {
  extends: ['html-validate:recommended', 'html-validate:document'],
  rules: {
    // Hono JSX writes `<!doctype html>` and `required=""`; both are valid, so hold every page to that spelling.
    'doctype-style': ['error', { style: 'lowercase' }],
    'attribute-boolean-style': ['error', { style: 'empty' }],
    // `<meta>` (landing page) and `<meta/>` (JSX) are both valid HTML; which one is a matter of taste.
    'void-style': 'off',
    // The rule is for search results, which cut long titles: guest and crew pages are noindex, a mail's title is its subject.
    'long-title': 'off',
  },
};
const pages = new HtmlValidate(new StaticConfigLoader(PAGE_RULES));
// Many mail clients drop or rewrite `<style>` blocks, so inline styles are the styling a mail keeps.
const mails = new HtmlValidate(new StaticConfigLoader({ ...PAGE_RULES, rules: { ...PAGE_RULES.rules, 'no-inline-style': 'off' } }));

const describeReport = (report: Report) =>
  report.results
    .flatMap((r) => r.messages)
    .map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message} (${m.selector ?? ''})`)
    .join('\n');

async function expectValid(html: string, validator = pages) {
  expect(html.startsWith('<!doctype html>')).toBe(true);
  const report = await validator.validateString(html);
  expect(report.valid, describeReport(report)).toBe(true);
}

const render = <P>(component: FC<P>, props: P) => String(jsx(component as FC, props as Record<string, unknown>));

const record = bookingRecord;

const tenant = {
  name: 'Demo Charters',
  settings: {
    contactEmail: 'office@demo.example',
    contactPhone: '+1 (619) 555-0123',
    accentColor: '#0b4f6c',
    logoUrl: '/logo.png',
    whatToBring: ['Sunscreen', 'A warm layer'],
    policies: ['Free cancellation up to 48 hours before departure.'],
  },
};

const HOSTILE: Partial<BookingRecord> = {
  guestName: '<script>alert(1)</script> Mallory',
  vesselName: "Jada' onmouseover='x",
  meetingPoint: '"><img src=x onerror=alert(1)>',
  notesGuest: `</style><script>steal()</script> & more ${'long note '.repeat(400)}`,
  notesCrew: '</div><script>steal()</script>\n<b>bold</b>',
};
const hostileTenant = {
  name: '<h1>"Evil" & Co</h1>',
  settings: {
    ...tenant.settings,
    logoUrl: `data:image/png;base64,${'A'.repeat(1000)}`,
    whatToBring: ['<li>x</li>'],
    policies: ['"><a href=x>'],
  },
};

describe('the checker', () => {
  it('rejects what the rules are here for: a missing label, a skipped heading level, a dangling reference', async () => {
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"/><title>t</title></head><body><main>' +
      '<h1>Title</h1><h3>Skipped</h3><section aria-labelledby="nowhere"><input type="text" name="q"/></section>' +
      '<p><a href="tel:+15550123">+1 555 0123</a></p></main></body></html>';
    const report = await pages.validateString(html);
    expect(report.valid).toBe(false);
    const rules = new Set(report.results.flatMap((r) => r.messages.map((m) => m.ruleId)));
    for (const rule of ['input-missing-label', 'heading-level', 'no-missing-references', 'tel-non-breaking']) expect(rules).toContain(rule);
  });
});

describe('guest site pages are valid HTML', () => {
  it('a confirmed booking', async () => {
    await expectValid(renderGuestPage(viewBookingForGuest(record()), tenant));
  });

  it('a completed booking of a tenant with no branding at all', async () => {
    await expectValid(
      renderGuestPage(viewBookingForGuest(record({ status: 'completed', notesGuest: null })), { name: 'Demo', settings: {} }),
    );
  });

  it('hostile input: markup in every field, a long note', async () => {
    await expectValid(renderGuestPage(viewBookingForGuest(record(HOSTILE)), hostileTenant));
  });

  it('right-to-left and emoji names', async () => {
    await expectValid(
      renderGuestPage(viewBookingForGuest(record({ guestName: 'שרה כהן' })), { name: 'שייט בע״מ', settings: tenant.settings }),
    );
    await expectValid(renderGuestPage(viewBookingForGuest(record({ guestName: '🚤⚓ Skipper', vesselName: 'Sea 🐚' })), tenant));
  });

  it('a cancelled booking', async () => {
    await expectValid(renderGuestPage(viewBookingForGuest(record({ status: 'cancelled' })), tenant));
    await expectValid(renderGuestPage(viewBookingForGuest(record({ status: 'cancelled', ...HOSTILE })), hostileTenant));
  });

  it('the not-found page', async () => {
    await expectValid(renderNotFoundPage(tenant));
    await expectValid(renderNotFoundPage({ name: 'Demo', settings: null }));
  });
});

describe('crew pages are valid HTML', () => {
  const signedIn = { crewName: 'Casey Captain', tenantName: 'Demo Charters', csrf: 'token' };
  const now = new Date('2026-05-01T12:00:00Z');
  const crewView = viewBookingForCrew(record());
  const charter = (overrides: Partial<CharterForCrew> = {}): CharterForCrew => ({
    booking: crewView,
    me: { role: 'captain', status: 'invited', declineReason: null },
    eventNotes: 'Fuel up at the north dock.',
    ended: false,
    checklist: [
      { item: 'Safety briefing given', ticked: { by: 'Dana Deckhand', at: '2026-05-30T16:00:00Z' } },
      { item: 'Fuel checked', ticked: null },
    ],
    checklistClosed: null,
    ...overrides,
  });

  it('the list of charters, with and without charters', async () => {
    const feedUrl = 'http://localhost:8080/crew/feed/abc.ics';
    const charters = [charter(), charter({ me: { role: 'crew', status: 'accepted', declineReason: null } })];
    await expectValid(render(ChartersPage, { signedIn, charters, feedUrl, now }));
    await expectValid(render(ChartersPage, { signedIn, charters: [], feedUrl, now }));
  });

  it('a charter: to answer, accepted, declined, cancelled, and with hostile input', async () => {
    await expectValid(render(CharterPage, { signedIn, charter: charter(), now, liveNonce: 'bm9uY2U=' }));
    await expectValid(
      render(CharterPage, { signedIn, now, charter: charter({ me: { role: 'captain', status: 'accepted', declineReason: null } }) }),
    );
    await expectValid(
      render(CharterPage, {
        signedIn,
        now,
        charter: charter({
          me: { role: 'crew', status: 'declined', declineReason: 'Sick' },
          checklistClosed: 'You declined this charter.',
        }),
      }),
    );
    await expectValid(
      render(CharterPage, {
        signedIn,
        now,
        charter: charter({
          me: { role: 'captain', status: 'accepted', declineReason: null },
          checklistClosed: 'The checklist opens 48 hours before departure, at Thu, May 28, 2026, 10:00 AM PDT.',
        }),
      }),
    );
    await expectValid(
      render(CharterPage, { signedIn, now, charter: charter({ booking: viewBookingForCrew(record({ status: 'cancelled' })) }) }),
    );
    const hostile = charter({
      booking: viewBookingForCrew(record(HOSTILE)),
      eventNotes: '"><script>x()</script>',
      checklist: [{ item: '"><button>', ticked: { by: '<i>me</i>', at: '2026-05-30T16:00:00Z' } }],
    });
    await expectValid(render(CharterPage, { signedIn: { ...signedIn, crewName: '<b>x</b>', tenantName: '"><x>' }, charter: hostile, now }));
  });

  it('sign-in and message pages', async () => {
    await expectValid(render(RequestLinkPage, {}));
    await expectValid(render(RequestLinkPage, { email: '"><script>', error: 'Enter an e-mail address like name@example.com.' }));
    await expectValid(render(SignInButtonPage, { action: '/crew/login/abc' }));
    for (const reason of ['invalid', 'expired', 'revoked'] as const) await expectValid(render(LinkNotValidPage, { reason }));
    await expectValid(render(MessagePage, { title: 'Form expired', message: 'Reload the page and try again.', signedIn }));
  });
});

describe('mail HTML is valid (inline styles allowed)', () => {
  const crewView = viewBookingForCrew(record());
  const link = { signInUrl: 'http://localhost:8080/crew/login/abc', linkExpiresAt: new Date('2026-05-31T00:00:00Z') };
  const now = new Date('2026-05-01T12:00:00Z');

  it('crew notices, reminders and sign-in links', async () => {
    for (const kind of ['crew.assigned', 'crew.changed', 'crew.cancelled'] as const) {
      const mail = await renderCrewNotice({
        kind,
        tenantName: 'Demo',
        recipientName: 'Casey',
        role: 'captain',
        booking: crewView,
        eventNotes: 'n',
        ...link,
        now,
      });
      await expectValid(mail.html, mails);
    }
    const hostile = await renderCrewNotice({
      kind: 'crew.assigned',
      tenantName: '"><b>',
      recipientName: '<script>',
      role: 'crew',
      booking: viewBookingForCrew(record(HOSTILE)),
      eventNotes: null,
      ...link,
      now,
    });
    await expectValid(hostile.html, mails);
    const reminder = await renderCrewReminder({
      tenantName: 'Demo',
      recipientName: 'Casey',
      role: 'captain',
      booking: crewView,
      eventNotes: null,
      hoursBefore: 24,
      ...link,
      now,
    });
    await expectValid(reminder.html, mails);
    await expectValid((await renderCrewLoginLink({ tenantName: 'Demo', recipientName: 'Casey', ...link })).html, mails);
  });

  it('the office alert of a decline', async () => {
    const mail = await renderDeclineAlert({
      tenantName: 'Demo',
      booking: viewBookingForStaff(record()),
      crewName: 'Dana Deckhand',
      role: 'crew',
      reason: '<script>',
      stillAssigned: [{ name: 'Casey Captain', role: 'captain', status: 'accepted' }],
    });
    await expectValid(mail.html, mails);
  });

  it('guest mails of every kind, with every placeholder, hostile input, changes and a cancellation', async () => {
    const guestTenant = { name: tenant.name, ...tenant.settings };
    const everything = {
      subject: 'Hi {{guest.firstName}}',
      body: `${PLACEHOLDERS.map((p) => `{{${p.name}}}`).join('\n')}\n\nLast <b>paragraph</b> & more`,
    };
    const changes = [
      { field: 'startsAt', from: '2026-05-30T09:00:00-07:00', to: '2026-05-30T10:00:00-07:00' },
      { field: 'meetingPoint', from: '', to: 'Dock C' },
    ] as const;
    for (const kind of [...GUEST_TEMPLATE_KINDS, 'guest.message'] as const) {
      for (const template of [kind === 'guest.message' ? everything : DEFAULT_TEMPLATES[kind], everything]) {
        const booking = viewBookingForGuest(record()) as GuestMailBooking;
        await expectValid((await renderGuestMail({ kind, template, booking, tenant: guestTenant, changes: [...changes] })).html, mails);
        const hostile = viewBookingForGuest(record({ ...HOSTILE, status: 'cancelled' })) as GuestMailBooking;
        const hostileTenantMail = { name: hostileTenant.name, ...hostileTenant.settings };
        await expectValid((await renderGuestMail({ kind, template, booking: hostile, tenant: hostileTenantMail })).html, mails);
        const bare = viewBookingForGuest(record({ meetingPoint: '', notesGuest: null, status: 'hold' })) as GuestMailBooking;
        await expectValid((await renderGuestMail({ kind, template, booking: bare, tenant: { name: 'Bare' } })).html, mails);
      }
    }
  });

  it('is still checked for what mail can get wrong', async () => {
    const report = await mails.validateString(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><table><tr><td>x</td></tr></table></body></html>',
    );
    expect(report.results.flatMap((r) => r.messages.map((m) => m.ruleId))).toContain('prefer-tbody');
  });
});

describe('pages the server answers without a database', () => {
  // Any use of the database or the queue fails the test: these pages must not need one.
  const absent = new Proxy(
    {},
    {
      get: (_, name) => {
        throw new Error(`no database here (used ${String(name)})`);
      },
    },
  );
  const app = createApp({
    db: absent as never,
    jobs: absent as never,
    clock: { now: () => new Date('2026-05-01T12:00:00Z') },
    guestOrigin: (domain) => `http://${domain}`,
    publicHost: 'localhost',
    log: pino({ level: 'silent' }),
    ping: async () => {},
    failureLimits: new InMemoryFailureLimits(),
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
    clientAddress: () => '192.0.2.1',
  });

  for (const path of ['/', '/api/docs', '/crew/login', '/crew/login/some-token']) {
    it(path, async () => {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      await expectValid(await res.text());
    });
  }

  it('the error page a browser gets (404, and 405 with markup in the path)', async () => {
    for (const [method, path, status] of [
      ['GET', '/no-such-page', 404],
      ['POST', '/', 405],
      ['GET', '/%3Cscript%3Ealert(1)%3C/script%3E', 404],
    ] as const) {
      const res = await app.request(path, { method, headers: { accept: 'text/html' } });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      await expectValid(await res.text());
    }
  });
});

describe('guest page colours (WCAG AA, 4.5:1)', () => {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  const colours = (html: string) => {
    const m = html.match(/--accent:(#[0-9a-f]{6});--on-accent:(#[0-9a-f]{6});--link:(#[0-9a-f]{6})/i);
    if (!m) throw new Error('no colours in the page');
    return { accent: m[1] as string, onAccent: m[2] as string, link: m[3] as string };
  };

  // The default, pale, mid-tone (where neither white nor near-black is enough on its own) and dark.
  for (const accent of [undefined, '#ffff00', '#777777', '#787878', '#0b1f3a']) {
    it(`accent ${accent ?? '(none)'}: the header text and links stay readable`, () => {
      const html = renderGuestPage(viewBookingForGuest(record()), {
        name: 'Demo',
        settings: { contactEmail: 'office@demo.example', accentColor: accent },
      });
      const c = colours(html);
      if (accent) expect(c.accent).toBe(accent);
      // The tenant's name is drawn in on-accent on the accent; links in link colour on white sections.
      expect(contrast(c.onAccent, c.accent)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.link, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    });
  }

  it('every web-safe accent keeps both pairs readable', () => {
    const steps = ['00', '33', '66', '99', 'cc', 'ff'];
    for (const r of steps)
      for (const g of steps)
        for (const b of steps) {
          const c = colours(renderGuestPage(viewBookingForGuest(record()), { name: 'Demo', settings: { accentColor: `#${r}${g}${b}` } }));
          expect(contrast(c.onAccent, c.accent), c.accent).toBeGreaterThanOrEqual(4.5);
          expect(contrast(c.link, '#ffffff'), c.accent).toBeGreaterThanOrEqual(4.5);
        }
  });

  it('a yellow accent is kept for the header but not used as the colour of links', () => {
    const c = colours(renderGuestPage(viewBookingForGuest(record()), { name: 'Demo', settings: { accentColor: '#ffff00' } }));
    expect(c.accent).toBe('#ffff00');
    expect(c.link).not.toBe('#ffff00');
  });
});
