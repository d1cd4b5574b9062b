/**
 * The operator's command line as a user runs it (`node bin/bosun.js …` on a fresh data folder, or a
 * fresh database through DATABASE_URL): every noun that can be added can be listed, as a table or one
 * JSON object, and an empty list says what to do next; `tenant set` changes settings, validated and
 * audited; `calendar add` does what POST /api/v1/calendar does; `audit` names who and what changed.
 * Each start costs a few seconds, so each test runs several commands and checks them together.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { type Finished, killAll, oneJsonObject, runBosun } from '../support/processes';

let target: DataTarget;
const SLOW = 180_000;

beforeAll(async () => {
  target = await openDataTarget();
});
afterAll(async () => {
  await killAll();
  await target?.close();
});

const bosun = (...args: string[]) => runBosun(args, target.env());

async function json(...args: string[]): Promise<Record<string, any>> {
  const run = await bosun(...args, '--json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return oneJsonObject(run.stdout);
}

async function text(...args: string[]): Promise<string> {
  const run = await bosun(...args);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

function oneLineError(run: Finished): string {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

/** A one-pixel PNG, as `--logo` reads it from a file. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const LOGO_DIR = mkdtempSync(join(tmpdir(), 'bosun-logo-'));
const LOGO_FILE = join(LOGO_DIR, 'logo.png');
writeFileSync(LOGO_FILE, Buffer.from(PIXEL_PNG, 'base64'));

describe('list commands', () => {
  it(
    'say what to do next when there is nothing to list',
    async () => {
      await json(
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
      expect(await text('vessel', 'list', 'acme')).toBe('No vessels yet; add one with bosun vessel add acme <slug> --name <text>.\n');
      expect(await text('crew', 'list', 'acme')).toBe('No crew yet; add one with bosun crew add acme --name <text> --email <addr>.\n');
      expect(await json('booking', 'list', 'acme', '--status', 'hold')).toEqual({ bookings: [] });
      expect(oneLineError(await bosun('vessel', 'list', 'nope'))).toMatch(/Tenant "nope" was not found/);
    },
    SLOW,
  );

  it(
    'show what was added, as a table and as one JSON object',
    async () => {
      await json('vessel', 'add', 'acme', 'jada', '--name', 'Jada', '--capacity', '10', '--meeting-point', 'Dock C');
      await json(
        'crew',
        'add',
        'acme',
        '--name',
        'Casey Captain',
        '--email',
        'casey@acme.test',
        '--role',
        'captain',
        '--phone',
        '+1 619 555 0100',
      );
      await json('staff', 'add', 'acme', '--name', 'Olive Owner', '--email', 'olive@acme.test', '--role', 'owner');

      const vessels = (await text('vessel', 'list', 'acme')).split('\n');
      expect(vessels[0]).toMatch(/^SLUG\s+NAME\s+CAPACITY\s+TURNAROUND\s+TIME ZONE\s+MEETING POINT$/);
      expect(vessels[1]).toMatch(/^jada\s+Jada\s+10\s+0 min\s+America\/Los_Angeles\s+Dock C$/);
      const crew = await json('crew', 'list', 'acme');
      expect(crew.crew).toEqual([
        {
          id: expect.any(String),
          name: 'Casey Captain',
          email: 'casey@acme.test',
          phone: '+1 619 555 0100',
          role: 'captain',
          active: true,
          deactivatedAt: null,
        },
      ]);
      const staff = (await text('staff', 'list', 'acme')).split('\n');
      expect(staff[1]).toMatch(/^[0-9a-f-]{36}\s+Olive Owner\s+owner\s+olive@acme\.test$/);
    },
    SLOW,
  );
});

describe('bosun tenant set', () => {
  it(
    'changes contact, guest information, branding and crew settings; lists repeat an option and can be cleared',
    async () => {
      const set = await json(
        'tenant',
        'set',
        'acme',
        '--contact-email',
        'office@acme.test',
        '--contact-phone',
        '+1 619 555 0123',
        '--what-to-bring',
        'Sunscreen',
        '--what-to-bring',
        'A warm layer',
        '--policy',
        'Free cancellation up to 48 hours before departure.',
        '--accent-color',
        '#0B4F6C',
        '--logo',
        LOGO_FILE,
        '--checklist-opens-hours',
        '72',
        '--crew-reminder-hours',
        '12',
        '--guest-reminder-hours',
        '6',
      );
      expect(set.changed.sort()).toEqual(
        [
          'accentColor',
          'checklistOpensHours',
          'contactEmail',
          'contactPhone',
          'crewReminderHours',
          'guestReminderHours',
          'logoUrl',
          'policies',
          'whatToBring',
        ].sort(),
      );
      expect(set.tenant.settings).toEqual({
        contactEmail: 'office@acme.test',
        contactPhone: '+1 619 555 0123',
        whatToBring: ['Sunscreen', 'A warm layer'],
        policies: ['Free cancellation up to 48 hours before departure.'],
        accentColor: '#0b4f6c',
        logoUrl: `data:image/png;base64,${PIXEL_PNG}`,
        checklistOpensHours: 72,
        crewReminderHours: 12,
        guestReminderHours: 6,
      });

      expect(await text('tenant', 'set', 'acme', '--clear-what-to-bring', '--contact-phone', '', '--name', 'Acme Sailing')).toBe(
        'Updated acme: name, contactPhone, whatToBring. Published guest pages show it after bosun publish acme --all.\n',
      );
      expect(await text('tenant', 'set', 'acme', '--name', 'Acme Sailing')).toBe('No change to acme.\n');
      const after = await json('tenant', 'list');
      expect(after.tenants[0]).toMatchObject({ slug: 'acme', name: 'Acme Sailing' });
    },
    SLOW,
  );

  it(
    'refuses a wrong value naming its option, and changes nothing',
    async () => {
      // Guest pages ask no other host: a logo is inline or on the guest site itself.
      expect(oneLineError(await bosun('tenant', 'set', 'acme', '--logo-url', 'https://acme.example/logo.png'))).toMatch(
        /--logo-url must be an inline image .* or a path on the guest site like \/logo\.png/,
      );
      expect(oneLineError(await bosun('tenant', 'set', 'acme', '--logo', join(LOGO_DIR, 'missing.png')))).toMatch(
        /--logo cannot be read \(ENOENT\)/,
      );
      expect(oneLineError(await bosun('tenant', 'set', 'acme', '--logo', join(LOGO_DIR, 'logo.svg')))).toMatch(
        /--logo must be a \.png, \.jpg, \.gif or \.webp file/,
      );
      const many = oneLineError(
        await bosun('tenant', 'set', 'acme', '--accent-color', 'red', '--contact-email', 'nope', '--checklist-opens-hours', '-1'),
      );
      expect(many).toMatch(/--accent-color must be a colour like #0b4f6c/);
      expect(many).toMatch(/--contact-email must be an e-mail address/);
      expect(many).toMatch(/--checklist-opens-hours must not be negative/);
      expect(oneLineError(await bosun('tenant', 'set', 'acme', '--clear-policies', '--policy', 'x'))).toMatch(
        /--clear-policies or --policy, not both/,
      );
      const json422 = await bosun('tenant', 'set', 'acme', '--accent-color', 'red', '--json');
      expect(oneJsonObject(json422.stdout).error).toMatchObject({ status: 422, errors: [{ field: '--accent-color' }] });
      expect((await json('tenant', 'list')).tenants[0].name).toBe('Acme Sailing');
    },
    SLOW,
  );
});

describe('bosun calendar add and bosun audit', () => {
  it(
    'adds a calendar entry, names a wrong option, and the audit trail says who changed what',
    async () => {
      const added = await json('calendar', 'add', 'acme', '--date', '2026-06-01', '--type', 'holiday', '--title', 'Fleet week');
      expect(added.entry).toMatchObject({ date: '2026-06-01', event_type: 'holiday', booking_id: null, title: 'Fleet week' });
      const bad = oneLineError(
        await bosun('calendar', 'add', 'acme', '--date', '2026-06-31', '--type', 'Holiday!', '--booking', 'NOPE123'),
      );
      expect(bad).toMatch(/--date must be a date like 2026-05-30/);
      expect(bad).toMatch(/--type must be a short lower-case word/);
      expect(
        oneLineError(await bosun('calendar', 'add', 'acme', '--date', '2026-06-02', '--type', 'charter', '--booking', 'NOPE123')),
      ).toMatch(/--booking no booking NOPE123 in this tenant/);

      const audit = (await text('audit', 'acme')).split('\n');
      expect(audit[0]).toMatch(/^WHEN \(UTC\)\s+WHO\s+ACTION\s+ENTITY\s+CHANGES$/);
      expect(audit[1]).toMatch(/operator \(cli\)\s+calendar\.entry_added\s+calendar_entry:[0-9a-f-]{36}/);
      const renamed = audit.find((l) => l.includes('tenant.updated') && l.includes('name '));
      expect(renamed).toContain('name Acme Charters → Acme Sailing');
      const entries = (await json('audit', 'acme')).entries;
      const update = entries.find((e: { action: string; after: { name?: string } }) => e.action === 'tenant.updated' && e.after.name);
      expect(update).toMatchObject({
        who: 'operator (cli)',
        before: { name: 'Acme Charters', contactPhone: '+1 619 555 0123', whatToBring: ['Sunscreen', 'A warm layer'] },
        after: { name: 'Acme Sailing', contactPhone: null, whatToBring: null },
      });
      expect([...update.changes].sort()).toEqual(
        ['contactPhone +1 619 555 0123 → —', 'name Acme Charters → Acme Sailing', 'whatToBring Sunscreen, A warm layer → —'].sort(),
      );
    },
    SLOW,
  );
});
