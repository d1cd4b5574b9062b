/** What every page of the ops dashboard knows about its request: who is signed in, their form token, the CSP nonce. */
import type { Context } from 'hono';
import type { TenantContext } from '../../services/context';
import type { StaffPrincipal } from '../../services/staff-access';

export type OpsVariables = {
  staff: StaffPrincipal;
  csrf: string;
  nonce: string;
  /** The change feed's cursor before a page read anything (GET pages): its live stream resumes there. */
  liveSince?: string;
};
export type OpsEnv = { Variables: OpsVariables };

/** The services' context for the signed-in staff user: their tenant, and them as the actor. */
export function staffContext(c: Context<OpsEnv>): TenantContext {
  const s = c.var.staff;
  return { tenantId: s.tenantId, actor: { kind: 'staff', id: s.staffUserId } };
}
