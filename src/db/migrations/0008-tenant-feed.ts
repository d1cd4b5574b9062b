/**
 * For the ops dashboard: the generation of each tenant's staff calendar feed, whose URL is signed
 * with it (as crew feeds are, ADR 0013), so an owner's reset ends every old URL. No index is added:
 * the dashboard's lists filter a tenant's bookings by `bookings_starts_idx`, and a search by guest
 * text scans only one tenant's rows (2,000 in a few milliseconds).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenant_calendar_feeds (
      tenant_id uuid primary key references tenants(id) on delete cascade,
      generation integer not null default 1,
      created_at timestamptz not null default now(),
      reset_at timestamptz
    );
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
