/**
 * The fleet in the dashboard: vessels listed with their details, added and edited through forms with
 * the service's own validation beside each field, and no page or action on another tenant's vessel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { listVessels } from '../../src/services/tenants';
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
let office: Browser;
let other: Browser;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  office = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie);
});

afterAll(async () => {
  await t.close();
});

const vessel = async (slug: string) => (await listVessels(t.deps, a.ctx)).find((v) => v.slug === slug);

describe('vessels', () => {
  it('lists the fleet with capacity, meeting point, zone and turnaround, and offers the tenant’s zone for a new one', async () => {
    const page = await office.open('/app/vessels');
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain('Jada jada 12 Dock C America/Los_Angeles 0 min');
    expect(page.html).toContain(`href="/app/vessels/${a.vessel.id}"`);
    expect(inputValue(page.html, 'add-timezone')).toBe('America/Los_Angeles');
  });

  it('adds a vessel', async () => {
    const res = await office.submit('/app/vessels', {
      slug: 'sea-breeze',
      name: 'Sea Breeze',
      capacity: '20',
      meetingPoint: 'Pier 7',
      timezone: 'America/New_York',
      turnaroundMinutes: '45',
    });
    expect(res.status).toBe(303);
    expect(textOf((await office.open(res.location ?? '')).html)).toContain('Sea Breeze sea-breeze 20 Pier 7 America/New_York 45 min');
    expect(await vessel('sea-breeze')).toMatchObject({ capacity: 20, turnaroundMinutes: 45 });
  });

  it('refuses bad fields beside each, keeps what was typed, stores nothing; a taken short name is a conflict', async () => {
    const before = (await listVessels(t.deps, a.ctx)).length;
    const res = await office.submit('/app/vessels', {
      slug: 'Bad Slug',
      name: '',
      capacity: '0',
      meetingPoint: '',
      timezone: 'Mars/Olympus',
      turnaroundMinutes: '-5',
    });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'add-slug')).toEqual({ message: 'must be lower-case letters, digits and dashes', invalid: true });
    expect(fieldError(res.html, 'add-name').message).toBe('must not be empty');
    expect(fieldError(res.html, 'add-capacity').message).toBe('must be at least 1');
    expect(fieldError(res.html, 'add-timezone').message).toBe('must be an IANA time zone like America/Los_Angeles');
    expect(fieldError(res.html, 'add-turnaroundMinutes').message).toBe('must not be negative');
    expect(inputValue(res.html, 'add-timezone')).toBe('Mars/Olympus');
    expect((await listVessels(t.deps, a.ctx)).length).toBe(before);

    const taken = await office.submit('/app/vessels', {
      slug: 'jada',
      name: 'Jada II',
      capacity: '6',
      meetingPoint: '',
      timezone: 'UTC',
      turnaroundMinutes: '0',
    });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, 'add-slug').message).toBe('is taken');
  });

  it('edits a vessel, audited; a bad edit changes nothing', async () => {
    const page = await office.open(`/app/vessels/${a.vessel.id}`);
    expect(page.status).toBe(200);
    expect(inputValue(page.html, 'edit-meetingPoint')).toBe('Dock C');
    const bad = await office.submit(`/app/vessels/${a.vessel.id}`, {
      name: 'Jada',
      capacity: 'lots',
      meetingPoint: 'Dock C',
      timezone: 'America/Los_Angeles',
      turnaroundMinutes: '99999',
    });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.html, 'edit-capacity').message).toBe('must be a number');
    expect(fieldError(bad.html, 'edit-turnaroundMinutes').message).toMatch(/^must be at most \d+ minutes$/);
    expect(await vessel('jada')).toMatchObject({ capacity: 12, turnaroundMinutes: 0 });

    const res = await office.submit(`/app/vessels/${a.vessel.id}`, {
      name: 'Jada Grande',
      capacity: '14',
      meetingPoint: 'Dock D, slip 4',
      timezone: 'America/Los_Angeles',
      turnaroundMinutes: '30',
    });
    expect(res.status).toBe(303);
    expect(textOf((await office.open(res.location ?? '')).html)).toContain('Changes saved.');
    expect(await vessel('jada')).toMatchObject({
      name: 'Jada Grande',
      capacity: 14,
      meetingPoint: 'Dock D, slip 4',
      turnaroundMinutes: 30,
    });
    const audit = await listAudit(t.deps, a.ctx, { entityId: a.vessel.id });
    expect(audit.some((e) => e.action === 'vessel.updated')).toBe(true);
  });

  it('shows an empty state that says what to do next', async () => {
    const empty = await makeTenant(t.deps, 'gamma');
    await t.deps.db.deleteFrom('vessels').where('tenant_id', '=', empty.tenant.id).execute();
    const browser = browserFor(app, (await signedInStaff(t.deps, empty.tenant.id, 'staff')).cookie);
    const page = await browser.open('/app/vessels');
    expect(page.html).toContain('class="empty"');
    expect(textOf(page.html)).toContain('No vessels yet.');
  });

  it('gives staff of another tenant a 404 for this tenant’s vessel, and changes nothing', async () => {
    expect((await other.open(`/app/vessels/${a.vessel.id}`)).status).toBe(404);
    expect((await other.open('/app/vessels/nope')).status).toBe(404);
    const res = await other.submit(`/app/vessels/${a.vessel.id}`, {
      name: 'Stolen',
      capacity: '1',
      meetingPoint: '',
      timezone: 'UTC',
      turnaroundMinutes: '0',
    });
    expect(res.status).toBe(404);
    expect((await vessel('jada'))?.name).not.toBe('Stolen');
    expect(textOf((await other.open('/app/vessels')).html)).not.toContain('Jada Grande');
  });
});
