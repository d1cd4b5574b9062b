/** The fleet under `/app/vessels`: list, add, and edit one vessel, within the staff user's tenant. */
import { type Context, Hono } from 'hono';
import {
  addVessel,
  addVesselSchema,
  getTenantProfile,
  getVessel,
  listVessels,
  updateVessel,
  updateVesselSchema,
} from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { emptyForm, type FormState, noticeFor, parseForm, refusalOf, valuesOf } from '../forms';
import { AppPage } from '../views/layout';
import { VESSEL_FIELDS, VesselList, VesselPage, type VesselView } from './vessels-views';

const NOTICES: Record<string, string> = { added: 'Vessel added.', saved: 'Changes saved.' };

const vesselInput = (form: Record<string, string>) => ({
  name: form.name ?? '',
  capacity: (form.capacity ?? '').trim(),
  meetingPoint: form.meetingPoint ?? '',
  timezone: (form.timezone ?? '').trim(),
  turnaroundMinutes: (form.turnaroundMinutes ?? '').trim() || '0',
});

const formOfVessel = (v: VesselView): FormState =>
  emptyForm({
    name: v.name,
    capacity: String(v.capacity),
    meetingPoint: v.meetingPoint,
    timezone: v.timezone,
    turnaroundMinutes: String(v.turnaroundMinutes),
  });

export function createVesselPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  const listPage = async (c: Context<OpsEnv>, add: FormState | null, status: 200 | 409 | 422 = 200) => {
    const ctx = staffContext(c);
    const [vessels, tenant] = await Promise.all([listVessels(deps, ctx), getTenantProfile(deps, ctx)]);
    const state = add ?? emptyForm({ capacity: '12', timezone: tenant.timezone, turnaroundMinutes: '0' });
    return c.html(
      <AppPage title="Vessels" chrome={pageChrome(c, await deps.assets(), 'vessels', { live: true })}>
        <VesselList vessels={vessels} add={state} csrf={c.var.csrf} notice={noticeFor(NOTICES, c.req.query('done'))} />
      </AppPage>,
      status,
    );
  };

  const vesselPage = async (c: Context<OpsEnv>, edit: FormState | null, status: 200 | 409 | 422 = 200) => {
    const vessel = await getVessel(deps, staffContext(c), c.req.param('id') ?? '');
    return c.html(
      <AppPage title={vessel.name} chrome={pageChrome(c, await deps.assets(), 'vessels', { live: true })}>
        <VesselPage
          vessel={vessel}
          edit={edit ?? formOfVessel(vessel)}
          csrf={c.var.csrf}
          notice={noticeFor(NOTICES, c.req.query('done'))}
        />
      </AppPage>,
      status,
    );
  };

  pages.get('/vessels', (c) => listPage(c, null));

  pages.post('/vessels', async (c) => {
    const form = formOf(c);
    try {
      const input = parseForm(addVesselSchema, { slug: (form.slug ?? '').trim(), ...vesselInput(form) });
      await addVessel(deps, staffContext(c), input);
      return c.redirect('/app/vessels?done=added', 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return listPage(c, { values: valuesOf(form, VESSEL_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  pages.get('/vessels/:id', (c) => vesselPage(c, null));

  pages.post('/vessels/:id', async (c) => {
    const form = formOf(c);
    const ctx = staffContext(c);
    const vessel = await getVessel(deps, ctx, c.req.param('id'));
    try {
      await updateVessel(deps, ctx, vessel.id, parseForm(updateVesselSchema, vesselInput(form)));
      return c.redirect(`/app/vessels/${vessel.id}?done=saved`, 303);
    } catch (err) {
      const refusal = refusalOf(err);
      return vesselPage(c, { values: valuesOf(form, VESSEL_FIELDS), errors: refusal.errors }, refusal.status);
    }
  });

  return pages;
}
