/**
 * The dashboard's keys page as an owner uses it: the operator's keys listed by prefix, a new key shown
 * once and working on the API at once, bad input refused next to its field with nothing stored, a
 * revocation confirmed first and then refused by the API; staff who are not owners refused every
 * keys route; and another operator's owner unable to revoke this operator's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys } from '../../src/services/keys';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { makeTenant } from '../support/factories';
import { formWithAction, textOf } from '../support/html';
import { signedInStaff } from '../support/staff-session';

const ORIGIN = 'http://localhost:8080';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let ownerA: string;
let staffA: string;
let ownerB: string;

async function open(path: string, cookie = ownerA) {
  const res = await app.request(path, { headers: { cookie } });
  return { res, html: await res.text() };
}

const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';

/** Posts a form with the token of the user's own Today page (every signed-in user has one). */
async function submit(action: string, fields: Record<string, string>, cookie = ownerA) {
  const page = await open('/app/today', cookie);
  const res = await app.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie },
    body: new URLSearchParams({ _csrf: csrfOf(page.html), ...fields }).toString(),
  });
  return { res, html: await res.text() };
}

/** Each API call names its own client address, so refused keys do not reach the failure limit. */
let clients = 0;
async function apiStatus(key: string): Promise<number> {
  const res = await app.request('/api/v1/bookings', { headers: { 'x-service-key': key, 'x-test-client': `198.51.100.${++clients}` } });
  await res.body?.cancel();
  return res.status;
}

/** The message shown next to `field`, with the field marked invalid and pointing at it. */
function errorNextTo(html: string, field: string): string {
  const input = new RegExp(`<(input|select)[^>]*id="${field}"[^>]*>`).exec(html)?.[0] ?? '';
  expect(input, `${field} is marked invalid`).toContain('aria-invalid="true"');
  expect(input).toContain(`aria-describedby="${field}-error"`);
  const message = new RegExp(`<p class="field-error" id="${field}-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
  if (message === undefined) throw new Error(`no error next to ${field}`);
  return textOf(message).trim();
}

/** The key shown once on the answer to a creation. */
const shownKey = (html: string) => /<code>(b(?:sk|dt)_[A-Za-z0-9_-]{20,})<\/code>/.exec(html)?.[1] ?? '';

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  ownerA = (await signedInStaff(t.deps, a.tenant.id, 'owner')).cookie;
  staffA = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  ownerB = (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie;
});

afterAll(async () => {
  await t.close();
});

describe('keys, for an owner', () => {
  it("lists the operator's keys by prefix and kind, never the key, and none of another operator's", async () => {
    const { res, html } = await open('/app/keys');
    expect(res.status).toBe(200);
    const text = textOf(html);
    expect(text).toContain(`${a.serviceKey.slice(0, 12)}… service bookings:read, bookings:write, events:write`);
    expect(text).toContain(`${a.dashboardToken.slice(0, 12)}… dashboard bookings:read, bookings:write, calendar:write`);
    expect(html).not.toContain(a.serviceKey);
    expect(html).not.toContain(a.dashboardToken);
    expect(html).not.toContain(b.serviceKey.slice(0, 12));
    for (const id of ['kind', 'label']) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain('<legend>Scopes');
  });

  it('creates a key, shows it once, and the key opens the API at once; the list then shows only its prefix', async () => {
    const { res, html } = await submit('/app/keys', { kind: 'service', label: 'Booking site' });
    expect(res.status).toBe(201);
    expect(textOf(html)).toContain('Copy the new key now');
    const key = shownKey(html);
    expect(key).toMatch(/^bsk_/);
    expect(await apiStatus(key)).toBe(200);

    const list = await open('/app/keys');
    expect(list.html).not.toContain(key);
    expect(textOf(list.html)).toContain(`${key.slice(0, 12)}… Booking site service bookings:read, bookings:write, events:write`);
    expect(textOf(list.html)).not.toContain('Copy the new key now');
  });

  it('creates a key with only the scopes ticked', async () => {
    const { res, html } = await submit('/app/keys', { kind: 'dashboard', 'scope:bookings:read': '1' });
    expect(res.status).toBe(201);
    const key = shownKey(html);
    expect(key).toMatch(/^bdt_/);
    const created = (await listKeys(t.deps, a.ctx)).find((k) => key.startsWith(k.prefix));
    expect(created?.scopes).toEqual(['bookings:read']);
  });

  it.each<[Record<string, string>, string, string]>([
    [{ kind: 'root' }, 'kind', 'Kind must be service or dashboard'],
    [{ kind: '' }, 'kind', 'Kind must be service or dashboard'],
    [{ kind: 'service', label: 'x'.repeat(101) }, 'label', 'Label must be at most 100 characters'],
    [{ kind: 'service', label: 'bell\u0007' }, 'label', 'Label must not contain control characters'],
  ])('refuses %j with 422, the message next to %s, what was typed kept, and stores nothing', async (fields, field, message) => {
    const before = await listKeys(t.deps, a.ctx);
    const writes = await countWrites(t);
    const { res, html } = await submit('/app/keys', fields);
    expect(res.status).toBe(422);
    expect(errorNextTo(html, field)).toMatch(new RegExp(`^${message}`));
    const summary = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(summary)).toContain(message);
    if (fields.label) expect(formWithAction(html, '/app/keys').fields.label).toBe(fields.label);
    expect(shownKey(html)).toBe('');
    expect(await listKeys(t.deps, a.ctx)).toEqual(before);
    expect(await countWrites(t)).toEqual(writes);
  });

  it('refuses a scope that is not one, next to the scopes', async () => {
    const before = await listKeys(t.deps, a.ctx);
    const { res, html } = await submit('/app/keys', { kind: 'service', 'scope:admin:all': '1', 'scope:bookings:read': '1' });
    expect(res.status).toBe(422);
    const message = /<p class="field-error" id="scopes-error">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
    expect(textOf(message)).toMatch(/^Scopes must be among bookings:read/);
    expect(html).toContain('<fieldset aria-describedby="scopes-error">');
    expect(await listKeys(t.deps, a.ctx)).toEqual(before);
  });

  it('revokes a key after a confirmation page; the API then answers it 401', async () => {
    const key = shownKey((await submit('/app/keys', { kind: 'service', label: 'Old site' })).html);
    const id = (await listKeys(t.deps, a.ctx)).find((k) => key.startsWith(k.prefix))?.id ?? '';
    const list = await open('/app/keys');
    expect(list.html).toContain(`<a href="/app/keys/${id}/revoke">Revoke…</a>`);

    const confirm = await open(`/app/keys/${id}/revoke`);
    expect(confirm.res.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Revoke this key?');
    expect(textOf(confirm.html)).toContain(`${key.slice(0, 12)}… (service, Old site) stops working at once`);
    const form = formWithAction(confirm.html, `/app/keys/${id}/revoke`);
    expect(form.method).toBe('post');
    // Opening the confirmation revokes nothing.
    expect(await apiStatus(key)).toBe(200);

    const done = await submit(form.action, {});
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toBe('/app/keys?revoked=1');
    expect(await apiStatus(key)).toBe(401);
    const after = await open('/app/keys?revoked=1');
    expect(textOf(after.html)).toContain('The key was revoked: it no longer opens the API.');
    expect(after.html).not.toContain(`href="/app/keys/${id}/revoke"`);
    expect(after.html).toContain('<span class="badge status-cancelled">revoked</span>');
    // The operator's other key still works.
    expect(await apiStatus(a.serviceKey)).toBe(200);
  });

  it('answers 404 to a revocation of a key id that is no key, or not a key id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-key-id']) {
      expect((await open(`/app/keys/${id}/revoke`)).res.status, `GET ${id}`).toBe(404);
      expect((await submit(`/app/keys/${id}/revoke`, {})).res.status, `POST ${id}`).toBe(404);
    }
  });
});

describe('keys, for anyone else', () => {
  it('refuses a staff user who is not an owner on every keys route (403), and changes nothing', async () => {
    const keys = await listKeys(t.deps, a.ctx);
    const writes = await countWrites(t);
    const id = a.serviceKeyId;
    for (const path of ['/app/keys', `/app/keys/${id}/revoke`]) {
      const { res, html } = await open(path, staffA);
      expect(res.status, `GET ${path}`).toBe(403);
      expect(textOf(html)).toContain('Only an owner of this operator can open this page.');
      expect(html).not.toContain(a.serviceKey.slice(0, 12));
    }
    for (const [path, fields] of [
      ['/app/keys', { kind: 'service', label: 'Sneaky' }],
      [`/app/keys/${id}/revoke`, {}],
    ] as const) {
      const { res } = await submit(path, fields, staffA);
      expect(res.status, `POST ${path}`).toBe(403);
    }
    expect(await listKeys(t.deps, a.ctx)).toEqual(keys);
    expect(await countWrites(t)).toEqual(writes);
    expect(await apiStatus(a.serviceKey)).toBe(200);
  });

  it('answers an owner of another operator 404 when revoking this operator’s key id, and the key still works', async () => {
    const keys = await listKeys(t.deps, a.ctx);
    const confirm = await open(`/app/keys/${a.serviceKeyId}/revoke`, ownerB);
    expect(confirm.res.status).toBe(404);
    expect(confirm.html).not.toContain(a.serviceKey.slice(0, 12));
    const { res } = await submit(`/app/keys/${a.serviceKeyId}/revoke`, {}, ownerB);
    expect(res.status).toBe(404);
    expect(await listKeys(t.deps, a.ctx)).toEqual(keys);
    expect(await apiStatus(a.serviceKey)).toBe(200);
    // Their own list shows their keys, none of this operator's.
    const theirs = await open('/app/keys', ownerB);
    expect(theirs.html).toContain(b.serviceKey.slice(0, 12));
    expect(theirs.html).not.toContain(a.serviceKey.slice(0, 12));
  });
});
