/** Stored first responses for `Idempotency-Key` retries, kept 24 hours, per tenant. */
import type { Queryable } from '../client';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export async function getIdempotencyRecord(q: Queryable, tenantId: string, key: string, now: Date) {
  return q
    .selectFrom('idempotency_records')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .where('created_at', '>', new Date(now.getTime() - IDEMPOTENCY_TTL_MS))
    .executeTakeFirst();
}

/** Inserts the record; replaces one older than 24 hours. */
export async function insertIdempotencyRecord(
  q: Queryable,
  tenantId: string,
  r: { key: string; requestHash: string; status: number; body: unknown },
  now: Date,
) {
  await q
    .deleteFrom('idempotency_records')
    .where('tenant_id', '=', tenantId)
    .where('key', '=', r.key)
    .where('created_at', '<=', new Date(now.getTime() - IDEMPOTENCY_TTL_MS))
    .execute();
  await q
    .insertInto('idempotency_records')
    .values({
      tenant_id: tenantId,
      key: r.key,
      request_hash: r.requestHash,
      status: r.status,
      body: JSON.stringify(r.body),
    })
    .execute();
}
