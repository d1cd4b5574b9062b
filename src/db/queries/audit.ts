/** The append-only audit log of one tenant. */
import type { CompiledQuery } from 'kysely';
import type { Queryable } from '../client';
import type { ActorKind } from '../schema';

export type Actor = { kind: ActorKind; id: string | null };

export type AuditEntry = { actor: Actor; action: string; entityType: string; entityId: string; before?: unknown; after?: unknown };

export async function insertAuditEntry(q: Queryable, tenantId: string, e: AuditEntry) {
  await insertAuditEntries(q, tenantId, [e]);
}

/** Several entries in one statement; their ids follow the order given. */
export async function insertAuditEntries(q: Queryable, tenantId: string, entries: readonly AuditEntry[]) {
  const statement = compileAuditEntries(q, tenantId, entries);
  if (statement) await q.executeQuery(statement);
}

/**
 * The statement `insertAuditEntries` runs, compiled but not run (undefined for no entries): a change
 * may send it with its jobs, in one statement (`JobQueue.enqueueAll`'s `alongside`, ADR 0035).
 */
export function compileAuditEntries(q: Queryable, tenantId: string, entries: readonly AuditEntry[]): CompiledQuery | undefined {
  if (entries.length === 0) return undefined;
  return q
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        tenant_id: tenantId,
        actor_kind: e.actor.kind,
        actor_id: e.actor.id,
        action: e.action,
        entity_type: e.entityType,
        entity_id: e.entityId,
        before: e.before === undefined ? null : JSON.stringify(e.before),
        after: e.after === undefined ? null : JSON.stringify(e.after),
      })),
    )
    .compile();
}

export async function listAuditEntries(q: Queryable, tenantId: string, filter: { entityId?: string; limit: number }) {
  let query = q.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenantId);
  if (filter.entityId) query = query.where('entity_id', '=', filter.entityId);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}
