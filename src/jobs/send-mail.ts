/**
 * Job `mail.send`: sends mail that a request queued in `outgoing_mail` — one message, or every unsent
 * message of a batch (a message to many guests). Idempotent: a sent row is never sent again. A message
 * the server refused for good (SMTP 5xx) stays failed in the mail log and is not retried.
 */
import { z } from 'zod';
import type { MailJobPayload } from '../ports/job-queue';
import { newGuestMailMemo, renderQueuedMail } from '../services/guest-mail';
import { MailDeliveryError, type MailDeps, sendQueuedBatch, sendQueuedMail } from '../services/mail';

export const mailJobPayload = z
  .object({ tenantId: z.uuid(), mailId: z.uuid().optional(), batchId: z.uuid().optional(), reason: z.string() })
  .refine((p) => (p.mailId === undefined) !== (p.batchId === undefined), 'names a mail or a batch');

export async function handleSendMail(deps: MailDeps, payload: MailJobPayload, signal?: AbortSignal): Promise<void> {
  const p = mailJobPayload.parse(payload);
  // The tenant and its guest site are read once per job: once for a whole batch.
  const memo = newGuestMailMemo();
  const render = (tx: Parameters<typeof renderQueuedMail>[1], row: Parameters<typeof renderQueuedMail>[2]) =>
    renderQueuedMail(deps, tx, row, memo);
  if (p.mailId) {
    try {
      await sendQueuedMail(deps, p.tenantId, p.mailId, render);
    } catch (err) {
      if (!(err instanceof MailDeliveryError && err.permanent)) throw err;
    }
  } else if (p.batchId) await sendQueuedBatch(deps, p.tenantId, p.batchId, render, { ...(signal ? { signal } : {}) });
}
