/**
 * One message of the tenant's outgoing mail as the office reads it: the recorded fields, and — when
 * the mail folder holds it (no SMTP) — the message as it went out, parsed into its headers and its
 * text part. The HTML part is never shown in the dashboard: the `.eml` itself can be downloaded.
 */
import { z } from 'zod';
import * as q from '../db/queries/mail';
import type { MailArchive } from '../ports/mailer';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError } from './errors';
import { type OutgoingMailView, outgoingMailView } from './mail';

/** A sent message as its recipient reads it: headers as one line each, and the plain-text body. */
export type ArchivedMessage = {
  from: string;
  to: string;
  subject: string;
  date: string | null;
  /** The text part, its sign-in link tokens hidden. */
  text: string;
  /** Whether the message carries a personal sign-in link: then it is not handed out whole. */
  carriesSignInLink: boolean;
};

async function findMail(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string) {
  const row = z.uuid().safeParse(id).success ? await q.getOutgoingMailById(deps.db, ctx.tenantId, id) : undefined;
  if (!row) throw new NotFoundError('The message');
  return row;
}

/** One outgoing message of the tenant, as recorded. Errors: NotFoundError (none such here). */
export async function getOutgoingMail(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string): Promise<OutgoingMailView> {
  return outgoingMailView(await findMail(deps, ctx, id));
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

/** A personal sign-in link's token in a mail: `/app/login/{token}` or `/crew/login/{token}`. */
const SIGN_IN_LINK = /(\/(?:app|crew)\/login\/)[A-Za-z0-9_-]{16,}/g;

/**
 * The message as it went out, parsed; null when the archive has none. Errors: NotFoundError. A
 * sign-in link's token is hidden: it would let whoever reads the log sign in as the recipient.
 */
export async function readArchivedMessage(
  deps: Pick<ServiceDeps, 'db'> & { mailArchive?: MailArchive | undefined },
  ctx: TenantContext,
  id: string,
): Promise<ArchivedMessage | null> {
  const raw = await readSentMessage(deps, ctx, id);
  if (!raw) return null;
  // mailparser is loaded when the office first reads a message, not at every start (ADR 0029).
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true });
  const text = mail.text ?? '';
  const html = typeof mail.html === 'string' ? mail.html : '';
  const addresses = (a: typeof mail.from | typeof mail.to) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? ''));
  return {
    from: addresses(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    date: mail.date?.toISOString() ?? null,
    text: text.replace(SIGN_IN_LINK, '$1[personal link, hidden]'),
    carriesSignInLink: new RegExp(SIGN_IN_LINK.source).test(text) || new RegExp(SIGN_IN_LINK.source).test(html),
  };
}
