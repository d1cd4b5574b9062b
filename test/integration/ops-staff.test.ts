/**
 * The office's staff page, owners only: list, add, and deactivate behind a confirmation — which signs
 * the person out at once — never oneself nor the last owner; staff are refused, other tenants get 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { deactivateStaffUser, listStaff } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { type Browser, browserFor, fieldError, inputValue } from '../support/ops-pages';
import { addStaff, signedInStaff, staffCookie } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let owner: Browser;
let ownerId: string;
let staff: Browser;
let other: Browser;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  const o = await signedInStaff(t.deps, a.tenant.id, 'owner');
  ownerId = o.user.id;
  owner = browserFor(app, o.cookie);
  staff = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie);
});

afterAll(async () => {
  await t.close();
});

describe('staff', () => {
  it('lists the office with roles and status, and marks who is signed in', async () => {
    const page = await owner.open('/app/staff');
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('Olive Owner (you)');
    expect(text).toMatch(/Sam Staff staff-[0-9a-f]{8}@office\.test Staff Active/);
    expect(page.html).not.toContain(`href="/app/staff/${ownerId}/deactivate"`);
  });

  it('adds a staff user', async () => {
    const res = await owner.submit('/app/staff', { name: 'Nina New', email: 'nina@office.test', role: 'staff' });
    expect(res.status).toBe(303);
    expect(textOf((await owner.open(res.location ?? '')).html)).toContain('Nina New nina@office.test Staff Active');
    expect((await listStaff(t.deps, a.ctx)).find((u) => u.email === 'nina@office.test')).toMatchObject({ role: 'staff', active: true });
  });

  it('refuses a bad form beside its fields and stores nothing; a taken address is a conflict', async () => {
    const before = (await listStaff(t.deps, a.ctx)).length;
    const res = await owner.submit('/app/staff', { name: '', email: 'nope', role: 'boss' });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'add-name').message).toBe('must not be empty');
    expect(fieldError(res.html, 'add-email')).toEqual({ message: 'must be an e-mail address', invalid: true });
    expect(fieldError(res.html, 'add-role').message).toBe('must be owner or staff');
    expect(inputValue(res.html, 'add-email')).toBe('nope');
    const taken = await owner.submit('/app/staff', { name: 'Nina Again', email: 'NINA@office.test', role: 'staff' });
    expect(taken.status).toBe(409);
    expect(fieldError(taken.html, 'add-email').message).toBe('is taken');
    expect((await listStaff(t.deps, a.ctx)).length).toBe(before);
  });

  it('deactivates after a confirmation: the person is signed out at once', async () => {
    const leaving = await addStaff(t.deps, a.tenant.id, 'staff', 'leaving@office.test');
    const theirCookie = await staffCookie(t.deps, a.tenant.id, leaving.id);
    expect((await app.request('/app/today', { headers: { cookie: theirCookie } })).status).toBe(200);
    const confirm = await owner.open(`/app/staff/${leaving.id}/deactivate`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Are you sure you want to deactivate Sam Staff (leaving@office.test)?');
    expect((await app.request('/app/today', { headers: { cookie: theirCookie } })).status).toBe(200);
    const res = await owner.submit(`/app/staff/${leaving.id}/deactivate`);
    expect(res.status).toBe(303);
    expect(textOf((await owner.open(res.location ?? '')).html)).toContain('Deactivated: they were signed out');
    const after = await app.request('/app/today', { headers: { cookie: theirCookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/app/login');
    const audit = await listAudit(t.deps, a.ctx, { entityId: leaving.id });
    expect(audit.find((e) => e.action === 'staff.deactivated')?.after).toMatchObject({ active: false, sessions: 1 });
  });

  it('never lets an owner deactivate themselves, nor the last owner be deactivated', async () => {
    const self = await owner.submit(`/app/staff/${ownerId}/deactivate`);
    expect(self.status).toBe(409);
    expect(textOf(self.html)).toContain('You cannot deactivate yourself');
    // The operator (CLI) cannot take away the last owner either.
    const err = await deactivateStaffUser(t.deps, a.ctx, ownerId).catch((e: Error) => e);
    expect((err as Error).message).toContain('is the last owner');
    expect((await listStaff(t.deps, a.ctx)).find((u) => u.id === ownerId)?.active).toBe(true);
  });

  it('refuses the page and every action to staff who are not owners (403), changing nothing', async () => {
    const target = (await listStaff(t.deps, a.ctx)).find((u) => u.email === 'nina@office.test');
    for (const path of ['/app/staff', `/app/staff/${target?.id}/deactivate`]) expect((await staff.open(path)).status, path).toBe(403);
    expect((await staff.submit('/app/staff', { name: 'Sneaky', email: 'sneaky@office.test', role: 'owner' })).status).toBe(403);
    expect((await staff.submit(`/app/staff/${target?.id}/deactivate`)).status).toBe(403);
    expect((await listStaff(t.deps, a.ctx)).some((u) => u.email === 'sneaky@office.test')).toBe(false);
    expect((await listStaff(t.deps, a.ctx)).find((u) => u.id === target?.id)?.active).toBe(true);
    // The navigation does not offer the owners' pages to staff.
    expect((await staff.open('/app/today')).html).not.toContain('href="/app/staff"');
  });

  it('gives another tenant’s owner a 404 for this tenant’s staff', async () => {
    for (const path of [`/app/staff/${ownerId}/deactivate`, '/app/staff/zzz/deactivate']) expect((await other.open(path)).status).toBe(404);
    expect((await other.submit(`/app/staff/${ownerId}/deactivate`)).status).toBe(404);
    expect(textOf((await other.open('/app/staff')).html)).not.toContain('nina@office.test');
  });
});
