/**
 * EventHub port: tells live streams (Server-Sent Events) that something changed, after it committed.
 * A signal carries ids only — never a view or a row; each stream builds the view its audience may see.
 */

/** What changed about a crew event; dotted like audit actions. */
export type ChangeType =
  | 'event.created'
  | 'event.updated'
  | 'assignment.accepted'
  | 'assignment.declined'
  | 'assignment.removed'
  | 'checklist.ticked'
  | 'checklist.unticked'
  | 'booking.changed';

export type ChangeSignal = {
  tenantId: string;
  bookingId: string;
  type: ChangeType;
  /** The crew member who made the change, when a crew member did. */
  crewMemberId: string | null;
  /** When it committed (ISO 8601). */
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
