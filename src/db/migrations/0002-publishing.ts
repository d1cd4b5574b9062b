/**
 * Publishing: the state of each booking's guest page (what was published, where, when, and the
 * last error until a publish succeeds) and the friendly-slug history of each guest site, which
 * backs the edge's key value store so an old slug keeps redirecting (ADR 0009).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table guest_pages (
      tenant_id uuid not null references tenants(id) on delete cascade,
      booking_id text not null,
      site_id uuid not null references sites(id) on delete cascade,
      url text not null,
      page_key text not null,
      page_hash text check (page_hash ~ '^[0-9a-f]{64}$'),
      calendar_hash text check (calendar_hash ~ '^[0-9a-f]{64}$'),
      booking_version integer,
      published_at timestamptz,
      verified_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      failures integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, booking_id),
      foreign key (tenant_id, booking_id) references bookings (tenant_id, id) on delete cascade
    );

    create table friendly_slugs (
      tenant_id uuid not null references tenants(id) on delete cascade,
      site_id uuid not null references sites(id) on delete cascade,
      slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      booking_id text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (site_id, slug),
      foreign key (tenant_id, booking_id) references bookings (tenant_id, id) on delete cascade
    );
    create index friendly_slugs_booking_idx on friendly_slugs (tenant_id, booking_id);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
