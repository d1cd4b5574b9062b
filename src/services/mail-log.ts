/**
 * One message of the tenant's outgoing mail as the office reads it: the recorded fields, and — when
 * the mail folder holds it (no SMTP) — the message as it went out, parsed into its headers and its
 * text part. The HTML part is never shown in the dashboard: the `.eml` itself can be downloaded.
 */
import { simpleParser } from 'mailparser';
import { z } from 'zod';
import * as q from '../db/queries/mail';
import type { MailArchive } from '../ports/mailer';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError } from './errors';
import type { OutgoingMailView } from './mail';

/** A sent message as its recipient reads it: headers as one line each, and the plain-text body. */
export type ArchivedMessage = { from: string; to: string; subject: string; date: string | null; text: string };

async function findMail(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string) {
  const row = z.uuid().safeParse(id).success ? await q.getOutgoingMailById(deps.db, ctx.tenantId, id) : undefined;
  if (!row) throw new NotFoundError('The message');
  return row;
}

/** One outgoing message of the tenant, as recorded. Errors: NotFoundError (none such here). */
export async function getOutgoingMail(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string): Promise<OutgoingMailView> {
  const r = await findMail(deps, ctx, id);
  return {
    id: r.id,
    kind: r.kind,
    recipient: r.recipient,
    bookingId: r.booking_id,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    error: r.error,
    messageId: r.message_id,
    createdAt: r.created_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
  };
}

/** The bytes of the message as it went out, or null when the archive has none. Errors: NotFoundError. */
export async function readSentMessage(
  deps: Pick<ServiceDeps, 'db'> & { mailArchive?: MailArchive | undefined },
  ctx: TenantContext,
  id: string,
): Promise<Buffer | null> {
  const row = await findMail(deps, ctx, id);
  if (!deps.mailArchive) return null;
  // The mailer was given the row's creation time as the message's Date: the archive finds it by both.
  return deps.mailArchive.read({ date: row.created_at, messageId: row.message_id });
}

/** The message as it went out, parsed; null when the archive has none. Errors: NotFoundError. */
export async function readArchivedMessage(
  deps: Pick<ServiceDeps, 'db'> & { mailArchive?: MailArchive | undefined },
  ctx: TenantContext,
  id: string,
): Promise<ArchivedMessage | null> {
  const raw = await readSentMessage(deps, ctx, id);
  if (!raw) return null;
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true });
  const addresses = (a: typeof mail.from | typeof mail.to) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? ''));
  return {
    from: addresses(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    date: mail.date?.toISOString() ?? null,
    text: mail.text ?? '',
  };
}
