/**
 * API keys: service keys (`bsk_…`) and dashboard tokens (`bdt_…`), 256 random bits each, scoped,
 * per tenant. Only a public prefix and the SHA-256 digest are stored; a presented key is checked by
 * comparing digests in constant time. The key itself is returned once, at creation.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/keys';
import type { KeyKind } from '../db/schema';
import type { Actor, ServiceDeps, TenantContext } from './context';
import { NotFoundError } from './errors';
import type { KeyCache, Principal } from './key-cache';
import { parseInput } from './parse-input';
import { digestOf, newSecret, sameDigest } from './secrets';
import { singleLine } from './text-fields';

export type { Principal };

export const SCOPES = ['bookings:read', 'bookings:write', 'events:write', 'calendar:write'] as const;
export type Scope = (typeof SCOPES)[number];

const DEFAULT_SCOPES: Record<KeyKind, Scope[]> = {
  service: ['bookings:read', 'bookings:write', 'events:write'],
  dashboard: ['bookings:read', 'bookings:write', 'calendar:write'],
};
const KIND_PREFIX: Record<KeyKind, string> = { service: 'bsk_', dashboard: 'bdt_' };
/** The stored, displayable start of a key: the kind marker and 8 characters. */
const PREFIX_LENGTH = 12;

export const createKeySchema = z.strictObject({
  kind: z.enum(['service', 'dashboard'], { error: 'must be service or dashboard' }),
  scopes: z
    .array(z.enum(SCOPES, { error: `must be among ${SCOPES.join(', ')}` }))
    .min(1)
    .optional(),
  label: singleLine(100).optional(),
});

/** Creates a key for a tenant; the returned `key` is never stored or shown again. */
export async function createKey(deps: Pick<ServiceDeps, 'db'>, actor: Actor, tenantId: string, input: z.infer<typeof createKeySchema>) {
  const key = KIND_PREFIX[input.kind] + newSecret();
  const scopes = [...new Set(input.scopes ?? DEFAULT_SCOPES[input.kind])];
  return deps.db.transaction().execute(async (tx) => {
    const row = await q.insertApiKey(tx, tenantId, {
      kind: input.kind,
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: digestOf(key).toString('hex'),
      scopes,
      label: input.label ?? null,
    });
    await insertAuditEntry(tx, tenantId, {
      actor,
      action: 'key.created',
      entityType: 'key',
      entityId: row.id,
      after: { kind: row.kind, prefix: row.prefix, scopes: row.scopes, label: row.label },
    });
    return { key, id: row.id, kind: row.kind, prefix: row.prefix, scopes: row.scopes, label: row.label };
  });
}

export type KeyView = {
  id: string;
  kind: KeyKind;
  prefix: string;
  scopes: string[];
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

/** The caller's tenant's keys, oldest first (revoked ones too, marked). */
export async function listKeys(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<KeyView[]> {
  const rows = await q.listApiKeys(deps.db, ctx.tenantId);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    prefix: r.prefix,
    scopes: r.scopes,
    label: r.label,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

export const revokeKeySchema = z.strictObject({ keyId: z.uuid('must be a key id (a UUID)') });

/**
 * Revokes one of the caller's tenant's keys; it fails at once on the next request. Revoking twice is
 * harmless. A key of another tenant is a NotFoundError, exactly as a key that does not exist.
 */
export async function revokeKey(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'keyCache'>,
  ctx: TenantContext,
  input: z.input<typeof revokeKeySchema>,
) {
  const { keyId } = parseInput(revokeKeySchema, input);
  // Forgotten before (a look-up under way stores nothing) and after the commit (nothing read since stays).
  deps.keyCache?.forget();
  try {
    return await revokeKeyInTransaction(deps, ctx, keyId);
  } finally {
    deps.keyCache?.forget();
  }
}

async function revokeKeyInTransaction(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext, keyId: string) {
  return deps.db.transaction().execute(async (tx) => {
    const key = await q.getApiKey(tx, ctx.tenantId, keyId);
    if (!key) throw new NotFoundError(`Key ${keyId}`);
    const changed = await q.revokeApiKey(tx, ctx.tenantId, keyId, deps.clock.now());
    if (changed.numUpdatedRows > 0n) {
      await insertAuditEntry(tx, ctx.tenantId, { actor: ctx.actor, action: 'key.revoked', entityType: 'key', entityId: keyId });
    }
    return { id: keyId, prefix: key.prefix, revoked: true };
  });
}

/**
 * Which tenant owns a key, for the platform operator only (`bosun key revoke <key-id>` names no
 * tenant). NotFoundError when no tenant does; ValidationError when `keyId` is no key id.
 */
export async function findTenantOfKey(deps: Pick<ServiceDeps, 'db'>, input: z.input<typeof revokeKeySchema>): Promise<string> {
  const { keyId } = parseInput(revokeKeySchema, input);
  const tenantId = await q.findTenantOfApiKey(deps.db, keyId);
  if (!tenantId) throw new NotFoundError(`Key ${keyId}`);
  return tenantId;
}

/** The kind a presented key claims by its marker (`bsk_` or `bdt_`), or null for neither. */
export function keyKindOf(presented: string): KeyKind | null {
  if (presented.startsWith(KIND_PREFIX.service)) return 'service';
  if (presented.startsWith(KIND_PREFIX.dashboard)) return 'dashboard';
  return null;
}

/**
 * Finds the live key a request presents, or null. Digests are compared in constant time. With
 * `cache` (the embedded database's owner only), a key found before is not looked up again.
 */
export async function authenticateKey(db: Db, presented: string, cache?: KeyCache): Promise<Principal | null> {
  if (presented.length < PREFIX_LENGTH || presented.length > 200) return null;
  const actual = digestOf(presented);
  const cacheKey = cache ? actual.toString('hex') : '';
  const remembered = cache?.get(cacheKey);
  if (remembered) return remembered;
  const generation = cache?.generation() ?? 0;
  const candidates = await q.listApiKeysByPrefix(db, presented.slice(0, PREFIX_LENGTH));
  let found: Principal | null = null;
  for (const c of candidates) {
    if (sameDigest(c.hash, actual) && c.revoked_at === null) {
      found = { keyId: c.id, tenantId: c.tenant_id, kind: c.kind, scopes: c.scopes };
    }
  }
  if (found) cache?.remember(cacheKey, found, generation);
  return found;
}

/** Records when a key was last used (at most once a minute per key, to spare the database). */
const lastTouched = new Map<string, number>();
export async function recordKeyUse(deps: Pick<ServiceDeps, 'db' | 'clock'>, principal: Principal) {
  const now = deps.clock.now();
  const previous = lastTouched.get(principal.keyId);
  if (previous !== undefined && now.getTime() - previous < 60_000) return;
  lastTouched.set(principal.keyId, now.getTime());
  await q.touchApiKey(deps.db, principal.tenantId, principal.keyId, now);
}
