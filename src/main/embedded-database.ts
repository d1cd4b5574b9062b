/**
 * Creates the embedded database of a data folder when it has none (ADR 0030): it is built and migrated
 * in `db.creating` — for a server by a short-lived child process (`create-database.ts`) — and only once
 * that succeeded is the folder renamed to `db`. A first start that fails or is killed leaves no `db`; the next one
 * removes what it left and starts over. The caller holds the data lock (ADR 0005): the child works
 * in a folder no other process opens, on its behalf.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PgBossJobQueue } from '../adapters/pg-boss-job-queue';
import { openPglite } from '../db/client';
import { migrateToLatest } from '../db/migrate';

/** The database's folder within the data folder. */
export const databaseFolder = (dataDir: string) => join(dataDir, 'db');

/** Where a database is built before it is moved into place. */
export const creatingFolder = (dataDir: string) => join(dataDir, 'db.creating');

export class DatabaseCreationError extends Error {}

export type CreateOptions = {
  /**
   * Where the database is built: `apart`, in a short-lived child process (a long-lived server, whose
   * WebAssembly memory would never shrink again), or `here` (a command, which exits soon anyway).
   */
  where: 'apart' | 'here';
  /** Told when a database is created, before (it takes a few seconds) and after. */
  progress?: (line: string) => void;
  /** The child's entry: `create-database` beside this file (tests give another). */
  entry?: string;
};

/** Builds a new, migrated database with the job queue's schema in `dir`, and closes it. */
export async function buildDatabase(dir: string): Promise<void> {
  const handle = await openPglite(dir);
  try {
    await migrateToLatest(handle.db);
    const jobs = await PgBossJobQueue.start(handle, { supervise: false, migrate: true });
    await jobs.stop();
  } finally {
    await handle.close();
  }
}

/**
 * Returns `'existing'` when the data folder has a database, else creates one and returns `'created'`.
 * Throws a `DatabaseCreationError` of one line when the child fails; nothing is left at `db` then.
 */
export async function ensureEmbeddedDatabase(dataDir: string, options: CreateOptions): Promise<'existing' | 'created'> {
  const target = databaseFolder(dataDir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      throw new DatabaseCreationError(`BOSUN_DATA_DIR: ${target} is not a folder; move it away and start again`);
    }
    // An empty folder is what an older Bosun made before opening a new database: nothing to keep.
    if (readdirSync(target).length > 0) return 'existing';
    rmdirSync(target);
  }
  const creating = creatingFolder(dataDir);
  // Left by a first start that was killed: never opened as a database, so removed whole.
  rmSync(creating, { recursive: true, force: true });
  const started = performance.now();
  options.progress?.(`Creating the embedded database in ${target} (first start, a few seconds)…`);
  try {
    if (options.where === 'apart') await runChild(options.entry ?? defaultEntry(), creating);
    else await buildDatabase(creating);
    if (!existsSync(join(creating, 'PG_VERSION'))) throw new Error('the new database has no PG_VERSION');
    renameSync(creating, target);
  } catch (err) {
    rmSync(creating, { recursive: true, force: true });
    throw new DatabaseCreationError(`could not create the embedded database in ${target}: ${(err as Error).message}`);
  }
  options.progress?.(`Created the embedded database in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  return 'created';
}

/** `create-database` beside this module, as source (run through tsx) or as built JavaScript. */
function defaultEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return join(here, '..', `create-database${extname(here)}`);
}

function runChild(entry: string, dir: string): Promise<void> {
  // TypeScript sources (the tests run src as it is) go through tsx (found from here, whatever the working
  // directory); built JavaScript runs as it is.
  const loader = entry.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, entry, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const said = lastLine(stderr);
      const how = signal ? `it was ended by ${signal}` : `it exited with ${code}`;
      reject(new Error(said ? `${said} (${how})` : how));
    });
  });
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}
