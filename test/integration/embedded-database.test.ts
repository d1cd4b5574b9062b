/**
 * The embedded database of a first start is created by a short-lived process of its own and moved
 * into place only once it is complete (ADR 0030): `bosun start` on an empty data folder (or on one a
 * killed first start left) migrates and answers; a restart opens the existing database and migrates
 * nothing; a creation that fails, however it fails, leaves no database behind and says why in one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataFolder } from '../../src/config/data-folder';
import { openPglite } from '../../src/db/client';
import { listPendingMigrations } from '../../src/db/migrate';
import {
  buildDatabase,
  creatingFolder,
  DatabaseCreationError,
  databaseFolder,
  digestOfFile,
  ensureEmbeddedDatabase,
  installedTemplate,
  templateFolder,
} from '../../src/main/embedded-database';
import { childEnv, freePort, killAll, type Running, runBosun, startHealthyServer } from '../support/processes';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bosun-embedded-db-'));
});
afterAll(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
});

const CREATING_LINE = /^Creating the embedded database in .*\/db \(first start(, a few seconds)?\)…$/m;

async function stop(server: Running) {
  server.child.kill('SIGTERM');
  const done = await server.exited;
  expect(done.code).toBe(0);
}

/** What the database in `dataDir` has run: each migration with the time it ran, and the job queue's schema version. */
async function readMigrations(dataDir: string) {
  const handle = await openPglite(databaseFolder(dataDir));
  try {
    const { rows } = await handle.executeSql('select name, timestamp as at from kysely_migration order by name');
    const boss = await handle.executeSql('select version from pgboss.version');
    return { migrations: rows, pending: await listPendingMigrations(handle.db), jobSchema: boss.rows[0]?.version };
  } finally {
    await handle.close();
  }
}

describe('bosun start on the embedded database', () => {
  it('creates and migrates the database on a first start (clearing what a killed one left), then a restart migrates nothing', async () => {
    const dataDir = join(root, 'first-start');
    // What a first start killed mid-way leaves: a partial folder, never moved into place.
    mkdirSync(join(creatingFolder(dataDir), 'base'), { recursive: true });
    writeFileSync(join(creatingFolder(dataDir), 'base', 'junk'), 'half a database');
    const port = await freePort();
    const env = childEnv({ BOSUN_DATA_DIR: dataDir, PORT: String(port), BOSUN_DEMO: '0' });
    const origin = `http://127.0.0.1:${port}`;

    const first = await startHealthyServer(env, origin);
    expect(first.stdout()).toMatch(CREATING_LINE);
    // The install made a template with this build's `create-database`: the first start copied it.
    expect(first.stdout()).toMatch(/\(first start\)…$/m);
    expect(first.stdout()).toMatch(/^Created the embedded database in \d+\.\d s\.$/m);
    const tenants = await runBosun(['tenant', 'list', '--json'], env);
    expect(tenants.code).toBe(0);
    await stop(first);
    expect(readdirSync(dataDir)).not.toContain('db.creating');
    const created = await readMigrations(dataDir);
    expect(created.pending).toEqual([]);
    expect(created.migrations.length).toBeGreaterThan(0);
    expect(created.jobSchema).toBeGreaterThan(0);

    const restart = await startHealthyServer(env, origin);
    expect(restart.stdout()).not.toMatch(CREATING_LINE);
    expect(restart.stdout()).toContain(`database: embedded in ${dataDir}/db`);
    await stop(restart);
    // Not one migration ran again: each keeps the time of the first start.
    expect(await readMigrations(dataDir)).toEqual(created);
  }, 240_000);

  it('refuses to start in one line when the database path is not a folder, and leaves it as it was', async () => {
    const dataDir = join(root, 'not-a-folder');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(databaseFolder(dataDir), 'not a database');
    const port = await freePort();
    const done = await runBosun(['start'], childEnv({ BOSUN_DATA_DIR: dataDir, PORT: String(port), BOSUN_DEMO: '0' }));
    expect(done.code).toBe(1);
    expect(done.stderr.trim().split('\n')).toEqual([`bosun: BOSUN_DATA_DIR: ${dataDir}/db is not a folder; move it away and start again`]);
    expect(readFileSync(databaseFolder(dataDir), 'utf8')).toBe('not a database');
    expect(existsSync(creatingFolder(dataDir))).toBe(false);
    // The lock went with the process: nothing claims the folder.
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
  }, 90_000);
});

/** Children that fail the way a creation can fail: each writes part of a database first. */
const FAILING_CHILDREN: { name: string; script: string; says: RegExp }[] = [
  {
    name: 'exits with an error',
    script: `mkdirSync(join(dir, 'base'), { recursive: true }); writeFileSync(join(dir, 'PG_VERSION'), '17');
      process.stderr.write('some detail\\nDatabase migration 0004-booking-rules failed: disk full\\n'); process.exit(1);`,
    says: /: Database migration 0004-booking-rules failed: disk full \(it exited with 1\)$/,
  },
  {
    name: 'is killed',
    script: `mkdirSync(join(dir, 'base'), { recursive: true }); writeFileSync(join(dir, 'PG_VERSION'), '17');
      process.kill(process.pid, 'SIGKILL');`,
    says: /: it was ended by SIGKILL$/,
  },
  {
    name: 'exits 0 without a database',
    script: `mkdirSync(join(dir, 'base'), { recursive: true });`,
    says: /: the new database has no PG_VERSION$/,
  },
  {
    name: 'exits with nothing said',
    script: `writeFileSync(join(dir, 'PG_VERSION'), '17'); process.exit(3);`,
    says: /: it exited with 3$/,
  },
];

describe('a creation that fails', () => {
  for (const failing of FAILING_CHILDREN) {
    it(`leaves no database and one line when the child ${failing.name}`, async () => {
      const dataDir = join(root, `fails-${failing.name.replaceAll(' ', '-')}`);
      mkdirSync(dataDir, { recursive: true });
      const entry = join(root, `${failing.name.replaceAll(' ', '-')}.mjs`);
      writeFileSync(
        entry,
        `import { mkdirSync, writeFileSync } from 'node:fs'; import { join } from 'node:path';
         const dir = process.argv[2]; mkdirSync(dir, { recursive: true }); ${failing.script}`,
      );
      const progress: string[] = [];
      const error = await ensureEmbeddedDatabase(dataDir, { where: 'apart', entry, progress: (line) => progress.push(line) }).catch(
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(DatabaseCreationError);
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(new RegExp(`^could not create the embedded database in ${dataDir}/db`));
      expect(message).toMatch(failing.says);
      expect(readdirSync(dataDir)).toEqual([]);
      expect(progress).toHaveLength(1);
    });
  }
});

/**
 * A template made at install (scripts/build-app.mjs): copied when the `create-database` beside it made
 * it, never when another build's, and a template that cannot be copied leaves the creation to the child.
 */
describe('the database template of the install', () => {
  let templateDb: string;
  beforeAll(async () => {
    // One real database, marked so that a copy of it can be told from a database the child built.
    templateDb = join(root, 'template-source', 'db');
    mkdirSync(join(root, 'template-source'));
    await buildDatabase(templateDb);
    const handle = await openPglite(templateDb);
    try {
      await handle.executeSql('create table template_marker (made text)');
    } finally {
      await handle.close();
    }
  }, 120_000);

  /**
   * An install's folder: a `create-database` entry (which, if it runs, builds a stand-in database that
   * says so) and a template beside it, recorded as made by `madeBy` (the entry's digest unless given).
   */
  function install(name: string, madeBy?: string): string {
    const appDir = join(root, `install-${name}`);
    mkdirSync(appDir, { recursive: true });
    const entry = join(appDir, 'create-database.mjs');
    writeFileSync(
      entry,
      `import { mkdirSync, writeFileSync } from 'node:fs'; import { join } from 'node:path';
       const dir = process.argv[2]; mkdirSync(dir, { recursive: true });
       writeFileSync(join(dir, 'PG_VERSION'), '17'); writeFileSync(join(dir, 'built-by-child'), '');`,
    );
    const template = templateFolder(entry);
    mkdirSync(template, { recursive: true });
    spawnSync('cp', ['-a', templateDb, join(template, 'db')]);
    spawnSync('chmod', ['-R', 'go+rX', template]);
    writeFileSync(join(template, 'made-by.json'), JSON.stringify({ createDatabase: madeBy ?? digestOfFile(entry) }));
    return entry;
  }

  async function hasMarker(dataDir: string): Promise<boolean> {
    const handle = await openPglite(databaseFolder(dataDir));
    try {
      const { rows } = await handle.executeSql("select to_regclass('template_marker') is not null as marked");
      return (rows[0] as { marked: boolean }).marked;
    } finally {
      await handle.close();
    }
  }

  it('copies the template its create-database made: migrated, with the job schema, and the child never runs', async () => {
    const entry = install('current');
    expect(installedTemplate(entry)).toBe(join(templateFolder(entry), 'db'));
    const dataDir = join(root, 'from-template');
    const progress: string[] = [];
    expect(await ensureEmbeddedDatabase(dataDir, { where: 'apart', entry, progress: (line) => progress.push(line) })).toBe('created');
    expect(progress[0]).toBe(`Creating the embedded database in ${dataDir}/db (first start)…`);
    // The template is open to reading; its copy is closed to group and others at once (before PGlite,
    // which sets modes of its own at every opening, ever opens it).
    expect(closeDataFolder(databaseFolder(dataDir))).toEqual([]);
    expect(existsSync(join(databaseFolder(dataDir), 'built-by-child'))).toBe(false);
    expect(await hasMarker(dataDir)).toBe(true);
    const { pending, jobSchema } = await readMigrations(dataDir);
    expect(pending).toEqual([]);
    expect(jobSchema).toBeGreaterThan(0);
    expect(readdirSync(dataDir)).toEqual(['db']);
    // The template itself is untouched, ready for the next folder.
    expect(installedTemplate(entry)).not.toBeNull();
  }, 60_000);

  it("never copies another build's template: a changed create-database builds the database itself", async () => {
    const entry = install('stale', 'a'.repeat(64));
    expect(installedTemplate(entry)).toBeNull();
    const dataDir = join(root, 'stale-template');
    const progress: string[] = [];
    await ensureEmbeddedDatabase(dataDir, { where: 'apart', entry, progress: (line) => progress.push(line) });
    expect(progress[0]).toBe(`Creating the embedded database in ${dataDir}/db (first start, a few seconds)…`);
    expect(existsSync(join(databaseFolder(dataDir), 'built-by-child'))).toBe(true);
    // The same for a template whose record is unreadable, or whose database is missing.
    const breakages: Record<string, (template: string) => void> = {
      unreadable: (template) => writeFileSync(join(template, 'made-by.json'), '{not json'),
      'without a database': (template) => rmSync(join(template, 'db', 'PG_VERSION')),
    };
    for (const [name, breakIt] of Object.entries(breakages)) {
      const other = install(name.replaceAll(' ', '-'));
      breakIt(templateFolder(other));
      expect(installedTemplate(other), name).toBeNull();
    }
  }, 60_000);

  it('builds the database with the child, leaving nothing of the copy, when the template cannot be copied', async () => {
    const entry = install('uncopyable');
    // A template holds folders and plain files only: a named pipe (which cannot be read without a writer)
    // stops the copy part-way, whatever the order the folder is read in.
    const made = spawnSync('mkfifo', [join(templateFolder(entry), 'db', 'zz-pipe')]);
    expect(made.status).toBe(0);
    const dataDir = join(root, 'uncopyable-template');
    const progress: string[] = [];
    await ensureEmbeddedDatabase(dataDir, { where: 'apart', entry, progress: (line) => progress.push(line) });
    expect(progress[1]).toMatch(
      /^The installed database template could not be copied \(.+zz-pipe is not a file or a folder\); building one instead…$/,
    );
    expect(readdirSync(databaseFolder(dataDir)).sort()).toEqual(['PG_VERSION', 'built-by-child']);
    expect(readdirSync(dataDir)).toEqual(['db']);
  }, 60_000);
});
