/**
 * The `bosun` command line as a user runs it: `node bin/bosun.js …` in its own process, on a fresh
 * data folder (pglite) or a fresh test database through DATABASE_URL (postgres). Each start costs
 * about a second, so each test runs a few commands and checks them together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { type Finished, killAll, oneJsonObject, runBosun } from '../support/processes';

let target: DataTarget;

beforeAll(async () => {
  target = await openDataTarget();
});
afterAll(async () => {
  await killAll();
  await target?.close();
});

const bosun = (...args: string[]) => runBosun(args, target.env());

/** Runs a command that must succeed with `--json`, and returns its one JSON object. */
async function json(...args: string[]): Promise<Record<string, any>> {
  const run = await bosun(...args, '--json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return oneJsonObject(run.stdout);
}

/** A command that must fail: non-zero exit, nothing on stdout, one line on stderr. */
function oneLineError(run: Finished): string {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

const KEY = /^bsk_[A-Za-z0-9_-]{43}$/;
let serviceKeyId: string;
let dashboardKey: string;
let auditCount: number;
/** Each test starts a handful of processes; a busy machine makes each start slower. */
const SLOW = 180_000;

describe('bosun tenant and key', () => {
  it(
    'creates tenants and lists them',
    async () => {
      const created = await json(
        'tenant',
        'create',
        'acme',
        '--name',
        'Acme Charters',
        '--guest-domain',
        'acme.localhost',
        '--timezone',
        'America/Los_Angeles',
      );
      expect(created.tenant).toMatchObject({
        slug: 'acme',
        name: 'Acme Charters',
        guestDomain: 'acme.localhost',
        timezone: 'America/Los_Angeles',
      });

      const text = await bosun('tenant', 'create', 'beta', '--name', 'Beta Boats', '--guest-domain', 'Beta.Localhost');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('beta');

      const list = await bosun('tenant', 'list');
      expect(list.code).toBe(0);
      const rows = list.stdout.split('\n');
      expect(rows.find((r) => r.startsWith('acme'))).toMatch(/acme\s+Acme Charters\s+America\/Los_Angeles\s+acme\.localhost/);
      expect(rows.find((r) => r.startsWith('beta'))).toMatch(/beta\s+Beta Boats\s+UTC\s+beta\.localhost/);
    },
    SLOW,
  );

  it(
    'prints a new key once, alone on stdout (its id and a warning on stderr), and never lists it',
    async () => {
      const plain = await bosun('key', 'create', 'acme', '--kind', 'service', '--label', 'booking site');
      expect(plain.code).toBe(0);
      expect(plain.stdout.endsWith('\n')).toBe(true);
      const serviceKey = plain.stdout.slice(0, -1);
      expect(serviceKey).toMatch(KEY);
      const notice =
        /^Key ([0-9a-f-]{36}) \(service, scopes bookings:read, bookings:write, events:write\) — shown once; store it now\.\n$/.exec(
          plain.stderr,
        );
      expect(notice).not.toBeNull();

      const created = await json('key', 'create', 'acme', '--kind', 'dashboard', '--scope', 'bookings:read,calendar:write');
      expect(created.key).toMatch(/^bdt_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({ kind: 'dashboard', scopes: ['bookings:read', 'calendar:write'], tenant: 'acme' });
      dashboardKey = created.key;

      const text = await bosun('key', 'list', 'acme');
      expect(text.code).toBe(0);
      expect(text.stdout).not.toContain(serviceKey);
      expect(text.stdout).not.toContain(dashboardKey);
      expect(text.stdout).toContain(serviceKey.slice(0, 12));
      expect(text.stdout).toContain('booking site');

      const listed = await json('key', 'list', 'acme');
      expect(JSON.stringify(listed)).not.toContain(serviceKey);
      expect(JSON.stringify(listed)).not.toContain(dashboardKey);
      expect(JSON.stringify(listed)).not.toContain(serviceKey.slice(12));
      expect(listed.keys).toHaveLength(2);
      const service = listed.keys.find((k: { kind: string }) => k.kind === 'service');
      expect(service).toMatchObject({ prefix: serviceKey.slice(0, 12), label: 'booking site', revokedAt: null });
      serviceKeyId = service.id;
      // The id on stderr is the one to revoke the key by; --json carries both.
      expect(notice?.[1]).toBe(serviceKeyId);
      expect(created.id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    },
    SLOW,
  );

  it(
    'revokes a key',
    async () => {
      expect(await json('key', 'revoke', serviceKeyId)).toMatchObject({ id: serviceKeyId, revoked: true });
      const list = await bosun('key', 'list', 'acme');
      expect(list.code).toBe(0);
      const row = list.stdout.split('\n').find((r) => r.startsWith(serviceKeyId));
      // The last column, REVOKED, now holds when.
      expect(row).toMatch(/\s\d{4}-\d{2}-\d{2}T\S+Z$/);
      expect(list.stdout.split('\n').filter((r) => /\d{4}-\d{2}-\d{2}T\S+Z$/.test(r))).toHaveLength(1);
    },
    SLOW,
  );
});

describe('bosun vessel, crew, staff and audit', () => {
  let vesselId: string;

  it(
    'adds a vessel, crew and staff',
    async () => {
      const vessel = await bosun('vessel', 'add', 'acme', 'jada', '--name', 'Jada', '--capacity', '10', '--meeting-point', 'Dock C');
      expect(vessel.code).toBe(0);
      expect(vessel.stdout).toContain('jada');
      const wave = await json('vessel', 'add', 'acme', 'wave', '--name', 'Wave');
      // Capacity defaults to 12 and the time zone to the tenant's.
      expect(wave.vessel).toMatchObject({ slug: 'wave', name: 'Wave', capacity: 12, timezone: 'America/Los_Angeles' });
      vesselId = wave.vessel.id;

      const crew = await json('crew', 'add', 'acme', '--name', 'Casey Captain', '--email', 'casey@acme.test', '--role', 'captain');
      expect(crew.crew).toMatchObject({ name: 'Casey Captain', email: 'casey@acme.test', role: 'captain' });
      const staff = await json('staff', 'add', 'acme', '--name', 'Olive Owner', '--email', 'olive@acme.test', '--role', 'owner');
      expect(staff.staff).toMatchObject({ name: 'Olive Owner', email: 'olive@acme.test', role: 'owner' });
    },
    SLOW,
  );

  it(
    'shows who did what in the audit trail, and one entity with --entity',
    async () => {
      const text = await bosun('audit', 'acme');
      expect(text.code).toBe(0);
      for (const action of ['tenant.created', 'key.created', 'key.revoked', 'vessel.added', 'crew.added', 'staff.added']) {
        expect(text.stdout).toMatch(new RegExp(`operator \\(cli\\)\\s+${action.replace('.', '\\.')}`));
      }
      const all = await json('audit', 'acme');
      expect(all.entries.every((e: { actor: string }) => e.actor === 'operator:cli')).toBe(true);
      // Newest first.
      expect(all.entries[0].action).toBe('staff.added');
      expect(all.entries.at(-1).action).toBe('tenant.created');
      // A key's audit entry never holds the key.
      expect(JSON.stringify(all)).not.toContain(dashboardKey);

      const one = await json('audit', 'acme', '--entity', vesselId);
      expect(one.entries).toHaveLength(1);
      expect(one.entries[0]).toMatchObject({ actor: 'operator:cli', action: 'vessel.added', entity: `vessel:${vesselId}` });
      expect(one.entries[0].after).toMatchObject({ slug: 'wave', capacity: 12 });

      auditCount = all.entries.length;
      expect(await json('jobs')).toEqual({ failed: [] });
    },
    SLOW,
  );
});

describe('bosun with bad input', () => {
  it(
    'names the wrong option on one line, exits non-zero, and writes nothing',
    async () => {
      expect(oneLineError(await bosun('key', 'list', 'nope'))).toMatch(/tenant.*"nope".*not found/i);
      expect(oneLineError(await bosun('crew', 'add', 'acme', '--name', 'X', '--email', 'not-an-email'))).toMatch(/--email.*e-mail/);
      expect(oneLineError(await bosun('vessel', 'add', 'acme', 'dinghy', '--name', 'Dinghy', '--capacity', '0'))).toMatch(
        /--capacity.*at least 1/,
      );
      expect(
        oneLineError(
          await bosun('tenant', 'create', 'gamma', '--name', 'G', '--guest-domain', 'gamma.localhost', '--timezone', 'Mars/Olympus'),
        ),
      ).toMatch(/--timezone.*IANA/);
      expect(oneLineError(await bosun('tenant', 'create', 'acme', '--name', 'Again', '--guest-domain', 'again.localhost'))).toMatch(
        /"acme".*exists.*slug/,
      );
      // A guest site's host is its own: not the installation's, localhost, an IP address or another tenant's.
      expect(oneLineError(await bosun('tenant', 'create', 'gamma', '--name', 'G', '--guest-domain', 'localhost'))).toMatch(
        /--guest-domain is this installation's own host/,
      );
      expect(oneLineError(await bosun('tenant', 'create', 'gamma', '--name', 'G', '--guest-domain', 'beta.localhost'))).toMatch(
        /belongs to a tenant already.*--guest-domain is taken/,
      );
      expect(oneLineError(await bosun('site', 'domain', 'acme', '0x7f.1'))).toMatch(/<new-host> is an IP address/);

      // An unknown kind is refused while parsing: the error comes first, then the usage.
      const kind = await bosun('key', 'create', 'acme', '--kind', 'root');
      expect(kind.code).not.toBe(0);
      expect(kind.stdout).toBe('');
      expect(kind.stderr.split('\n')[0]).toMatch(/--kind.*'root'.*service, dashboard/);

      const tenants = (await json('tenant', 'list')).tenants.map((t: { slug: string; sites: { domain: string }[] }) => [
        t.slug,
        t.sites.map((s) => s.domain),
      ]);
      expect(tenants).toEqual([
        ['acme', ['acme.localhost']],
        ['beta', ['beta.localhost']],
      ]);
      // Every write leaves an audit entry: there is none since the last good command.
      const audit = (await json('audit', 'acme')).entries;
      expect(audit).toHaveLength(auditCount);
      expect(audit[0].action).toBe('staff.added');
    },
    SLOW,
  );

  it(
    'prints one JSON object with the error under --json',
    async () => {
      const vessel = await bosun('vessel', 'add', 'acme', 'dinghy', '--name', 'Dinghy', '--capacity', '0', '--json');
      expect(vessel.code).not.toBe(0);
      expect(oneJsonObject(vessel.stdout).error).toMatchObject({ status: 422, errors: [{ field: '--capacity' }] });

      const kind = await bosun('key', 'create', 'acme', '--kind', 'root', '--json');
      expect(kind.code).not.toBe(0);
      expect(oneJsonObject(kind.stdout).error.detail).toMatch(/--kind/);
    },
    SLOW,
  );
});
