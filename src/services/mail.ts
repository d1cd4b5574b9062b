/**
 * Outgoing mail. Every message is recorded in `outgoing_mail` (recipient, kind, booking, status,
 * error) before it is handed to the mailer, and at most one message is sent per dedupe key: a job
 * that runs again after a crash or a failure sends only what was not sent yet (ADR 0011).
 * Only job handlers call `sendMailOnce`; a request never sends mail. A request that means to send
 * queues it instead (`queueMail`: the row, its audit entry and its job, in the request's own
 * transaction), and the `mail.send` job sends it (`sendQueuedMail`, ADR 0022). Header values
 * (subject, names, addresses) are made one line by `toHeaderText` before they are recorded or sent:
 * names stored before input validation may carry a CR/LF.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Tx } from '../db/client';
import { type AuditEntry, insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/mail';
import { getTenantById } from '../db/queries/tenants';
import type { OutgoingMailStatus } from '../db/schema';
import { toHeaderPhrase, toHeaderText } from '../domain/text';
import type { RenderedMail } from '../mail/layout';
import type { MailAttachment, Mailer } from '../ports/mailer';
import type { ServiceDeps, TenantContext } from './context';
import { ConflictError, NotFoundError } from './errors';
import { parseInput } from './parse-input';
import type { PendingWrites } from './pending-writes';

export type MailSettings = {
  mailer: Mailer;
  /** Base of links in mail (`BOSUN_PUBLIC_URL`), without a trailing slash. */
  publicUrl: string;
  /** The sender address; the tenant's name is the display name. */
  fromAddress: string;
};

export type MailDeps = ServiceDeps & { mail: MailSettings };

const MAIL_ACTOR = { kind: 'system' as const, id: 'mail' };

/**
 * A rendered message with what goes beside it: the files attached, and — when the renderer knows it
 * better than the queued row — the recipient (a booking's guest as the booking now names them).
 */
export type PreparedMail = RenderedMail & { attachments?: MailAttachment[]; to?: { name: string; address: string } };

/**
 * Thrown by a renderer when a queued mail no longer applies (its charter was cancelled, or departed
 * before a reminder could leave): the row is withdrawn with this reason instead of sent.
 */
export class MailWithdrawn extends Error {
  override name = 'MailWithdrawn';
}

export type MailSpec = {
  kind: string;
  /** Sent by Bosun on its own (default): `Auto-Submitted: auto-generated`. False for mail a person wrote. */
  automatic?: boolean;
  /** One message per key and tenant, e.g. `crew-notice:{booking}:{crew member}:v{version}:i{invited at}`. */
  dedupeKey: string;
  to: { name: string; address: string };
  crewMemberId: string | null;
  bookingId: string | null;
  /**
   * Renders the message, inside the transaction that records the attempt. `previousMagicLinkId` is
   * the link an earlier, failed attempt carried: it was never delivered, so it should be revoked.
   */
  prepare(tx: Tx, attempt: { previousMagicLinkId: string | null }): Promise<PreparedMail & { magicLinkId: string | null }>;
};

/**
 * A send that failed; the `outgoing_mail` row holds the same error. `permanent`: the receiving server
 * refused the recipient for good (SMTP 5xx to RCPT TO: an address it does not know), so sending it
 * again unchanged would fail the same way — it waits for a person (the mail log's "Send again").
 */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

/** The sender's tenant, as `sendMailOnce` reads it; a caller sending many messages reads it once and passes it. */
export type MailTenant = Pick<NonNullable<Awaited<ReturnType<typeof getTenantById>>>, 'id' | 'name' | 'settings'>;

/**
 * The sends under way in this process, by tenant and dedupe key. Mail jobs run several at a time
 * (jobs/register.ts), and two jobs may mean the same message (a booking changed twice at one
 * version, a batch retried while it runs): the second waits for the first and then finds it sent.
 */
const sending = new Map<string, Promise<unknown>>();

/**
 * Sends the message described by `spec` unless one with its dedupe key was sent already.
 * Returns `sent` or `already-sent`; on a delivery failure records it and throws MailDeliveryError.
 * `tenant`: the tenant when the caller has read it already (a batch reads it once).
 */
export async function sendMailOnce(
  deps: MailDeps,
  tenantId: string,
  spec: MailSpec,
  options: { tenant?: MailTenant } = {},
): Promise<'sent' | 'already-sent'> {
  const key = `${tenantId} ${spec.dedupeKey}`;
  for (let running = sending.get(key); running; running = sending.get(key)) await running.catch(() => {});
  const attempt = sendOnce(deps, tenantId, spec, options.tenant);
  sending.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (sending.get(key) === attempt) sending.delete(key);
  }
}

async function sendOnce(deps: MailDeps, tenantId: string, spec: MailSpec, known: MailTenant | undefined): Promise<'sent' | 'already-sent'> {
  const tenant = known?.id === tenantId ? known : await getTenantById(deps.db, tenantId);
  if (!tenant) throw new NotFoundError('Tenant');
  const prepared = await deps.db.transaction().execute(async (tx) => {
    const now = deps.clock.now();
    let row = await q.getOutgoingMailByKey(tx, tenantId, spec.dedupeKey);
    // Sent already, or withdrawn (it no longer applies): nothing to send.
    if (row?.status === 'sent' || row?.status === 'withdrawn') return null;
    if (!row) {
      const id = randomUUID();
      row = await q.insertOutgoingMail(tx, tenantId, {
        id,
        kind: spec.kind,
        dedupeKey: spec.dedupeKey,
        recipient: spec.to.address,
        crewMemberId: spec.crewMemberId,
        bookingId: spec.bookingId,
        messageId: messageIdFor(id, deps),
        now,
      });
    }
    let rendered: Awaited<ReturnType<MailSpec['prepare']>>;
    try {
      rendered = await spec.prepare(tx, { previousMagicLinkId: row.magic_link_id });
    } catch (err) {
      if (!(err instanceof MailWithdrawn)) throw err;
      await q.withdrawMail(tx, tenantId, row.id, err.message, now);
      await insertAuditEntry(tx, tenantId, mailAuditEntry('mail.withdrawn', row.id, spec));
      return null;
    }
    // The subject and recipient as they are sent are the ones recorded.
    const to = rendered.to ?? spec.to;
    const content = { ...rendered, to, subject: toHeaderPhrase(rendered.subject) };
    await q.updateOutgoingMailContent(tx, tenantId, row.id, {
      subject: content.subject,
      magicLinkId: content.magicLinkId,
      recipient: toHeaderText(to.address),
      recipientName: toHeaderText(to.name),
      now,
    });
    return { row, content };
  });
  if (!prepared) return 'already-sent';
  const { row, content } = prepared;
  const replyTo = replyAddress(tenant.settings.contactEmail);
  let response: string;
  try {
    ({ response } = await deps.mail.mailer.send({
      from: { name: toHeaderText(tenant.name), address: deps.mail.fromAddress },
      to: { name: toHeaderText(content.to.name), address: toHeaderText(content.to.address) },
      ...(replyTo ? { replyTo } : {}),
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: row.message_id,
      date: row.created_at,
      headers: { 'X-Bosun-Kind': spec.kind },
      automatic: spec.automatic ?? true,
      ...(content.attachments?.length ? { attachments: content.attachments } : {}),
    }));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const recorded = await deps.db.transaction().execute(async (tx) => {
      const marked = await q.markOutgoingMailFailed(tx, tenantId, row.id, reason.slice(0, 2000), deps.clock.now());
      if (marked) await insertAuditEntry(tx, tenantId, mailAuditEntry('mail.failed', row.id, spec));
      return marked;
    });
    // Withdrawn while it was being sent: it stays so, and nothing retries it.
    if (!recorded) return 'already-sent';
    throw new MailDeliveryError(`mail ${row.id} to ${content.to.address} failed: ${reason}`, isPermanentRefusal(err));
  }
  // One statement, its own transaction: the sooner `sent` is recorded, the narrower the window in
  // which a crash makes the retry send the message again (ADR 0022, "Exactly once").
  await q.markOutgoingMailSentAudited(
    deps.db,
    tenantId,
    row.id,
    { response: response.slice(0, 1000), now: deps.clock.now() },
    mailAuditEntry('mail.sent', row.id, spec),
  );
  return 'sent';
}

/**
 * The audit entry of a send's outcome, about the booking when the mail has one, else its crew member,
 * else the mail itself. It names the mail and its kind, never the address, the text or the error
 * (which may quote the address): those stay in `outgoing_mail`.
 */
function mailAuditEntry(action: 'mail.sent' | 'mail.failed' | 'mail.withdrawn', mailId: string, spec: MailSpec): AuditEntry {
  const entity = spec.bookingId
    ? { entityType: 'booking', entityId: spec.bookingId }
    : spec.crewMemberId
      ? { entityType: 'crew_member', entityId: spec.crewMemberId }
      : { entityType: 'mail', entityId: mailId };
  return {
    actor: MAIL_ACTOR,
    action,
    ...entity,
    after: { mail: mailId, kind: spec.kind, ...(spec.crewMemberId ? { crewMember: spec.crewMemberId } : {}) },
  };
}

export type OutgoingMailView = {
  id: string;
  kind: string;
  recipient: string;
  /** The recipient's display name, when the mail was queued with one. */
  recipientName: string | null;
  bookingId: string | null;
  subject: string;
  status: OutgoingMailStatus;
  attempts: number;
  error: string | null;
  /** The server's answer to the delivery that succeeded (SMTP: its reply line). */
  response: string | null;
  /** Sent by Bosun on its own (`Auto-Submitted`), or written by a person. */
  automatic: boolean;
  messageId: string;
  /** The message to many it belongs to, if any. */
  batchId: string | null;
  createdAt: string;
  /** The last delivery attempt, failed or not. */
  attemptedAt: string | null;
  sentAt: string | null;
  /** Whether the office can send it again by hand (`resendMail`): a failed mail the outbox queued. */
  resendable: boolean;
};

export const listOutgoingMailSchema = z.strictObject({
  bookingId: z
    .string()
    .regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id')
    .transform((v) => v.toUpperCase())
    .optional(),
  status: z.enum(['queued', 'sent', 'failed', 'withdrawn']).optional(),
  /** Only mail that took more than one attempt (or is queued again after a failed one). */
  retried: z.boolean().optional(),
  /** The messages of one message to many. */
  batchId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The caller's tenant's outgoing mail, newest first, for the dashboard and `bosun` commands. */
export async function listOutgoingMail(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  input: z.input<typeof listOutgoingMailSchema> = {},
): Promise<OutgoingMailView[]> {
  const filter = parseInput(listOutgoingMailSchema, input);
  const rows = await q.listOutgoingMail(deps.db, ctx.tenantId, {
    bookingId: filter.bookingId,
    status: filter.status,
    retried: filter.retried,
    batchId: filter.batchId,
    limit: filter.limit ?? 100,
  });
  return rows.map(outgoingMailView);
}

/** A recorded message as the office sees it: never its body. */
export function outgoingMailView(r: Awaited<ReturnType<typeof q.listOutgoingMail>>[number]): OutgoingMailView {
  return {
    id: r.id,
    kind: r.kind,
    recipient: r.recipient,
    recipientName: r.recipient_name,
    bookingId: r.booking_id,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    error: r.error,
    response: r.response,
    automatic: r.automatic,
    messageId: r.message_id,
    batchId: r.batch_id,
    createdAt: r.created_at.toISOString(),
    attemptedAt: r.attempted_at?.toISOString() ?? null,
    sentAt: r.sent_at?.toISOString() ?? null,
    resendable: isResendable(r),
  };
}

/** A failed mail that the outbox queued (it holds its `content`) can be queued again as it is. */
const isResendable = (r: Pick<q.OutgoingMailRow, 'status' | 'content'>) => r.status === 'failed' && r.content !== null;

/**
 * Why mail `row` cannot be sent again by hand, or null when it can. Crew and sign-in mail is rendered
 * by the job that sends it (a sign-in link is made anew each attempt), so that job is retried instead.
 */
function resendRefusal(r: Pick<q.OutgoingMailRow, 'status' | 'content'>): string | null {
  if (r.status === 'sent') return 'This message was sent already; it is never sent twice.';
  if (r.status === 'queued') return 'This message is queued and goes out shortly; it has not failed.';
  if (r.status === 'withdrawn') return 'This message was withdrawn because it no longer applies; it is not sent.';
  if (r.content === null)
    return 'Crew and sign-in mail is sent again by the job that sends it: retry that job on the Jobs page once the cause of the error is fixed.';
  return null;
}

/**
 * Sends failed mail `mailId` again by hand: in one transaction it goes back to queued, a
 * `mail.resend_requested` audit entry is written and a `mail.send` job is enqueued for it. Only a
 * failed mail the outbox queued qualifies. Errors: NotFoundError (none such in this tenant),
 * ConflictError (sent, still queued, or mail that its own job retries — the reason says which).
 */
export async function resendMail(
  deps: Pick<ServiceDeps, 'db' | 'jobs' | 'clock'>,
  ctx: TenantContext,
  mailId: string,
): Promise<OutgoingMailView> {
  if (!z.uuid().safeParse(mailId).success) throw new NotFoundError('The message');
  return deps.db.transaction().execute(async (tx) => {
    const row = await q.lockOutgoingMail(tx, ctx.tenantId, mailId);
    if (!row) throw new NotFoundError('The message');
    const refusal = resendRefusal(row);
    if (refusal) throw new ConflictError(refusal);
    const queued = await q.requeueFailedMail(tx, ctx.tenantId, row.id, deps.clock.now());
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'mail.resend_requested',
      ...(row.booking_id ? { entityType: 'booking', entityId: row.booking_id } : { entityType: 'mail', entityId: row.id }),
      after: { mail: row.id, kind: row.kind, attempts: row.attempts },
    });
    await deps.jobs.enqueue(tx, 'mail.send', { tenantId: ctx.tenantId, mailId: row.id, reason: 'resend' });
    return outgoingMailView(queued);
  });
}

const emailAddress = z.email().max(254);

/** The tenant's contact address as a Reply-To: one plain address, or none (never a list or a group). */
function replyAddress(contactEmail: string | undefined): string | null {
  if (!contactEmail) return null;
  const parsed = emailAddress.safeParse(toHeaderText(contactEmail));
  return parsed.success ? parsed.data : null;
}

/** A message's `Message-ID`: its row's id on the installation's own host (that of `BOSUN_PUBLIC_URL`). */
export function messageIdFor(id: string, deps: Pick<ServiceDeps, 'publicHost'>): string {
  const host = deps.publicHost.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
  return `<${id}@${host}>`;
}

/** What a request asks the outbox to send later: one message, described by `content`, to one recipient. */
export type QueuedMailSpec = {
  kind: string;
  dedupeKey: string;
  to: { name: string; address: string };
  bookingId: string | null;
  /** What the mail says as its sender wrote it; the renderer of `kind` reads it when the mail is sent. */
  content: Record<string, unknown>;
  automatic: boolean;
  /** Mail to many: the rows share the batch, and the caller enqueues one `mail.send` for the batch. */
  batchId?: string;
};

/**
 * Queues a message inside the caller's transaction: its `outgoing_mail` row (status queued), a
 * `mail.queued` audit entry and — unless it belongs to a batch — its `mail.send` job. All three
 * commit or none does. With `pending`, the entry and the job are added to it, for the caller to write
 * with its own (`writePending`). Returns the row's id, or null when a mail with this dedupe key exists
 * already (it is not queued twice).
 */
export async function queueMail(
  deps: Pick<ServiceDeps, 'jobs' | 'clock' | 'publicHost'>,
  tx: Tx,
  ctx: TenantContext,
  spec: QueuedMailSpec,
  pending?: PendingWrites,
): Promise<string | null> {
  const id = randomUUID();
  const queued = await q.insertQueuedMail(tx, ctx.tenantId, {
    id,
    kind: spec.kind,
    dedupeKey: spec.dedupeKey,
    recipient: toHeaderText(spec.to.address),
    recipientName: toHeaderText(spec.to.name),
    bookingId: spec.bookingId,
    messageId: messageIdFor(id, deps),
    content: spec.content,
    automatic: spec.automatic,
    batchId: spec.batchId ?? null,
    now: deps.clock.now(),
  });
  // A new row, or one withdrawn earlier and now queued again (it keeps its id and Message-ID).
  if (!queued) return null;
  const entry: AuditEntry = {
    actor: ctx.actor,
    action: 'mail.queued',
    ...(spec.bookingId ? { entityType: 'booking', entityId: spec.bookingId } : { entityType: 'mail', entityId: queued }),
    after: { mail: queued, kind: spec.kind, ...(spec.batchId ? { batch: spec.batchId } : {}) },
  };
  const job = { name: 'mail.send' as const, payload: { tenantId: ctx.tenantId, mailId: queued, reason: spec.kind } };
  if (pending) {
    pending.audit.push(entry);
    if (!spec.batchId) pending.jobs.push(job);
    return queued;
  }
  await insertAuditEntry(tx, ctx.tenantId, entry);
  if (!spec.batchId) await deps.jobs.enqueue(tx, job.name, job.payload);
  return queued;
}

/**
 * Renders a queued mail when it is sent, inside the transaction that records the attempt, from the
 * row (its kind, booking and `content`) and the data as it is then.
 */
export type QueuedMailRenderer = (tx: Tx, mail: q.OutgoingMailRow) => Promise<PreparedMail>;

/**
 * Sends queued mail `mailId` through `sendMailOnce` (once per row, whatever runs it again). Returns
 * `sent` or `already-sent`; throws MailDeliveryError when delivery failed (the row says why).
 */
export async function sendQueuedMail(
  deps: MailDeps,
  tenantId: string,
  mail: string | q.OutgoingMailRow,
  render: QueuedMailRenderer,
  options: { tenant?: MailTenant } = {},
): Promise<'sent' | 'already-sent'> {
  // A batch passes the rows it listed: sendMailOnce reads each again, locked, before it sends.
  const row = typeof mail === 'string' ? await q.getOutgoingMailById(deps.db, tenantId, mail) : mail;
  if (!row) throw new NotFoundError(`Mail ${String(mail)}`);
  if (row.status === 'sent' || row.status === 'withdrawn') return 'already-sent';
  return sendMailOnce(
    deps,
    tenantId,
    {
      kind: row.kind,
      automatic: row.automatic,
      dedupeKey: row.dedupe_key,
      to: { name: row.recipient_name ?? '', address: row.recipient },
      crewMemberId: row.crew_member_id,
      bookingId: row.booking_id,
      prepare: async (tx) => ({ ...(await render(tx, row)), magicLinkId: null }),
    },
    options,
  );
}

/** How many messages of a batch are in flight at once (the SMTP pool's connections are shared). */
export const BATCH_CONCURRENCY = 8;
const BATCH_PAGE = 200;

/**
 * Sends every unsent message of batch `batchId`, `concurrency` at a time, each once (`sendMailOnce`).
 * A failure does not stop the others; after the batch, MailDeliveryError names how many failed (the
 * job retries them; sent ones are skipped) — unless each was refused for good (`permanent`): those stay
 * failed in the mail log, and the batch ends. Once `signal` is aborted (the process is stopping) no
 * further message is begun: those under way finish and are recorded, and BatchInterrupted says the
 * rest wait for the job's next run. Any other error stops the batch the same way and is thrown.
 */
export async function sendQueuedBatch(
  deps: MailDeps,
  tenantId: string,
  batchId: string,
  render: QueuedMailRenderer,
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<{ sent: number; failed: number }> {
  const concurrency = options.concurrency ?? BATCH_CONCURRENCY;
  const tenant = await getTenantById(deps.db, tenantId);
  if (!tenant) throw new NotFoundError('Tenant');
  let sent = 0;
  const failed = new Set<string>();
  let retryable = 0;
  let broken: unknown = null;
  const halted = () => broken !== null || options.signal?.aborted === true;
  for (;;) {
    if (halted()) break;
    const page = (await q.listUnsentBatchMail(deps.db, tenantId, batchId, BATCH_PAGE + failed.size)).filter((r) => !failed.has(r.id));
    if (page.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < page.length && !halted()) {
        const row = page[next++];
        if (!row) return;
        try {
          if ((await sendQueuedMail(deps, tenantId, row, render, { tenant })) === 'sent') sent++;
        } catch (err) {
          if (!(err instanceof MailDeliveryError)) {
            broken ??= err;
            return;
          }
          failed.add(row.id);
          if (!err.permanent) retryable++;
        }
      }
    };
    // Every worker is awaited, even after one broke: nothing of the job runs on once it has ended.
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }
  if (broken !== null) throw broken;
  if (options.signal?.aborted) {
    // Stopped before the batch was seen through: only if something is left does the job run again.
    const left = (await q.listUnsentBatchMail(deps.db, tenantId, batchId, failed.size + 1)).filter((r) => !failed.has(r.id));
    if (left.length > 0) throw new BatchInterrupted(`batch ${batchId} paused: Bosun is stopping; the rest is sent after the restart`);
  }
  // Refused for good: recorded failed, for a person to look at; the job does not retry them.
  if (retryable > 0) throw new MailDeliveryError(`${retryable} message(s) of batch ${batchId} failed; the rest were sent`);
  return { sent, failed: failed.size };
}

/** A batch that stopped taking messages because its process is stopping; its job runs again. */
export class BatchInterrupted extends Error {
  override name = 'BatchInterrupted';
}

/** Whether a mailer's error is the server's final refusal of the recipient (`recipientRefused`, see the Mailer port). */
function isPermanentRefusal(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { recipientRefused?: unknown }).recipientRefused === true;
}
