/**
 * ObjectStore on the local disk: `{root}/{bucket}/{key}`. Each file is written to a temporary name
 * in the same folder and renamed over the old one, so a reader never sees a partly written object
 * (ADR 0007). An object's metadata is what its key implies — the content type of its extension and
 * the store's default cache control — unless it was put with other metadata, which is then kept in a
 * hidden file beside it (`.{name}.meta.json`).
 *
 * Small objects (guest pages, calendars: a few KB) are written and read with synchronous calls: a
 * thread-pool round trip per call, and concurrent creates contending for one folder, cost several
 * times the write itself. Larger ones go through the thread pool, so the event loop never waits long.
 * What `head` answers is remembered by the file's identity (inode, size, modification and change
 * times): every put renames a new file into place, so a file that stats the same holds the same
 * bytes, and a repeated `head` (a republish finding pages unchanged) costs one `stat`, not a read.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { assertObjectName, type ObjectInfo, type ObjectStore, type PutObjectInput, type StoredObject } from '../ports/object-store';

const metaSchema = z.object({
  contentType: z.string(),
  cacheControl: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});
type Meta = z.infer<typeof metaSchema>;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  ics: 'text/calendar; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

/** Objects up to this size are written and read synchronously. */
const SMALL = 64 * 1024;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const etagOf = (hash: string) => `"${hash}"`;

export type FsObjectStoreOptions = {
  /** The cache control of an object put without a metadata file (the one guest sites use). */
  defaultCacheControl?: string | null;
};

/** How many files' answers `head` remembers; past it, it starts again. */
const KNOWN_MAX = 100_000;

/** A file's identity: a different file, or the same one written to, stats differently. */
const identityOf = (s: Stats) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

export class FsObjectStore implements ObjectStore {
  private readonly defaultCacheControl: string | null;
  /** Folders known to exist, so a put does not ask again. */
  private readonly folders = new Set<string>();
  /** What `head` answered for a file, by its path, with the identity of the file it answered for. */
  private readonly known = new Map<string, { identity: string; hash: string; info: Meta | null }>();

  constructor(
    private readonly root: string,
    options: FsObjectStoreOptions = {},
  ) {
    this.defaultCacheControl = options.defaultCacheControl ?? null;
  }

  private paths(bucket: string, key: string) {
    assertObjectName(bucket, key);
    const file = join(this.root, bucket, ...key.split('/'));
    return { file, meta: join(dirname(file), `.${basename(file)}.meta.json`) };
  }

  async put(input: PutObjectInput): Promise<{ etag: string; sha256: string }> {
    const { file, meta } = this.paths(input.bucket, input.key);
    const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
    const hash = sha256(body);
    const implied = input.contentType === guessType(input.key) && input.cacheControl === this.defaultCacheControl;
    const record: Meta = { contentType: input.contentType, cacheControl: input.cacheControl, sha256: hash, size: body.byteLength };
    const folder = dirname(file);
    if (body.byteLength <= SMALL) {
      if (!this.folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        this.folders.add(folder);
      }
      // The stale metadata goes first: a reader in between sees the old bytes with what their key implies.
      if (implied) unlinkIfThere(meta);
      let written: Stats;
      try {
        written = writeAtomicallySync(file, body);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The folder was removed since it was made: make it again.
        mkdirSync(folder, { recursive: true });
        written = writeAtomicallySync(file, body);
      }
      if (!implied) writeAtomicallySync(meta, JSON.stringify(record));
      this.remember(file, written, hash, implied ? null : record);
    } else {
      await mkdir(folder, { recursive: true });
      if (implied) await rm(meta, { force: true });
      await writeAtomically(file, body);
      if (!implied) await writeAtomically(meta, JSON.stringify(record));
    }
    return { etag: etagOf(hash), sha256: hash };
  }

  async get(bucket: string, key: string): Promise<StoredObject | null> {
    const { file, meta } = this.paths(bucket, key);
    const stats = statOrNull(file);
    const body = stats && (await readBody(file, stats.size));
    if (!stats || !body) return null;
    // The tag comes from the bytes returned, so it is right even while a put is replacing the file;
    // metadata recorded for other bytes (a put cut short between its two renames) is not theirs.
    const hash = sha256(body);
    const recorded = readMeta(meta);
    return { ...this.describe(key, body.byteLength, hash, recorded?.sha256 === hash ? recorded : null, stats), body };
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    const { file, meta } = this.paths(bucket, key);
    const stats = statOrNull(file);
    if (!stats) {
      this.known.delete(file);
      return null;
    }
    const known = this.known.get(file);
    if (known?.identity === identityOf(stats)) return this.describe(key, stats.size, known.hash, known.info, stats);
    const info = readMeta(meta);
    if (info && info.size === stats.size) return this.describe(key, stats.size, info.sha256, info, stats);
    const body = await readBody(file, stats.size);
    if (!body) return null;
    const hash = sha256(body);
    // Remembered only when the file did not change while it was read.
    const after = statOrNull(file);
    if (after && identityOf(after) === identityOf(stats)) this.remember(file, stats, hash, info);
    return this.describe(key, stats.size, hash, info, stats);
  }

  private remember(file: string, stats: Stats, hash: string, info: Meta | null): void {
    if (this.known.size >= KNOWN_MAX) this.known.clear();
    this.known.set(file, { identity: identityOf(stats), hash, info });
  }

  /** The object's metadata: as recorded beside it, else what its key implies. */
  private describe(key: string, size: number, hash: string, info: Meta | null, stats: Stats): ObjectInfo {
    return {
      key,
      size,
      contentType: info?.contentType ?? guessType(key),
      cacheControl: info ? info.cacheControl : this.defaultCacheControl,
      etag: etagOf(hash),
      sha256: hash,
      lastModified: stats.mtime,
    };
  }

  async delete(bucket: string, key: string): Promise<void> {
    const { file, meta } = this.paths(bucket, key);
    this.known.delete(file);
    await rm(file, { force: true });
    await rm(meta, { force: true });
  }

  async list(bucket: string): Promise<string[]> {
    assertObjectName(bucket, 'x');
    const keys: string[] = [];
    const walk = async (folder: string, prefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const entry of entries) {
        // Metadata files and temporary names start with a dot, which no key does (assertObjectName).
        if (entry.name.startsWith('.')) continue;
        if (entry.isDirectory()) await walk(join(folder, entry.name), `${prefix}${entry.name}/`);
        else if (entry.isFile()) keys.push(`${prefix}${entry.name}`);
      }
    };
    await walk(join(this.root, bucket), '');
    return keys.sort();
  }
}

// A temporary name no other writer uses: this process's random tag and a counter (drawing random
// bytes for each file cost more than writing it).
const PROCESS_TAG = randomBytes(4).toString('hex');
let written = 0;
const tempFor = (path: string) => join(dirname(path), `.${basename(path)}.${PROCESS_TAG}-${(written++).toString(36)}.tmp`);

/** Writes the file under a temporary name and renames it into place; returns the written file's stats. */
function writeAtomicallySync(path: string, data: Uint8Array | string): Stats {
  const temp = tempFor(path);
  try {
    const fd = openSync(temp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at);
      renameSync(temp, path);
      // After the rename, which changes the file's change time.
      return fstatSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temp = tempFor(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** A file's bytes (null when it is gone), read synchronously when it is small. */
function readBody(path: string, size: number): Buffer | null | Promise<Buffer | null> {
  return size <= SMALL ? readOrNullSync(path) : readOrNull(path);
}

/** Removes a file if there is one (one call: `rmSync` looks before it removes). */
function unlinkIfThere(path: string): void {
  if (!existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if (!MISSING.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
}

/** The file's stats, or null when there is no file there. */
function statOrNull(path: string): Stats | null {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : null;
  } catch (err) {
    if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

function readOrNullSync(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if (MISSING.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

function readMeta(path: string): Meta | null {
  // Most objects have none: asking first costs less than the error a failed read makes.
  if (!existsSync(path)) return null;
  const raw = readOrNullSync(path);
  if (!raw) return null;
  try {
    const parsed = metaSchema.safeParse(JSON.parse(raw.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function guessType(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
