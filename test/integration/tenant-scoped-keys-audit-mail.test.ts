/**
 * Keys, the audit trail and outgoing mail are read and changed only within the caller's tenant: an ops
 * button wired to `revokeKey` cannot revoke another operator's key. The operator's `bosun key revoke
 * <key-id>` names no tenant and still works: it finds the key's tenant first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { listAudit } from '../../src/services/audit';
import { NotFoundError, ValidationError } from '../../src/services/errors';
import { authenticateKey, createKey, listKeys, revokeKey } from '../../src/services/keys';
import { listOutgoingMail, type MailDeps, sendMailOnce } from '../../src/services/mail';
import { runCommand } from '../support/commands';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let root: string;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let bKey: { id: string; key: string };

const staffOf = (tenant: typeof a) => ({ tenantId: tenant.tenant.id, actor: { kind: 'staff' as const, id: null } });

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  root = mkdtempSync(join(tmpdir(), 'bosun-scoped-'));
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  bKey = await createKey(t.deps, b.ctx.actor, b.tenant.id, { kind: 'service', label: 'bravo website' });
  const mailDeps: MailDeps = {
    ...t.deps,
    mail: { mailer: FileMailer.inDataDir(root), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
  };
  await sendMailOnce(mailDeps, b.tenant.id, {
    kind: 'test-notice',
    dedupeKey: 'bravo-only',
    to: { name: 'Bravo Office', address: 'office@bravo.test' },
    crewMemberId: null,
    bookingId: null,
    prepare: async () => ({ subject: 'For bravo only', text: 'hello', html: '<p>hello</p>', magicLinkId: null }),
  });
});
afterAll(async () => {
  sites.close();
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

describe('keys, audit and mail are scoped to the caller’s tenant', () => {
  it("does not let tenant A revoke tenant B's key: 404 as for no key at all, nothing written, and B's key still works", async () => {
    const before = await countWrites(t);
    const refused = revokeKey(t.deps, staffOf(a), { keyId: bKey.id });
    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
    await expect(refused).rejects.toMatchObject({ status: 404, message: `Key ${bKey.id} was not found.` });
    expect(await countWrites(t)).toEqual(before);
    expect(await authenticateKey(t.deps.db, bKey.key)).toMatchObject({ keyId: bKey.id, tenantId: b.tenant.id });
    expect((await listKeys(t.deps, b.ctx)).find((k) => k.id === bKey.id)?.revokedAt).toBeNull();
  });

  it("lists none of tenant B's keys for tenant A", async () => {
    const aKeys = (await listKeys(t.deps, a.ctx)).map((k) => k.id);
    expect(aKeys).toContain(a.serviceKeyId);
    expect(aKeys).not.toContain(bKey.id);
    expect(aKeys).not.toContain(b.serviceKeyId);
  });

  it("shows tenant A none of tenant B's audit entries, even asked by B's entity id", async () => {
    expect(await listAudit(t.deps, a.ctx, { entityId: bKey.id })).toEqual([]);
    expect((await listAudit(t.deps, a.ctx)).map((e) => e.entity)).not.toContain(`key:${bKey.id}`);
    expect((await listAudit(t.deps, b.ctx, { entityId: bKey.id })).map((e) => e.action)).toEqual(['key.created']);
  });

  it("shows tenant A none of tenant B's outgoing mail", async () => {
    expect(await listOutgoingMail(t.deps, a.ctx)).toEqual([]);
    expect((await listOutgoingMail(t.deps, b.ctx)).map((m) => [m.subject, m.status])).toEqual([['For bravo only', 'sent']]);
  });

  it('answers bad filters with 422 naming the field', async () => {
    await expect(revokeKey(t.deps, a.ctx, { keyId: 'not-a-uuid' })).rejects.toMatchObject({
      status: 422,
      errors: [{ field: 'keyId', message: 'must be a key id (a UUID)' }],
    });
    await expect(listOutgoingMail(t.deps, a.ctx, { status: 'lost' as 'sent' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listAudit(t.deps, a.ctx, { limit: 0 })).rejects.toMatchObject({ errors: [{ field: 'limit' }] });
  });

  it("revokes a key in its own tenant, and the operator's `key revoke <key-id>` finds the key's tenant itself", async () => {
    const own = await createKey(t.deps, a.ctx.actor, a.tenant.id, { kind: 'dashboard' });
    expect(await revokeKey(t.deps, staffOf(a), { keyId: own.id })).toMatchObject({ id: own.id, revoked: true });
    expect(await authenticateKey(t.deps.db, own.key)).toBeNull();

    const rt = { deps: t.deps, sites: sites.deps.sites };
    const out = await runCommand(rt, 'key revoke', { keyId: bKey.id });
    expect(out.text).toBe(`Revoked key ${bKey.id} (${bKey.key.slice(0, 12)}…)`);
    expect(await authenticateKey(t.deps.db, bKey.key)).toBeNull();
    expect((await listAudit(t.deps, b.ctx, { entityId: bKey.id })).map((e) => [e.action, e.who])).toEqual([
      ['key.revoked', 'operator (cli)'],
      ['key.created', 'operator (test)'],
    ]);
    await expect(runCommand(rt, 'key revoke', { keyId: '00000000-0000-4000-8000-000000000000' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(runCommand(rt, 'key revoke', { keyId: 'nope' })).rejects.toMatchObject({ errors: [{ field: '<key-id>' }] });
  });
});
