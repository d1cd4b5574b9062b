/**
 * The ObjectStore contract, run against every adapter: the local folder and S3 (through s3rver, an
 * S3-compatible server started here on 127.0.0.1).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { parseS3Url, S3ObjectStore } from '../../src/adapters/s3-object-store';
import { InvalidObjectNameError, type ObjectStore } from '../../src/ports/object-store';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3';

type Harness = { store: ObjectStore; stop(): Promise<void>; raw(bucket: string, key: string): Promise<Response | null> };

const HTML = 'text/html; charset=utf-8';
const CACHE = 'public, max-age=0, s-maxage=31536000, must-revalidate';

const adapters: { name: string; start(): Promise<Harness> }[] = [
  {
    name: 'fs',
    start: async () => {
      const root = mkdtempSync(join(tmpdir(), 'bosun-objects-'));
      return {
        store: new FsObjectStore(root),
        stop: async () => rmSync(root, { recursive: true, force: true }),
        raw: async (bucket, key) => {
          const file = join(root, bucket, key);
          return existsSync(file) ? new Response(readFileSync(file)) : null;
        },
      };
    },
  },
  {
    name: 's3 (s3rver)',
    start: async () => {
      const server = await startS3Server(['bosun-test']);
      const store = new S3ObjectStore(
        parseS3Url(`s3://bosun-test/sites?endpoint=${encodeURIComponent(server.endpoint)}&region=us-east-1`),
        {
          credentials: S3_TEST_CREDENTIALS,
        },
      );
      return {
        store,
        stop: async () => {
          store.destroy();
          await server.stop();
        },
        // What any S3 client sees at the physical location: BUCKET/PREFIX/{site}/{key}.
        raw: async (bucket, key) => {
          const res = await fetch(`${server.endpoint}/bosun-test/sites/${bucket}/${key}`);
          return res.status === 200 ? res : null;
        },
      };
    },
  },
];

describe.each(adapters)('ObjectStore contract: $name', (adapter) => {
  let h: Harness;
  beforeAll(async () => {
    h = await adapter.start();
  });
  afterAll(() => h.stop());

  it('stores a page and returns it with its content type, cache control, entity tag and SHA-256', async () => {
    const body = '<!doctype html><p>Ahoy</p>';
    const put = await h.store.put({ bucket: 'demo.localhost', key: 'g/abc1234.html', body, contentType: HTML, cacheControl: CACHE });
    expect(put.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(put.etag).toMatch(/^"[^"]+"$/);

    const got = await h.store.get('demo.localhost', 'g/abc1234.html');
    expect(got).not.toBeNull();
    expect(got?.body.toString('utf8')).toBe(body);
    expect(got?.contentType).toBe(HTML);
    expect(got?.cacheControl).toBe(CACHE);
    expect(got?.etag).toBe(put.etag);
    expect(got?.sha256).toBe(put.sha256);
    expect(got?.size).toBe(Buffer.byteLength(body));
  });

  it('answers head with the same metadata and no body', async () => {
    const put = await h.store.put({
      bucket: 'demo.localhost',
      key: 'g/head123.html',
      body: 'x'.repeat(1000),
      contentType: HTML,
      cacheControl: CACHE,
    });
    const info = await h.store.head('demo.localhost', 'g/head123.html');
    expect(info).toMatchObject({
      key: 'g/head123.html',
      size: 1000,
      contentType: HTML,
      cacheControl: CACHE,
      etag: put.etag,
      sha256: put.sha256,
    });
    expect(info).not.toHaveProperty('body');
  });

  it('answers null for an object that does not exist', async () => {
    expect(await h.store.get('demo.localhost', 'g/missing.html')).toBeNull();
    expect(await h.store.head('demo.localhost', 'g/missing.html')).toBeNull();
    expect(await h.store.get('nobody.localhost', 'g/missing.html')).toBeNull();
  });

  it('replaces an object: new content gives a new tag, the same content the same tag', async () => {
    const a = await h.store.put({ bucket: 'demo.localhost', key: 'g/replace.html', body: 'one', contentType: HTML, cacheControl: CACHE });
    const b = await h.store.put({ bucket: 'demo.localhost', key: 'g/replace.html', body: 'two', contentType: HTML, cacheControl: CACHE });
    const c = await h.store.put({ bucket: 'demo.localhost', key: 'g/replace.html', body: 'two', contentType: HTML, cacheControl: CACHE });
    expect(b.etag).not.toBe(a.etag);
    expect(c.etag).toBe(b.etag);
    expect((await h.store.get('demo.localhost', 'g/replace.html'))?.body.toString()).toBe('two');
  });

  it('deletes an object, and deleting a missing one is not an error', async () => {
    await h.store.put({ bucket: 'demo.localhost', key: 'g/gone.html', body: 'bye', contentType: HTML, cacheControl: CACHE });
    await h.store.delete('demo.localhost', 'g/gone.html');
    expect(await h.store.get('demo.localhost', 'g/gone.html')).toBeNull();
    await expect(h.store.delete('demo.localhost', 'g/gone.html')).resolves.toBeUndefined();
  });

  it('lists every key of one bucket, sorted, and none of a bucket whose name merely starts the same', async () => {
    const put = (bucket: string, key: string) => h.store.put({ bucket, key, body: key, contentType: HTML, cacheControl: CACHE });
    await put('list.localhost', 'g/b.html');
    await put('list.localhost', 'g/a.ics');
    await put('list.localhost', '404.html');
    // Another content type keeps a metadata file beside the object on disk: it is not an object.
    await h.store.put({ bucket: 'list.localhost', key: 'g/c.html', body: 'c', contentType: 'text/plain', cacheControl: 'no-store' });
    await put('list.localhost2', 'g/other.html');
    await put('x.list.localhost', 'g/other.html');
    expect(await h.store.list('list.localhost')).toEqual(['404.html', 'g/a.ics', 'g/b.html', 'g/c.html']);
    await h.store.delete('list.localhost', 'g/b.html');
    expect(await h.store.list('list.localhost')).toEqual(['404.html', 'g/a.ics', 'g/c.html']);
    expect(await h.store.list('never-written.localhost')).toEqual([]);
    await expect(h.store.list('../list.localhost')).rejects.toThrow(InvalidObjectNameError);
  });

  it('keeps buckets apart: the same key in two sites holds two objects', async () => {
    await h.store.put({ bucket: 'alpha.localhost', key: 'g/same.html', body: 'alpha', contentType: HTML, cacheControl: CACHE });
    await h.store.put({ bucket: 'beta.localhost', key: 'g/same.html', body: 'beta', contentType: HTML, cacheControl: CACHE });
    expect((await h.store.get('alpha.localhost', 'g/same.html'))?.body.toString()).toBe('alpha');
    expect((await h.store.get('beta.localhost', 'g/same.html'))?.body.toString()).toBe('beta');
  });

  it('round-trips bytes exactly: binary, right-to-left text and emoji', async () => {
    const binary = Buffer.from([0, 1, 2, 254, 255, 0, 10, 13]);
    await h.store.put({
      bucket: 'demo.localhost',
      key: 'bin/data.bin',
      body: binary,
      contentType: 'application/octet-stream',
      cacheControl: CACHE,
    });
    expect((await h.store.get('demo.localhost', 'bin/data.bin'))?.body.equals(binary)).toBe(true);
    const text = 'שלום 🚤 مرحبا';
    await h.store.put({ bucket: 'demo.localhost', key: 'g/utf8.html', body: text, contentType: HTML, cacheControl: CACHE });
    expect((await h.store.get('demo.localhost', 'g/utf8.html'))?.body.toString('utf8')).toBe(text);
  });

  it('rejects names that could leave the bucket or hide a file', async () => {
    for (const key of ['../escape.html', '/abs.html', 'g//double.html', 'g/.hidden', 'g/../../x', '']) {
      await expect(h.store.put({ bucket: 'demo.localhost', key, body: 'x', contentType: HTML, cacheControl: CACHE })).rejects.toThrow(
        InvalidObjectNameError,
      );
      await expect(h.store.get('demo.localhost', key)).rejects.toThrow(InvalidObjectNameError);
    }
    for (const bucket of ['..', 'UPPER.localhost', 'a/b', '']) {
      await expect(h.store.get(bucket, 'g/x.html')).rejects.toThrow(InvalidObjectNameError);
    }
  });

  it('stores the object where other tools find it, with its headers', async () => {
    await h.store.put({ bucket: 'demo.localhost', key: 'g/where.html', body: '<p>here</p>', contentType: HTML, cacheControl: CACHE });
    const res = await h.raw('demo.localhost', 'g/where.html');
    expect(await res?.text()).toBe('<p>here</p>');
    if (adapter.name.startsWith('s3')) {
      expect(res?.headers.get('content-type')).toBe(HTML);
      expect(res?.headers.get('cache-control')).toBe(CACHE);
    }
  });
});

// S3 makes each PUT atomic by itself; s3rver (a test double) writes in place, so concurrent
// readers are checked against the adapter that implements atomicity: the local folder.
describe('FsObjectStore on the local disk', () => {
  it('never shows a reader part of an object while it is being replaced', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bosun-objects-'));
    const store = new FsObjectStore(root);
    const big = (c: string) => c.repeat(256 * 1024);
    const versions = new Set([big('a'), big('b')]);
    await store.put({ bucket: 'demo.localhost', key: 'g/atomic.html', body: big('a'), contentType: HTML, cacheControl: CACHE });
    const writes = (async () => {
      for (let i = 0; i < 10; i++) {
        await store.put({
          bucket: 'demo.localhost',
          key: 'g/atomic.html',
          body: big(i % 2 ? 'a' : 'b'),
          contentType: HTML,
          cacheControl: CACHE,
        });
      }
    })();
    const seen: string[] = [];
    const reads = (async () => {
      for (let i = 0; i < 20; i++) seen.push((await store.get('demo.localhost', 'g/atomic.html'))?.body.toString() ?? '');
    })();
    await Promise.all([writes, reads]);
    expect(seen.every((s) => versions.has(s))).toBe(true);
    rmSync(root, { recursive: true, force: true });
  });

  it('writes {root}/{bucket}/{key} with its metadata beside it and no temporary files left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bosun-objects-'));
    try {
      const store = new FsObjectStore(root);
      await store.put({ bucket: 'demo.localhost', key: 'g/xhqgmdh.html', body: '<p>x</p>', contentType: HTML, cacheControl: CACHE });
      expect(readFileSync(join(root, 'demo.localhost', 'g', 'xhqgmdh.html'), 'utf8')).toBe('<p>x</p>');
      expect(readdirSync(join(root, 'demo.localhost', 'g')).sort()).toEqual(['.xhqgmdh.html.meta.json', 'xhqgmdh.html']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('FsObjectStore metadata', () => {
  it('keeps no metadata file for an object whose metadata its key implies, and one for any other', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bosun-objects-'));
    try {
      const store = new FsObjectStore(root, { defaultCacheControl: CACHE });
      const folder = join(root, 'demo.localhost', 'g');
      await store.put({ bucket: 'demo.localhost', key: 'g/plain.html', body: '<p>1</p>', contentType: HTML, cacheControl: CACHE });
      expect(readdirSync(folder)).toEqual(['plain.html']);
      expect(await store.head('demo.localhost', 'g/plain.html')).toMatchObject({
        contentType: HTML,
        cacheControl: CACHE,
        sha256: createHash('sha256').update('<p>1</p>').digest('hex'),
      });
      // Other metadata is kept beside the object, and dropped again when it is what the key implies.
      await store.put({ bucket: 'demo.localhost', key: 'g/plain.html', body: '<p>2</p>', contentType: HTML, cacheControl: 'no-store' });
      expect(readdirSync(folder).sort()).toEqual(['.plain.html.meta.json', 'plain.html']);
      expect((await store.get('demo.localhost', 'g/plain.html'))?.cacheControl).toBe('no-store');
      await store.put({ bucket: 'demo.localhost', key: 'g/plain.html', body: '<p>3</p>', contentType: HTML, cacheControl: CACHE });
      expect(readdirSync(folder)).toEqual(['plain.html']);
      expect(await store.get('demo.localhost', 'g/plain.html')).toMatchObject({ cacheControl: CACHE, contentType: HTML });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes again into a folder removed since its last put', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bosun-objects-'));
    try {
      const store = new FsObjectStore(root, { defaultCacheControl: CACHE });
      await store.put({ bucket: 'demo.localhost', key: 'g/a.html', body: 'a', contentType: HTML, cacheControl: CACHE });
      rmSync(join(root, 'demo.localhost'), { recursive: true });
      await store.put({ bucket: 'demo.localhost', key: 'g/a.html', body: 'b', contentType: HTML, cacheControl: CACHE });
      expect((await store.get('demo.localhost', 'g/a.html'))?.body.toString()).toBe('b');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('parseS3Url', () => {
  it('reads bucket, prefix, region and endpoint, with path-style addressing for a custom endpoint', () => {
    expect(parseS3Url('s3://guest-pages/sites?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000')).toEqual({
      bucket: 'guest-pages',
      prefix: 'sites',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(parseS3Url('s3://guest-pages')).toEqual({
      bucket: 'guest-pages',
      prefix: '',
      region: undefined,
      endpoint: undefined,
      forcePathStyle: false,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseS3Url('s3://A_B')).toThrow(/bucket/);
    expect(() => parseS3Url('s3://bucket?color=red')).toThrow(/unknown parameter "color"/);
    expect(() => parseS3Url('s3://bucket?endpoint=ftp://x')).toThrow(/endpoint/);
    expect(() => parseS3Url('s3://bucket/pre fix')).toThrow(/prefix/);
    expect(() => parseS3Url('s3://bucket?region=moon')).toThrow(/region/);
  });
});
