/**
 * The data folder belongs to the user Bosun runs as, and to nobody else: folders 0700, files 0600.
 * New files get it from the process's umask (0077, set by the entry points); what was written
 * otherwise — by an older Bosun, by hand, or by the embedded database, which sets its files' modes
 * itself — is closed by `closeDataFolder`, and `findOpenEntries` names it for `bosun doctor`.
 */
import { chmodSync, type Dirent, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Group and others get nothing: new folders are 0700, new files 0600. */
export const PRIVATE_UMASK = 0o077;

/** A file or folder that grants a permission to group or others, by its path within the data folder. */
export type OpenEntry = { path: string; mode: number };

/** Makes every file and folder this process creates from now on private to its user. */
export function restrictNewFiles(): void {
  // A worker thread cannot change the process's umask (Node refuses); its process decides.
  if (isMainThread) process.umask(PRIVATE_UMASK);
}

/** Creates the data folder (0700) if it is missing. */
export function ensureDataFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Every entry under `dir` (itself included, as `.`) whose mode grants anything to group or others,
 * in walk order; at most `limit`. Symbolic links are neither reported (their mode means nothing)
 * nor followed. A missing folder has none.
 */
export function findOpenEntries(dir: string, limit = Number.POSITIVE_INFINITY): OpenEntry[] {
  const open: OpenEntry[] = [];
  walk(dir, '.', (path, mode) => {
    if (mode & 0o077) open.push({ path, mode: mode & 0o7777 });
    return open.length < limit;
  });
  return open;
}

/**
 * Takes group's and others' permissions away from every entry under `dir` (the owner's stay as they
 * were); returns what was changed. Entries that vanish meanwhile are skipped.
 */
export function closeDataFolder(dir: string): OpenEntry[] {
  const changed: OpenEntry[] = [];
  walk(dir, '.', (path, mode, absolute) => {
    if (mode & 0o077) {
      try {
        chmodSync(absolute, mode & 0o700);
        changed.push({ path, mode: mode & 0o7777 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return true;
  });
  return changed;
}

/** `0644`-style text of a mode. */
export const modeText = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** Calls `visit` with each entry's relative path and mode (symlinks not followed); stops when it returns false. */
function walk(root: string, relative: string, visit: (path: string, mode: number, absolute: string) => boolean): boolean {
  const absolute = relative === '.' ? root : join(root, relative);
  let stats: Stats;
  try {
    stats = lstatSync(absolute);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  // Symbolic links always read 0777 and are not followed: nothing to close, nothing to report.
  if (stats.isSymbolicLink()) return true;
  if (!visit(relative, stats.mode, absolute)) return false;
  if (!stats.isDirectory()) return true;
  let entries: Dirent[];
  try {
    entries = readdirSync(absolute, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  for (const entry of entries) {
    if (!walk(root, relative === '.' ? entry.name : join(relative, entry.name), visit)) return false;
  }
  return true;
}
