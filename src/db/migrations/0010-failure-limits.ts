/**
 * Failure limits shared by every process that serves an installation (ADR 0024): one row per limit
 * and client address, its window and its count, counted up by one upsert per failure. Rows whose
 * window has ended are dead and deleted now and then (by `window_end`); a missing row is a count of 0.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table failure_windows (
      limiter text not null,
      address text not null,
      window_start timestamptz not null,
      window_end timestamptz not null,
      count integer not null check (count > 0),
      primary key (limiter, address)
    );
    create index failure_windows_end_idx on failure_windows (window_end);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
