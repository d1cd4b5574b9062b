/** Stored first responses for `Idempotency-Key` retries, kept 24 hours, per tenant. */
import { sql } from 'kysely';
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

/**
 * Inserts the record, or replaces one of this key older than 24 hours, in one statement. False when
 * the key holds a live record (another request with this key came first): nothing is written.
 */
export async function insertIdempotencyRecord(
  q: Queryable,
  tenantId: string,
  r: { key: string; requestHash: string; status: number; body: unknown },
  now: Date,
): Promise<boolean> {
  const row = await q
    .insertInto('idempotency_records')
    .values({
      tenant_id: tenantId,
      key: r.key,
      request_hash: r.requestHash,
      status: r.status,
      body: JSON.stringify(r.body),
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'key'])
        .doUpdateSet((eb) => ({
          request_hash: eb.ref('excluded.request_hash'),
          status: eb.ref('excluded.status'),
          body: eb.ref('excluded.body'),
          // As the column's default on insert: the record lives 24 hours from now.
          created_at: sql<Date>`now()`,
        }))
        .where('idempotency_records.created_at', '<=', new Date(now.getTime() - IDEMPOTENCY_TTL_MS)),
    )
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}
