/**
 * Settings → Guest mail: the list of the tenant's guest mail templates (each kind, default or
 * changed), one template's editor — subject and body with the placeholders beside them, Preview,
 * Save and Reset to default — and the guest reminder's lead time. Props in, HTML out.
 */
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import { Csrf, ErrorSummary, type FormState, Notice, TextArea, TextField } from '../forms';
import { MailPreview, type MailPreviewProps } from '../views/mail-preview';
import { TableWrap } from '../views/table-wrap';

/** One template as the services give it (`MailTemplateView`). */
export type TemplateRow = { kind: string; label: string; subject: string; body: string; isDefault: boolean; updatedAt: string | null };
export type PlaceholderRow = { name: string; description: string };

export const TEMPLATE_FIELDS = ['subject', 'body'] as const;
const LABELS: Record<string, string> = { subject: 'Subject', body: 'Body' };

export const templatePath = (kind: string) => `/app/settings/guest-mail/${encodeURIComponent(kind)}`;

/** The sections of Settings: the operator's settings and its guest mail. */
export const SettingsTabs: FC<{ current: 'general' | 'guest-mail' }> = ({ current }) => (
  <nav aria-label="Settings" class="tabs">
    <ul class="tabs-list">
      <li>
        <a href="/app/settings" {...(current === 'general' ? { 'aria-current': 'page' } : {})}>
          Business, guest pages and crew
        </a>
      </li>
      <li>
        <a href="/app/settings/guest-mail" {...(current === 'guest-mail' ? { 'aria-current': 'page' } : {})}>
          Guest mail
        </a>
      </li>
    </ul>
  </nav>
);

export const TemplateList: FC<{
  templates: readonly TemplateRow[];
  zone: string;
  notice: string | null;
  reminder?: { state: FormState; csrf: string; defaultHours: number } | undefined;
}> = ({ templates, zone, notice, reminder }) => (
  <>
    <SettingsTabs current="guest-mail" />
    <Notice text={notice} />
    <p>
      Guests are mailed when their charter is confirmed, changed or cancelled, and before it departs. Each mail has a wording of its own
      that reads well; change its subject and body here, with placeholders for the booking's details.
    </p>
    <TableWrap label="Guest mail templates">
      <table class="templates">
        <thead>
          <tr>
            <th scope="col">Mail</th>
            <th scope="col">Subject</th>
            <th scope="col">Wording</th>
          </tr>
        </thead>
        <tbody>
          {templates.map((t) => (
            <tr>
              <th scope="row">
                <a href={templatePath(t.kind)}>{t.label}</a>
              </th>
              <td>{t.subject}</td>
              <td>
                {t.isDefault ? (
                  <span class="badge">default</span>
                ) : (
                  <>
                    <span class="badge status-completed">changed</span>{' '}
                    <span class="muted">{t.updatedAt ? formatInstant(new Date(t.updatedAt), zone) : ''}</span>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
    {reminder ? <ReminderForm {...reminder} /> : null}
  </>
);

const ReminderForm: FC<{ state: FormState; csrf: string; defaultHours: number }> = ({ state, csrf, defaultHours }) => (
  <form method="post" action="/app/settings/guest-mail/reminder">
    <Csrf token={csrf} />
    <ErrorSummary form="reminder" state={state} labels={{ guestReminderHours: 'Hours before departure' }} />
    <fieldset>
      <legend>Guest reminder</legend>
      <div class="narrow-field">
        <TextField
          form="reminder"
          name="guestReminderHours"
          label="Hours before departure"
          state={state}
          type="number"
          min={0}
          hint={`Leave empty for ${defaultHours}; 0 sends no reminders.`}
        />
      </div>
      <div class="actions">
        <button type="submit">Save reminder time</button>
      </div>
    </fieldset>
  </form>
);

export const PlaceholderList: FC<{ placeholders: readonly PlaceholderRow[] }> = ({ placeholders }) => (
  <section aria-labelledby="placeholders-heading" class="placeholders">
    <h2 id="placeholders-heading">Placeholders</h2>
    <p class="muted">Type one in the subject or body, braces included; each guest's mail gets their own value.</p>
    <dl>
      {placeholders.map((p) => (
        <>
          <dt>
            <code>{`{{${p.name}}}`}</code>
          </dt>
          <dd>{p.description}</dd>
        </>
      ))}
    </dl>
  </section>
);

export const TemplateEditor: FC<{
  template: TemplateRow;
  state: FormState;
  csrf: string;
  notice: string | null;
  placeholders: readonly PlaceholderRow[];
  preview: MailPreviewProps | null;
}> = ({ template, state, csrf, notice, placeholders, preview }) => (
  <>
    <SettingsTabs current="guest-mail" />
    <p>
      <a href="/app/settings/guest-mail">← All guest mail</a>
    </p>
    <Notice text={notice} />
    <p class="muted">
      {template.isDefault ? 'This mail uses Bosun’s default wording.' : 'This mail uses your own wording.'} Preview shows it filled in for a
      sample booking; nothing is saved until you save.
    </p>
    <div class="editor">
      <form method="post" action={templatePath(template.kind)} class="editor-form">
        <Csrf token={csrf} />
        <ErrorSummary form="template" state={state} labels={LABELS} />
        <TextField form="template" name="subject" label="Subject" state={state} required />
        <TextArea
          form="template"
          name="body"
          label="Body"
          state={state}
          rows={14}
          hint="Plain text; a blank line starts a new paragraph."
        />
        <div class="actions">
          <button
            type="submit"
            name="action"
            value="preview"
            class="secondary"
            formaction={`${templatePath(template.kind)}#mail-preview-heading`}
          >
            Preview
          </button>
          <button type="submit" name="action" value="save">
            Save
          </button>
        </div>
      </form>
      <PlaceholderList placeholders={placeholders} />
    </div>
    {template.isDefault ? null : (
      <form
        method="post"
        action={`${templatePath(template.kind)}/reset`}
        class="actions"
        data-confirm={`Put back the default wording of “${template.label}”? Your wording is replaced.`}
      >
        <Csrf token={csrf} />
        <button type="submit" class="danger">
          Reset to default
        </button>
        <span class="muted">Puts back Bosun’s wording of this mail.</span>
      </form>
    )}
    {preview ? <MailPreview preview={preview} heading="Preview" note="Filled in for a sample booking, as a guest would get it." /> : null}
  </>
);
