/**
 * `bosun` runs src compiled once into dist/app (ADR 0029) and builds it again when src has changed. Each
 * test works on a copy of the project in a temporary folder (its node_modules a link to this one's), so
 * the real src and dist are never touched: an edit is picked up by the next command, commands started
 * together after an edit all run it, a stack trace names the src file, and a syntax error is one readable
 * error with a non-zero exit that leaves the previous bundle as it was.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PageInput, type RenderedPage, renderPages } from '../../src/publish/page-files';
import { childEnv, type Finished, killAll, ROOT, startNode } from '../support/processes';

let project: string;
const DESCRIPTION = 'Bosun: charter operations for many operators on one installation.';
/** A few builds and starts per test, on a machine that may be busy. */
const SLOW = 120_000;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'bosun-bundle-'));
  for (const entry of ['bin', 'scripts', 'src']) cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(project, file));
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
});
afterAll(async () => {
  await killAll();
  if (project) rmSync(project, { recursive: true, force: true });
});

/** `bosun <args…>` of the copy, from another working directory, with nothing of this process's Bosun settings. */
async function bosun(...args: string[]): Promise<Finished> {
  const run = startNode([join(project, 'bin', 'bosun.js'), ...args], childEnv({ BOSUN_DATA_DIR: join(project, '.bosun') }));
  return run.exited;
}

/** Replaces `from` (once) with `to` in a file of the copy's src. */
function edit(file: string, from: string, to: string): void {
  const path = join(project, 'src', file);
  const text = readFileSync(path, 'utf8');
  expect(text.split(from)).toHaveLength(2);
  writeFileSync(path, text.replace(from, to));
}

const bundle = () => ({
  code: readFileSync(join(project, 'dist', 'app', 'cli.mjs')),
  fingerprint: readFileSync(join(project, 'dist', 'app', 'fingerprint'), 'utf8'),
});

describe('the bosun bundle', () => {
  it(
    'is built on first use, and an edit to src is picked up by the next command',
    async () => {
      const first = await bosun('--help');
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(DESCRIPTION);
      const built = bundle();
      // Beside it, a new database for first starts, made by the bundled creator (ADR 0030 addendum).
      const madeBy = join(project, 'dist', 'app', 'db-template', 'made-by.json');
      const template = { made: readFileSync(madeBy, 'utf8'), at: statSync(madeBy).mtimeMs };
      expect(JSON.parse(template.made).createDatabase).toMatch(/^[0-9a-f]{64}$/);

      // The same sources: the same bundle, not built again.
      const again = await bosun('--help');
      expect(again.code).toBe(0);
      expect(bundle()).toEqual(built);

      edit('main/cli.ts', DESCRIPTION, 'Bosun, edited: the first change.');
      const edited = await bosun('--help');
      expect(edited.stderr).toBe('');
      expect(edited.code).toBe(0);
      expect(edited.stdout).toContain('Bosun, edited: the first change.');
      expect(edited.stdout).not.toContain(DESCRIPTION);
      expect(bundle().fingerprint).not.toBe(built.fingerprint);
      // An edit that leaves the database creator as it was keeps the template as it was.
      expect({ made: readFileSync(madeBy, 'utf8'), at: statSync(madeBy).mtimeMs }).toEqual(template);

      // A bundle removed by hand is built again, though the sources did not change.
      rmSync(join(project, 'dist', 'app', 'cli.mjs'));
      const rebuilt = await bosun('--help');
      expect(rebuilt.stderr).toBe('');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stdout).toContain('Bosun, edited: the first change.');
    },
    SLOW,
  );

  it(
    'runs the new sources in every command started at once after an edit',
    async () => {
      edit('main/cli.ts', 'Bosun, edited: the first change.', 'Bosun, edited: the second change.');
      const runs = await Promise.all(Array.from({ length: 5 }, () => bosun('--help')));
      for (const run of runs) {
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Bosun, edited: the second change.');
      }
      // Every build renamed its files into place; none left its working folder behind.
      expect(readdirSync(join(project, 'dist'))).toEqual(['app']);
      expect(readdirSync(join(project, 'dist', 'app')).sort()).toEqual([
        'cli.mjs',
        'cli.mjs.map',
        'create-database.mjs',
        'create-database.mjs.map',
        'db-template',
        'fingerprint',
        'render-worker.mjs',
        'render-worker.mjs.map',
      ]);
    },
    SLOW,
  );

  it(
    'names the src file and line in a stack trace',
    async () => {
      edit('main/cli.ts', 'function program(): Command {', "throw new Error('thrown from the edited cli');\nfunction program(): Command {");
      const run = await bosun('--help');
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('thrown from the edited cli');
      expect(run.stderr).toMatch(/src\/main\/cli\.ts:\d+/);
      edit('main/cli.ts', "throw new Error('thrown from the edited cli');\n", '');
    },
    SLOW,
  );

  it(
    'refuses a syntax error in one block, exits non-zero, and keeps the previous bundle',
    async () => {
      const ok = await bosun('--help');
      expect(ok.code).toBe(0);
      const before = bundle();

      edit('domain/text.ts', 'export function toHeaderText(', 'export const = ;\nexport function toHeaderText(');
      const broken = await bosun('tenant', 'list');
      expect(broken.code).toBe(1);
      expect(broken.stdout).toBe('');
      expect(broken.stderr).toMatch(/^bosun: src could not be built:\n/);
      // esbuild's own words: what is wrong, where, and the line itself.
      expect(broken.stderr).toContain('[ERROR] Expected identifier but found "="');
      expect(broken.stderr).toMatch(/src\/domain\/text\.ts:\d+:\d+:/);
      expect(broken.stderr).toContain('export const = ;');
      // One error, said once: no stack trace of the build script after it.
      expect(broken.stderr.match(/\[ERROR\]/g)).toHaveLength(1);
      expect(broken.stderr).not.toMatch(/\n\s+at /);
      expect(bundle()).toEqual(before);
      expect(readdirSync(join(project, 'dist'))).toEqual(['app']);

      edit('domain/text.ts', 'export const = ;\n', '');
      const mended = await bosun('--help');
      expect(mended.stderr).toBe('');
      expect(mended.code).toBe(0);
      expect(mended.stdout).toContain('Bosun, edited: the second change.');
    },
    SLOW,
  );
});

describe("the render pool's worker in the bundle", () => {
  it(
    'loads from dist/app beside the bundle and renders the bytes the sources render',
    async () => {
      const built = await bosun('--help');
      expect(built.code).toBe(0);
      const site = { domain: 'bundle.localhost', tenant: { name: 'Bundle Charters', settings: { accentColor: '#7a1f5c' } } };
      const view = {
        id: 'BNDL2345',
        status: 'confirmed',
        guest: { firstName: 'Avery' },
        partySize: 4,
        vesselName: 'Jada',
        meetingPoint: 'Dock C',
        startsAt: '2027-06-01T17:00:00.000Z',
        endsAt: '2027-06-01T20:00:00.000Z',
        timezone: 'America/Los_Angeles',
        notes: { guest: 'Bring sunscreen' },
        guestPageUrl: 'http://bundle.localhost/g/BNDL2345',
      };
      const inputs: PageInput[] = [
        { bookingId: 'BNDL2345', view, revision: { version: 3, updatedAt: new Date('2027-05-01T12:00:00Z') } },
        { bookingId: 'BROKEN22', view: { id: 'BROKEN22' }, revision: { version: 1, updatedAt: new Date('2027-05-01T12:00:00Z') } },
      ];
      const worker = new Worker(join(project, 'dist', 'app', 'render-worker.mjs'));
      try {
        const answer = await new Promise<{ id: number; results: RenderedPage[] }>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (message: { ready?: true; id?: number; results?: RenderedPage[] }) => {
            if (message.ready) worker.postMessage({ id: 1, site, inputs });
            else resolve(message as { id: number; results: RenderedPage[] });
          });
        });
        expect(answer.id).toBe(1);
        const [page, broken] = answer.results;
        expect(page).toEqual(renderPages(site, inputs)[0]);
        expect(page && 'page' in page ? page.page : '').toContain('Avery');
        // A page that cannot render is answered with its error; the others still render.
        expect(broken).toMatchObject({ bookingId: 'BROKEN22', error: expect.stringContaining('expected') });
      } finally {
        await worker.terminate();
      }
    },
    SLOW,
  );
});
