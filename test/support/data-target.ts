/**
 * Where a process-level test keeps Bosun's data: a fresh temporary `BOSUN_DATA_DIR`, and on the
 * postgres project also a fresh test database that `DATABASE_URL` points at. On pglite the data
 * folder holds the embedded database itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/env';
import { createTestDb, type TestDb, testEngine } from './db';
import { childEnv } from './processes';

export type DataTarget = {
  engine: 'pglite' | 'postgres';
  dataDir: string;
  /** The variables that point Bosun at this data (plus `extra`). */
  vars(extra?: Record<string, string>): Record<string, string>;
  /** A child-process environment with only these Bosun variables. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** The configuration Bosun derives from `vars(extra)`. */
  config(extra?: Record<string, string>): Config;
  close(): Promise<void>;
};

export async function openDataTarget(): Promise<DataTarget> {
  const engine = testEngine();
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-data-'));
  let db: TestDb | undefined;
  try {
    if (engine === 'postgres') db = await createTestDb();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const vars = (extra: Record<string, string> = {}) => ({
    BOSUN_DATA_DIR: dataDir,
    BOSUN_DEMO: '0',
    BOSUN_LOG_LEVEL: 'silent',
    ...(db?.url ? { DATABASE_URL: db.url } : {}),
    ...extra,
  });
  return {
    engine,
    dataDir,
    vars,
    env: (extra) => childEnv(vars(extra)),
    config: (extra) => loadConfig(vars(extra)),
    close: async () => {
      try {
        await db?.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
