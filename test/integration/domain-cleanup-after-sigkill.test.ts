/**
 * The cleanup of a domain a site left is durable: a process killed (SIGKILL) right after it moved the
 * site, before any job ran, leaves the `site.cleanup` job behind, and the next process that works jobs
 * empties the old domain, after which another tenant may take it (ADR 0007 addendum).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJobHandlers } from '../../src/jobs/register';
import { compose } from '../../src/main/compose';
import { createLogger } from '../../src/main/runtime';
import { createTenant } from '../../src/services/tenants';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { killAll, ROOT, startNode, waitFor } from '../support/processes';

let target: DataTarget;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  target = await openDataTarget();
});
afterAll(async () => {
  await killAll();
  await close?.();
  await target?.close();
});

/** The files under a domain's folder of the local object store. */
function filesOf(domain: string): string[] {
  const root = join(target.dataDir, 'objects', domain);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe('the cleanup of a domain a site left', () => {
  it('runs after a restart when the process that moved the site was killed before any job ran', async () => {
    const child = startNode(['--import', 'tsx', join(ROOT, 'test', 'support', 'move-site-and-wait.ts')], target.env());
    const moved = waitFor('the moved line', () => /^moved ([A-Z0-9]+)$/m.exec(child.stdout())?.[1], 120_000);
    const exitedEarly = child.exited.then((r) => {
      throw new Error(`the moving process exited (${r.code ?? r.signal}): ${r.stderr}`);
    });
    const id = await Promise.race([moved, exitedEarly]);
    exitedEarly.catch(() => {});
    child.child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    // The page is still under the old domain: nothing removed it before the kill.
    expect(filesOf('harbor.localhost').some((f) => f.toLowerCase().startsWith(id.toLowerCase()))).toBe(true);

    const config = target.config();
    const composed = await compose(config, { role: 'command', log: createLogger(config, 'stderr') });
    close = composed.close;
    const rt = composed.runtime;
    await registerJobHandlers(rt.jobs, { ...rt.deps, mail: rt.mail, sites: rt.sites });
    await waitFor(
      'the cleanup to finish',
      async () => {
        const row = await rt.handle.db
          .selectFrom('domain_cleanups')
          .selectAll()
          .where('domain', '=', 'harbor.localhost')
          .executeTakeFirst();
        return row?.finished_at ? row : undefined;
      },
      60_000,
    );
    expect(filesOf('harbor.localhost')).toEqual([]);
    const other = await createTenant(
      rt.deps,
      { kind: 'operator', id: 'test' },
      {
        slug: 'quay',
        name: 'Quay',
        guestDomain: 'harbor.localhost',
        timezone: 'UTC',
      },
    );
    expect(other.guestDomain).toBe('harbor.localhost');
  }, 240_000);
});
