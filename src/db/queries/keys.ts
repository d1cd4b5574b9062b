/** API keys: only a prefix and a SHA-256 digest are stored, never the key. */
import type { Queryable } from '../client';
import type { KeyKind } from '../schema';

export async function insertApiKey(
  q: Queryable,
  tenantId: string,
  k: { kind: KeyKind; prefix: string; hash: string; scopes: string[]; label: string | null },
) {
  return q
    .insertInto('api_keys')
    .values({ tenant_id: tenantId, kind: k.kind, prefix: k.prefix, hash: k.hash, scopes: k.scopes, label: k.label })
    .returning(['id', 'tenant_id', 'kind', 'prefix', 'scopes', 'label', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function listApiKeys(q: Queryable, tenantId: string) {
  return q
    .selectFrom('api_keys')
    .select(['id', 'kind', 'prefix', 'scopes', 'label', 'created_at', 'last_used_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute();
}

/** Candidates for a presented key, found by its public prefix (any tenant: the key names its tenant). */
export async function listApiKeysByPrefix(q: Queryable, prefix: string) {
  return q
    .selectFrom('api_keys')
    .select(['id', 'tenant_id', 'kind', 'hash', 'scopes', 'revoked_at'])
    .where('prefix', '=', prefix)
    .execute();
}

export async function getApiKey(q: Queryable, tenantId: string, keyId: string) {
  return q
    .selectFrom('api_keys')
    .select(['id', 'tenant_id', 'kind', 'prefix', 'scopes', 'label', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', keyId)
    .executeTakeFirst();
}

/**
 * The tenant that owns a key, in any tenant: only for the platform operator, who revokes a key by its
 * id alone (`bosun key revoke`) and is then held to that tenant like any other caller.
 */
export async function findTenantOfApiKey(q: Queryable, keyId: string): Promise<string | undefined> {
  const row = await q.selectFrom('api_keys').select('tenant_id').where('id', '=', keyId).executeTakeFirst();
  return row?.tenant_id;
}

export async function revokeApiKey(q: Queryable, tenantId: string, keyId: string, now: Date) {
  return q
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function touchApiKey(q: Queryable, tenantId: string, keyId: string, now: Date) {
  await q.updateTable('api_keys').set({ last_used_at: now }).where('tenant_id', '=', tenantId).where('id', '=', keyId).execute();
}
