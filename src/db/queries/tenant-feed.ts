/** The generation of a tenant's staff calendar feed: its URL is signed with it, so a new one ends the old URL. */
import { sql } from 'kysely';
import type { Queryable } from '../client';

/** The tenant's feed generation; 1 until its first reset. */
export async function getTenantFeedGeneration(q: Queryable, tenantId: string): Promise<number> {
  const row = await q.selectFrom('tenant_calendar_feeds').select('generation').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.generation ?? 1;
}

/** Moves the tenant's feed to its next generation and returns it. */
export async function bumpTenantFeedGeneration(q: Queryable, tenantId: string, now: Date): Promise<number> {
  const row = await q
    .insertInto('tenant_calendar_feeds')
    .values({ tenant_id: tenantId, generation: 2, reset_at: now })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ generation: sql`tenant_calendar_feeds.generation + 1`, reset_at: now }))
    .returning('generation')
    .executeTakeFirstOrThrow();
  return row.generation;
}
