/**
 * FailureLimits in PostgreSQL (`failure_windows`), shared by every process that serves the
 * installation (ADR 0024): a failure is one upsert that opens or counts up the address's window and
 * returns the count; an ended window is opened anew by the same statement. A failure costs one round
 * trip; a request that does not fail costs none (`anyOver` answers from this process's memory).
 * Ended windows are deleted at most once a minute per process, on a failure.
 */
import { sql } from 'kysely';
import type { Db } from '../db/client';
import { type Clock, systemClock } from '../ports/clock';
import { type FailureLimit, type FailureLimits, secondsUntil } from '../ports/failure-limits';

const PRUNE_EVERY_MS = 60_000;

export class PgFailureLimits implements FailureLimits {
  /** Per limit, until when an address this process counted is over it. */
  readonly #anyOverUntil = new Map<string, number>();
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  async fail(limit: FailureLimit, address: string): Promise<number> {
    const now = this.clock.now();
    const at = now.getTime();
    const end = new Date(at + limit.windowMs);
    // Every expression of `set` reads the row as it was: an ended window starts again at 1.
    const ended = sql<boolean>`failure_windows.window_end <= ${now}`;
    const row = await this.db
      .insertInto('failure_windows')
      .values({ limiter: limit.name, address, window_start: now, window_end: end, count: 1 })
      .onConflict((oc) =>
        oc.columns(['limiter', 'address']).doUpdateSet({
          count: sql<number>`case when ${ended} then 1 else failure_windows.count + 1 end`,
          window_start: sql<Date>`case when ${ended} then excluded.window_start else failure_windows.window_start end`,
          window_end: sql<Date>`case when ${ended} then excluded.window_end else failure_windows.window_end end`,
        }),
      )
      .returning(['count', 'window_end'])
      .executeTakeFirstOrThrow();
    const until = row.window_end.getTime();
    if (row.count >= limit.limit) this.#markOver(limit, until);
    if (at - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#prunedAt = at;
      await this.db.deleteFrom('failure_windows').where('window_end', '<=', now).execute();
    }
    // Over the limit before this failure: this one is its count's limit + 1st or later.
    return row.count > limit.limit ? secondsUntil(until, at) : 0;
  }

  async retryAfter(limit: FailureLimit, address: string): Promise<number> {
    const now = this.clock.now();
    const row = await this.db
      .selectFrom('failure_windows')
      .select(['count', 'window_end'])
      .where('limiter', '=', limit.name)
      .where('address', '=', address)
      .where('window_end', '>', now)
      .executeTakeFirst();
    if (!row || row.count < limit.limit) return 0;
    const until = row.window_end.getTime();
    this.#markOver(limit, until);
    return secondsUntil(until, now.getTime());
  }

  anyOver(limit: FailureLimit): boolean {
    return this.clock.now().getTime() < (this.#anyOverUntil.get(limit.name) ?? 0);
  }

  #markOver(limit: FailureLimit, until: number) {
    if (until > (this.#anyOverUntil.get(limit.name) ?? 0)) this.#anyOverUntil.set(limit.name, until);
  }
}
