import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEntry, listAuditEntries } from '../../src/db/queries/audit';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';

let t: TestDb;
let tenantId: string;

beforeAll(async () => {
  t = await createTestDb();
  tenantId = (await makeTenant(t.deps, 'alpha')).tenant.id;
});
afterAll(() => t?.close());

async function entries() {
  return listAuditEntries(t.handle.db, tenantId, { limit: 1000 });
}

describe('the audit log', () => {
  it('refuses an UPDATE and keeps the entry as it was', async () => {
    const before = await entries();
    expect(before.length).toBeGreaterThan(0);
    await expect(sql`update audit_log set action = 'tampered'`.execute(t.handle.db)).rejects.toThrow(/append-only/);
    await expect(
      t.handle.db.updateTable('audit_log').set({ actor_kind: 'system', actor_id: null }).where('tenant_id', '=', tenantId).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(t.handle.executeSql(`update audit_log set after = null where id = $1`, [before[0]?.id])).rejects.toThrow(/append-only/);
    expect(await entries()).toEqual(before);
  });

  it('still takes new entries after a refused update', async () => {
    const count = (await entries()).length;
    await insertAuditEntry(t.handle.db, tenantId, {
      actor: { kind: 'operator', id: 'test' },
      action: 'test.appended',
      entityType: 'tenant',
      entityId: tenantId,
    });
    const after = await entries();
    expect(after).toHaveLength(count + 1);
    expect(after[0]).toMatchObject({ action: 'test.appended', actor_kind: 'operator', actor_id: 'test' });
  });
});
