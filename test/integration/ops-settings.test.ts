/**
 * The operator's settings page, owners only: every setting round-trips through one form, a refused
 * form names each problem beside its field and writes nothing (not even the parts that were valid),
 * a reserved or taken guest domain is refused beside its field, and staff are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const FULL = {
  name: 'Alpha Sailing Co.',
  timezone: 'America/New_York',
  contactEmail: 'hello@alpha.example',
  contactPhone: '+1 619 555 0123',
  guestDomain: 'trips.alpha.example',
  accentColor: '#0B4F6C',
  logoUrl: '/logo.png',
  policies: 'No glass on deck\r\n\r\n  Full refund up to 48 hours before  ',
  whatToBring: 'Sunscreen\nA hat',
  checklist: 'Life jackets counted\nFuel checked',
  checklistOpensHours: '36',
  crewReminderHours: '12',
};

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

describe('settings', () => {
  it('shows the current settings in the form', async () => {
    const page = await owner.open('/app/settings');
    expect(page.status).toBe(200);
    expect(inputValue(page.html, 'settings-name')).toBe('alpha Charters');
    expect(inputValue(page.html, 'settings-timezone')).toBe('America/Los_Angeles');
    expect(inputValue(page.html, 'settings-guestDomain')).toBe('alpha.localhost');
    expect(page.html).toContain('<legend>Crew</legend>');
  });

  it('saves every setting from one form, and shows them again', async () => {
    const res = await owner.submit('/app/settings', FULL);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/app/settings?done=moved');
    const p = await getTenantProfile(t.deps, a.ctx);
    expect(p).toMatchObject({ name: 'Alpha Sailing Co.', timezone: 'America/New_York', guestDomain: 'trips.alpha.example' });
    expect(p.settings).toEqual({
      contactEmail: 'hello@alpha.example',
      contactPhone: '+1 619 555 0123',
      accentColor: '#0b4f6c',
      logoUrl: '/logo.png',
      policies: ['No glass on deck', 'Full refund up to 48 hours before'],
      whatToBring: ['Sunscreen', 'A hat'],
      checklist: ['Life jackets counted', 'Fuel checked'],
      checklistOpensHours: 36,
      crewReminderHours: 12,
    });
    const page = await owner.open(res.location ?? '');
    expect(textOf(page.html)).toContain('The guest site moved');
    // No worker runs here: the old domain's cleanup is still pending, and the page says so.
    expect(textOf(page.html)).toContain('The old domain alpha.localhost is being cleaned up: its guest pages are being removed');
    expect(page.html).toContain('Sunscreen\nA hat</textarea>');
    expect(inputValue(page.html, 'settings-crewReminderHours')).toBe('12');

    // Empty fields go back to their defaults; the same form again changes nothing.
    const cleared = await owner.submit('/app/settings', {
      ...FULL,
      contactPhone: '',
      accentColor: '',
      checklist: '',
      crewReminderHours: '',
    });
    expect(cleared.location).toBe('/app/settings?done=saved');
    const after = (await getTenantProfile(t.deps, a.ctx)).settings;
    expect(after.contactPhone).toBeUndefined();
    expect(after.checklist).toBeUndefined();
    expect(after.crewReminderHours).toBeUndefined();
    const again = await owner.submit('/app/settings', { ...FULL, contactPhone: '', accentColor: '', checklist: '', crewReminderHours: '' });
    expect(again.location).toBe('/app/settings?done=unchanged');
  });

  it('names each problem beside its field, keeps what was typed, and writes nothing', async () => {
    const before = await getTenantProfile(t.deps, a.ctx);
    const res = await owner.submit('/app/settings', {
      ...FULL,
      name: 'Renamed But Refused',
      timezone: 'Nowhere/Land',
      contactEmail: 'not mail',
      accentColor: 'blue',
      logoUrl: 'https://tracker.example/logo.png',
      policies: `ok\n${'x'.repeat(501)}`,
      crewReminderHours: '-1',
      guestDomain: 'trips.alpha.example',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'settings-timezone')).toEqual({
      message: 'must be an IANA time zone like America/Los_Angeles',
      invalid: true,
    });
    expect(fieldError(res.html, 'settings-contactEmail').message).toBe('must be an e-mail address');
    expect(fieldError(res.html, 'settings-accentColor').message).toBe('must be a colour like #0b4f6c');
    expect(fieldError(res.html, 'settings-logoUrl').message).toMatch(/^must be an inline image/);
    expect(fieldError(res.html, 'settings-policies').message).toBe('line 2 must be at most 500 characters');
    expect(fieldError(res.html, 'settings-crewReminderHours').message).toBe('must not be negative');
    expect(res.html).toContain('class="error-summary" role="alert"');
    expect(inputValue(res.html, 'settings-name')).toBe('Renamed But Refused');
    expect(await getTenantProfile(t.deps, a.ctx)).toEqual(before);
  });

  it('refuses a reserved or another tenant’s guest domain beside its field, and writes nothing else', async () => {
    const before = await getTenantProfile(t.deps, a.ctx);
    const reserved = await owner.submit('/app/settings', { ...FULL, name: 'Not Saved', guestDomain: 'localhost' });
    expect(reserved.status).toBe(422);
    expect(fieldError(reserved.html, 'settings-guestDomain').invalid).toBe(true);
    const taken = await owner.submit('/app/settings', { ...FULL, name: 'Not Saved', guestDomain: 'beta.localhost' });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, 'settings-guestDomain').message).toBe('is taken');
    // The site's own former domain, still being cleaned up, is refused too.
    const cleaning = await owner.submit('/app/settings', { ...FULL, name: 'Not Saved', guestDomain: 'alpha.localhost' });
    expect(cleaning.status).toBe(409);
    expect(fieldError(cleaning.html, 'settings-guestDomain').message).toBe('is being cleaned up');
    expect(await getTenantProfile(t.deps, a.ctx)).toEqual(before);
    expect((await getTenantProfile(t.deps, b.ctx)).guestDomain).toBe('beta.localhost');
  });

  it('refuses the page and the form to staff who are not owners (403)', async () => {
    expect((await staff.open('/app/settings')).status).toBe(403);
    const res = await staff.submit('/app/settings', { ...FULL, name: 'Staff Rename' });
    expect(res.status).toBe(403);
    expect((await getTenantProfile(t.deps, a.ctx)).name).not.toBe('Staff Rename');
  });
});
