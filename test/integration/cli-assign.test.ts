/**
 * `bosun assign <tenant> <booking> --email|--crew-id [--role]`: the same service as POST
 * /api/v1/events, so the crew member is on the event and a notice job is queued; errors name the
 * argument at fault, and `--json` prints one object. The command runs in-process here, and once as
 * a real process for what a user sees on the terminal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandRuntime, commands } from '../../src/cli/commands';
import { ValidationError } from '../../src/services/errors';
import { getEvent } from '../../src/services/events';
import { call, makeApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { childEnv, killAll, oneJsonObject, runBosun } from '../support/processes';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let rt: CommandRuntime;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let bookingId: string;
let dataDir: string;

const assign = (args: Record<string, unknown>) => {
  const run = commands.assign;
  if (!run) throw new Error('no assign command');
  return run(rt, args);
};

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  const created = await call(makeApp(t), 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  bookingId = created.json.id;
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-assign-'));
});

afterAll(async () => {
  await killAll();
  await t.close();
  sites.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bosun assign', () => {
  it('puts a crew member on the event by e-mail, in their usual role, and queues their notice', async () => {
    const out = await assign({ tenant: 'alpha', booking: bookingId.toLowerCase(), email: a.captain.email });
    expect(out.text).toBe(`Crew of ${bookingId} on Jada: Casey Captain (captain, invited)`);
    expect(out.json).toMatchObject({ tenant: 'alpha', event_id: bookingId });
    const event = await getEvent(t.deps, a.ctx, bookingId);
    expect(event.booking.crew).toEqual([{ name: 'Casey Captain', role: 'captain', status: 'invited' }]);
    expect(await t.jobs.countByState('crew.notify')).toEqual({ created: 1 });
  });

  it('takes a crew id and a role, and keeps the crew already on the event', async () => {
    const out = await assign({ tenant: 'alpha', booking: bookingId, crewId: a.deckhand.id, role: 'captain' });
    expect(out.text).toBe(`Crew of ${bookingId} on Jada: Casey Captain (captain, invited), Dana Deckhand (captain, invited)`);
    // The JSON is the crew-safe event: no money.
    expect(JSON.stringify(out.json)).not.toContain('840.75');
  });

  it('names the argument at fault', async () => {
    const fields = async (args: Record<string, unknown>) => {
      const err = await assign(args).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).errors?.map((e) => e.field);
    };
    expect(await fields({ tenant: 'alpha', booking: 'NOPE123', email: a.captain.email })).toEqual(['<booking>']);
    expect(await fields({ tenant: 'alpha', booking: bookingId, email: 'nobody@alpha.test', role: 'crew' })).toEqual(['--email']);
    // Another tenant's crew member is unknown here.
    expect(await fields({ tenant: 'alpha', booking: bookingId, crewId: b.captain.id, role: 'crew' })).toEqual(['--crew-id']);
    expect(await fields({ tenant: 'alpha', booking: bookingId })).toEqual(['--email']);
    expect(await fields({ tenant: 'alpha', booking: bookingId, email: a.captain.email, crewId: a.captain.id })).toEqual(['--email']);
    expect(await fields({ tenant: 'alpha', booking: bookingId, email: 'not-an-address' })).toEqual(['--email']);
    await expect(assign({ tenant: 'alpha', booking: bookingId, email: 'nobody@alpha.test' })).rejects.toThrow(
      'Crew member nobody@alpha.test was not found.',
    );
    await expect(assign({ tenant: 'gamma', booking: bookingId, email: a.captain.email })).rejects.toThrow('gamma');
  });

  it('answers on the terminal: one line on stderr, or one JSON object with --json', async () => {
    const env = childEnv({ BOSUN_DATA_DIR: dataDir, BOSUN_DEMO: 'false' });
    const plain = await runBosun(['assign', 'nosuch', 'ABC1234', '--email', 'x@example.com', '--crew-id', 'y'], env);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    const json = await runBosun(['assign', 'nosuch', 'ABC1234', '--email', 'x@example.com', '--json'], env);
    expect(json.code).toBe(1);
    expect(oneJsonObject(json.stdout).error.status).toBe(404);
  });
});
