/** Every row one tenant owns, in every table with a `tenant_id`, as text: to prove another tenant changed none. */
import type { DbHandle } from '../../src/db/client';

export async function tenantRows(handle: DbHandle, tenantId: string): Promise<Record<string, string[]>> {
  const { rows: tables } = await handle.executeSql(
    `select table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'tenant_id'
      order by table_name`,
  );
  const out: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const name = String(table_name);
    const { rows } = await handle.executeSql(`select t::text as row from public."${name}" t where tenant_id = $1 order by 1`, [tenantId]);
    out[name] = rows.map((r) => String(r.row));
  }
  const { rows } = await handle.executeSql(`select t::text as row from public.tenants t where id = $1`, [tenantId]);
  out.tenants = rows.map((r) => String(r.row));
  return out;
}
