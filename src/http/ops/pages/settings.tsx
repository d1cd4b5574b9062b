/**
 * The operator's settings under `/app/settings`, owners only: one form over `updateTenant` (the
 * service `bosun tenant set` uses) and the guest site's domain (`changeGuestDomain`). Both parts are
 * validated before either is written, so a refused form changes nothing.
 */
import { type Context, Hono } from 'hono';
import { DEFAULT_CHECKLIST } from '../../../services/crew';
import { DEFAULT_REMINDER_HOURS } from '../../../services/crew-reminders';
import { listPendingDomainCleanups } from '../../../services/domain-cleanup';
import { ValidationError } from '../../../services/errors';
import {
  changeGuestDomain,
  getTenantProfile,
  guestDomainSchema,
  type TenantProfile,
  updateTenant,
  updateTenantSchema,
} from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import { type OpsSurfaceDeps, ownersOnly } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { AppPage } from '../views/layout';
import { SETTINGS_FIELDS, SettingsForm } from './settings-views';

const NOTICES: Record<string, string> = {
  saved: 'Settings saved.',
  unchanged: 'Nothing changed.',
  moved: 'Settings saved. The guest site moved; its pages are being published at the new domain, and removed from the old one.',
};

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** A setting left empty goes back to its default. */
const orNull = (text: string | undefined) => ((text ?? '').trim() === '' ? null : (text ?? '').trim());

function formOfProfile(p: TenantProfile): FormState {
  const s = p.settings;
  return emptyForm({
    name: p.name,
    timezone: p.timezone,
    contactEmail: s.contactEmail ?? '',
    contactPhone: s.contactPhone ?? '',
    guestDomain: p.guestDomain ?? '',
    accentColor: s.accentColor ?? '',
    logoUrl: s.logoUrl ?? '',
    policies: (s.policies ?? []).join('\n'),
    whatToBring: (s.whatToBring ?? []).join('\n'),
    checklist: (s.checklist ?? []).join('\n'),
    checklistOpensHours: s.checklistOpensHours === undefined ? '' : String(s.checklistOpensHours),
    crewReminderHours: s.crewReminderHours === undefined ? '' : String(s.crewReminderHours),
  });
}

export function createSettingsPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  pages.use('/settings', ownersOnly);
  pages.use('/settings/*', ownersOnly);

  const settingsPage = async (c: Context<OpsEnv>, state: FormState | null, status: 200 | 409 | 422 = 200) => {
    const profile = await getTenantProfile(deps, staffContext(c));
    const formerDomains = await listPendingDomainCleanups(deps, staffContext(c));
    return c.html(
      <AppPage title="Settings" chrome={pageChrome(c, await deps.assets(), 'settings', { live: true })}>
        <SettingsForm
          state={state ?? formOfProfile(profile)}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
          defaultChecklist={DEFAULT_CHECKLIST}
          defaultReminderHours={DEFAULT_REMINDER_HOURS}
          formerDomains={formerDomains}
        />
      </AppPage>,
      status,
    );
  };

  pages.get('/settings', (c) => settingsPage(c, null));

  pages.post('/settings', async (c) => {
    const form = formOf(c);
    const ctx = staffContext(c);
    try {
      const problems: ValidationError[] = [];
      const attempt = <T,>(parse: () => T): T | undefined => {
        try {
          return parse();
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          problems.push(err);
          return undefined;
        }
      };
      const settings = attempt(() =>
        parseForm(updateTenantSchema, {
          name: form.name ?? '',
          timezone: (form.timezone ?? '').trim(),
          contactEmail: orNull(form.contactEmail),
          contactPhone: orNull(form.contactPhone),
          accentColor: orNull(form.accentColor),
          logoUrl: orNull(form.logoUrl),
          policies: lines(form.policies),
          whatToBring: lines(form.whatToBring),
          checklist: lines(form.checklist),
          checklistOpensHours: orNull(form.checklistOpensHours),
          crewReminderHours: orNull(form.crewReminderHours),
        }),
      );
      const site = attempt(() => parseForm(guestDomainSchema, { guestDomain: (form.guestDomain ?? '').trim() }));
      if (!settings || !site) throw new ValidationError(problems.flatMap((p) => p.errors ?? []));
      // The domain first: it is the part another tenant or the installation may refuse (409, 422).
      const moved = await changeGuestDomain(deps, ctx, site);
      const updated = await updateTenant(deps, ctx, settings);
      const done = moved.changed ? 'moved' : updated.changed.length > 0 ? 'saved' : 'unchanged';
      return c.redirect(`/app/settings?done=${done}`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return settingsPage(c, { values: valuesOf(form, SETTINGS_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  return pages;
}
