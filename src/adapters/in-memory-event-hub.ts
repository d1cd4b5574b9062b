/**
 * EventHub within one process: listeners per tenant in a map. Each instance's change feed fills its
 * own hub from the committed audit log, so several instances need nothing more (ADR 0019).
 */
import type { ChangeListener, ChangeSignal, EventHub } from '../ports/event-hub';

export class InMemoryEventHub implements EventHub {
  readonly #byTenant = new Map<string, Set<ChangeListener>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  publish(signal: ChangeSignal): void {
    const listeners = this.#byTenant.get(signal.tenantId);
    if (!listeners) return;
    // A copy: a listener may unsubscribe while we iterate.
    for (const listener of [...listeners]) {
      try {
        listener(signal);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(tenantId: string, listener: ChangeListener): () => void {
    let listeners = this.#byTenant.get(tenantId);
    if (!listeners) {
      listeners = new Set();
      this.#byTenant.set(tenantId, listeners);
    }
    listeners.add(listener);
    return () => {
      const set = this.#byTenant.get(tenantId);
      if (!set) return;
      set.delete(listener);
      if (set.size === 0) this.#byTenant.delete(tenantId);
    };
  }

  listenerCount(tenantId?: string): number {
    if (tenantId !== undefined) return this.#byTenant.get(tenantId)?.size ?? 0;
    let n = 0;
    for (const set of this.#byTenant.values()) n += set.size;
    return n;
  }
}
