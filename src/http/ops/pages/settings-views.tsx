/** The operator's settings form: the business, its guest pages, its crew, in sections of one form. */
import type { FC } from 'hono/jsx';
import { DEFAULT_CHECKLIST_OPENS_HOURS } from '../../../domain/crew-rules';
import { Csrf, ErrorSummary, type FormState, Notice, TextArea, TextField } from '../forms';
import { SettingsTabs } from './guest-mail-settings-views';

export const SETTINGS_FIELDS = [
  'name',
  'timezone',
  'contactEmail',
  'contactPhone',
  'guestDomain',
  'accentColor',
  'logoUrl',
  'policies',
  'whatToBring',
  'checklist',
  'checklistOpensHours',
  'crewReminderHours',
] as const;

const LABELS: Record<string, string> = {
  name: 'Business name',
  timezone: 'Time zone',
  contactEmail: 'Contact e-mail',
  contactPhone: 'Contact phone',
  guestDomain: 'Guest site domain',
  accentColor: 'Accent colour',
  logoUrl: 'Logo',
  policies: 'Policies',
  whatToBring: 'What to bring',
  checklist: 'Pre-departure checklist',
  checklistOpensHours: 'Checklist opens (hours before departure)',
  crewReminderHours: 'Crew reminder (hours before departure)',
};

export const SettingsForm: FC<{
  state: FormState;
  csrf: string;
  notice: string | null;
  defaultChecklist: readonly string[];
  defaultReminderHours: number;
  /** Domains the guest site left whose pages are still being removed (ADR 0007 addendum). */
  formerDomains?: readonly { domain: string; since: string; error: string | null }[];
}> = ({ state, csrf, notice, defaultChecklist, defaultReminderHours, formerDomains = [] }) => (
  <>
    <SettingsTabs current="general" />
    <Notice text={notice} />
    <ErrorSummary form="settings" state={state} labels={LABELS} />
    <form method="post" action="/app/settings">
      <Csrf token={csrf} />
      <fieldset>
        <legend>Business</legend>
        <div class="grid">
          <TextField form="settings" name="name" label={LABELS.name ?? ''} state={state} required />
          <TextField
            form="settings"
            name="timezone"
            label={LABELS.timezone ?? ''}
            state={state}
            required
            hint="An IANA time zone like America/Los_Angeles; new vessels start in it."
          />
          <TextField
            form="settings"
            name="contactEmail"
            label={LABELS.contactEmail ?? ''}
            state={state}
            type="email"
            hint="Guests' replies to mail go here. Leave empty for none."
          />
          <TextField
            form="settings"
            name="contactPhone"
            label={LABELS.contactPhone ?? ''}
            state={state}
            type="tel"
            hint="Shown on guest pages, e.g. +1 619 555 0123."
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Guest pages</legend>
        {formerDomains.map((d) => (
          <p class="notice" role="status">
            The old domain {d.domain} is being cleaned up: its guest pages are being removed, and no site can use it until that is done.
            {d.error ? ` The last attempt failed (${d.error}); it is tried again.` : ''}
          </p>
        ))}
        <div class="grid">
          <TextField
            form="settings"
            name="guestDomain"
            label={LABELS.guestDomain ?? ''}
            state={state}
            required
            hint="The host name guest pages live at, e.g. trips.example.com. A change republishes every page there."
          />
          <TextField
            form="settings"
            name="accentColor"
            label={LABELS.accentColor ?? ''}
            state={state}
            hint="A colour like #0b4f6c. Leave empty for the default."
          />
          <TextField
            form="settings"
            name="logoUrl"
            label={LABELS.logoUrl ?? ''}
            state={state}
            hint="A path on the guest site like /logo.png, or an inline data:image/png;base64,… image. Leave empty for none."
          />
        </div>
        <TextArea form="settings" name="policies" label={LABELS.policies ?? ''} state={state} hint="One policy a line." />
        <TextArea form="settings" name="whatToBring" label={LABELS.whatToBring ?? ''} state={state} hint="One item a line." />
        <p class="muted">Published guest pages show these changes once they are published again.</p>
      </fieldset>
      <fieldset>
        <legend>Crew</legend>
        <TextArea
          form="settings"
          name="checklist"
          label={LABELS.checklist ?? ''}
          state={state}
          rows={7}
          hint={`One item a line. Leave empty for the default: ${defaultChecklist.join('; ')}.`}
        />
        <div class="grid">
          <TextField
            form="settings"
            name="checklistOpensHours"
            label={LABELS.checklistOpensHours ?? ''}
            state={state}
            type="number"
            min={0}
            hint={`Leave empty for ${DEFAULT_CHECKLIST_OPENS_HOURS}.`}
          />
          <TextField
            form="settings"
            name="crewReminderHours"
            label={LABELS.crewReminderHours ?? ''}
            state={state}
            type="number"
            min={0}
            hint={`Leave empty for ${defaultReminderHours}; 0 sends no reminders.`}
          />
        </div>
      </fieldset>
      <div class="actions">
        <button type="submit">Save settings</button>
      </div>
    </form>
  </>
);
