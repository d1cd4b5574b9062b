/**
 * ObjectStore on the local disk: `{root}/{bucket}/{key}`, with the object's metadata in a hidden
 * file beside it (`.{name}.meta.json`). Each file is written to a temporary name in the same folder
 * and renamed over the old one, so a reader never sees a partly written object (ADR 0007).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const etagOf = (hash: string) => `"${hash}"`;

export class FsObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private paths(bucket: string, key: string) {
    assertObjectName(bucket, key);
    const file = join(this.root, bucket, ...key.split('/'));
    return { file, meta: join(dirname(file), `.${basename(file)}.meta.json`) };
  }

  async put(input: PutObjectInput): Promise<{ etag: string; sha256: string }> {
    const { file, meta } = this.paths(input.bucket, input.key);
    const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
    const hash = sha256(body);
    const record: Meta = { contentType: input.contentType, cacheControl: input.cacheControl, sha256: hash, size: body.byteLength };
    await mkdir(dirname(file), { recursive: true });
    await writeAtomically(file, body);
    await writeAtomically(meta, JSON.stringify(record));
    return { etag: etagOf(hash), sha256: hash };
  }

  async get(bucket: string, key: string): Promise<StoredObject | null> {
    const { file, meta } = this.paths(bucket, key);
    const body = await readOrNull(file);
    if (!body) return null;
    const [info, stats] = await Promise.all([readMeta(meta), stat(file).catch(() => null)]);
    // The tag comes from the bytes returned, so it is right even while a put is replacing the file.
    const hash = sha256(body);
    return {
      key,
      body,
      size: body.byteLength,
      contentType: info?.contentType ?? guessType(key),
      cacheControl: info?.cacheControl ?? null,
      etag: etagOf(hash),
      sha256: hash,
      lastModified: stats?.mtime ?? new Date(0),
    };
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    const { file, meta } = this.paths(bucket, key);
    const stats = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (!stats?.isFile()) return null;
    const info = await readMeta(meta);
    const hash = info && info.size === stats.size ? info.sha256 : sha256((await readOrNull(file)) ?? Buffer.alloc(0));
    return {
      key,
      size: stats.size,
      contentType: info?.contentType ?? guessType(key),
      cacheControl: info?.cacheControl ?? null,
      etag: etagOf(hash),
      sha256: hash,
      lastModified: stats.mtime,
    };
  }

  async delete(bucket: string, key: string): Promise<void> {
    const { file, meta } = this.paths(bucket, key);
    await rm(file, { force: true });
    await rm(meta, { force: true });
  }
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

async function readMeta(path: string): Promise<Meta | null> {
  const raw = await readOrNull(path);
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
