/**
 * The keys this process found before (ADR 0035): a request presenting one of them costs no query.
 */
import type { KeyKind } from '../db/schema';

/** Who a live key speaks for: its tenant, kind and scopes. */
export type Principal = { keyId: string; tenantId: string; kind: KeyKind; scopes: string[] };

/**
 * What presented keys authenticated to, remembered by this process so that a request with a known key
 * costs no query (ADR 0035). Only where this process makes every change to keys — the embedded
 * database's one owner (ADR 0005), whose CLI runs its commands in-process — so a revocation here is
 * seen by `revokeKey`, which forgets everything: a revoked key fails on its next request, as before.
 * With a PostgreSQL server other processes revoke keys too, and nothing is remembered (no cache).
 * An entry lasts at most `ttlMs` all the same, and failures are never remembered.
 */
export class KeyCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  /** Counts `forget` calls: a look-up that began before one must not store what it read. */
  #generation = 0;

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number } = { ttlMs: 60_000, maxEntries: 10_000 },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The principal remembered for a key's digest, if still fresh. */
  get(digest: string): Principal | undefined {
    const entry = this.#entries.get(digest);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(digest);
      return undefined;
    }
    return entry.principal;
  }

  /** The current generation, to hand back to `remember` once a look-up is done. */
  generation(): number {
    return this.#generation;
  }

  /** Remembers a live key found by a look-up that began at `generation`, unless keys changed since. */
  remember(digest: string, principal: Principal, generation: number): void {
    if (generation !== this.#generation) return;
    if (this.#entries.size >= this.options.maxEntries) this.#entries.clear();
    this.#entries.set(digest, { principal, until: this.now() + this.options.ttlMs });
  }

  /** Forgets every key: called when one is revoked, before and after its transaction. */
  forget(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
