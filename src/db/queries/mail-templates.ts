/** Each tenant's own wording of a guest mail kind; a kind without a row uses Bosun's default. */
import type { Queryable } from '../client';

export async function listMailTemplates(q: Queryable, tenantId: string) {
  return q.selectFrom('mail_templates').selectAll().where('tenant_id', '=', tenantId).orderBy('kind').execute();
}

export async function getMailTemplate(q: Queryable, tenantId: string, kind: string) {
  return q.selectFrom('mail_templates').selectAll().where('tenant_id', '=', tenantId).where('kind', '=', kind).executeTakeFirst();
}

/** Stores the tenant's template of `kind`, replacing the one it had. */
export async function upsertMailTemplate(q: Queryable, tenantId: string, t: { kind: string; subject: string; body: string; now: Date }) {
  return q
    .insertInto('mail_templates')
    .values({ tenant_id: tenantId, kind: t.kind, subject: t.subject, body: t.body, updated_at: t.now })
    .onConflict((oc) => oc.columns(['tenant_id', 'kind']).doUpdateSet({ subject: t.subject, body: t.body, updated_at: t.now }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Removes the tenant's template of `kind` (the default applies again); true when there was one. */
export async function deleteMailTemplate(q: Queryable, tenantId: string, kind: string): Promise<boolean> {
  const rows = await q.deleteFrom('mail_templates').where('tenant_id', '=', tenantId).where('kind', '=', kind).returning('kind').execute();
  return rows.length > 0;
}
