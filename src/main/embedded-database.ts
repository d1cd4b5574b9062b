/**
 * Creates the embedded database of a data folder when it has none (ADR 0030): it is built and migrated
 * in `db.creating` — for a server by a short-lived child process (`create-database.ts`) — and only once
 * that succeeded is the folder renamed to `db`. When the install made a template of a new database with
 * this build's `create-database` (scripts/build-app.mjs), it is copied instead, which takes a fraction of
 * the time and no WebAssembly memory at all. A first start that fails or is killed leaves no `db`; the next one
 * removes what it left and starts over. The caller holds the data lock (ADR 0005): the child works
 * in a folder no other process opens, on its behalf.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PgBossJobQueue } from '../adapters/pg-boss-job-queue';
import { closeDataFolder } from '../config/data-folder';
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
  /**
   * The child's entry: `create-database` beside this file (tests give another). The install's template
   * beside it is copied instead when that entry made it (`installedTemplate`).
   */
  entry?: string;
};

/** The folder beside the `create-database` bundle where the install keeps a new database to copy (ADR 0030 addendum). */
export const templateFolder = (entry: string) => join(entry, '..', 'db-template');

/** What `made-by.json` of a template records: the digest of the `create-database` bundle that made it. */
type TemplateMadeBy = { createDatabase: string };

export const digestOfFile = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * The template's database beside `entry`, if the `create-database` that is there now made it (so its
 * migrations and job schema are this build's); null when there is none or it is another build's.
 */
export function installedTemplate(entry: string = defaultEntry()): string | null {
  const dir = templateFolder(entry);
  try {
    const madeBy = JSON.parse(readFileSync(join(dir, 'made-by.json'), 'utf8')) as TemplateMadeBy;
    if (madeBy.createDatabase !== digestOfFile(entry)) return null;
    return existsSync(join(dir, 'db', 'PG_VERSION')) ? join(dir, 'db') : null;
  } catch {
    return null;
  }
}

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
  const entry = options.entry ?? defaultEntry();
  const template = installedTemplate(entry);
  // A copy of the install's template takes a fraction of a second; initdb and the migrations a few.
  options.progress?.(`Creating the embedded database in ${target} (first start${template ? '' : ', a few seconds'})…`);
  try {
    if (!(template && copyTemplate(template, creating, options.progress))) {
      if (options.where === 'apart') await runChild(entry, creating);
      else await buildDatabase(creating);
    }
    if (!existsSync(join(creating, 'PG_VERSION'))) throw new Error('the new database has no PG_VERSION');
    renameSync(creating, target);
  } catch (err) {
    rmSync(creating, { recursive: true, force: true });
    throw new DatabaseCreationError(`could not create the embedded database in ${target}: ${(err as Error).message}`);
  }
  options.progress?.(`Created the embedded database in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  return 'created';
}

/**
 * Copies the template into `creating`; false, with nothing left there, when it could not be copied (say,
 * the install's files are not readable by this user): the database is then built as without one.
 */
function copyTemplate(template: string, creating: string, progress?: (line: string) => void): boolean {
  try {
    copyFolder(template, creating);
    // The template is readable by all (any service user may copy it); its copy is the data folder's.
    closeDataFolder(creating);
    return true;
  } catch (err) {
    rmSync(creating, { recursive: true, force: true });
    progress?.(`The installed database template could not be copied (${(err as Error).message.split('\n')[0]}); building one instead…`);
    return false;
  }
}

/**
 * Copies a folder of folders and plain files, and refuses anything else (a link, a pipe, a device) with
 * an error. By hand rather than `fs.cpSync`, whose native implementation in Node 24 skips a pipe without
 * a word and ends the whole process, uncatchably, on some errors (a path too long).
 */
function copyFolder(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyFolder(source, target);
    else if (entry.isFile()) copyFileSync(source, target, constants.COPYFILE_EXCL);
    else throw new Error(`${source} is not a file or a folder`);
  }
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
