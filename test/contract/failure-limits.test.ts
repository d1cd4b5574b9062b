/**
 * The FailureLimits contract: the in-memory adapter and the PostgreSQL one count the same way — the
 * limit, a window that opens at an address's first failure and ends on the clock, addresses and
 * limits kept apart, concurrent failures each counted once (ADR 0015, 0024).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { PgFailureLimits } from '../../src/adapters/pg-failure-limits';
import type { FailureLimit, FailureLimits } from '../../src/ports/failure-limits';
import { createTestDb, type TestDb } from '../support/db';

const START = new Date('2026-05-01T12:00:00Z');
const SIGN_IN: FailureLimit = { name: 'test-sign-in', limit: 3, windowMs: 15 * 60_000 };
const API: FailureLimit = { name: 'test-api', limit: 3, windowMs: 5 * 60_000 };

let t: TestDb;
let now = START;
const clock = { now: () => now };
const at = (ms: number) => {
  now = new Date(START.getTime() + ms);
};

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  now = START;
  await t.handle.executeSql('delete from failure_windows');
});

const adapters: { name: string; make(): FailureLimits }[] = [
  { name: 'InMemoryFailureLimits', make: () => new InMemoryFailureLimits(clock) },
  { name: 'PgFailureLimits', make: () => new PgFailureLimits(t.handle.db, clock) },
];

/** `n` failures one after another; the waits they were answered with. */
async function failTimes(limits: FailureLimits, limit: FailureLimit, address: string, n: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) waits.push(await limits.fail(limit, address));
  return waits;
}

describe.each(adapters)('$name', ({ make }) => {
  it('answers the failures up to the limit with 0, and each one after it with the seconds left in the window', async () => {
    const limits = make();
    expect(await failTimes(limits, SIGN_IN, '198.51.100.7', 3)).toEqual([0, 0, 0]);
    at(60_000);
    expect(await limits.fail(SIGN_IN, '198.51.100.7')).toBe(14 * 60);
    at(60_000 + 500);
    // Rounded up: half a second left of a second is a second to wait.
    expect(await limits.fail(SIGN_IN, '198.51.100.7')).toBe(14 * 60);
  });

  it('says how long an address over the limit waits without counting, and 0 below it', async () => {
    const limits = make();
    await failTimes(limits, SIGN_IN, '198.51.100.7', 2);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(0);
    await limits.fail(SIGN_IN, '198.51.100.7');
    at(10 * 60_000);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(5 * 60);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(5 * 60);
    expect(await limits.retryAfter(SIGN_IN, '203.0.113.9')).toBe(0);
  });

  it('opens the window at the first failure and ends it on the clock, whatever came later', async () => {
    const limits = make();
    await limits.fail(SIGN_IN, '198.51.100.7');
    at(14 * 60_000);
    await failTimes(limits, SIGN_IN, '198.51.100.7', 2);
    at(14 * 60_000 + 59_000);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(1);
    at(15 * 60_000);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(0);
    // A new window counts from 1 again: three more failures before the address is refused.
    expect(await failTimes(limits, SIGN_IN, '198.51.100.7', 4)).toEqual([0, 0, 0, 15 * 60]);
  });

  it('keeps each address apart', async () => {
    const limits = make();
    await failTimes(limits, SIGN_IN, '198.51.100.7', 3);
    expect(await limits.fail(SIGN_IN, '198.51.100.7')).toBeGreaterThan(0);
    expect(await failTimes(limits, SIGN_IN, '198.51.100.8', 3)).toEqual([0, 0, 0]);
    expect(await failTimes(limits, SIGN_IN, '2001:db8::7', 3)).toEqual([0, 0, 0]);
    // A key made of an address and an e-mail address is its own.
    expect(await failTimes(limits, SIGN_IN, '198.51.100.7 casey@example.test', 3)).toEqual([0, 0, 0]);
  });

  it('keeps each limit apart: failures of one do not count towards another of the same address', async () => {
    const limits = make();
    await failTimes(limits, SIGN_IN, '198.51.100.7', 3);
    expect(await limits.retryAfter(SIGN_IN, '198.51.100.7')).toBe(15 * 60);
    expect(await limits.retryAfter(API, '198.51.100.7')).toBe(0);
    expect(await failTimes(limits, API, '198.51.100.7', 4)).toEqual([0, 0, 0, 5 * 60]);
    expect(limits.anyOver(API)).toBe(true);
  });

  it('knows when some address is over a limit, and forgets it when that window ends', async () => {
    const limits = make();
    expect(limits.anyOver(SIGN_IN)).toBe(false);
    await failTimes(limits, SIGN_IN, '198.51.100.7', 2);
    expect(limits.anyOver(SIGN_IN)).toBe(false);
    await limits.fail(SIGN_IN, '198.51.100.7');
    expect(limits.anyOver(SIGN_IN)).toBe(true);
    expect(limits.anyOver(API)).toBe(false);
    at(15 * 60_000);
    expect(limits.anyOver(SIGN_IN)).toBe(false);
  });

  it('counts each of many concurrent failures of one address once', async () => {
    const limits = make();
    const waits = await Promise.all(Array.from({ length: 12 }, () => limits.fail(SIGN_IN, '198.51.100.7')));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    expect(waits.filter((w) => w === 15 * 60)).toHaveLength(9);
  });
});

describe('PgFailureLimits', () => {
  const windowRows = async () =>
    (await t.handle.executeSql('select limiter, address, count from failure_windows order by limiter, address')).rows;

  it('shares the counts between adapters over one database: failures through one refuse through the other', async () => {
    const first = new PgFailureLimits(t.handle.db, clock);
    const second = new PgFailureLimits(t.handle.db, clock);
    await failTimes(first, SIGN_IN, '198.51.100.7', 2);
    await second.fail(SIGN_IN, '198.51.100.7');
    expect(await first.retryAfter(SIGN_IN, '198.51.100.7')).toBe(15 * 60);
    // The second process knew of no address over the limit until it looked one up.
    const third = new PgFailureLimits(t.handle.db, clock);
    expect(third.anyOver(SIGN_IN)).toBe(false);
    expect(await third.fail(SIGN_IN, '198.51.100.7')).toBe(15 * 60);
    expect(third.anyOver(SIGN_IN)).toBe(true);
  });

  it('keeps one row per limit and address, and deletes ended windows on a later failure', async () => {
    const limits = new PgFailureLimits(t.handle.db, clock);
    await failTimes(limits, SIGN_IN, '198.51.100.7', 5);
    await failTimes(limits, API, '198.51.100.7', 2);
    await limits.fail(API, '198.51.100.8');
    expect(await windowRows()).toEqual([
      { limiter: 'test-api', address: '198.51.100.7', count: 2 },
      { limiter: 'test-api', address: '198.51.100.8', count: 1 },
      { limiter: 'test-sign-in', address: '198.51.100.7', count: 5 },
    ]);
    // The API's windows have ended, the sign-in window has not.
    at(6 * 60_000);
    await limits.fail(SIGN_IN, '203.0.113.9');
    expect(await windowRows()).toEqual([
      { limiter: 'test-sign-in', address: '198.51.100.7', count: 5 },
      { limiter: 'test-sign-in', address: '203.0.113.9', count: 1 },
    ]);
  });
});
