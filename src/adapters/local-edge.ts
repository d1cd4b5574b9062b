/**
 * The local edge: serves each tenant's guest site by `Host` header on the main port, as CloudFront
 * would in production. Each request runs the site's generated edge function (the exact code given
 * to CloudFront) in node:vm, with a key value store backed by the friendly-slug table, then reads
 * the object store through an in-memory cache keyed by the rewritten path. Entries stay until they
 * are invalidated (this is the Cdn port's local adapter); ETag / If-None-Match answers 304, and
 * text is compressed with br or gzip. ADR 0008.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Cdn, CdnSite } from '../ports/cdn';
import type { ObjectStore } from '../ports/object-store';
import { cloudFrontModule, type EdgeFunction, loadEdgeFunction, viewerRequestEvent } from './cloudfront-function-vm';

/** A guest site as the edge serves it. */
export type EdgeSite = {
  domain: string;
  /** Its bucket in the object store. */
  bucket: string;
  /** The generated CloudFront Function of the site. */
  edgeFunction: string;
  /** The key of the page served with 404 for anything the origin lacks. */
  notFoundKey: string;
};

export type LocalEdgeOptions = {
  store: ObjectStore;
  /** The guest site at `host` (lower case, no port), or null when it is not one. */
  findSite(host: string): Promise<EdgeSite | null>;
  /** The value of `key` in the site's key value store (its friendly slugs), or null. */
  lookupKey(domain: string, key: string): Promise<string | null>;
  /** Most objects kept in memory (least recently used go first). */
  maxEntries?: number;
  /** How long a host's site (or its absence) is remembered. */
  siteTtlMs?: number;
  /**
   * A cached object older than this is checked against the store (a HEAD) before it is served, so a
   * change written by another process (which cannot invalidate this cache) shows within this time.
   */
  revalidateAfterMs?: number;
};

type Entry = { checkedAt: number } & (
  | { kind: 'object'; body: Buffer; contentType: string; cacheControl: string | null; etag: string; gzip?: Buffer; br?: Buffer }
  | { kind: 'missing' }
);

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;
const MIN_COMPRESS_BYTES = 256;
const MAX_HOSTS = 1000;

export class LocalEdge implements Cdn {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly generation = new Map<string, number>();
  private readonly sites = new Map<string, { site: EdgeSite | null; until: number }>();
  private readonly functions = new Map<string, { code: string; run: EdgeFunction }>();
  private readonly maxEntries: number;
  private readonly siteTtlMs: number;
  private readonly revalidateAfterMs: number;
  private counters = { hits: 0, misses: 0 };

  constructor(private readonly options: LocalEdgeOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.siteTtlMs = options.siteTtlMs ?? 5_000;
    this.revalidateAfterMs = options.revalidateAfterMs ?? 1_000;
  }

  /** Answers a request for a guest site, or null when its host is not one (the app handles it). */
  async serve(request: Request): Promise<Response | null> {
    const host = hostOf(request);
    const site = host ? await this.siteAt(host) : null;
    if (!site) return null;
    return this.handle(site, request);
  }

  /** Requests `path` from a site through the edge (as a guest would); 404 for an unknown site. */
  async fetch(site: CdnSite, path: string): Promise<Response> {
    const found = await this.siteAt(site.domain.toLowerCase());
    if (!found) return new Response('Unknown site', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    return this.handle(found, new Request(`http://${found.domain}${path}`, { headers: { host: found.domain } }));
  }

  /** Drops exactly these paths of the site (as the edge caches them: after its rewrite). */
  async invalidate(site: CdnSite, paths: readonly string[], _changeRef: string): Promise<void> {
    for (const path of paths) {
      const key = cacheKey(site.domain.toLowerCase(), path);
      this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
      this.cache.delete(key);
      this.pending.delete(key);
    }
  }

  /** Cache hits and misses since start, for `doctor` and the benchmark. */
  stats(): { hits: number; misses: number; entries: number } {
    return { ...this.counters, entries: this.cache.size };
  }

  private async siteAt(host: string): Promise<EdgeSite | null> {
    const now = Date.now();
    const known = this.sites.get(host);
    if (known && known.until > now) return known.site;
    const site = await this.options.findSite(host);
    // Hosts come from requests: remember a bounded number of them (the oldest go first).
    this.sites.delete(host);
    this.sites.set(host, { site, until: now + this.siteTtlMs });
    if (this.sites.size > MAX_HOSTS) {
      const oldest = this.sites.keys().next().value;
      if (oldest !== undefined) this.sites.delete(oldest);
    }
    return site;
  }

  private functionOf(site: EdgeSite): EdgeFunction {
    const known = this.functions.get(site.domain);
    if (known && known.code === site.edgeFunction) return known.run;
    const run = loadEdgeFunction(site.edgeFunction, {
      cloudfront: cloudFrontModule((key) => this.options.lookupKey(site.domain, key)),
    });
    this.functions.set(site.domain, { code: site.edgeFunction, run });
    return run;
  }

  private async handle(site: EdgeSite, request: Request): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return new Response('Method not allowed', {
        status: 405,
        headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    const url = new URL(request.url);
    const outcome = await this.functionOf(site)(viewerRequestEvent(method, url, request.headers, { domain: site.domain }));
    if (outcome.kind === 'response') {
      const headers = new Headers();
      for (const [name, h] of Object.entries(outcome.response.headers ?? {})) headers.set(name, h.value);
      const body = typeof outcome.response.body === 'string' ? outcome.response.body : (outcome.response.body?.data ?? null);
      return new Response(method === 'HEAD' ? null : body, { status: outcome.response.statusCode, headers });
    }
    const uri = outcome.request.uri;
    let entry: Entry;
    let hit: boolean;
    try {
      ({ entry, hit } = await this.lookup(site, uri));
      if (entry.kind === 'missing') {
        const notFound = await this.lookup(site, `/${site.notFoundKey}`);
        if (notFound.entry.kind === 'object') {
          return this.respond(request, method, notFound.entry, 404, hit);
        }
        return new Response(method === 'HEAD' ? null : 'Not found', {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' },
        });
      }
    } catch {
      return new Response(method === 'HEAD' ? null : 'The guest site is not reachable right now.', {
        status: 502,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
    return this.respond(request, method, entry, 200, hit);
  }

  private respond(request: Request, method: string, entry: Extract<Entry, { kind: 'object' }>, status: number, hit: boolean): Response {
    const headers = new Headers({
      'content-type': entry.contentType,
      'cache-control': status === 200 ? (entry.cacheControl ?? 'no-cache') : 'no-cache',
      'x-cache': hit ? 'Hit from bosun-edge' : 'Miss from bosun-edge',
    });
    const compressible = COMPRESSIBLE.test(entry.contentType) && entry.body.byteLength >= MIN_COMPRESS_BYTES;
    if (compressible) headers.set('vary', 'accept-encoding');
    if (status === 200) {
      headers.set('etag', entry.etag);
      if (matches(request.headers.get('if-none-match'), entry.etag)) {
        headers.delete('content-type');
        return new Response(null, { status: 304, headers });
      }
    }
    let body = entry.body;
    const encoding = compressible ? chooseEncoding(request.headers.get('accept-encoding')) : null;
    if (encoding === 'br') {
      entry.br ??= brotliCompressSync(entry.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
      body = entry.br;
    } else if (encoding === 'gzip') {
      entry.gzip ??= gzipSync(entry.body, { level: 6 });
      body = entry.gzip;
    }
    if (encoding) {
      headers.set('content-encoding', encoding);
      // Another representation of the same object: a weak tag, as nginx does when it compresses.
      if (status === 200) headers.set('etag', `W/${entry.etag}`);
    }
    headers.set('content-length', String(body.byteLength));
    return new Response(method === 'HEAD' ? null : new Uint8Array(body), { status, headers });
  }

  /** The cached entry for `uri`, loading it once however many requests wait for it. */
  private async lookup(site: EdgeSite, uri: string): Promise<{ entry: Entry; hit: boolean }> {
    const key = cacheKey(site.domain, uri);
    let cached = this.cache.get(key);
    if (cached && Date.now() - cached.checkedAt >= this.revalidateAfterMs) {
      const current = await this.stillCurrent(site, uri, cached);
      // An invalidation may have dropped the entry while the store was asked: it wins.
      if (this.cache.get(key) !== cached) cached = undefined;
      else if (!current) {
        this.cache.delete(key);
        cached = undefined;
      }
    }
    if (cached) {
      this.counters.hits++;
      // Most recently used goes last, so eviction takes the oldest first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return { entry: cached, hit: true };
    }
    this.counters.misses++;
    let loading = this.pending.get(key);
    if (!loading) {
      const generation = this.generation.get(key) ?? 0;
      loading = this.load(site, uri).then(
        (entry) => {
          // An invalidation that arrived while loading wins: do not keep what may be stale.
          if ((this.generation.get(key) ?? 0) === generation) this.remember(key, entry);
          if (this.pending.get(key) === loading) this.pending.delete(key);
          return entry;
        },
        (err) => {
          if (this.pending.get(key) === loading) this.pending.delete(key);
          throw err;
        },
      );
      this.pending.set(key, loading);
    }
    return { entry: await loading, hit: false };
  }

  private async load(site: EdgeSite, uri: string): Promise<Entry> {
    const checkedAt = Date.now();
    const key = objectKeyOf(uri);
    if (!key) return { kind: 'missing', checkedAt };
    let object: Awaited<ReturnType<ObjectStore['get']>>;
    try {
      object = await this.options.store.get(site.bucket, key);
    } catch (err) {
      // A name the store refuses (e.g. `..`) is simply not there.
      if ((err as Error).name === 'InvalidObjectNameError') return { kind: 'missing', checkedAt };
      throw err;
    }
    if (!object) return { kind: 'missing', checkedAt };
    return {
      kind: 'object',
      checkedAt,
      body: object.body,
      contentType: object.contentType,
      cacheControl: object.cacheControl,
      etag: object.etag,
    };
  }

  /** Whether the store still holds what `entry` cached (a HEAD); a failing store keeps the copy. */
  private async stillCurrent(site: EdgeSite, uri: string, entry: Entry): Promise<boolean> {
    const key = objectKeyOf(uri);
    let current: Awaited<ReturnType<ObjectStore['head']>> = null;
    try {
      current = key ? await this.options.store.head(site.bucket, key) : null;
    } catch {
      return true;
    }
    const same = entry.kind === 'object' ? current?.etag === entry.etag : current === null;
    if (same) entry.checkedAt = Date.now();
    return same;
  }

  private remember(key: string, entry: Entry): void {
    this.cache.set(key, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

const cacheKey = (domain: string, uri: string) => `${domain}${uri}`;

/** The object key a rewritten path names, or null when it names none. */
function objectKeyOf(uri: string): string | null {
  try {
    return decodeURIComponent(uri.replace(/^\/+/, '')) || null;
  } catch {
    return null;
  }
}

/** The request's host, lower case, without port or trailing dot. */
export function hostOf(request: Request): string | null {
  const raw = request.headers.get('host') ?? new URL(request.url).host;
  if (!raw) return null;
  const host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : raw.split(':')[0];
  return host ? host.toLowerCase().replace(/\.$/, '') : null;
}

function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

function chooseEncoding(acceptEncoding: string | null): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (wants('br')) return 'br';
  if (wants('gzip')) return 'gzip';
  return null;
}
