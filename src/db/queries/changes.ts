/**
 * Committed audit entries in stream order, for live updates (ADR 0019). An entry is final once every
 * transaction older than its own has ended (`txid` below the snapshot's xmin): no entry can then
 * appear before it, so a reader may pass it for good.
 */
import { type SelectQueryBuilder, sql } from 'kysely';
import type { Queryable } from '../client';
import type { Database } from '../schema';

/** A position in stream order: the writing transaction's id, then the entry's id. */
export type ChangeCursor = { txid: bigint; id: bigint };

export type ChangeRow = {
  tenant_id: string;
  txid: string;
  id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  actor_kind: string;
  actor_id: string | null;
  created_at: Date;
  /** The booking an entry concerns: its entity, or the booking a calendar entry names. */
  booking_id: string | null;
};

const after = (c: ChangeCursor) => sql<boolean>`(txid, id) > (${c.txid.toString()}::xid8, ${c.id.toString()}::bigint)`;
const isFinal = sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`;

function selectChanges(q: Queryable): SelectQueryBuilder<Database, 'audit_log', ChangeRow> {
  return q.selectFrom('audit_log').select([
    'tenant_id',
    sql<string>`txid::text`.as('txid'),
    'id',
    'action',
    'entity_type',
    'entity_id',
    'actor_kind',
    'actor_id',
    'created_at',
    // Only the booking id is read from `after`: the rest of it may hold contact details.
    sql<string | null>`case when entity_type in ('booking', 'event') then entity_id
        when entity_type = 'calendar_entry' then after->>'booking_id' end`.as('booking_id'),
  ]);
}

/** The tenant's final entries after `cursor`, oldest first, at most `limit`. */
export async function listFinalChanges(q: Queryable, tenantId: string, cursor: ChangeCursor, limit: number): Promise<ChangeRow[]> {
  return selectChanges(q)
    .where('tenant_id', '=', tenantId)
    .where(after(cursor))
    .where(isFinal)
    .orderBy('txid')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Every tenant's final entries after `cursor` (the process-wide live poller only), oldest first. */
export async function listFinalChangesOfAllTenants(q: Queryable, cursor: ChangeCursor, limit: number): Promise<ChangeRow[]> {
  return selectChanges(q).where(after(cursor)).where(isFinal).orderBy('txid').orderBy('id').limit(limit).execute();
}

/** Whether entries after `cursor` committed but are not final yet (an older transaction is still open). */
export async function hasPendingChanges(q: Queryable, cursor: ChangeCursor): Promise<boolean> {
  const row = await q
    .selectFrom('audit_log')
    .select(sql<number>`1`.as('one'))
    .where(after(cursor))
    .where(sql<boolean>`not (${isFinal})`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The cursor of "now": every final entry is at or before it. */
export async function getChangeWatermark(q: Queryable): Promise<ChangeCursor> {
  const { rows } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(q);
  return { txid: BigInt(rows[0]?.xmin ?? '0'), id: 0n };
}
