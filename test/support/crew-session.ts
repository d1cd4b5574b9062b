/** A signed-in crew member for tests: a magic link issued and used, as following a mailed link does. */

import type { ServiceDeps } from '../../src/services/context';
import { issueMagicLink, signInWithMagicLink } from '../../src/services/crew-access';

/** The `Cookie` header value of a fresh crew session for `crewMemberId` of `tenantId`. */
export async function crewCookie(deps: ServiceDeps, tenantId: string, crewMemberId: string): Promise<string> {
  const link = await deps.db
    .transaction()
    .execute((tx) => issueMagicLink(tx, tenantId, { crewMemberId, purpose: 'login', now: deps.clock.now() }));
  const result = await signInWithMagicLink(deps, link.token);
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  return `bosun_crew=${result.session}`;
}
