/**
 * The crew flow as crew live it: an event with two crew mails two `.eml` files; the link opens a
 * page with one button; pressing it signs in and lists the charter; accept, decline and the checklist
 * are recorded with audit entries. Bad links sign no one in; crew see only their own charters; no
 * money, internal note or guest contact reaches a crew page or a crew mail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { listAudit } from '../../src/services/audit';
import { revokeCrewAccess } from '../../src/services/crew-access';
import { notifyCrewOfBooking } from '../../src/services/crew-notices';
import { listOutgoingMail } from '../../src/services/mail';
import { addCrewMember } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { cookieFrom, formsIn, formWithAction, textOf } from '../support/html';
import { eventually, type InboxMail, notGuestMail, readMailbox, signInLinkIn, waitForMailbox } from '../support/mailbox';

const ORIGIN = 'http://localhost';
const NOW = new Date('2026-05-01T12:00:00Z');

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let mailDir: string;
let jobDeps: JobDeps;
let bookingId: string;
let inbox: InboxMail[];

/** Opens a page like a browser (GET, with the session cookie if any). */
async function open(path: string, cookie?: string | null, client?: string) {
  const res = await app.request(path, { headers: { ...(cookie ? { cookie } : {}), ...(client ? { 'x-test-client': client } : {}) } });
  return { res, html: await res.text() };
}

/** Submits a form like a browser: url-encoded, with its Origin and the session cookie. */
async function submit(action: string, fields: Record<string, string>, cookie?: string | null, client?: string) {
  return app.request(action, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      ...(cookie ? { cookie } : {}),
      ...(client ? { 'x-test-client': client } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Follows a mailed link as a person would: open it, press the one button. Returns the session cookie. */
async function followLink(link: string, client?: string) {
  const path = new URL(link).pathname;
  const page = await open(path, null, client);
  expect(page.res.status).toBe(200);
  expect(page.res.headers.get('set-cookie')).toBeNull();
  const form = formWithAction(page.html, path);
  const res = await submit(form.action, form.fields, null, client);
  return { res, cookie: cookieFrom(res.headers) };
}

async function createBooking(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const mailTo = (address: string) => {
  const m = inbox.find((i) => i.to === address);
  if (!m) throw new Error(`no mail to ${address}`);
  return m;
};

beforeAll(async () => {
  t = await createTestDb();
  t.clock.set(NOW);
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  mailDir = join(mkdtempSync(join(tmpdir(), 'bosun-crew-')), 'mail');
  jobDeps = { ...t.deps, mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } };
  await registerJobHandlers(t.jobs, jobDeps);

  bookingId = await createBooking(a);
  const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
    booking_id: bookingId,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
    notes: 'Fuel dock at 9',
  });
  expect(event.status).toBe(201);
  inbox = await waitForMailbox(mailDir, 2, undefined, notGuestMail);
  // A file lands a moment before its row says "sent".
  await eventually(async () => {
    const mails = (await listOutgoingMail(t.deps, a.ctx, { bookingId })).filter((m) => m.kind.startsWith('crew.'));
    return mails.length === 2 && mails.every((m) => m.status === 'sent') ? true : undefined;
  }, 'both mails to be recorded as sent');
});

afterAll(async () => {
  await t.close();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});

describe('assignment mail', () => {
  it('writes one .eml per crew member, multipart, from the tenant, with a Message-ID and a sign-in link', () => {
    expect(inbox.map((m) => m.to).sort()).toEqual([a.captain.email, a.deckhand.email].sort());
    for (const { mail } of inbox) {
      expect(mail.from?.value[0]).toEqual({ name: 'alpha Charters', address: 'bosun@localhost' });
      expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@localhost>$/);
      expect(mail.subject).toMatch(/^New charter: Jada, Sat, May 30, 10:00\sAM PDT \((captain|crew)\)$/);
      expect(mail.text).toContain('Meeting point: Dock C');
      expect(mail.text).toContain('Party size: 6');
      expect(mail.text).toContain('Guest: Avery');
      expect(mail.text).toContain('Bring spare fenders');
      expect(mail.text).toContain('Fuel dock at 9');
      const link = signInLinkIn(mail);
      expect(link).toMatch(/^http:\/\/localhost:8080\/crew\/login\/[A-Za-z0-9_-]{43}$/);
      expect(mail.html).toContain(`href="${link}"`);
    }
    expect(mailTo(a.captain.email).mail.subject).toContain('(captain)');
  });

  it('is recorded as sent, per recipient, for the dashboard', async () => {
    const mails = (await listOutgoingMail(t.deps, a.ctx, { bookingId })).filter((m) => m.kind.startsWith('crew.'));
    expect(mails.map((m) => [m.recipient, m.kind, m.status, m.error]).sort()).toEqual(
      [
        [a.captain.email, 'crew.assigned', 'sent', null],
        [a.deckhand.email, 'crew.assigned', 'sent', null],
      ].sort(),
    );
    expect(mails.map((m) => m.messageId).sort()).toEqual(inbox.map((i) => i.mail.messageId).sort());
    expect(await listOutgoingMail(t.deps, b.ctx)).toEqual([]);
  });

  it('is not sent again when the job runs again for the same booking version', async () => {
    const outcomes = await notifyCrewOfBooking(jobDeps, a.tenant.id, bookingId);
    expect(outcomes.map((o) => o.outcome)).toEqual(['already-sent', 'already-sent']);
    expect(await readMailbox(mailDir, notGuestMail)).toHaveLength(2);
  });

  it('never carries money, internal notes or guest contact details', () => {
    for (const { raw, mail } of inbox) {
      for (const part of [raw, mail.text ?? '', mail.html || '']) {
        for (const secret of ['840.75', '840,75', '50.00', '$50', 'Revenue', 'USD', 'avery@example.com', '555 0100', 'Avery Guest']) {
          expect(part).not.toContain(secret);
        }
      }
    }
  });
});

describe('signing in with the link', () => {
  it('opens a page with one button and signs in only when it is pressed', async () => {
    const link = signInLinkIn(mailTo(a.captain.email).mail);
    const path = new URL(link).pathname;
    const page = await open(path);
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('cache-control')).toBe('no-store');
    expect(page.res.headers.get('x-robots-tag')).toContain('noindex');
    expect(page.res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.res.headers.get('set-cookie')).toBeNull();
    expect(page.html.startsWith('<!doctype html>')).toBe(true);
    expect(textOf(page.html)).toContain('Sign in');

    const { res, cookie } = await followLink(link);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/crew');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-robots-tag')).toContain('noindex');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^bosun_crew=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Secure');

    const list = await open('/crew', cookie);
    expect(list.res.status).toBe(200);
    const text = textOf(list.html);
    expect(text).toContain('Hello Casey Captain');
    expect(text).toContain('Jada');
    expect(text).toContain(bookingId);
    expect(text).toContain('please answer');
  });

  it('works again within its life, on another device', async () => {
    const link = signInLinkIn(mailTo(a.deckhand.email).mail);
    const first = await followLink(link);
    const second = await followLink(link);
    expect(first.cookie).not.toBeNull();
    expect(second.cookie).not.toBeNull();
    expect(second.cookie).not.toBe(first.cookie);
    expect((await open('/crew', first.cookie)).res.status).toBe(200);
    expect((await open('/crew', second.cookie)).res.status).toBe(200);
  });

  it('marks the cookie Secure (and __Host-) when the public URL is https', async () => {
    const httpsApp = makeApp(t, { publicUrl: 'https://crew.example.com' });
    const path = new URL(signInLinkIn(mailTo(a.captain.email).mail)).pathname;
    const res = await httpsApp.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://crew.example.com' },
      body: '',
    });
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-bosun_crew=/);
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('Path=/');
  });

  it('without a session, /crew sends the visitor to the sign-in page', async () => {
    const res = await app.request('/crew');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/crew/login');
    const forged = await app.request('/crew', { headers: { cookie: `bosun_crew=${'A'.repeat(43)}` } });
    expect(forged.status).toBe(303);
  });

  it('signs out: the cookie stops working', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const page = await open('/crew', cookie);
    const form = formWithAction(page.html, '/crew/logout');
    const res = await submit(form.action, form.fields, cookie);
    expect(res.status).toBe(303);
    expect((await open('/crew', cookie)).res.status).toBe(303);
  });
});

describe('links that sign no one in', () => {
  const client = '198.51.100.7';

  async function expectNoSignIn(path: string, status: number, heading: RegExp) {
    const res = await submit(path, {}, null, client);
    expect(res.status).toBe(status);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(textOf(await res.text())).toMatch(heading);
  }

  it('a forged token', async () => {
    await expectNoSignIn(`/crew/login/${'x'.repeat(43)}`, 400, /This sign-in link is not valid/);
    await expectNoSignIn('/crew/login/short', 400, /This sign-in link is not valid/);
  });

  it('an expired token', async () => {
    const path = new URL(signInLinkIn(mailTo(a.deckhand.email).mail)).pathname;
    t.clock.set(new Date(NOW.getTime() + 15 * 24 * 3600 * 1000));
    try {
      await expectNoSignIn(path, 410, /no longer works/);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('a revoked token, and the sessions it opened end too', async () => {
    const sparrow = await makeCrewMember(a, 'Sam Sparrow', 'sam@alpha.test');
    const id = await createBooking(a, { startsAt: '2026-06-02T10:00:00-07:00', endsAt: '2026-06-02T12:00:00-07:00' });
    const before = (await readMailbox(mailDir, notGuestMail)).length;
    await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: id, crew: [{ crewId: sparrow, role: 'crew' }] });
    const mails = await waitForMailbox(mailDir, before + 1, undefined, notGuestMail);
    const link = signInLinkIn((mails.find((m) => m.to === 'sam@alpha.test') as InboxMail).mail);
    const { cookie } = await followLink(link);
    expect((await open('/crew', cookie)).res.status).toBe(200);

    await revokeCrewAccess(t.deps, a.ctx, sparrow);
    await expectNoSignIn(new URL(link).pathname, 410, /no longer works/);
    expect((await open('/crew', cookie)).res.status).toBe(303);
  });

  it('repeated failures from one address are rate-limited, a valid link from it and other addresses are not', async () => {
    const limited = '203.0.113.9';
    for (let i = 0; i < 10; i++) await submit(`/crew/login/${'y'.repeat(43)}`, {}, null, limited);
    const blocked = await submit(`/crew/login/${'z'.repeat(43)}`, {}, null, limited);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('set-cookie')).toBeNull();
    expect((await submit(`/crew/login/${'y'.repeat(43)}`, {}, null, '203.0.113.10')).status).toBe(400);
    // A crew member on the same Wi-Fi as the one who mistyped still signs in with a real link.
    const good = new URL(signInLinkIn(mailTo(a.captain.email).mail)).pathname;
    const signedIn = await submit(good, {}, null, limited);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toContain('bosun_crew=');
  });

  it('a form from another site is refused', async () => {
    const good = new URL(signInLinkIn(mailTo(a.captain.email).mail)).pathname;
    const res = await app.request(good, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: '',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

async function makeCrewMember(tenant: typeof a, name: string, email: string) {
  return (await addCrewMember(t.deps, tenant.ctx, { name, email, role: 'crew' })).id;
}

describe('the charter page', () => {
  it('shows date and time in the vessel zone, vessel, meeting point, party size, guest first name, notes and crew', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const page = await open(`/crew/events/${bookingId.toLowerCase()}`, cookie);
    expect(page.res.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toMatch(/Saturday, May 30, 2026, 10:00\sAM\s–\s1:00\sPM PDT/);
    expect(text).toContain('Meeting point Dock C');
    expect(text).toContain('Party size 6');
    expect(text).toContain('Guest Avery');
    expect(text).toContain('Bring spare fenders');
    expect(text).toContain('Fuel dock at 9');
    expect(text).toContain('Casey Captain — captain');
    expect(text).toContain('Dana Deckhand — crew');
  });

  it('accept is recorded, shown, and audited with the crew member as actor', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const page = await open(`/crew/events/${bookingId}`, cookie);
    const form = formWithAction(page.html, '/accept');
    const res = await submit(form.action, form.fields, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/crew/events/${bookingId}`);

    const after = textOf((await open(`/crew/events/${bookingId}`, cookie)).html);
    expect(after).toContain('Casey Captain — captain, accepted');
    const event = await call(app, 'GET', `/api/v1/events/${bookingId}`, a.serviceKey);
    expect(event.json.booking.crew).toContainEqual({ name: 'Casey Captain', role: 'captain', status: 'accepted' });
    const audit = await listAudit(t.deps, a.ctx, { entityId: bookingId });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'assignment.accepted', actor: `crew:${a.captain.id}`, entity: `event:${bookingId}` }),
    );
  });

  it('decline takes a reason, and the crew member can change their mind', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.deckhand.email).mail));
    const page = await open(`/crew/events/${bookingId}`, cookie);
    const form = formWithAction(page.html, '/decline');
    // The reason is part of the Decline form, next to its button, and of no other form.
    expect(Object.keys(form.fields).sort()).toEqual(['_csrf', 'reason']);
    expect(formsIn(page.html).filter((f) => 'reason' in f.fields)).toHaveLength(1);
    expect(page.html).toMatch(
      /<form[^>]*action="[^"]*\/decline"[^>]*>[\s\S]*?<label for="reason">[^<]*<\/label><div class="inline"><input id="reason"[^>]*\/><button type="submit" class="secondary">Decline<\/button><\/div><\/form>/,
    );
    const res = await submit(form.action, { ...form.fields, reason: 'Away <that> weekend' }, cookie);
    expect(res.status).toBe(303);
    const declined = await open(`/crew/events/${bookingId}`, cookie);
    expect(textOf(declined.html)).toContain('You declined: Away <that> weekend');
    expect(declined.html).toContain('Away &lt;that&gt; weekend');
    const audit = await listAudit(t.deps, a.ctx, { entityId: bookingId });
    const entry = audit.find((e) => e.action === 'assignment.declined');
    expect(entry).toMatchObject({ actor: `crew:${a.deckhand.id}`, after: { status: 'declined', reason: 'Away <that> weekend' } });

    const accept = formWithAction(declined.html, '/accept');
    expect((await submit(accept.action, accept.fields, cookie)).status).toBe(303);
    expect(textOf((await open(`/crew/events/${bookingId}`, cookie)).html)).toContain('Dana Deckhand — crew, accepted');
  });

  it('ticks the checklist, recording who and when', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    // The checklist opens 48 hours before departure (May 30, 10:00 in San Diego).
    t.clock.set(new Date('2026-05-29T12:00:00Z'));
    onTestFinished(() => t.clock.set(NOW));
    const page = await open(`/crew/events/${bookingId}`, cookie);
    const tick = formsWithItem(page.html, 'Life jackets counted against party size');
    expect(tick.fields.ticked).toBe('true');
    expect((await submit(tick.action, tick.fields, cookie)).status).toBe(303);
    const after = textOf((await open(`/crew/events/${bookingId}`, cookie)).html);
    // When it was ticked, in the vessel's zone, named; no year in the current one.
    expect(after).toMatch(/Life jackets counted against party size — Casey Captain, Fri, May 29, 5:00\sAM PDT/);
    const audit = await listAudit(t.deps, a.ctx, { entityId: bookingId });
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'checklist.ticked',
        actor: `crew:${a.captain.id}`,
        after: { item: 'Life jackets counted against party size' },
      }),
    );
    const bogus = await submit(tick.action, { ...tick.fields, item: 'Not an item' }, cookie);
    expect(bogus.status).toBe(422);
  });

  it('names the zone on every time, and the year of a date outside the current one, in pages and mail', async () => {
    const nextYear = await createBooking(a, { startsAt: '2027-01-15T10:00:00-08:00', endsAt: '2027-01-15T13:00:00-08:00' });
    expect(
      (
        await call(app, 'POST', '/api/v1/events', a.serviceKey, {
          booking_id: nextYear,
          crew: [{ email: a.captain.email, role: 'captain' }],
        })
      ).status,
    ).toBe(201);
    const notice = await eventually(async () => {
      const mails = await readMailbox(mailDir, notGuestMail);
      return mails.find((m) => m.to === a.captain.email && m.mail.subject?.startsWith('New charter') && m.mail.text?.includes(nextYear));
    }, 'the notice of the charter in 2027');
    expect(notice.mail.subject).toMatch(/^New charter: Jada, Fri, Jan 15, 2027, 10:00\sAM PST \(captain\)$/);
    expect(mailTo(a.captain.email).mail.subject).toMatch(/^New charter: Jada, Sat, May 30, 10:00\sAM PDT \(captain\)$/);

    const { cookie } = await followLink(signInLinkIn(notice.mail));
    const list = textOf((await open('/crew', cookie)).html);
    expect(list).toMatch(/Sat, May 30, 10:00\sAM PDT · Jada/);
    expect(list).toMatch(/Fri, Jan 15, 2027, 10:00\sAM PST · Jada/);
    const page = textOf((await open(`/crew/events/${nextYear}`, cookie)).html);
    expect(page).toMatch(/Friday, January 15, 2027, 10:00\sAM\s–\s1:00\sPM PST/);
  });

  it('sets its buttons and fields in the page font', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const { html } = await open(`/crew/events/${bookingId}`, cookie);
    expect(html).toContain('button,input,textarea,select{font:inherit}');
  });

  it('refuses a signed-in form without its token', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const res = await submit(`/crew/events/${bookingId}/accept`, { _csrf: 'forged' }, cookie);
    expect(res.status).toBe(403);
    const none = await submit(`/crew/events/${bookingId}/decline`, {}, cookie);
    expect(none.status).toBe(403);
  });

  it('never shows money, internal notes or guest contact details', async () => {
    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    for (const path of ['/crew', `/crew/events/${bookingId}`]) {
      const { html } = await open(path, cookie);
      for (const secret of ['840.75', '840,75', '50.00', '$50', 'Revenue', 'USD', 'avery@example.com', '555 0100', 'Avery Guest']) {
        expect(html).not.toContain(secret);
      }
    }
  });
});

function formsWithItem(html: string, item: string) {
  const form = formsIn(html).find((f) => f.fields.item === item);
  if (!form) throw new Error(`no checklist form for ${item}`);
  return form;
}

describe('isolation', () => {
  it('a crew member sees only their own charters, and none of another tenant', async () => {
    const other = await createBooking(a, { startsAt: '2026-06-10T10:00:00-07:00', endsAt: '2026-06-10T12:00:00-07:00' });
    const before = (await readMailbox(mailDir, notGuestMail)).length;
    await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: other, crew: [{ email: a.deckhand.email, role: 'crew' }] });
    await waitForMailbox(mailDir, before + 1, undefined, notGuestMail);
    const betaBooking = await createBooking(b);
    await call(app, 'POST', '/api/v1/events', b.serviceKey, {
      booking_id: betaBooking,
      crew: [{ email: b.captain.email, role: 'captain' }],
    });
    await waitForMailbox(mailDir, before + 2, undefined, notGuestMail);

    const { cookie } = await followLink(signInLinkIn(mailTo(a.captain.email).mail));
    const list = textOf((await open('/crew', cookie)).html);
    expect(list).toContain(bookingId);
    expect(list).not.toContain(other);
    expect(list).not.toContain(betaBooking);
    expect((await open(`/crew/events/${other}`, cookie)).res.status).toBe(404);
    expect((await open(`/crew/events/${betaBooking}`, cookie)).res.status).toBe(404);
    const page = await open(`/crew/events/${bookingId}`, cookie);
    const csrf = formWithAction(page.html, '/crew/logout').fields._csrf ?? '';
    expect((await submit(`/crew/events/${other}/accept`, { _csrf: csrf }, cookie)).status).toBe(404);
    expect((await submit(`/crew/events/${betaBooking}/accept`, { _csrf: csrf }, cookie)).status).toBe(404);
  });
});

describe('asking for a new link', () => {
  it('answers the same whether or not the address is known, and mails a link only to crew', async () => {
    const page = await open('/crew/login');
    const form = formWithAction(page.html, '/crew/login');
    const before = (await readMailbox(mailDir, notGuestMail)).length;
    const known = await submit(form.action, { email: a.deckhand.email.toUpperCase() }, null, '192.0.2.50');
    const unknown = await submit(form.action, { email: 'nobody@example.com' }, null, '192.0.2.50');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(await known.text()).toBe(await unknown.text());

    const mails = await waitForMailbox(mailDir, before + 1, undefined, notGuestMail);
    const linkMail = mails.find((m) => m.mail.subject === 'Your sign-in link for alpha Charters');
    expect(linkMail?.to).toBe(a.deckhand.email);
    const { res, cookie } = await followLink(signInLinkIn((linkMail as InboxMail).mail));
    expect(res.status).toBe(303);
    expect(textOf((await open('/crew', cookie)).html)).toContain('Hello Dana Deckhand');
    expect((await readMailbox(mailDir, notGuestMail)).filter((m) => m.to === 'nobody@example.com')).toEqual([]);
  });

  it('limits how often one address may ask for one e-mail address, not the next crew member on it', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await submit('/crew/login', { email: 'nobody@example.com' }, null, '192.0.2.77')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await submit('/crew/login', { email: 'nobody@example.com' }, null, '192.0.2.78')).status).toBe(200);
    expect((await submit('/crew/login', { email: 'somebody@example.com' }, null, '192.0.2.77')).status).toBe(200);
  });

  it('limits how often one address may ask in all, whatever the e-mail addresses', async () => {
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await submit('/crew/login', { email: `n${i}@example.com` }, null, '192.0.2.79')).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('rejects a malformed address with the form again', async () => {
    const res = await submit('/crew/login', { email: 'not-an-address' }, null, '192.0.2.51');
    expect(res.status).toBe(422);
    expect(textOf(await res.text())).toContain('Enter an e-mail address');
  });
});
