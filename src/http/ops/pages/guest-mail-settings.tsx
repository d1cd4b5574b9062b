/**
 * Settings → Guest mail, owners only: the tenant's wording of each guest mail kind. An owner edits a
 * template's subject and body, previews it filled in for a sample booking (`previewGuestMail`), saves
 * it (`saveMailTemplate`: an unknown placeholder or a tag is refused beside its field, and the old
 * wording stays) or puts the default back (`resetMailTemplate`); and sets how long before departure
 * guests are reminded (`guestReminderHours`, through `updateTenant`).
 */
import { type Context, Hono } from 'hono';
import { NotFoundError } from '../../../services/errors';
import {
  GUEST_TEMPLATE_KINDS,
  type GuestTemplateKind,
  listMailTemplates,
  mailTemplateSchema,
  PLACEHOLDERS,
  previewGuestMail,
  resetMailTemplate,
  saveMailTemplate,
} from '../../../services/guest-mail';
import { DEFAULT_GUEST_REMINDER_HOURS } from '../../../services/guest-reminders';
import { getTenantProfile, updateTenant, updateTenantSchema } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { allowMailPreview, pageChrome } from '../chrome';
import { type OpsSurfaceDeps, ownersOnly } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { AppPage } from '../views/layout';
import type { MailPreviewProps } from '../views/mail-preview';
import { TEMPLATE_FIELDS, TemplateEditor, TemplateList } from './guest-mail-settings-views';

const NOTICES: Record<string, string> = {
  saved: 'Template saved. Mail from now on uses this wording.',
  reset: 'The default wording is back.',
  'reminder-saved': 'Reminder time saved. Charters not reminded yet are reminded at the new time.',
  'reminder-unchanged': 'Nothing changed.',
};

/** The lead time as the form shows it: empty for the default. */
const reminderForm = (hours: number | undefined): FormState => emptyForm({ guestReminderHours: hours === undefined ? '' : String(hours) });

const kindOf = (raw: string): GuestTemplateKind => {
  if (!(GUEST_TEMPLATE_KINDS as readonly string[]).includes(raw)) throw new NotFoundError('This guest mail template');
  return raw as GuestTemplateKind;
};

export function createGuestMailSettingsPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  pages.use('/settings/guest-mail', ownersOnly);
  pages.use('/settings/guest-mail/*', ownersOnly);

  const listPage = async (c: Context<OpsEnv>, reminder?: { state: FormState; status: 409 | 422 }) => {
    const ctx = staffContext(c);
    const [templates, tenant] = await Promise.all([listMailTemplates(deps, ctx), getTenantProfile(deps, ctx)]);
    return c.html(
      // A refused reminder answers a POST: its URL is no page to refresh.
      <AppPage title="Guest mail" chrome={pageChrome(c, await deps.assets(), 'settings', { live: !reminder })}>
        <TemplateList
          templates={templates}
          zone={tenant.timezone}
          notice={noticeFor(NOTICES, c.req.query('done'))}
          reminder={{
            state: reminder?.state ?? reminderForm(tenant.settings.guestReminderHours),
            csrf: c.var.csrf,
            defaultHours: DEFAULT_GUEST_REMINDER_HOURS,
          }}
        />
      </AppPage>,
      reminder?.status ?? 200,
    );
  };

  pages.get('/settings/guest-mail', (c) => listPage(c));

  // Before `/:kind`: `reminder` is no template kind.
  pages.post('/settings/guest-mail/reminder', async (c) => {
    const form = formOf(c);
    const typed = (form.guestReminderHours ?? '').trim();
    try {
      const input = parseForm(updateTenantSchema, { guestReminderHours: typed === '' ? null : typed });
      const updated = await updateTenant(deps, staffContext(c), input);
      return c.redirect(`/app/settings/guest-mail?done=${updated.changed.length > 0 ? 'reminder-saved' : 'reminder-unchanged'}`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return listPage(c, { state: { values: { guestReminderHours: typed }, errors: refusal.errors }, status: refusal.status });
    }
  });

  const editor = async (
    c: Context<OpsEnv>,
    kind: GuestTemplateKind,
    options: { state?: FormState; preview?: MailPreviewProps | null; status?: 200 | 409 | 422 } = {},
  ) => {
    const template = (await listMailTemplates(deps, staffContext(c))).find((t) => t.kind === kind);
    if (!template) throw new NotFoundError('This guest mail template');
    if (options.preview) allowMailPreview(c);
    // A form being typed into is not refreshed; a POST's answer has no URL to refresh from.
    return c.html(
      <AppPage title={template.label} chrome={pageChrome(c, await deps.assets(), 'settings')}>
        <TemplateEditor
          template={template}
          state={options.state ?? emptyForm({ subject: template.subject, body: template.body })}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
          placeholders={PLACEHOLDERS}
          preview={options.preview ?? null}
        />
      </AppPage>,
      options.status ?? 200,
    );
  };

  pages.get('/settings/guest-mail/:kind', (c) => editor(c, kindOf(c.req.param('kind'))));

  pages.post('/settings/guest-mail/:kind', async (c) => {
    const kind = kindOf(c.req.param('kind'));
    const ctx = staffContext(c);
    const form = formOf(c);
    const values = valuesOf(form, TEMPLATE_FIELDS);
    try {
      const input = parseForm(mailTemplateSchema, { subject: values.subject, body: values.body });
      if (form.action === 'preview') {
        const preview = await previewGuestMail(deps, ctx, { kind, content: input });
        return editor(c, kind, { state: emptyForm(values), preview });
      }
      await saveMailTemplate(deps, ctx, kind, input);
      return c.redirect(`/app/settings/guest-mail/${encodeURIComponent(kind)}?done=saved`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return editor(c, kind, { state: { values, errors: refusal.errors }, status: refusal.status });
    }
  });

  pages.post('/settings/guest-mail/:kind/reset', async (c) => {
    const kind = kindOf(c.req.param('kind'));
    await resetMailTemplate(deps, staffContext(c), kind);
    return c.redirect(`/app/settings/guest-mail/${encodeURIComponent(kind)}?done=reset`, 303);
  });

  return pages;
}
