/**
 * Crew access: outgoing mail (the record of every message, for the dashboard), crew magic links and
 * crew sessions (stored only as SHA-256 digests), checklist ticks, the calendar-feed generation that
 * resetting a feed URL bumps, and an assignment revision for feed SEQUENCE numbers. Every table
 * carries `tenant_id not null`.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table crew_magic_links (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null references tenants(id) on delete cascade,
      crew_member_id uuid not null references crew_members(id) on delete cascade,
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      purpose text not null check (purpose in ('assignment', 'login')),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    );
    create index crew_magic_links_member_idx on crew_magic_links (tenant_id, crew_member_id);

    create table crew_sessions (
      id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
      tenant_id uuid not null references tenants(id) on delete cascade,
      crew_member_id uuid not null references crew_members(id) on delete cascade,
      magic_link_id uuid references crew_magic_links(id) on delete set null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index crew_sessions_member_idx on crew_sessions (tenant_id, crew_member_id);

    create table outgoing_mail (
      id uuid primary key,
      tenant_id uuid not null references tenants(id) on delete cascade,
      kind text not null,
      dedupe_key text not null,
      recipient text not null,
      crew_member_id uuid references crew_members(id) on delete set null,
      booking_id text,
      subject text not null default '',
      message_id text not null unique,
      status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
      attempts integer not null default 0,
      error text,
      magic_link_id uuid references crew_magic_links(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      sent_at timestamptz,
      unique (tenant_id, dedupe_key)
    );
    create index outgoing_mail_recent_idx on outgoing_mail (tenant_id, created_at desc);
    create index outgoing_mail_booking_idx on outgoing_mail (tenant_id, booking_id);

    create table checklist_ticks (
      tenant_id uuid not null,
      booking_id text not null,
      item text not null,
      crew_member_id uuid references crew_members(id) on delete set null,
      ticked_at timestamptz not null default now(),
      primary key (tenant_id, booking_id, item),
      foreign key (tenant_id, booking_id) references bookings (tenant_id, id) on delete cascade
    );

    -- Counts an assignment's changes of status, so a calendar feed's SEQUENCE rises on every answer.
    alter table assignments add column revision integer not null default 0;
    create function assignments_bump_revision() returns trigger language plpgsql as $$
    begin
      if new.status is distinct from old.status then
        new.revision := old.revision + 1;
      end if;
      return new;
    end;
    $$;
    create trigger assignments_revision before update on assignments
      for each row execute function assignments_bump_revision();

    create table crew_calendar_feeds (
      tenant_id uuid not null references tenants(id) on delete cascade,
      crew_member_id uuid not null references crew_members(id) on delete cascade,
      generation integer not null default 1,
      created_at timestamptz not null default now(),
      reset_at timestamptz,
      primary key (tenant_id, crew_member_id)
    );
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
