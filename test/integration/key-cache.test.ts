/**
 * The keys a process remembers (ADR 0035) never outlive a revocation: one made through `revokeKey`
 * counts at once, even for a look-up that was under way; one made by any other writer counts once the
 * entry lapses. A key that failed is never remembered, so a key created a moment later works at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyCache } from '../../src/services/key-cache';
import { authenticateKey, createKey, revokeKey } from '../../src/services/keys';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';

let t: TestDb;
let tenant: Awaited<ReturnType<typeof makeTenant>>;
const OPERATOR = { kind: 'operator' as const, id: 'test' };

beforeAll(async () => {
  t = await createTestDb();
  tenant = await makeTenant(t.deps, 'alpha');
});
afterAll(async () => {
  await t.close();
});

/** A cache whose time the test moves. */
function cacheAt(start = 0) {
  let now = start;
  const cache = new KeyCache({ ttlMs: 60_000, maxEntries: 100 }, () => now);
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('remembered keys', () => {
  it('refuses a key revoked through revokeKey on the next look-up, though it was remembered', async () => {
    const { cache } = cacheAt();
    const key = await createKey(t.deps, OPERATOR, tenant.tenant.id, { kind: 'service' });
    expect(await authenticateKey(t.deps.db, key.key, cache)).toMatchObject({ keyId: key.id });
    expect(await authenticateKey(t.deps.db, key.key, cache)).toMatchObject({ keyId: key.id });
    await revokeKey({ ...t.deps, keyCache: cache }, { tenantId: tenant.tenant.id, actor: OPERATOR }, { keyId: key.id });
    expect(await authenticateKey(t.deps.db, key.key, cache)).toBeNull();
  });

  it('does not remember what a look-up read if keys were forgotten while it was under way', async () => {
    const { cache } = cacheAt();
    const principal = { keyId: 'k', tenantId: tenant.tenant.id, kind: 'service' as const, scopes: ['bookings:read'] };
    // A look-up reads a key before a revocation commits and would store it after revokeKey forgot all.
    const began = cache.generation();
    cache.forget();
    cache.remember('digest', principal, began);
    expect(cache.get('digest')).toBeUndefined();
    cache.remember('digest', principal, cache.generation());
    expect(cache.get('digest')).toEqual(principal);
  });

  it('refuses a key revoked by another writer once its entry lapses, and never remembers a failure', async () => {
    const { cache, advance } = cacheAt();
    const key = await createKey(t.deps, OPERATOR, tenant.tenant.id, { kind: 'service' });
    expect(await authenticateKey(t.deps.db, key.key, cache)).toMatchObject({ keyId: key.id });
    // Another process (or an operator's SQL) revokes it: this one learns at the entry's end.
    await t.handle.executeSql('update api_keys set revoked_at = now() where id = $1', [key.id]);
    advance(60_001);
    expect(await authenticateKey(t.deps.db, key.key, cache)).toBeNull();
    await t.handle.executeSql('update api_keys set revoked_at = null where id = $1', [key.id]);
    expect(await authenticateKey(t.deps.db, key.key, cache)).toMatchObject({ keyId: key.id });
  });

  it("answers each key with its own tenant and scopes, never another key's", async () => {
    const { cache } = cacheAt();
    const other = await makeTenant(t.deps, 'bravo');
    const mine = await createKey(t.deps, OPERATOR, tenant.tenant.id, { kind: 'service', scopes: ['bookings:read'] });
    const theirs = await createKey(t.deps, OPERATOR, other.tenant.id, { kind: 'dashboard' });
    for (let i = 0; i < 2; i++) {
      expect(await authenticateKey(t.deps.db, mine.key, cache)).toEqual({
        keyId: mine.id,
        tenantId: tenant.tenant.id,
        kind: 'service',
        scopes: ['bookings:read'],
      });
      expect(await authenticateKey(t.deps.db, theirs.key, cache)).toMatchObject({ keyId: theirs.id, tenantId: other.tenant.id });
    }
    // A key that differs from a remembered one in its last character is looked up, and fails.
    const forged = `${mine.key.slice(0, -1)}${mine.key.endsWith('A') ? 'B' : 'A'}`;
    expect(await authenticateKey(t.deps.db, forged, cache)).toBeNull();
  });
});
