/**
 * Staff sign-in: magic links mailed to staff at `/app/login` and the sessions they open, stored only
 * as SHA-256 digests like the crew's (ADR 0021). A staff user can be deactivated instead of deleted,
 * so audit entries keep naming them; a deactivated one has no session and gets no link.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table staff_users add column deactivated_at timestamptz;

    create table staff_magic_links (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      staff_user_id uuid not null references staff_users(id) on delete cascade,
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    );
    create index staff_magic_links_user_idx on staff_magic_links (tenant_id, staff_user_id);

    create table staff_sessions (
      id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
      tenant_id uuid not null references tenants(id) on delete cascade,
      staff_user_id uuid not null references staff_users(id) on delete cascade,
      magic_link_id uuid references staff_magic_links(id) on delete set null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index staff_sessions_user_idx on staff_sessions (tenant_id, staff_user_id);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
