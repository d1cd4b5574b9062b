/**
 * The tenant's outgoing mail under `/app/mail`: the log with a state filter, and one message —
 * with the mail folder, as it went out (headers and text part; the `.eml` as a download, never its
 * HTML rendered here); with SMTP, the recorded fields. A failed mail the outbox queued can be sent
 * again (`resendMail`). The pages refresh live when a mail's state changes.
 */
import { type Context, Hono } from 'hono';
import { ConflictError, ServiceError } from '../../../services/errors';
import { listOutgoingMail, resendMail } from '../../../services/mail';
import { getOutgoingMail, readArchivedMessage, readSentMessage } from '../../../services/mail-log';
import { getTenantProfile } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { noticeFor } from '../forms';
import { AppPage } from '../views/layout';
import { MAIL_STATES, MailList, MailPage, type MailState } from './mail-views';

/** Mail pages refresh when a mail's state changes (`mail.queued`, `mail.sent`, `mail.failed`, …), not on every change. */
export const MAIL_LIVE_ACTIONS = ['mail.'] as const;

const NOTICES: Record<string, string> = {
  resent: 'The message is queued to be sent again; its state below changes once it is sent.',
};

export function createMailPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  const chrome = async (c: Context<OpsEnv>, live = true) =>
    pageChrome(c, await deps.assets(), 'mail', { live, liveActions: MAIL_LIVE_ACTIONS });

  const logPage = async (c: Context<OpsEnv>, options: { problem?: string; status?: 409 } = {}) => {
    const ctx = staffContext(c);
    const asked = c.req.query('status') ?? '';
    const state = (MAIL_STATES as readonly string[]).includes(asked) ? (asked as MailState) : null;
    const filter = state === 'retried' ? { retried: true } : state ? { status: state } : {};
    const [mail, tenant] = await Promise.all([listOutgoingMail(deps, ctx, filter), getTenantProfile(deps, ctx)]);
    return c.html(
      <AppPage title="Mail" chrome={await chrome(c, !options.problem)}>
        <MailList
          mail={mail}
          zone={tenant.timezone}
          state={state}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
          problem={options.problem ?? null}
        />
      </AppPage>,
      options.status ?? 200,
    );
  };

  const mailPage = async (c: Context<OpsEnv>, id: string, options: { problem?: string; status?: 409 } = {}) => {
    const ctx = staffContext(c);
    const [mail, tenant] = await Promise.all([getOutgoingMail(deps, ctx, id), getTenantProfile(deps, ctx)]);
    const message = await readArchivedMessage(deps, ctx, mail.id);
    return c.html(
      <AppPage title={mail.subject || 'Message'} chrome={await chrome(c, !options.problem)}>
        <MailPage
          mail={mail}
          message={message}
          archived={deps.mailArchive !== undefined}
          zone={tenant.timezone}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
          problem={options.problem ?? null}
        />
      </AppPage>,
      options.status ?? 200,
    );
  };

  pages.get('/mail', (c) => logPage(c));

  pages.get('/mail/:id', (c) => mailPage(c, c.req.param('id')));

  // A failed mail back in the queue; the answer returns to where the button was (a fixed key, never a URL from the form).
  pages.post('/mail/:id/resend', async (c) => {
    const from = formOf(c).from;
    const id = c.req.param('id');
    try {
      const mail = await resendMail(deps, staffContext(c), id);
      if (from === 'booking' && mail.bookingId)
        return c.redirect(`/app/bookings/${encodeURIComponent(mail.bookingId)}?done=mail-resent`, 303);
      if (from === 'batch' && mail.batchId) return c.redirect(`/app/messages/${mail.batchId}?done=resent`, 303);
      if (from === 'log') return c.redirect('/app/mail?done=resent', 303);
      return c.redirect(`/app/mail/${mail.id}?done=resent`, 303);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return from === 'log' ? logPage(c, { problem: err.message, status: 409 }) : mailPage(c, id, { problem: err.message, status: 409 });
    }
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
