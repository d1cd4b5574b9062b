/** Looks at what a request left in the database: row counts, queued jobs, and every table as text. */
import type { TestDb } from './db';

/** Rows in the tables a booking request can write, and every queued job. */
export async function countWrites(t: TestDb) {
  const { rows } = await t.handle.executeSql(
    `select (select count(*) from bookings)::int as bookings,
            (select count(*) from audit_log)::int as audit,
            (select count(*) from idempotency_records)::int as idempotency,
            (select count(*) from crew_events)::int as events,
            (select count(*) from assignments)::int as assignments,
            (select count(*) from calendar_entries)::int as calendar,
            (select count(*) from pgboss.job)::int as jobs`,
  );
  const r = rows[0] ?? {};
  return {
    bookings: Number(r.bookings),
    audit: Number(r.audit),
    idempotency: Number(r.idempotency),
    events: Number(r.events),
    assignments: Number(r.assignments),
    calendar: Number(r.calendar),
    jobs: Number(r.jobs),
  };
}

/** Queued jobs named `name`, optionally only those for one booking. */
export async function countJobs(t: TestDb, name: string, bookingId?: string): Promise<number> {
  const { rows } = bookingId
    ? await t.handle.executeSql(`select count(*)::int as n from pgboss.job where name = $1 and data->>'bookingId' = $2`, [name, bookingId])
    : await t.handle.executeSql(`select count(*)::int as n from pgboss.job where name = $1`, [name]);
  return Number(rows[0]?.n);
}

/** Audit actions recorded for one entity, oldest first. */
export async function auditActions(t: TestDb, entityId: string): Promise<string[]> {
  const { rows } = await t.handle.executeSql(`select action from audit_log where entity_id = $1 order by id`, [entityId]);
  return rows.map((r) => String(r.action));
}

/** Every row of every table in `schemas`, each rendered as PostgreSQL's text form of the row. */
export async function dumpTables(t: TestDb, schemas: string[] = ['public']): Promise<{ table: string; rows: string[] }[]> {
  const { rows: tables } = await t.handle.executeSql(
    `select table_schema, table_name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema = any($1::text[])
      order by table_schema, table_name`,
    [schemas],
  );
  const out: { table: string; rows: string[] }[] = [];
  for (const tbl of tables) {
    const name = `"${String(tbl.table_schema)}"."${String(tbl.table_name)}"`;
    const { rows } = await t.handle.executeSql(`select t::text as row from ${name} t`);
    out.push({ table: name, rows: rows.map((r) => String(r.row)) });
  }
  return out;
}
