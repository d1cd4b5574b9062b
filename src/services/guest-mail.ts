/**
 * Mail to guests (ADR 0022): what each kind of queued guest mail says, rendered when the outbox sends
 * it, from the guest view of its booking — never from a row, so no guest mail can carry money,
 * internal or crew notes, or crew contacts.
 */
import type { Tx } from '../db/client';
import type { OutgoingMailRow } from '../db/queries/mail';
import type { MailDeps, PreparedMail } from './mail';

/** Renders queued mail `row` for the outbox. Throws for a kind this installation does not know. */
export async function renderQueuedMail(_deps: MailDeps, _tx: Tx, row: OutgoingMailRow): Promise<PreparedMail> {
  throw new Error(`no renderer for mail kind ${row.kind}`);
}
