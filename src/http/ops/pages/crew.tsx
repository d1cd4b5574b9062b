/**
 * The crew roster under `/app/crew`: list and add, one member's details, deactivation (with a
 * confirmation step) and reactivation, and a new sign-in link mailed by the same job as a crew
 * member's own request. Every lookup is within the signed-in staff user's tenant.
 */
import { type Context, Hono } from 'hono';
import {
  deactivateCrewMember,
  getCrewMember,
  listCrewRoster,
  reactivateCrewMember,
  sendCrewSignInLink,
  updateCrewMember,
} from '../../../services/crew-members';
import { addCrewMember, addCrewSchema, getTenantProfile } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { AppPage } from '../views/layout';
import { ConfirmDeactivation, CREW_FIELDS, CrewList, CrewMemberPage } from './crew-views';

const NOTICES: Record<string, string> = {
  added: 'Crew member added.',
  reactivated: 'That address belonged to a deactivated crew member: they are active again, with the details you gave.',
  saved: 'Changes saved.',
  'link-sent': 'A new sign-in link is on its way.',
  deactivated: 'Deactivated: their links and sessions have ended, and they were taken off upcoming charters.',
  'reactivated-member': 'Reactivated: they can be assigned and sign in again.',
};

const crewInput = (form: Record<string, string>) => ({
  name: form.name ?? '',
  email: (form.email ?? '').trim(),
  phone: form.phone ?? '',
  role: form.role ?? '',
});

export function createCrewPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  const memberUrl = (id: string, done?: string) => `/app/crew/${encodeURIComponent(id)}${done ? `?done=${done}` : ''}`;

  const rosterPage = async (c: Context<OpsEnv>, add: FormState, status: 200 | 409 | 422 = 200) => {
    const ctx = staffContext(c);
    const [roster, tenant] = await Promise.all([listCrewRoster(deps, ctx), getTenantProfile(deps, ctx)]);
    return c.html(
      <AppPage title="Crew" chrome={pageChrome(c, await deps.assets(), 'crew', { live: true })}>
        <CrewList roster={roster} zone={tenant.timezone} add={add} csrf={c.var.csrf} notice={noticeFor(NOTICES, c.req.query('done'))} />
      </AppPage>,
      status,
    );
  };

  const memberPage = async (c: Context<OpsEnv>, edit: FormState | null, status: 200 | 409 | 422 = 200) => {
    const ctx = staffContext(c);
    const [member, tenant] = await Promise.all([getCrewMember(deps, ctx, c.req.param('id') ?? ''), getTenantProfile(deps, ctx)]);
    const state = edit ?? emptyForm({ name: member.name, email: member.email, phone: member.phone ?? '', role: member.role });
    return c.html(
      <AppPage title={member.name} chrome={pageChrome(c, await deps.assets(), 'crew', { live: true })}>
        <CrewMemberPage
          member={member}
          zone={tenant.timezone}
          edit={state}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
        />
      </AppPage>,
      status,
    );
  };

  pages.get('/crew', (c) => rosterPage(c, emptyForm({ role: 'crew' })));

  pages.post('/crew', async (c) => {
    const form = formOf(c);
    try {
      const added = await addCrewMember(deps, staffContext(c), parseForm(addCrewSchema, crewInput(form)));
      return c.redirect(added.reactivated ? memberUrl(added.id, 'reactivated') : '/app/crew?done=added', 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return rosterPage(c, { values: valuesOf(form, CREW_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  pages.get('/crew/:id', (c) => memberPage(c, null));

  pages.post('/crew/:id', async (c) => {
    const form = formOf(c);
    const ctx = staffContext(c);
    // An unknown or another tenant's id is a 404 before the form is looked at.
    const member = await getCrewMember(deps, ctx, c.req.param('id'));
    try {
      await updateCrewMember(deps, ctx, member.id, parseForm(addCrewSchema, crewInput(form)));
      return c.redirect(memberUrl(member.id, 'saved'), 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return memberPage(c, { values: valuesOf(form, CREW_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  pages.get('/crew/:id/deactivate', async (c) => {
    const member = await getCrewMember(deps, staffContext(c), c.req.param('id'));
    if (!member.active) return c.redirect(memberUrl(member.id), 303);
    return c.html(
      <AppPage title={`Deactivate ${member.name}`} chrome={pageChrome(c, await deps.assets(), 'crew', { live: true })}>
        <ConfirmDeactivation member={member} csrf={c.var.csrf} />
      </AppPage>,
    );
  });

  pages.post('/crew/:id/deactivate', async (c) => {
    const ctx = staffContext(c);
    const member = await getCrewMember(deps, ctx, c.req.param('id'));
    await deactivateCrewMember(deps, ctx, { crewId: member.id });
    return c.redirect(memberUrl(member.id, 'deactivated'), 303);
  });

  pages.post('/crew/:id/reactivate', async (c) => {
    const member = await reactivateCrewMember(deps, staffContext(c), c.req.param('id'));
    return c.redirect(memberUrl(member.id, 'reactivated-member'), 303);
  });

  pages.post('/crew/:id/link', async (c) => {
    const member = await sendCrewSignInLink(deps, staffContext(c), c.req.param('id'));
    return c.redirect(memberUrl(member.id, 'link-sent'), 303);
  });

  return pages;
}
