/**
 * Publishing committed changes to live streams (ADR 0014). A signal carries ids only; streams build
 * each audience's view from it (services/live.ts).
 */
import type { ChangeType } from '../ports/event-hub';
import type { ServiceDeps } from './context';

/** Tells the tenant's live streams of a committed change. Call after the transaction, never inside. */
export function publishChange(
  deps: Pick<ServiceDeps, 'live' | 'clock'>,
  change: { tenantId: string; bookingId: string; type: ChangeType; crewMemberId?: string | null },
): void {
  deps.live?.publish({
    tenantId: change.tenantId,
    bookingId: change.bookingId,
    type: change.type,
    crewMemberId: change.crewMemberId ?? null,
    at: deps.clock.now().toISOString(),
  });
}
