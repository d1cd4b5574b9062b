/**
 * The tenant's outgoing mail under `/app/mail`: the log with a status filter, and one message —
 * with the mail folder, as it went out (headers and text part; the `.eml` as a download, never its
 * HTML rendered here); with SMTP, the recorded fields.
 */
import { Hono } from 'hono';
import { ServiceError } from '../../../services/errors';
import { listOutgoingMail } from '../../../services/mail';
import { getOutgoingMail, readArchivedMessage, readSentMessage } from '../../../services/mail-log';
import { getTenantProfile } from '../../../services/tenants';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { AppPage } from '../views/layout';
import { MAIL_STATUSES, MailList, MailPage, type MailStatus } from './mail-views';

export function createMailPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  pages.get('/mail', async (c) => {
    const ctx = staffContext(c);
    const asked = c.req.query('status') ?? '';
    const status = (MAIL_STATUSES as readonly string[]).includes(asked) ? (asked as MailStatus) : null;
    const [mail, tenant] = await Promise.all([listOutgoingMail(deps, ctx, status ? { status } : {}), getTenantProfile(deps, ctx)]);
    return c.html(
      <AppPage title="Mail" chrome={pageChrome(c, await deps.assets(), 'mail', { live: true })}>
        <MailList mail={mail} zone={tenant.timezone} status={status} />
      </AppPage>,
    );
  });

  pages.get('/mail/:id', async (c) => {
    const ctx = staffContext(c);
    const id = c.req.param('id');
    const [mail, tenant] = await Promise.all([getOutgoingMail(deps, ctx, id), getTenantProfile(deps, ctx)]);
    const message = await readArchivedMessage(deps, ctx, mail.id);
    return c.html(
      <AppPage title={mail.subject || 'Message'} chrome={pageChrome(c, await deps.assets(), 'mail', { live: true })}>
        <MailPage mail={mail} message={message} archived={deps.mailArchive !== undefined} zone={tenant.timezone} />
      </AppPage>,
    );
  });

  // The message as it went out, to open in a mail program: never shown inline (its HTML stays unrendered here).
  pages.get('/mail/:id/message.eml', async (c) => {
    const ctx = staffContext(c);
    const mail = await getOutgoingMail(deps, ctx, c.req.param('id'));
    const raw = await readSentMessage(deps, ctx, mail.id);
    if (!raw) return c.redirect(`/app/mail/${mail.id}`, 303);
    if ((await readArchivedMessage(deps, ctx, mail.id))?.carriesSignInLink) {
      throw new ServiceError(
        403,
        'Not offered for download',
        'This message carries a personal sign-in link, which would sign in whoever holds it; its text is shown with the link hidden.',
      );
    }
    c.header('content-type', 'message/rfc822');
    c.header('content-disposition', `attachment; filename="bosun-mail-${mail.id}.eml"`);
    c.header('x-content-type-options', 'nosniff');
    return c.body(new Uint8Array(raw));
  });

  return pages;
}
