/** Outgoing mail: one row per message Bosun means to send, with its delivery status, within one tenant. */
import { sql } from 'kysely';
import type { Queryable } from '../client';
import type { OutgoingMailStatus } from '../schema';
import type { AuditEntry } from './audit';

export type OutgoingMailRow = NonNullable<Awaited<ReturnType<typeof getOutgoingMailByKey>>>;

export async function getOutgoingMailByKey(q: Queryable, tenantId: string, dedupeKey: string) {
  return q
    .selectFrom('outgoing_mail')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('dedupe_key', '=', dedupeKey)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertOutgoingMail(
  q: Queryable,
  tenantId: string,
  m: {
    id: string;
    kind: string;
    dedupeKey: string;
    recipient: string;
    crewMemberId: string | null;
    bookingId: string | null;
    messageId: string;
    now: Date;
  },
) {
  return q
    .insertInto('outgoing_mail')
    .values({
      id: m.id,
      tenant_id: tenantId,
      kind: m.kind,
      dedupe_key: m.dedupeKey,
      recipient: m.recipient,
      crew_member_id: m.crewMemberId,
      booking_id: m.bookingId,
      message_id: m.messageId,
      created_at: m.now,
      updated_at: m.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records what the next attempt carries: its subject and the magic link in it. */
export async function updateOutgoingMailContent(
  q: Queryable,
  tenantId: string,
  id: string,
  c: { subject: string; magicLinkId: string | null; recipient: string; recipientName: string; now: Date },
) {
  await q
    .updateTable('outgoing_mail')
    .set({ subject: c.subject, magic_link_id: c.magicLinkId, recipient: c.recipient, recipient_name: c.recipientName, updated_at: c.now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * Inserts a mail that a request queued (status queued); nothing when the tenant has a mail with this
 * dedupe key already, unless that one was withdrawn (it is queued again). Returns the id of the row
 * queued, or undefined.
 */
export async function insertQueuedMail(
  q: Queryable,
  tenantId: string,
  m: {
    id: string;
    kind: string;
    dedupeKey: string;
    recipient: string;
    recipientName: string;
    bookingId: string | null;
    messageId: string;
    content: Record<string, unknown>;
    automatic: boolean;
    batchId: string | null;
    now: Date;
  },
): Promise<string | undefined> {
  const row = await q
    .insertInto('outgoing_mail')
    .values({
      id: m.id,
      tenant_id: tenantId,
      kind: m.kind,
      dedupe_key: m.dedupeKey,
      recipient: m.recipient,
      recipient_name: m.recipientName,
      crew_member_id: null,
      booking_id: m.bookingId,
      message_id: m.messageId,
      content: JSON.stringify(m.content),
      automatic: m.automatic,
      batch_id: m.batchId,
      created_at: m.now,
      updated_at: m.now,
    })
    // A mail withdrawn earlier and meant again (a charter moved away and back) is queued again, as itself.
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'dedupe_key'])
        .doUpdateSet((eb) => ({
          status: 'queued',
          error: null,
          recipient: eb.ref('excluded.recipient'),
          recipient_name: eb.ref('excluded.recipient_name'),
          content: eb.ref('excluded.content'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .where('outgoing_mail.status', '=', 'withdrawn'),
    )
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** The rows of a batch not sent yet, oldest first. */
export async function listUnsentBatchMail(q: Queryable, tenantId: string, batchId: string, limit: number) {
  return q
    .selectFrom('outgoing_mail')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('batch_id', '=', batchId)
    .where('status', 'in', ['queued', 'failed'])
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markOutgoingMailSent(q: Queryable, tenantId: string, id: string, s: { response: string; now: Date }) {
  const now = s.now;
  await q
    .updateTable('outgoing_mail')
    .set((eb) => ({
      status: 'sent',
      error: null,
      sent_at: now,
      updated_at: now,
      attempted_at: now,
      response: s.response,
      attempts: eb('attempts', '+', 1),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * `markOutgoingMailSent` and the audit entry that says so, in one statement: one round trip, and
 * atomic on its own (no transaction to open and commit around it). The entry is written only if the
 * row was.
 */
export async function markOutgoingMailSentAudited(
  q: Queryable,
  tenantId: string,
  id: string,
  s: { response: string; now: Date },
  entry: Omit<AuditEntry, 'before'>,
) {
  await sql`
    with sent as (
      update outgoing_mail
         set status = 'sent', error = null, sent_at = ${s.now}, updated_at = ${s.now}, attempted_at = ${s.now},
             response = ${s.response}, attempts = attempts + 1
       where tenant_id = ${tenantId} and id = ${id}
      returning id
    )
    insert into audit_log (tenant_id, actor_kind, actor_id, action, entity_type, entity_id, after)
    select ${tenantId}::uuid, ${entry.actor.kind}, ${entry.actor.id}, ${entry.action}, ${entry.entityType}, ${entry.entityId},
           ${entry.after === undefined ? null : JSON.stringify(entry.after)}::jsonb
      from sent
  `.execute(q);
}

/** Records a failed attempt; false when the mail was withdrawn meanwhile (it stays withdrawn). */
export async function markOutgoingMailFailed(q: Queryable, tenantId: string, id: string, error: string, now: Date): Promise<boolean> {
  const result = await q
    .updateTable('outgoing_mail')
    .set((eb) => ({ status: 'failed', error, updated_at: now, attempted_at: now, attempts: eb('attempts', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    // Withdrawn while the attempt was under way: it stays withdrawn, and no retry sends it.
    .where('status', '!=', 'withdrawn')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Withdraws one mail that no longer applies (found so when it was about to be rendered). */
export async function withdrawMail(q: Queryable, tenantId: string, id: string, reason: string, now: Date): Promise<void> {
  await q
    .updateTable('outgoing_mail')
    .set({ status: 'withdrawn', error: reason, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function listOutgoingMail(
  q: Queryable,
  tenantId: string,
  filter: {
    bookingId?: string | undefined;
    status?: OutgoingMailStatus | undefined;
    /** Only mail that took more than one attempt, or is queued again after one. */
    retried?: boolean | undefined;
    batchId?: string | undefined;
    limit: number;
  },
) {
  let query = q.selectFrom('outgoing_mail').selectAll().where('tenant_id', '=', tenantId);
  if (filter.bookingId) query = query.where('booking_id', '=', filter.bookingId);
  if (filter.batchId) query = query.where('batch_id', '=', filter.batchId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.retried)
    query = query.where((eb) => eb.or([eb('attempts', '>', 1), eb.and([eb('status', '=', 'queued'), eb('attempts', '>', 0)])]));
  return query.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
}

/** Whether any mail of these kinds about a booking went out to a crew member (with a matching dedupe key, if given). */
export async function hasSentCrewMail(
  q: Queryable,
  tenantId: string,
  m: { bookingId: string; crewMemberId: string; kinds: readonly string[]; dedupeKeyLike?: string },
): Promise<boolean> {
  let query = q
    .selectFrom('outgoing_mail')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', m.bookingId)
    .where('crew_member_id', '=', m.crewMemberId)
    .where('kind', 'in', [...m.kinds])
    .where('status', '=', 'sent');
  if (m.dedupeKeyLike) query = query.where('dedupe_key', 'like', m.dedupeKeyLike);
  const row = await query.limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function getOutgoingMailById(q: Queryable, tenantId: string, id: string) {
  return q.selectFrom('outgoing_mail').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** Mail `id` of the tenant, its row locked until the transaction ends. */
export async function lockOutgoingMail(q: Queryable, tenantId: string, id: string) {
  return q.selectFrom('outgoing_mail').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Puts a failed mail back in the queue (its attempts kept, its error cleared); returns the row as it is now. */
export async function requeueFailedMail(q: Queryable, tenantId: string, id: string, now: Date) {
  return q
    .updateTable('outgoing_mail')
    .set({ status: 'queued', error: null, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Withdraws a booking's automatic mail of `kinds` that is queued, so it never goes out; returns the ids
 * withdrawn. A send already under way holds its row locked until it has rendered, and this waits for
 * it. A failed one keeps its error for the office; should it be retried, its renderer finds it stale.
 */
export async function withdrawUnsentMail(
  q: Queryable,
  tenantId: string,
  w: { bookingId: string; kinds: readonly string[]; reason: string; now: Date },
): Promise<string[]> {
  const rows = await q
    .updateTable('outgoing_mail')
    .set({ status: 'withdrawn', error: w.reason, updated_at: w.now })
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', w.bookingId)
    .where('kind', 'in', [...w.kinds])
    .where('automatic', '=', true)
    .where('status', '=', 'queued')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** How many messages of batch `batchId` the tenant has, in any state. */
export async function countBatchMail(q: Queryable, tenantId: string, batchId: string): Promise<number> {
  const row = await q
    .selectFrom('outgoing_mail')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
