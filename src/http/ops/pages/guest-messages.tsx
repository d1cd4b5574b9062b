/**
 * Mail the office writes to guests, through the outbox: "E-mail guest" on a booking's page
 * (`/app/bookings/:id/email`: start from a template's wording or free text, preview it for this guest,
 * send it with `emailGuest`), "Message all guests" of a departure day or one vessel's day
 * (`/app/messages/new?date=…&vessel=…`: the recipients listed before sending, a preview for the first,
 * `messageDepartureGuests`), and the page of a sent message to many (`/app/messages/:batchId`), each
 * recipient's state refreshed live. Nothing is sent in a request: each message is queued.
 */

import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { dayIn, formatCharterTime } from '../../../domain/time';
import { getBooking } from '../../../services/bookings';
import { NotFoundError, ValidationError } from '../../../services/errors';
import { listMailTemplates, mailTemplateSchema, PLACEHOLDERS, previewGuestMail } from '../../../services/guest-mail';
import { type DepartureRecipient, emailGuest, listDepartureRecipients, messageDepartureGuests } from '../../../services/guest-messages';
import { listOutgoingMail } from '../../../services/mail';
import { getTenantProfile, listVessels } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { allowMailPreview, pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { bookingPath } from '../paths';
import { AppPage } from '../views/layout';
import type { MailPreviewProps } from '../views/mail-preview';
import { BatchPage, EmailGuestForm, longDay, MESSAGE_FIELDS, MessageGuestsForm } from './guest-messages-views';
import { MAIL_LIVE_ACTIONS } from './mail';

const BATCH_NOTICES: Record<string, string> = {
  queued: 'The message is queued for every recipient; each one’s state below changes as it goes out.',
  resent: 'The message is queued to be sent again to that guest.',
};

/** The most recipients a batch page lists. */
const BATCH_PAGE_LIMIT = 1000;

export function createGuestMessagePages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  // ---- E-mail guest -------------------------------------------------------------------------------

  const emailPage = async (
    c: Context<OpsEnv>,
    id: string,
    options: {
      state?: FormState;
      startedFrom?: string;
      preview?: MailPreviewProps | null;
      status?: 200 | 404 | 409 | 422;
      requestId?: string;
    } = {},
  ) => {
    const ctx = staffContext(c);
    const [{ booking: b }, templates] = await Promise.all([getBooking(deps, ctx, id), listMailTemplates(deps, ctx)]);
    const startedFrom = options.startedFrom ?? '';
    const template = templates.find((t) => t.kind === startedFrom);
    if (options.preview) allowMailPreview(c);
    return c.html(
      <AppPage title={`E-mail ${b.guest.name}`} chrome={pageChrome(c, await deps.assets(), 'bookings')}>
        <EmailGuestForm
          booking={{
            id: b.id,
            status: b.status,
            guestName: b.guest.name,
            guestEmail: b.guest.email,
            when: `${formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone)} (${b.timezone})`,
            vesselName: b.vesselName,
          }}
          templates={templates}
          startedFrom={template?.kind ?? ''}
          state={options.state ?? emptyForm(template ? { subject: template.subject, body: template.body } : { subject: '', body: '' })}
          csrf={c.var.csrf}
          requestId={options.requestId ?? randomUUID()}
          placeholders={PLACEHOLDERS}
          preview={options.preview ?? null}
        />
      </AppPage>,
      options.status ?? 200,
    );
  };

  pages.get('/bookings/:id/email', (c) => emailPage(c, c.req.param('id'), { startedFrom: c.req.query('template') ?? '' }));

  pages.post('/bookings/:id/email', async (c) => {
    const ctx = staffContext(c);
    const form = formOf(c);
    const values = valuesOf(form, MESSAGE_FIELDS);
    const requestId = requestIdOf(form);
    // The booking first: another tenant's (or none) is a 404 whatever the form says.
    const { booking } = await getBooking(deps, ctx, c.req.param('id'));
    try {
      const content = parseForm(mailTemplateSchema, values);
      if (form.action === 'preview') {
        const preview = await previewGuestMail(deps, ctx, { kind: 'guest.message', content, bookingId: booking.id });
        return emailPage(c, booking.id, { state: emptyForm(values), preview, requestId });
      }
      await emailGuest(deps, ctx, booking.id, content, { requestId });
      return c.redirect(`${bookingPath(booking.id)}?done=mail-queued#booking-mail`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return emailPage(c, booking.id, { state: { values, errors: refusal.errors }, status: refusal.status, requestId });
    }
  });

  // ---- Message all guests -------------------------------------------------------------------------

  const messagesPage = async (
    c: Context<OpsEnv>,
    asked: { date?: string | undefined; vessel?: string | undefined },
    options: { state?: FormState; preview?: MailPreviewProps | null; status?: 200 | 409 | 422; requestId?: string } = {},
  ) => {
    const ctx = staffContext(c);
    const [tenant, vessels] = await Promise.all([getTenantProfile(deps, ctx), listVessels(deps, ctx)]);
    const today = dayIn(deps.clock.now(), tenant.timezone);
    const vessel = asked.vessel ? asked.vessel : undefined;
    let date = asked.date || today;
    let problem: string | null = null;
    let recipients: DepartureRecipient[];
    try {
      recipients = await listDepartureRecipients(deps, ctx, { date, ...(vessel ? { vessel } : {}) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problem = `That day or vessel cannot be shown: ${(err.errors ?? []).map((e) => `${e.field} ${e.message}`).join('; ')}. Showing today instead.`;
      date = today;
      recipients = await listDepartureRecipients(deps, ctx, { date });
    }
    const known = vessel && !problem && vessels.some((v) => v.slug === vessel) ? vessel : null;
    if (options.preview) allowMailPreview(c);
    return c.html(
      <AppPage
        title={`Message all guests · ${longDay(date)}`}
        chrome={pageChrome(c, await deps.assets(), 'today', { live: c.req.method === 'GET' && !options.state })}
      >
        <MessageGuestsForm
          date={date}
          vessel={known}
          vessels={vessels.map((v) => ({ slug: v.slug, name: v.name }))}
          recipients={recipients}
          state={options.state ?? emptyForm({ subject: '', body: '' })}
          csrf={c.var.csrf}
          requestId={options.requestId ?? randomUUID()}
          placeholders={PLACEHOLDERS}
          preview={options.preview ?? null}
          problem={problem}
        />
      </AppPage>,
      problem ? 422 : (options.status ?? 200),
    );
  };

  pages.get('/messages/new', (c) => messagesPage(c, { date: c.req.query('date'), vessel: c.req.query('vessel') }));

  pages.post('/messages', async (c) => {
    const ctx = staffContext(c);
    const form = formOf(c);
    const values = valuesOf(form, MESSAGE_FIELDS);
    const requestId = requestIdOf(form);
    const departure = { date: form.date ?? '', ...(form.vessel ? { vessel: form.vessel } : {}) };
    try {
      const content = parseForm(mailTemplateSchema, values);
      if (form.action === 'preview') {
        const [first] = await listDepartureRecipients(deps, ctx, departure);
        if (!first)
          throw new ValidationError([{ field: 'form', message: 'Nobody departs that day any more: there is nobody to preview for.' }]);
        const preview = await previewGuestMail(deps, ctx, { kind: 'guest.message', content, bookingId: first.bookingId });
        return messagesPage(c, departure, { state: emptyForm(values), preview, requestId });
      }
      const { batchId } = await messageDepartureGuests(deps, ctx, { ...departure, ...content }, { requestId });
      return c.redirect(`/app/messages/${batchId}?done=queued`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return messagesPage(c, departure, { state: { values, errors: refusal.errors }, status: refusal.status, requestId });
    }
  });

  pages.get('/messages/:batchId', async (c) => {
    const ctx = staffContext(c);
    const batchId = c.req.param('batchId');
    if (!z.uuid().safeParse(batchId).success) throw new NotFoundError('The message');
    const mail = await listOutgoingMail(deps, ctx, { batchId, limit: BATCH_PAGE_LIMIT });
    if (mail.length === 0) throw new NotFoundError('The message');
    return c.html(
      <AppPage
        title="Message to guests"
        chrome={pageChrome(c, await deps.assets(), 'mail', { live: true, liveActions: MAIL_LIVE_ACTIONS })}
      >
        <BatchPage mail={mail} csrf={c.var.csrf} notice={noticeFor(BATCH_NOTICES, c.req.query('done'))} />
      </AppPage>,
    );
  });

  return pages;
}

/** The form's own name for the message it sends (a UUID the page drew), or a new one when it has none. */
function requestIdOf(form: Record<string, string>): string {
  const id = form.requestId ?? '';
  return z.uuid().safeParse(id).success ? id : randomUUID();
}
