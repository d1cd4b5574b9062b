/**
 * The app is given its signing secret and its client address by the entry point: without them it does
 * not typecheck, and a caller without the types gets a one-line error, never a secret or an address
 * of the app's own (one per process would break sign-in across instances; one for everyone would
 * rate-limit every client as one).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { type AppDeps, createApp } from '../../src/http/app';

const unused = new Proxy(
  {},
  {
    get: (_, name) => {
      throw new Error(`not used here (${String(name)})`);
    },
  },
);

const base = {
  db: unused as never,
  jobs: unused as never,
  clock: { now: () => new Date('2026-11-30T12:00:00Z') },
  guestOrigin: (domain: string) => `https://${domain}`,
  publicHost: 'ops.example.com',
  log: pino({ level: 'silent' }),
  ping: async () => {},
  failureLimits: new InMemoryFailureLimits(),
};
const secret = 'a-signing-secret-of-at-least-32-characters';
const clientAddress = () => '192.0.2.1';

describe('createApp', () => {
  it('does not typecheck without the signing secret or the client address', () => {
    const withoutSecret = () =>
      // @ts-expect-error: signingSecret is required
      createApp({ ...base, clientAddress });
    const withoutAddress = () =>
      // @ts-expect-error: clientAddress is required
      createApp({ ...base, signingSecret: secret });
    expect(withoutSecret).toThrow('createApp: signingSecret must be a string of at least 32 characters');
    expect(withoutAddress).toThrow('createApp: clientAddress must be a function of the request that names the client');
  });

  it.each([
    ['an empty secret', { signingSecret: '' }, /signingSecret/],
    ['a short secret', { signingSecret: 'x'.repeat(31) }, /signingSecret/],
    ['a secret that is not text', { signingSecret: 42 }, /signingSecret/],
    ['an address that is text, not a function', { clientAddress: 'unknown' }, /clientAddress/],
    ['no address at all', { clientAddress: undefined }, /clientAddress/],
  ])('refuses %s in one line', (_, bad, message) => {
    const deps = { ...base, signingSecret: secret, clientAddress, ...bad } as unknown as AppDeps;
    let error: unknown;
    try {
      createApp(deps);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('builds the app with both', async () => {
    const app = createApp({ ...base, signingSecret: secret, clientAddress });
    const res = await app.request('/favicon.ico');
    expect(res.status).toBe(200);
  });
});
