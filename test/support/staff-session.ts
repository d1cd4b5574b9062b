/** Signed-in staff for tests: a staff user added, a sign-in link issued and used, as following a mailed link does. */
import type { ServiceDeps } from '../../src/services/context';
import { issueStaffLink, signInStaff } from '../../src/services/staff-access';
import { addStaffUser } from '../../src/services/tenants';

const OPERATOR = { kind: 'operator' as const, id: 'test' };

/** Adds a staff user to the tenant; the address is unique per tenant and role unless given. */
export async function addStaff(deps: ServiceDeps, tenantId: string, role: 'owner' | 'staff' = 'owner', email?: string) {
  const name = role === 'owner' ? 'Olive Owner' : 'Sam Staff';
  return addStaffUser(deps, { tenantId, actor: OPERATOR }, { name, email: email ?? `${role}-${tenantId.slice(0, 8)}@office.test`, role });
}

/** The `Cookie` header value of a fresh staff session for `staffUserId` of `tenantId`. */
export async function staffCookie(deps: ServiceDeps, tenantId: string, staffUserId: string): Promise<string> {
  const link = await deps.db.transaction().execute((tx) => issueStaffLink(tx, tenantId, { staffUserId, now: deps.clock.now() }));
  const result = await signInStaff(deps, link.token);
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  return `bosun_staff=${result.session}`;
}

/** A staff user of the tenant, signed in: their id, cookie and the form token of their pages. */
export async function signedInStaff(deps: ServiceDeps, tenantId: string, role: 'owner' | 'staff' = 'owner') {
  const user = await addStaff(deps, tenantId, role);
  return { user, cookie: await staffCookie(deps, tenantId, user.id) };
}
