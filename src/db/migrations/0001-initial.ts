/** The first schema: every tenant-owned table carries `tenant_id not null`. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tenants (
      id uuid primary key default gen_random_uuid(),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null,
      timezone text not null,
      settings jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now()
    );

    create table sites (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      domain text not null unique,
      role text not null check (role in ('guest', 'ops')),
      cdn jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now()
    );
    create index sites_tenant_idx on sites (tenant_id);

    create table vessels (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      slug text not null,
      name text not null,
      capacity integer not null check (capacity > 0),
      meeting_point text not null default '',
      timezone text not null,
      created_at timestamptz not null default now(),
      unique (tenant_id, slug),
      unique (tenant_id, id)
    );

    create table crew_members (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      name text not null,
      email text not null,
      phone text,
      role text not null check (role in ('captain', 'crew')),
      created_at timestamptz not null default now(),
      unique (tenant_id, id)
    );
    create unique index crew_members_email_idx on crew_members (tenant_id, lower(email));

    create table staff_users (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      name text not null,
      email text not null,
      role text not null check (role in ('owner', 'staff')),
      created_at timestamptz not null default now()
    );
    create unique index staff_users_email_idx on staff_users (tenant_id, lower(email));

    create table bookings (
      tenant_id uuid not null references tenants(id) on delete cascade,
      id text not null check (id ~ '^[A-Z0-9]{4,16}$'),
      status text not null check (status in ('hold', 'confirmed', 'cancelled', 'completed')),
      guest_name text not null,
      guest_email text not null,
      guest_phone text,
      party_size integer not null check (party_size > 0),
      vessel_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      timezone text not null,
      pricing_total numeric(12, 2),
      currency text check (currency ~ '^[A-Z]{3}$'),
      captain_fee_per_hour numeric(12, 2),
      notes_internal text,
      notes_crew text,
      notes_guest text,
      friendly_slug text,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      -- Composite keys: a booking can only name a vessel of its own tenant.
      foreign key (tenant_id, vessel_id) references vessels (tenant_id, id),
      check (ends_at > starts_at)
    );
    create index bookings_starts_idx on bookings (tenant_id, starts_at);
    create unique index bookings_slug_idx on bookings (tenant_id, friendly_slug) where friendly_slug is not null;

    create table crew_events (
      tenant_id uuid not null,
      booking_id text not null,
      notes text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, booking_id),
      foreign key (tenant_id, booking_id) references bookings (tenant_id, id) on delete cascade
    );

    create table assignments (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null,
      booking_id text not null,
      crew_member_id uuid not null,
      role text not null check (role in ('captain', 'crew')),
      status text not null default 'invited' check (status in ('invited', 'accepted', 'declined')),
      decline_reason text,
      -- When the member was last invited: set again when one who declined is invited anew.
      invited_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, booking_id, crew_member_id),
      foreign key (tenant_id, crew_member_id) references crew_members (tenant_id, id) on delete cascade,
      foreign key (tenant_id, booking_id) references crew_events (tenant_id, booking_id) on delete cascade
    );

    create table calendar_entries (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      date date not null,
      event_type text not null,
      booking_id text,
      title text,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, booking_id) references bookings (tenant_id, id) on delete cascade
    );
    create index calendar_entries_date_idx on calendar_entries (tenant_id, date);

    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      kind text not null check (kind in ('service', 'dashboard')),
      prefix text not null,
      hash text not null unique check (hash ~ '^[0-9a-f]{64}$'),
      scopes text[] not null,
      label text,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_keys_prefix_idx on api_keys (prefix);

    create table idempotency_records (
      tenant_id uuid not null references tenants(id) on delete cascade,
      key text not null,
      request_hash text not null,
      status integer not null,
      body jsonb not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, key)
    );

    create table audit_log (
      id bigserial primary key,
      tenant_id uuid not null references tenants(id) on delete cascade,
      actor_kind text not null check (actor_kind in ('key', 'staff', 'crew', 'system', 'operator')),
      actor_id text,
      action text not null,
      entity_type text not null,
      entity_id text not null,
      before jsonb,
      after jsonb,
      created_at timestamptz not null default now()
    );
    create index audit_log_entity_idx on audit_log (tenant_id, entity_id, id);

    -- The audit log is append-only: rows are never changed or removed (only with their tenant).
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end;
    $$;
    create trigger audit_log_no_update before update on audit_log
      for each row execute function audit_log_append_only();
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
