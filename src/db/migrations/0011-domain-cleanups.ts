/**
 * A guest domain a site left, until its objects and slugs are removed (ADR 0007 addendum): one row per
 * domain left, pending while `finished_at` is null. At most one pending cleanup per domain, and no site
 * is given a domain whose cleanup is pending (`services/tenants.ts`).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table domain_cleanups (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      site_id uuid not null references sites(id) on delete cascade,
      domain text not null,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      objects_removed integer not null default 0,
      last_error text,
      last_error_at timestamptz,
      failures integer not null default 0
    );
    create unique index domain_cleanups_pending_idx on domain_cleanups (domain) where finished_at is null;
    create index domain_cleanups_tenant_idx on domain_cleanups (tenant_id, created_at);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
