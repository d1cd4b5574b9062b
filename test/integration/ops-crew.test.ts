/**
 * The crew roster in the dashboard as the office uses it: the list with its add form, a member's page,
 * edits, deactivation behind a confirmation and reactivation, a new sign-in link through the crew's
 * own job — and none of it reachable with another tenant's ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { createBooking } from '../../src/services/bookings';
import { listCrew } from '../../src/services/crew-members';
import { upsertEvent } from '../../src/services/events';
import { addCrewMember } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
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

const pendingLoginLinks = async (crewMemberId: string) =>
  (
    await t.handle.executeSql(`select count(*)::int as n from pgboss.job where name = 'crew.login-link' and data->>'crewMemberId' = $1`, [
      crewMemberId,
    ])
  ).rows[0]?.n;

describe('the roster', () => {
  it('lists every crew member with role, address, status and upcoming charters', async () => {
    const { booking } = await createBooking(t.deps, a.ctx, bookingInput() as never);
    await upsertEvent(t.deps, a.ctx, { booking_id: booking.id, crew: [{ crewId: a.captain.id, role: 'captain' }] });
    const page = await office.open('/app/crew');
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('Casey Captain Captain captain@alpha.test');
    expect(text).toMatch(/Casey Captain Captain captain@alpha\.test — Active 1/);
    expect(text).toMatch(/Dana Deckhand Crew deck@alpha\.test — Active 0/);
    expect(page.html).toContain(`href="/app/crew/${a.captain.id}"`);
    expect(text).not.toContain('beta');
  });

  it('adds a crew member and shows them in the list', async () => {
    const res = await office.submit('/app/crew', { name: 'Finn Fisher', email: 'finn@alpha.test', phone: '+1 619 555 0199', role: 'crew' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/app/crew?done=added');
    const page = await office.open(res.location ?? '');
    expect(textOf(page.html)).toContain('Crew member added.');
    expect(textOf(page.html)).toContain('Finn Fisher Crew finn@alpha.test +1 619 555 0199 Active');
  });

  it('refuses a bad form with each message beside its field, keeps what was typed, and stores nothing', async () => {
    const before = (await listCrew(t.deps, a.ctx, { includeDeactivated: true })).length;
    const res = await office.submit('/app/crew', { name: '  ', email: 'not-an-address', phone: '', role: 'admiral' });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'add-name')).toEqual({ message: 'must not be empty', invalid: true });
    expect(fieldError(res.html, 'add-email')).toEqual({ message: 'must be an e-mail address', invalid: true });
    expect(fieldError(res.html, 'add-role')).toEqual({ message: 'must be captain or crew', invalid: true });
    expect(fieldError(res.html, 'add-phone').message).toBeNull();
    expect(res.html).toContain('class="error-summary" role="alert"');
    expect(textOf(res.html)).toContain('E-mail address: must be an e-mail address');
    expect(inputValue(res.html, 'add-email')).toBe('not-an-address');
    expect((await listCrew(t.deps, a.ctx, { includeDeactivated: true })).length).toBe(before);
  });

  it('names a taken address as a conflict beside the e-mail field', async () => {
    const res = await office.submit('/app/crew', { name: 'Copy Cat', email: 'DECK@alpha.test', phone: '', role: 'crew' });
    expect(res.status).toBe(409);
    expect(fieldError(res.html, 'add-email')).toEqual({ message: 'is taken', invalid: true });
    expect(inputValue(res.html, 'add-name')).toBe('Copy Cat');
  });

  it('shows an empty state that says what to do next', async () => {
    const empty = await makeTenant(t.deps, 'gamma');
    for (const m of await listCrew(t.deps, empty.ctx)) {
      await t.deps.db.deleteFrom('crew_members').where('tenant_id', '=', empty.tenant.id).where('id', '=', m.id).execute();
    }
    const browser = browserFor(app, (await signedInStaff(t.deps, empty.tenant.id, 'staff')).cookie);
    const page = await browser.open('/app/crew');
    expect(page.html).toContain('class="empty"');
    expect(textOf(page.html)).toContain('No crew yet.');
    expect(textOf(page.html)).toContain('Add the first crew member');
  });
});

describe('one crew member', () => {
  it('edits name, address, phone and role, audited', async () => {
    const m = await addCrewMember(t.deps, a.ctx, { name: 'Edie Edit', email: 'edie@alpha.test', role: 'crew' });
    const page = await office.open(`/app/crew/${m.id}`);
    expect(page.status).toBe(200);
    expect(inputValue(page.html, 'edit-name')).toBe('Edie Edit');
    const res = await office.submit(`/app/crew/${m.id}`, {
      name: 'Edie Edwards',
      email: 'edie.e@alpha.test',
      phone: '+1 555',
      role: 'captain',
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/app/crew/${m.id}?done=saved`);
    const after = await office.open(res.location ?? '');
    expect(textOf(after.html)).toContain('Changes saved.');
    expect(inputValue(after.html, 'edit-email')).toBe('edie.e@alpha.test');
    const saved = (await listCrew(t.deps, a.ctx)).find((c) => c.id === m.id);
    expect(saved).toMatchObject({ name: 'Edie Edwards', email: 'edie.e@alpha.test', phone: '+1 555', role: 'captain' });
    const audit = await listAudit(t.deps, a.ctx, { entityId: m.id });
    expect(audit.some((e) => e.action === 'crew.updated')).toBe(true);
  });

  it('refuses a bad edit beside the field and changes nothing', async () => {
    const res = await office.submit(`/app/crew/${a.deckhand.id}`, {
      name: 'Dana Deckhand',
      email: 'captain@alpha.test',
      phone: '',
      role: 'crew',
    });
    expect(res.status).toBe(409);
    expect(fieldError(res.html, 'edit-email').message).toBe('is taken by another crew member');
    const bad = await office.submit(`/app/crew/${a.deckhand.id}`, {
      name: 'x'.repeat(201),
      email: 'deck@alpha.test',
      phone: '',
      role: 'crew',
    });
    expect(bad.status).toBe(422);
    expect(fieldError(bad.html, 'edit-name').message).toBe('must be at most 200 characters');
    expect((await listCrew(t.deps, a.ctx)).find((c) => c.id === a.deckhand.id)).toMatchObject({
      name: 'Dana Deckhand',
      email: 'deck@alpha.test',
    });
  });

  it('sends a new sign-in link through the crew.login-link job', async () => {
    const m = await addCrewMember(t.deps, a.ctx, { name: 'Link Lee', email: 'link@alpha.test', role: 'crew' });
    expect(await pendingLoginLinks(m.id)).toBe(0);
    const res = await office.submit(`/app/crew/${m.id}/link`);
    expect(res.status).toBe(303);
    expect(textOf((await office.open(res.location ?? '')).html)).toContain('A new sign-in link is on its way.');
    expect(await pendingLoginLinks(m.id)).toBe(1);
  });

  it('deactivates only after a confirmation page, then reactivates', async () => {
    const m = await addCrewMember(t.deps, a.ctx, { name: 'Gone Gale', email: 'gale@alpha.test', role: 'crew' });
    const member = await office.open(`/app/crew/${m.id}`);
    expect(member.html).toContain(`href="/app/crew/${m.id}/deactivate"`);
    const confirm = await office.open(`/app/crew/${m.id}/deactivate`);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Are you sure you want to deactivate Gone Gale');
    expect(confirm.html).toContain(`action="/app/crew/${m.id}/deactivate"`);
    // Opening the question changed nothing.
    expect((await listCrew(t.deps, a.ctx)).some((c) => c.id === m.id)).toBe(true);

    const done = await office.submit(`/app/crew/${m.id}/deactivate`);
    expect(done.status).toBe(303);
    const after = await office.open(done.location ?? '');
    expect(textOf(after.html)).toContain('Deactivated');
    expect(after.html).toContain(`action="/app/crew/${m.id}/reactivate"`);
    expect((await listCrew(t.deps, a.ctx)).some((c) => c.id === m.id)).toBe(false);
    // A deactivated member gets no link.
    expect((await office.submit(`/app/crew/${m.id}/link`)).status).toBe(409);

    const back = await office.submit(`/app/crew/${m.id}/reactivate`);
    expect(back.status).toBe(303);
    expect(textOf((await office.open(back.location ?? '')).html)).toContain('Reactivated');
    expect((await listCrew(t.deps, a.ctx)).some((c) => c.id === m.id)).toBe(true);
  });
});

describe('tenant isolation', () => {
  it('gives staff of another tenant a 404 for every page and action on this tenant’s crew, and changes nothing', async () => {
    const id = a.deckhand.id;
    for (const path of [`/app/crew/${id}`, `/app/crew/${id}/deactivate`, '/app/crew/not-a-uuid']) {
      const page = await other.open(path);
      expect(page.status, path).toBe(404);
    }
    for (const [path, fields] of [
      [`/app/crew/${id}`, { name: 'Hijacked', email: 'evil@beta.test', phone: '', role: 'crew' }],
      [`/app/crew/${id}/deactivate`, {}],
      [`/app/crew/${id}/reactivate`, {}],
      [`/app/crew/${id}/link`, {}],
    ] as const) {
      const res = await other.submit(path, fields);
      expect(res.status, path).toBe(404);
    }
    expect((await listCrew(t.deps, a.ctx)).find((c) => c.id === id)).toMatchObject({ name: 'Dana Deckhand', active: true });
    expect(await pendingLoginLinks(id)).toBe(0);
    expect(textOf((await other.open('/app/crew')).html)).not.toContain('deck@alpha.test');
  });
});
