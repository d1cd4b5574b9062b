/**
 * The office's staff under `/app/staff`, owners only: list, add (name, address, role) and deactivate
 * (with a confirmation step), which ends the person's sessions and links at once.
 */
import { type Context, Hono } from 'hono';
import { addStaffSchema, addStaffUser, deactivateStaffUser, getStaffUser, getTenantProfile, listStaff } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import { type OpsSurfaceDeps, ownersOnly } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { AppPage } from '../views/layout';
import { ConfirmStaffDeactivation, STAFF_FIELDS, StaffList } from './staff-views';

const NOTICES: Record<string, string> = {
  added: 'Added. They can sign in at /app/login with their address.',
  deactivated: 'Deactivated: they were signed out and their links no longer work.',
};

export function createStaffPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  pages.use('/staff', ownersOnly);
  pages.use('/staff/*', ownersOnly);

  const listPage = async (c: Context<OpsEnv>, add: FormState, status: 200 | 409 | 422 = 200) => {
    const ctx = staffContext(c);
    const [staff, tenant] = await Promise.all([listStaff(deps, ctx), getTenantProfile(deps, ctx)]);
    return c.html(
      <AppPage title="Staff" chrome={pageChrome(c, await deps.assets(), 'staff', { live: true })}>
        <StaffList
          staff={staff}
          me={c.var.staff.staffUserId}
          zone={tenant.timezone}
          add={add}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
        />
      </AppPage>,
      status,
    );
  };

  pages.get('/staff', (c) => listPage(c, emptyForm({ role: 'staff' })));

  pages.post('/staff', async (c) => {
    const form = formOf(c);
    try {
      const input = parseForm(addStaffSchema, { name: form.name ?? '', email: (form.email ?? '').trim(), role: form.role ?? '' });
      await addStaffUser(deps, staffContext(c), input);
      return c.redirect('/app/staff?done=added', 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return listPage(c, { values: valuesOf(form, STAFF_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  pages.get('/staff/:id/deactivate', async (c) => {
    const user = await getStaffUser(deps, staffContext(c), c.req.param('id'));
    if (!user.active) return c.redirect('/app/staff', 303);
    return c.html(
      <AppPage title={`Deactivate ${user.name}`} chrome={pageChrome(c, await deps.assets(), 'staff', { live: true })}>
        <ConfirmStaffDeactivation user={user} csrf={c.var.csrf} />
      </AppPage>,
    );
  });

  pages.post('/staff/:id/deactivate', async (c) => {
    await deactivateStaffUser(deps, staffContext(c), c.req.param('id'));
    return c.redirect('/app/staff?done=deactivated', 303);
  });

  return pages;
}
