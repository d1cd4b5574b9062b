/**
 * Guest mail (ADR 0022): each tenant's own wording of a guest mail kind (a missing row is the
 * default), the state `withdrawn`, and what the outbox needs to send mail that a request queued — the text the office
 * wrote, the message-to-many it belongs to, whether it is automatic — and what a delivery answered.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mail_templates (
      tenant_id uuid not null references tenants(id) on delete cascade,
      kind text not null,
      subject text not null,
      body text not null,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, kind)
    );

    alter table outgoing_mail
      add column recipient_name text,
      add column content jsonb,
      add column batch_id uuid,
      add column automatic boolean not null default true,
      add column response text,
      add column attempted_at timestamptz;
    -- A queued automatic mail that no longer applies (its charter cancelled or moved before it went
    -- out) is withdrawn rather than sent.
    alter table outgoing_mail drop constraint outgoing_mail_status_check;
    alter table outgoing_mail add constraint outgoing_mail_status_check
      check (status in ('queued', 'sent', 'failed', 'withdrawn'));
    create index outgoing_mail_batch_idx on outgoing_mail (tenant_id, batch_id) where batch_id is not null;
    create index outgoing_mail_status_idx on outgoing_mail (tenant_id, status, created_at desc);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
