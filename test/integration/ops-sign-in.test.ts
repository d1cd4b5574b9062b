/**
 * Staff sign-in and the dashboard's closed surface, as the office and an attacker meet them: a link
 * mailed per operator the address works for, a button page that scanners cannot trigger, a session
 * cookie that opens `/app` and nothing of the crew's, forms refused without their token or from
 * another origin, and every route of `/app` and `/crew` needing a session unless it is listed public.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { CREW_PUBLIC_ROUTES } from '../../src/http/crew/routes';
import { publicRouteMatcher } from '../../src/http/middleware/session';
import { OPS_PUBLIC_ROUTES } from '../../src/http/ops/routes';
import { registerJobHandlers } from '../../src/jobs/register';
import { listAudit } from '../../src/services/audit';
import { issueStaffLink } from '../../src/services/staff-access';
import { addStaffUser } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { cookieFrom, formWithAction, textOf } from '../support/html';
import { readMailbox, signInLinkIn, waitForMailbox } from '../support/mailbox';
import { addStaff, staffCookie } from '../support/staff-session';

const ORIGIN = 'http://localhost:8080';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let mailDir: string;

async function open(path: string, cookie?: string | null) {
  const res = await app.request(path, { headers: cookie ? { cookie } : {} });
  return { res, html: await res.text() };
}

async function submit(action: string, fields: Record<string, string>, cookie?: string | null, headers: Record<string, string> = {}) {
  return app.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Opens a mailed link and presses its one button; returns the answer and its cookie. */
async function followLink(link: string) {
  const path = new URL(link).pathname;
  const page = await open(path);
  expect(page.res.status).toBe(200);
  expect(page.res.headers.get('set-cookie')).toBeNull();
  const res = await submit(formWithAction(page.html, path).action, {});
  return { res, cookie: cookieFrom(res.headers) };
}

const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  mailDir = join(mkdtempSync(join(tmpdir(), 'bosun-ops-')), 'mail');
  await registerJobHandlers(t.jobs, {
    ...t.deps,
    mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
  });
  // One person in the office of both operators, under one address.
  await addStaffUser(t.deps, a.ctx, { name: 'Robin Office', email: 'robin@office.test', role: 'owner' });
  await addStaffUser(t.deps, b.ctx, { name: 'Robin Office', email: 'Robin@Office.test', role: 'staff' });
});

afterAll(async () => {
  await t.close();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});

describe('staff sign-in by mailed link', () => {
  it('mails one link per operator the address works for; each opens that operator’s dashboard', async () => {
    const form = await open('/app/login');
    expect(form.res.status).toBe(200);
    expect(textOf(form.html)).toContain('E-mail address');
    const asked = await submit('/app/login', { email: 'ROBIN@office.test' });
    expect(asked.status).toBe(200);
    expect(textOf(await asked.text())).toContain('Check your mail');

    const inbox = await waitForMailbox(mailDir, 2);
    expect(inbox.map((m) => m.mail.subject).sort()).toEqual(['Sign in to alpha Charters on Bosun', 'Sign in to beta Charters on Bosun']);
    for (const m of inbox) {
      const link = signInLinkIn(m.mail, 'app');
      expect(link).toMatch(/^http:\/\/localhost:8080\/app\/login\/[A-Za-z0-9_-]{43}$/);
      const { res, cookie } = await followLink(link);
      expect(res.status).toBe(303);
      // A staff link works once: whoever reads the mail later (a shared inbox) cannot sign in with it.
      const again = await submit(new URL(link).pathname, {});
      expect(again.status).toBe(410);
      expect(again.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('location')).toBe('/app');
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^bosun_staff=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Lax');
      expect(setCookie).not.toContain('Secure');
      const today = await open('/app/today', cookie);
      expect(today.res.status).toBe(200);
      const tenantName = m.mail.subject?.includes('alpha') ? 'alpha Charters' : 'beta Charters';
      expect(textOf(today.html)).toContain(tenantName);
      expect(textOf(today.html)).toContain('Robin Office');
    }
    const audit = await listAudit(t.deps, a.ctx, {});
    expect(audit.some((e) => e.action === 'staff.signed_in')).toBe(true);
  });

  it('answers an unknown address exactly as a known one, and mails nobody', async () => {
    const before = (await readMailbox(mailDir)).length;
    const res = await submit('/app/login', { email: 'nobody@nowhere.test' });
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain('Check your mail');
    await new Promise((r) => setTimeout(r, 500));
    expect((await readMailbox(mailDir)).length).toBe(before);
  });

  it('refuses what is not an e-mail address with the field named, and counts no request for it', async () => {
    for (const email of ['', 'robin', 'a@', '@b.test', 'x'.repeat(400)]) {
      const res = await submit('/app/login', { email });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('aria-invalid="true"');
      expect(textOf(html)).toContain('Enter an e-mail address');
    }
  });

  it('refuses a malformed, unknown or used-up link with a page that says so, and sets no cookie', async () => {
    for (const [token, status] of [
      ['short', 400],
      ['A'.repeat(43), 400],
      [`${'a'.repeat(42)}!`, 400],
    ] as const) {
      const res = await submit(`/app/login/${encodeURIComponent(token)}`, {});
      expect(res.status).toBe(status);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(textOf(await res.text())).toContain('Ask for a new sign-in link');
    }
  });

  it('lets a link expire after an hour, and signs in no deactivated staff user', async () => {
    const user = await addStaff(t.deps, a.tenant.id, 'staff', 'leaving@office.test');
    await submit('/app/login', { email: 'leaving@office.test' });
    const mail = (await waitForMailbox(mailDir, 3)).find((m) => m.to === 'leaving@office.test');
    if (!mail) throw new Error('no mail to leaving@office.test');
    const path = new URL(signInLinkIn(mail.mail, 'app')).pathname;
    const realNow = t.clock.now();
    t.clock.set(new Date(realNow.getTime() + 61 * 60_000));
    try {
      const late = await submit(path, {});
      expect(late.status).toBe(410);
      expect(textOf(await late.text())).toContain('expired');
    } finally {
      t.clock.set(realNow);
    }
    const cookie = await staffCookie(t.deps, a.tenant.id, user.id);
    expect((await open('/app/today', cookie)).res.status).toBe(200);
    await t.deps.db.updateTable('staff_users').set({ deactivated_at: new Date() }).where('id', '=', user.id).execute();
    const after = await open('/app/today', cookie);
    expect(after.res.status).toBe(303);
    expect(after.res.headers.get('location')).toBe('/app/login');
  });

  it('signs out: the cookie is cleared and the old session opens nothing', async () => {
    const user = await addStaff(t.deps, a.tenant.id, 'staff', 'out@office.test');
    const cookie = await staffCookie(t.deps, a.tenant.id, user.id);
    const page = await open('/app/today', cookie);
    const res = await submit('/app/logout', { _csrf: csrfOf(page.html) }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^bosun_staff=;/);
    expect((await open('/app/today', cookie)).res.status).toBe(303);
  });

  it('sets a Secure __Host- cookie when the dashboard is served over https', async () => {
    const secureApp = makeApp(t, { publicUrl: 'https://bosun.example' });
    const user = await addStaff(t.deps, a.tenant.id, 'staff', 'secure@office.test');
    const link = await t.deps.db
      .transaction()
      .execute((tx) => issueStaffLink(tx, a.tenant.id, { staffUserId: user.id, now: t.clock.now() }));
    const res = await secureApp.request(`/app/login/${link.token}`, {
      method: 'POST',
      headers: { origin: 'https://bosun.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-bosun_staff=[^;]+;.*Secure/);
  });
});

describe('forms and sessions cannot be borrowed', () => {
  it('refuses a form without its token, with another session’s token, or from another origin — and changes nothing', async () => {
    const user = await addStaff(t.deps, a.tenant.id, 'staff', 'forms@office.test');
    const cookie = await staffCookie(t.deps, a.tenant.id, user.id);
    const other = await staffCookie(t.deps, a.tenant.id, user.id);
    const otherToken = csrfOf((await open('/app/today', other)).html);
    const ownToken = csrfOf((await open('/app/today', cookie)).html);
    expect(ownToken).not.toBe(otherToken);

    expect((await submit('/app/logout', {}, cookie)).status).toBe(403);
    expect((await submit('/app/logout', { _csrf: otherToken }, cookie)).status).toBe(403);
    expect((await submit('/app/logout', { _csrf: ownToken }, cookie, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await submit('/app/logout', { _csrf: ownToken }, cookie, { origin: 'null' })).status).toBe(403);
    // Still signed in: none of the refused forms signed out.
    expect((await open('/app/today', cookie)).res.status).toBe(200);
  });

  it('gives a crew session no /app page, and a staff session nothing of the crew’s', async () => {
    const crew = await crewCookie(t.deps, a.tenant.id, a.captain.id);
    const asCrew = await open('/app/today', crew);
    expect(asCrew.res.status).toBe(303);
    expect(asCrew.res.headers.get('location')).toBe('/app/login');
    const user = await addStaff(t.deps, a.tenant.id, 'staff', 'nocrew@office.test');
    const staff = await staffCookie(t.deps, a.tenant.id, user.id);
    const asStaff = await open('/crew', staff);
    expect(asStaff.res.status).toBe(303);
    expect(asStaff.res.headers.get('location')).toBe('/crew/login');
    // Even with the same secret under the other cookie's name.
    const swapped = `bosun_crew=${staff.split('=')[1]}`;
    expect((await open('/crew', swapped)).res.status).toBe(303);
    expect((await open('/app/today', `bosun_staff=${crew.split('=')[1]}`)).res.status).toBe(303);
  });
});

describe('closed by default', () => {
  /** Every route the application registers under a surface, as (method, path) with its parameters filled in. */
  function routesUnder(base: string) {
    const seen = new Set<string>();
    const out: { method: string; path: string; pattern: string }[] = [];
    for (const r of app.routes) {
      if (!r.path.startsWith(`${base}/`) && r.path !== base) continue;
      if (r.method === 'ALL' || r.path.endsWith('*')) continue; // middleware
      const path = r.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'X1234567');
      const key = `${r.method} ${path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ method: r.method, path, pattern: r.path });
    }
    return out;
  }

  for (const [base, publicRoutes, login] of [
    ['/app', OPS_PUBLIC_ROUTES, '/app/login'],
    ['/crew', CREW_PUBLIC_ROUTES, '/crew/login'],
  ] as const) {
    it(`needs a session for every ${base} route that is not listed public`, async () => {
      const isPublic = publicRouteMatcher(publicRoutes);
      const routes = routesUnder(base);
      expect(routes.length).toBeGreaterThan(base === '/app' ? 6 : 8);
      const checked: string[] = [];
      for (const r of routes) {
        if (isPublic(r.method, r.pattern.slice(base.length) || '/')) continue;
        const res = await app.request(r.path, {
          method: r.method,
          headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
          ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body: '' }),
        });
        const ok = (res.status === 303 && res.headers.get('location') === login) || res.status === 401;
        expect(ok, `${r.method} ${r.path} answered ${res.status} without a session`).toBe(true);
        checked.push(`${r.method} ${r.pattern}`);
      }
      expect(checked.length).toBeGreaterThan(2);
    });
  }

  it('keeps a route added later private unless it is listed', async () => {
    const { Hono } = await import('hono');
    const { requireSession, sessionCookie } = await import('../../src/http/middleware/session');
    const surface = new Hono();
    surface.use(
      '*',
      requireSession({
        base: '/s',
        cookie: sessionCookie('s', false),
        publicRoutes: ['GET /open'],
        authenticate: async () => null,
        signedIn: () => {},
        signedOut: (c) => c.text('sign in', 401),
      }),
    );
    surface.get('/open', (c) => c.text('open'));
    surface.get('/added-later', (c) => c.text('secret'));
    surface.get('/open/deeper', (c) => c.text('secret'));
    const root = new Hono().route('/s', surface);
    expect((await root.request('/s/open')).status).toBe(200);
    expect((await root.request('/s/added-later')).status).toBe(401);
    expect((await root.request('/s/open/deeper')).status).toBe(401);
    expect((await root.request('/s/open', { method: 'POST' })).status).toBe(401);
  });
});
