/** The job worker in the test process, as `bosun start` runs it: mail to a temp folder, pages to the test sites. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMailer } from '../../src/adapters/file-mailer';
import { registerJobHandlers } from '../../src/jobs/register';
import type { TestDb } from './db';
import type { TestSites } from './sites';

/** Registers every job handler on `t`'s queue; `close` removes the mail folder. */
export async function workJobs(t: TestDb, sites: TestSites): Promise<{ mailDir: string; close(): void }> {
  const mailDir = mkdtempSync(join(tmpdir(), 'bosun-jobs-mail-'));
  await registerJobHandlers(t.jobs, {
    ...t.deps,
    mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
    sites: sites.deps.sites,
  });
  return { mailDir, close: () => rmSync(mailDir, { recursive: true, force: true }) };
}
