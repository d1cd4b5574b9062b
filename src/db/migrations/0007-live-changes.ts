/**
 * Live changes from the audit log (ADR 0019): each entry records the transaction that wrote it, so a
 * reader can tell which entries are final (every transaction before them has ended), and announces
 * its tenant on `bosun_changes` — delivered only when the transaction commits.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Existing rows all take the migration's own transaction id: they are old news to every reader.
    alter table audit_log add column txid xid8 not null default pg_current_xact_id();
    create index audit_log_change_cursor_idx on audit_log (tenant_id, txid, id);
    -- The poller reads every tenant's entries after its cursor.
    create index audit_log_txid_idx on audit_log (txid, id);

    create function audit_log_announce() returns trigger language plpgsql as $$
    begin
      perform pg_notify('bosun_changes', new.tenant_id::text);
      return null;
    end;
    $$;
    create trigger audit_log_announce after insert on audit_log
      for each row execute function audit_log_announce();
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
