/**
 * EventHub port: tells live streams (Server-Sent Events) of committed changes, in the order of the
 * tenant's audit log (ADR 0019). A signal carries ids only — never a view or a row; each stream builds
 * the view its audience may see.
 */

export type ChangeSignal = {
  tenantId: string;
  /** The change's position, `"<txid>-<id>"`: the SSE event id a client sends back to resume. */
  cursor: string;
  /** The audit action, e.g. `booking.created`, `checklist.ticked`, `mail.failed`. */
  action: string;
  entity: { type: string; id: string };
  /** The booking the change concerns, when it concerns one. */
  bookingId: string | null;
  actor: { kind: string; id: string | null };
  /** When it was recorded (ISO 8601). */
  at: string;
};

export type ChangeListener = (signal: ChangeSignal) => void;

export interface EventHub {
  /**
   * Hands `signal` to every listener of its tenant. Call only after the change committed. Never
   * throws and never waits for listeners: a slow or failing stream cannot hold up the change.
   */
  publish(signal: ChangeSignal): void;
  /** Listens to one tenant's signals (and no other's); returns the function that stops listening. */
  subscribe(tenantId: string, listener: ChangeListener): () => void;
  /** Listeners now subscribed: for one tenant, or in all. */
  listenerCount(tenantId?: string): number;
}
