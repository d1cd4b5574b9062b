/** Reading the audit trail: who (key, staff, crew member, system, operator) changed what, and when. */
import { listAuditEntries } from '../db/queries/audit';
import type { ServiceDeps } from './context';

export async function listAudit(deps: Pick<ServiceDeps, 'db'>, tenantId: string, filter: { entityId?: string; limit?: number }) {
  const rows = await listAuditEntries(deps.db, tenantId, {
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
    limit: filter.limit ?? 200,
  });
  return rows.map((r) => ({
    at: r.created_at.toISOString(),
    actor: r.actor_id ? `${r.actor_kind}:${r.actor_id}` : r.actor_kind,
    action: r.action,
    entity: `${r.entity_type}:${r.entity_id}`,
    before: r.before,
    after: r.after,
  }));
}
