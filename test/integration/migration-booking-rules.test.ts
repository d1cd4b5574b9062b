/**
 * Upgrading an installation whose bookings already overlap (the rule is new): the migration keeps
 * every booking as it was, marks the later of each overlapping pair, and enforces the rule from then
 * on; moving a marked booking holds it to the rule again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, openPglite, openPostgres } from '../../src/db/client';
import { migrateToLatest, migrateUpTo } from '../../src/db/migrate';
import { getVesselForNewBooking, listOverlapsKeptFromBefore } from '../../src/db/queries/bookings';
import { testEngine } from '../support/db';
import { adminUrl, databaseUrl } from '../support/pg-url';

let handle: DbHandle;
let drop = async () => {};

beforeAll(async () => {
  if (testEngine() === 'pglite') {
    handle = await openPglite(undefined);
  } else {
    const name = `bosun_mig_${randomBytes(4).toString('hex')}`;
    const admin = await openPostgres(adminUrl(), { max: 1 });
    await admin.executeSql(`create database ${name}`);
    await admin.close();
    handle = await openPostgres(databaseUrl(name), { max: 2 });
    drop = async () => {
      const a = await openPostgres(adminUrl(), { max: 1 });
      await a.executeSql(`drop database if exists ${name} with (force)`);
      await a.close();
    };
  }
});

afterAll(async () => {
  await handle.close();
  await drop();
});

const sql = (text: string, values?: unknown[]) => handle.executeSql(text, values);

describe('migration 0004 over bookings that overlap', () => {
  it('keeps them, marks the later ones, and enforces the rule for everything new', async () => {
    await migrateUpTo(handle.db, '0003-crew-access');
    const { rows } = await sql(
      `with t as (insert into tenants (slug, name, timezone) values ('old', 'Old Charters', 'UTC') returning id),
            v as (insert into vessels (tenant_id, slug, name, capacity, timezone) select id, 'jada', 'Jada', 12, 'UTC' from t returning id, tenant_id)
       select v.id as vessel, v.tenant_id as tenant from v`,
    );
    const { vessel, tenant } = rows[0] as { vessel: string; tenant: string };
    const insert = (id: string, status: string, from: string, to: string, created: string) =>
      sql(
        `insert into bookings (tenant_id, id, status, guest_name, guest_email, party_size, vessel_id, starts_at, ends_at, timezone, created_at)
         values ($1, $2, $3, 'Guest', 'g@example.com', 2, $4, $5, $6, 'UTC', $7)`,
        [tenant, id, status, vessel, from, to, created],
      );
    await insert('FIRST01', 'confirmed', '2030-01-01T10:00Z', '2030-01-01T13:00Z', '2026-01-01T00:00Z');
    await insert('SECOND1', 'confirmed', '2030-01-01T12:00Z', '2030-01-01T15:00Z', '2026-01-02T00:00Z');
    await insert('THIRD01', 'hold', '2030-01-01T14:00Z', '2030-01-01T16:00Z', '2026-01-03T00:00Z');
    await insert('GONE001', 'cancelled', '2030-01-01T10:00Z', '2030-01-01T16:00Z', '2026-01-04T00:00Z');
    await insert('APART01', 'confirmed', '2030-01-02T10:00Z', '2030-01-02T13:00Z', '2026-01-05T00:00Z');

    await migrateToLatest(handle.db);

    const marked = await sql(`select id, overlap_allowed, blocked_until = ends_at as blocked from bookings order by id`);
    expect(marked.rows.map((r) => [r.id, r.overlap_allowed, r.blocked])).toEqual([
      ['APART01', false, true],
      ['FIRST01', false, true],
      ['GONE001', false, true],
      ['SECOND1', true, true],
      // It overlaps only SECOND1, which the rule no longer counts: it stays under the rule.
      ['THIRD01', false, true],
    ]);

    // bosun doctor lists the marked ones still ahead, for a person to move or cancel.
    const kept = await listOverlapsKeptFromBefore(handle.db, tenant, new Date('2029-12-31T00:00Z'));
    expect(kept.map((b) => [b.id, b.vessel_slug])).toEqual([['SECOND1', 'jada']]);
    // A new booking over the kept one alone is not refused by the constraint; a create finds it first.
    const lookup = await getVesselForNewBooking(handle.db, tenant, 'jada', {
      startsAt: new Date('2030-01-01T13:00Z'),
      endsAt: new Date('2030-01-01T13:30Z'),
    });
    expect(lookup?.kept_overlap).toBe('SECOND1');
    expect(await listOverlapsKeptFromBefore(handle.db, tenant, new Date('2030-01-02T00:00Z'))).toEqual([]);

    // From now on the rule holds: a new overlap with the unmarked booking is refused by the database.
    const refused = await sql(
      `insert into bookings (tenant_id, id, status, guest_name, guest_email, party_size, vessel_id, starts_at, ends_at, blocked_until, timezone)
       values ($1, 'NEW0001', 'hold', 'Guest', 'g@example.com', 2, $2, '2030-01-01T11:00Z', '2030-01-01T12:00Z', '2030-01-01T12:00Z', 'UTC')`,
      [tenant, vessel],
    ).catch((err: { code?: string; constraint?: string }) => err);
    expect(refused).toMatchObject({ code: '23P01', constraint: 'bookings_no_overlap' });
    // Clearing the mark of a booking that still overlaps is refused too: it must be moved first.
    const cleared = await sql(`update bookings set overlap_allowed = false where id = 'SECOND1'`).catch((err: { code?: string }) => err);
    expect(cleared).toMatchObject({ code: '23P01' });
    const moved = await sql(
      `update bookings set starts_at = '2030-01-03T10:00Z', ends_at = '2030-01-03T12:00Z', blocked_until = '2030-01-03T12:00Z', overlap_allowed = false where id = 'SECOND1'`,
    );
    expect(moved).toBeDefined();
  });
});
