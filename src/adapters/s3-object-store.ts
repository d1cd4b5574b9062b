/**
 * ObjectStore on S3 or an S3-compatible server. `BOSUN_OBJECT_STORE=s3://BUCKET[/PREFIX]?region=…&endpoint=…`:
 * a site's objects live in BUCKET under `PREFIX/{site domain}/`, so one bucket serves every site and
 * a CloudFront origin path of `/PREFIX/{domain}` maps a distribution onto its site (ADR 0007).
 * Each object carries its SHA-256 as user metadata; S3 makes every PUT atomic.
 */

import { createHash } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { assertObjectName, type ObjectInfo, type ObjectStore, type PutObjectInput, type StoredObject } from '../ports/object-store';

export type S3Location = {
  bucket: string;
  prefix: string;
  /** From the URL; absent: the AWS SDK's own chain (AWS_REGION, profile). */
  region: string | undefined;
  endpoint: string | undefined;
  forcePathStyle: boolean;
};

const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'the bucket must be 3–63 lower-case letters, digits, dots or dashes');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Parses `s3://BUCKET[/PREFIX][?region=R&endpoint=URL&forcePathStyle=true]`; throws with what is wrong. */
export function parseS3Url(raw: string): S3Location {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an s3://bucket[/prefix] URL');
  }
  if (url.protocol !== 's3:') throw new Error('must start with s3://');
  const bucket = bucketName.safeParse(url.hostname);
  if (!bucket.success) throw new Error(bucket.error.issues[0]?.message ?? 'invalid bucket');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefix && !prefix.split('/').every((s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== '.' && s !== '..')) {
    throw new Error('the prefix may hold letters, digits, dots, dashes and underscores between slashes');
  }
  const known = new Set(['region', 'endpoint', 'forcePathStyle']);
  for (const name of url.searchParams.keys())
    if (!known.has(name)) throw new Error(`unknown parameter "${name}" (known: ${[...known].join(', ')})`);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error('endpoint must be an http:// or https:// URL');
  const style = url.searchParams.get('forcePathStyle');
  const parsedStyle = style === null ? null : flag.safeParse(style);
  if (parsedStyle && !parsedStyle.success) throw new Error('forcePathStyle must be true or false');
  const region = url.searchParams.get('region') ?? undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new Error('region must look like us-east-1');
  // S3-compatible servers (MinIO, s3rver, …) usually need path-style addressing.
  return { bucket: bucket.data, prefix, region, endpoint, forcePathStyle: parsedStyle ? parsedStyle.data : endpoint !== undefined };
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

/** The SDK is loaded on first use (ADR 0029): a process that never reaches S3 never loads it. */
let loadingSdk: Promise<S3Sdk> | undefined;
const loadSdk = () => (loadingSdk ??= import('@aws-sdk/client-s3'));

export class S3ObjectStore implements ObjectStore {
  #connecting: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;
  #client: S3Client | undefined;
  #destroyed = false;

  constructor(
    private readonly location: S3Location,
    private readonly clientConfig: Partial<S3ClientConfig> = {},
  ) {}

  /** The SDK and the client, made on first use. */
  private connect(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.#connecting ??= loadSdk().then((sdk) => {
      const client = new sdk.S3Client({
        ...(this.location.region ? { region: this.location.region } : {}),
        forcePathStyle: this.location.forcePathStyle,
        ...(this.location.endpoint ? { endpoint: this.location.endpoint } : {}),
        // Checksums only where S3 requires them: S3-compatible servers often reject the newer headers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...this.clientConfig,
      });
      if (this.#destroyed) client.destroy();
      this.#client = client;
      return { sdk, client };
    });
    return this.#connecting;
  }

  /** Where a site's object lives in the shared bucket. */
  private keyOf(bucket: string, key: string): string {
    assertObjectName(bucket, key);
    return [this.location.prefix, bucket, key].filter(Boolean).join('/');
  }

  async put(input: PutObjectInput): Promise<{ etag: string; sha256: string }> {
    const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : Buffer.from(input.body);
    const hash = createHash('sha256').update(body).digest('hex');
    const { sdk, client } = await this.connect();
    const out = await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.keyOf(input.bucket, input.key),
        Body: body,
        ContentLength: body.byteLength,
        ContentType: input.contentType,
        CacheControl: input.cacheControl,
        Metadata: { sha256: hash },
      }),
    );
    return { etag: out.ETag ?? `"${hash}"`, sha256: hash };
  }

  async get(bucket: string, key: string): Promise<StoredObject | null> {
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(bucket, key) }));
      const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
      return {
        key,
        body,
        size: body.byteLength,
        contentType: out.ContentType ?? 'application/octet-stream',
        cacheControl: out.CacheControl ?? null,
        etag: out.ETag ?? `"${createHash('sha256').update(body).digest('hex')}"`,
        sha256: out.Metadata?.sha256 ?? null,
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(bucket, key) }));
      return {
        key,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        cacheControl: out.CacheControl ?? null,
        etag: out.ETag ?? '""',
        sha256: out.Metadata?.sha256 ?? null,
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    const { sdk, client } = await this.connect();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(bucket, key) }));
  }

  async list(bucket: string): Promise<string[]> {
    const folder = this.keyOf(bucket, 'x').slice(0, -1);
    const { sdk, client } = await this.connect();
    const keys: string[] = [];
    for await (const page of sdk.paginateListObjectsV2({ client }, { Bucket: this.location.bucket, Prefix: folder })) {
      for (const item of page.Contents ?? []) if (item.Key?.startsWith(folder)) keys.push(item.Key.slice(folder.length));
    }
    return keys.sort();
  }

  destroy(): void {
    this.#destroyed = true;
    this.#client?.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
