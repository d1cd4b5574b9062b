/**
 * Settings → Guest mail, owners only: each template kind listed with its wording (default or
 * changed), an editor with its placeholders, a preview rendered from a sample booking (text, and the
 * HTML in a sandboxed srcdoc frame under a CSP that refuses scripts), a refused template named beside
 * its field with the old wording kept, save, and reset to the default; the guest reminder's lead time.
 * Staff are refused; another tenant's templates are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailTemplates } from '../../src/services/guest-mail';
import { getTenantProfile } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { type Browser, browserFor, fieldError, inputValue } from '../support/ops-pages';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let owner: Browser;
let staff: Browser;

const CONFIRMATION = '/app/settings/guest-mail/guest.confirmation';

const templateOf = async (tenant: typeof a, kind: string) => {
  const found = (await listMailTemplates(t.deps, tenant.ctx)).find((x) => x.kind === kind);
  if (!found) throw new Error(`no template ${kind}`);
  return found;
};

/** The HTML inside the preview's srcdoc, unescaped as the browser reads the attribute. */
function srcdocOf(html: string): string | null {
  const tag = /<iframe\b[^>]*class="mail-frame"[^>]*>/.exec(html)?.[0];
  const raw = tag ? /\bsrcdoc="([^"]*)"/.exec(tag)?.[1] : undefined;
  return raw === undefined
    ? null
    : raw
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  owner = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'owner')).cookie);
  staff = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie);
});

afterAll(async () => {
  await t.close();
});

describe('Settings → Guest mail', () => {
  it('lists each kind of guest mail with its default wording, linked from Settings', async () => {
    expect((await owner.open('/app/settings')).html).toContain('href="/app/settings/guest-mail"');
    const page = await owner.open('/app/settings/guest-mail');
    expect(page.status).toBe(200);
    for (const kind of ['guest.confirmation', 'guest.change', 'guest.cancellation', 'guest.reminder']) {
      expect(page.html).toContain(`href="/app/settings/guest-mail/${kind}"`);
    }
    const confirmation = await templateOf(a, 'guest.confirmation');
    expect(textOf(page.html)).toContain(`${confirmation.label} ${confirmation.subject} default`);
  });

  it('opens a template with its subject, body and the placeholders', async () => {
    const page = await owner.open(CONFIRMATION);
    const confirmation = await templateOf(a, 'guest.confirmation');
    expect(inputValue(page.html, 'template-subject')).toBe(confirmation.subject);
    expect(page.html).toContain('<code>{{guest.firstName}}</code>');
    expect(page.html).toContain('<code>{{guestPageUrl}}</code>');
    expect(page.html).not.toContain('Reset to default');
  });

  it('previews a draft from a sample booking, as text and as HTML in a sandboxed frame, saving nothing', async () => {
    const before = await templateOf(a, 'guest.confirmation');
    const res = await owner.submit(CONFIRMATION, {
      action: 'preview',
      subject: 'Ahoy {{guest.firstName}}',
      body: 'See you on {{charter.date}} — <b>bring a hat</b>.',
    });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src-attr 'unsafe-inline'");
    expect(csp).not.toContain("script-src 'unsafe");
    // What was typed is kept in the form.
    expect(inputValue(res.html, 'template-subject')).toBe('Ahoy {{guest.firstName}}');
    const frame = /<iframe\b[^>]*class="mail-frame"[^>]*>/.exec(res.html)?.[0] ?? '';
    expect(frame).toContain('sandbox=""');
    const inner = srcdocOf(res.html) ?? '';
    expect(inner).toContain('bring a hat');
    // The office's text is text in the HTML part: its tag is escaped, never markup.
    expect(inner).not.toContain('<b>bring a hat</b>');
    expect(inner).not.toMatch(/<script/i);
    const text = textOf(res.html);
    expect(text).toMatch(/Preview .*Subject Ahoy \S+/);
    expect(text).not.toContain('Ahoy {{guest.firstName}} Attached');
    expect(await templateOf(a, 'guest.confirmation')).toEqual(before);
  });

  it('refuses an unknown placeholder beside its field and keeps the old wording', async () => {
    const before = await templateOf(a, 'guest.confirmation');
    const res = await owner.submit(CONFIRMATION, { action: 'save', subject: 'Hello {{guest.shoeSize}}', body: 'Fine body.' });
    expect(res.status).toBe(422);
    const error = fieldError(res.html, 'template-subject');
    expect(error.invalid).toBe(true);
    expect(error.message).toContain('guest.shoeSize');
    expect(inputValue(res.html, 'template-subject')).toBe('Hello {{guest.shoeSize}}');
    expect(await templateOf(a, 'guest.confirmation')).toEqual(before);

    const empty = await owner.submit(CONFIRMATION, { action: 'save', subject: 'Fine', body: '   ' });
    expect(empty.status).toBe(422);
    expect(fieldError(empty.html, 'template-body').invalid).toBe(true);
    expect(await templateOf(a, 'guest.confirmation')).toEqual(before);
  });

  it('saves a template, shows it as changed, and resets it to the default', async () => {
    const original = await templateOf(a, 'guest.confirmation');
    const res = await owner.submit(CONFIRMATION, {
      action: 'save',
      subject: 'Welcome aboard, {{guest.firstName}}',
      body: 'Your charter on {{charter.date}} is confirmed.',
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${CONFIRMATION}?done=saved`);
    expect(await templateOf(a, 'guest.confirmation')).toMatchObject({ subject: 'Welcome aboard, {{guest.firstName}}', isDefault: false });
    const page = await owner.open(res.location ?? '');
    expect(textOf(page.html)).toContain('Template saved.');
    expect(inputValue(page.html, 'template-subject')).toBe('Welcome aboard, {{guest.firstName}}');
    expect(page.html).toContain(`action="${CONFIRMATION}/reset"`);
    expect(textOf((await owner.open('/app/settings/guest-mail')).html)).toContain('Welcome aboard, {{guest.firstName}} changed');
    // Another tenant's wording is its own.
    expect(await templateOf(b, 'guest.confirmation')).toMatchObject({ subject: original.subject, isDefault: true });

    const reset = await owner.submit(`${CONFIRMATION}/reset`);
    expect(reset.status).toBe(303);
    expect(reset.location).toBe(`${CONFIRMATION}?done=reset`);
    expect(await templateOf(a, 'guest.confirmation')).toMatchObject({ subject: original.subject, isDefault: true });
  });

  it('answers 404 for a kind that is not a template', async () => {
    for (const kind of ['guest.message', 'crew.assigned', 'nope']) {
      expect((await owner.open(`/app/settings/guest-mail/${kind}`)).status, kind).toBe(404);
      expect((await owner.submit(`/app/settings/guest-mail/${kind}`, { action: 'save', subject: 'x', body: 'y' })).status, kind).toBe(404);
    }
  });

  it('sets how long before departure guests are reminded, refusing a bad value beside its field', async () => {
    const page = await owner.open('/app/settings/guest-mail');
    expect(inputValue(page.html, 'reminder-guestReminderHours')).toBe('');
    expect(textOf(page.html)).toContain('Leave empty for 24; 0 sends no reminders.');

    const saved = await owner.submit('/app/settings/guest-mail/reminder', { guestReminderHours: '48' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/app/settings/guest-mail?done=reminder-saved');
    expect((await getTenantProfile(t.deps, a.ctx)).settings.guestReminderHours).toBe(48);
    expect(inputValue((await owner.open(saved.location ?? '')).html, 'reminder-guestReminderHours')).toBe('48');
    expect((await owner.submit('/app/settings/guest-mail/reminder', { guestReminderHours: '48' })).location).toBe(
      '/app/settings/guest-mail?done=reminder-unchanged',
    );

    for (const bad of ['-1', 'soon', '1000000']) {
      const refused = await owner.submit('/app/settings/guest-mail/reminder', { guestReminderHours: bad });
      expect(refused.status, bad).toBe(422);
      expect(fieldError(refused.html, 'reminder-guestReminderHours').invalid, bad).toBe(true);
      expect(inputValue(refused.html, 'reminder-guestReminderHours')).toBe(bad);
    }
    expect((await getTenantProfile(t.deps, a.ctx)).settings.guestReminderHours).toBe(48);

    // Empty is the default again.
    await owner.submit('/app/settings/guest-mail/reminder', { guestReminderHours: '' });
    expect((await getTenantProfile(t.deps, a.ctx)).settings.guestReminderHours).toBeUndefined();
    expect((await getTenantProfile(t.deps, b.ctx)).settings.guestReminderHours).toBeUndefined();
  });

  it('refuses staff who are not owners, and changes nothing', async () => {
    const before = await templateOf(a, 'guest.confirmation');
    for (const path of ['/app/settings/guest-mail', CONFIRMATION]) expect((await staff.open(path)).status, path).toBe(403);
    expect((await staff.submit(CONFIRMATION, { action: 'save', subject: 'Staff wording', body: 'Nope.' })).status).toBe(403);
    expect((await staff.submit(`${CONFIRMATION}/reset`)).status).toBe(403);
    expect((await staff.submit('/app/settings/guest-mail/reminder', { guestReminderHours: '2' })).status).toBe(403);
    expect((await getTenantProfile(t.deps, a.ctx)).settings.guestReminderHours).toBeUndefined();
    expect(await templateOf(a, 'guest.confirmation')).toEqual(before);
  });
});
