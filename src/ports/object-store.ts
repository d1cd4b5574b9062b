/**
 * ObjectStore port: where guest sites' files live (local folder or S3). A bucket is named after
 * the site's domain; a key is a relative path like `g/xhqgmdh.html`. A `put` is all-or-nothing:
 * a reader sees the old object or the new one, never part of either (ADR 0007).
 */

export type PutObjectInput = {
  /** The site's bucket: its domain, e.g. `demo.localhost`. */
  bucket: string;
  key: string;
  body: Uint8Array | string;
  /** e.g. `text/html; charset=utf-8`. */
  contentType: string;
  /** The `Cache-Control` the edge and browsers receive with the object (ADR 0006). */
  cacheControl: string;
};

export type ObjectInfo = {
  key: string;
  size: number;
  contentType: string;
  cacheControl: string | null;
  /** Quoted entity tag, as HTTP sends it; changes whenever the content does. */
  etag: string;
  /** Hex SHA-256 of the content, as recorded at `put` (null for objects put by other tools). */
  sha256: string | null;
  lastModified: Date;
};

export type StoredObject = ObjectInfo & { body: Buffer };

export interface ObjectStore {
  /** Stores the object atomically, replacing any previous one. Returns its entity tag and SHA-256. */
  put(input: PutObjectInput): Promise<{ etag: string; sha256: string }>;
  /** The object with its content, or null when there is none. */
  get(bucket: string, key: string): Promise<StoredObject | null>;
  /** The object's metadata without its content, or null when there is none. */
  head(bucket: string, key: string): Promise<ObjectInfo | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(bucket: string, key: string): Promise<void>;
  /**
   * The keys of every object in the bucket, sorted; empty for a bucket that holds nothing (or was
   * never written). What a site leaves behind when it leaves its domain is found this way.
   */
  list(bucket: string): Promise<string[]>;
}

export class InvalidObjectNameError extends Error {
  override name = 'InvalidObjectNameError';
}

const BUCKET = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const SEGMENT = /^[A-Za-z0-9_~+@-][A-Za-z0-9._~+@-]*$/;

/**
 * Every adapter accepts the same names: a bucket is a lower-case host name; a key is `/`-separated
 * segments of letters, digits and `._~+@-`, none empty and none starting with a dot (so no `..`,
 * no hidden files, nothing that could leave the bucket's folder on a local disk).
 */
export function assertObjectName(bucket: string, key: string): void {
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw new InvalidObjectNameError(`invalid bucket name ${JSON.stringify(bucket)}`);
  if (key.length === 0 || key.length > 1024 || !key.split('/').every((s) => SEGMENT.test(s))) {
    throw new InvalidObjectNameError(`invalid object key ${JSON.stringify(key)}`);
  }
}
