/**
 * The local edge: serves each tenant's guest site by `Host` header on the main port, as CloudFront
 * would in production. A request runs the site's generated edge function (the exact code given to
 * CloudFront) in node:vm, with a key value store backed by the friendly-slug table, then reads the
 * object store through an in-memory cache keyed by the rewritten path. A rewrite that followed from
 * the request target alone is kept, so the next request for that target skips the run (ADR 0033).
 * Cache entries stay until they are invalidated (this is the Cdn port's local adapter); ETag /
 * If-None-Match answers 304, and text is compressed with br or gzip. ADR 0008.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { limitKeyOf } from '../domain/limit-key';
import type { Cdn, CdnAnswer, CdnProvisioned, CdnSite } from '../ports/cdn';
import type { FailureLimit, FailureLimits } from '../ports/failure-limits';
import type { ObjectStore } from '../ports/object-store';
import {
  classifyOutcome,
  cloudFrontModule,
  type EdgeFunction,
  type EventWatch,
  loadEdgeFunction,
  type ViewerRequestOutcome,
  viewerRequestEvent,
  watchEvent,
} from './cloudfront-function-vm';

/** A run of 30 unknown pages within a minute from one address is a guess at ids (ADR 0015). */
export const GUEST_NOT_FOUND_LIMIT: FailureLimit = { name: 'guest-not-found', limit: 30, windowMs: 60_000 };

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
  /** Told of an error the edge answered for (its function failed, or an answer could not be sent). */
  onError?: (err: unknown, context: { domain: string; method: string; target: string }) => void;
  /** Headers added to every answer, as a CloudFront response headers policy adds them (`GUEST_SITE_HEADERS`). */
  responseHeaders?: Readonly<Record<string, string>>;
  /** The client's address of a request on Node's server (trusted proxies applied); asked only for a 404. */
  clientAddress?: (req: IncomingMessage) => string;
  /**
   * Counts 404s per client address under `limit`: once the address was over it, the 404 and every
   * other path until its window ends get 429, pages that exist included: a guesser must not learn hits
   * from misses at full speed. While no address is known to be over (`anyOver`), no address is looked
   * up for a page that exists.
   */
  notFound?: { limits: FailureLimits; limit: FailureLimit };
};

type ObjectEntry = {
  kind: 'object';
  checkedAt: number;
  body: Buffer;
  contentType: string;
  cacheControl: string | null;
  etag: string;
  gzip?: Buffer;
  br?: Buffer;
  /** The headers of its most frequent answer (200, a hit, not compressed), built on first use. */
  hitHeaders?: Readonly<Record<string, string>>;
  /** When a hit last moved it to the young end of the cache. */
  movedAt?: number;
};
type Entry = ObjectEntry | { kind: 'missing'; checkedAt: number };

/** A site's edge function as loaded, with the paths it passed on that followed from the request target alone. */
type LoadedFunction = {
  code: string;
  /** The site the function was last asked for (a site is found anew every `siteTtlMs`, its code most often unchanged). */
  site: EdgeSite;
  run: EdgeFunction;
  /** How many times the function asked its key value store, since loaded. */
  kvsReads: number;
  /** False when the code may read a clock or random numbers: no run of it is kept. */
  keepsOutcomes: boolean;
};

/** An answer of the edge, whichever HTTP stack carries it. */
type EdgeReply = { status: number; headers: Readonly<Record<string, string>>; body: Buffer | string | null };
type IncomingHeaders = IncomingHttpHeaders | Record<string, string>;
/** What of a request decides the answer once its object is known. */
type RequestFacts = { head: boolean; ifNoneMatch: string | undefined; acceptEncoding: string | undefined };

/** A request target in absolute form (`GET http://host/path`), which servers must accept (RFC 9112). */
const ABSOLUTE_FORM = /^https?:\/\//i;

const HIT = 'Hit from bosun-edge';
const MISS = 'Miss from bosun-edge';

/** Paths browsers ask every site for on their own: a miss there is no guess at a page. */
const NOT_GUESSES = new Set(['/favicon.ico', '/robots.txt']);

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;
const MIN_COMPRESS_BYTES = 256;
const MAX_HOSTS = 1000;
/** Most rewrites kept, all sites together (targets come from requests: the oldest go first). */
const MAX_OUTCOMES = 10_000;
/** A longer target is run every time: what is kept stays small (10,000 × 512 bytes at most). */
const MAX_KEPT_TARGET = 512;
/** Code that names these may answer differently for the same request: its runs are never kept. */
const IMPURE_CODE = /\b(?:Date|Math|crypto|performance|setTimeout|setInterval|globalThis)\b/;

export class LocalEdge implements Cdn {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly generation = new Map<string, number>();
  private readonly sites = new Map<string, { site: EdgeSite | null; until: number }>();
  private readonly functions = new Map<string, LoadedFunction>();
  /**
   * The uri a site's function passed on, by site, method and target, for runs that read neither the
   * key value store nor anything of the event the target does not decide; valid while `fn` is loaded.
   */
  private readonly outcomes = new Map<string, { fn: LoadedFunction; uri: string }>();
  private readonly maxEntries: number;
  private readonly siteTtlMs: number;
  private readonly revalidateAfterMs: number;
  private readonly extraHeaders: Readonly<Record<string, string>>;
  private counters = { hits: 0, misses: 0 };

  constructor(private readonly options: LocalEdgeOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.siteTtlMs = options.siteTtlMs ?? 5_000;
    this.revalidateAfterMs = options.revalidateAfterMs ?? 1_000;
    this.extraHeaders = options.responseHeaders ?? {};
  }

  /**
   * Answers a request for a guest site, or null when its host is not one (the app handles it).
   * `clientAddress` is the client's address as the caller determined it, for the limit on 404s.
   */
  async serve(request: Request, clientAddress = 'unknown'): Promise<Response | null> {
    const host = hostOf(request.headers.get('host') ?? new URL(request.url).host);
    const known = host ? this.knownSite(host) : null;
    const site = known === undefined ? await this.siteAt(host as string) : known;
    if (!site) return null;
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const reply = await this.reply(site, method, url.pathname + url.search, Object.fromEntries(request.headers));
    if (!this.mayLimit(reply)) return toResponse(reply);
    return toResponse(await this.limitGuesses(reply, site, method, url.pathname + url.search, () => clientAddress));
  }

  /**
   * Answers a guest site's request straight on Node's HTTP server, without building a Fetch
   * Request and Response (the guest pages' hot path); false when the host is not a guest site, so
   * the caller hands the request to the app. The answer is the same as `serve`'s.
   */
  serveNode(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    const host = hostOf(req.headers.host ?? null);
    if (!host) return false;
    const site = this.knownSite(host);
    if (site === null) return false;
    if (site === undefined) {
      return this.siteAt(host).then((found) => {
        if (found) this.answerNode(found, req, res);
        return found !== null;
      });
    }
    this.answerNode(site, req, res);
    return true;
  }

  /** Requests `path` from a site through the edge (as a guest would); 404 for an unknown site. */
  async fetch(site: CdnSite, path: string): Promise<CdnAnswer> {
    const found = await this.siteAt(site.domain.toLowerCase());
    if (!found) return { status: 404, body: Buffer.from('Unknown site') };
    const reply = await this.reply(found, 'GET', path, { host: found.domain });
    return { status: reply.status, body: typeof reply.body === 'string' ? Buffer.from(reply.body) : (reply.body ?? new Uint8Array(0)) };
  }

  /** Nothing to make: the edge serves every guest site in the database by its Host header. */
  provisionSite(): Promise<CdnProvisioned | null> {
    return Promise.resolve(null);
  }

  /** Nothing to release: a host that is no longer a site's is forgotten within `siteTtlMs`. */
  releaseDomain(): Promise<void> {
    return Promise.resolve();
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

  /** The site at `host` while it is remembered: the site, null for a host known not to be one, undefined when not known. */
  private knownSite(host: string): EdgeSite | null | undefined {
    const known = this.sites.get(host);
    return known && known.until > Date.now() ? known.site : undefined;
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

  /** The site's function as loaded, when its code is the site's current code. */
  private loadedFunction(site: EdgeSite): LoadedFunction | undefined {
    const known = this.functions.get(site.domain);
    if (!known) return undefined;
    if (known.site === site) return known;
    if (known.code !== site.edgeFunction) return undefined;
    known.site = site;
    return known;
  }

  private functionOf(site: EdgeSite): LoadedFunction {
    const known = this.loadedFunction(site);
    if (known) return known;
    const domain = site.domain;
    const loaded: LoadedFunction = {
      code: site.edgeFunction,
      site,
      kvsReads: 0,
      keepsOutcomes: !IMPURE_CODE.test(site.edgeFunction),
      run: loadEdgeFunction(site.edgeFunction, {
        cloudfront: cloudFrontModule((key) => {
          loaded.kvsReads++;
          return this.options.lookupKey(domain, key);
        }),
      }),
    };
    this.functions.set(domain, loaded);
    return loaded;
  }

  /**
   * The uri the site's function passed on for this method and target before, when that run read
   * nothing but the target: the function is deterministic code of the request (ADR 0033), so running
   * it again would give the same uri.
   */
  private keptOutcome(site: EdgeSite, method: string, target: string): string | undefined {
    const kept = this.outcomes.get(outcomeKey(site.domain, method, target));
    return kept && kept.fn === this.loadedFunction(site) ? kept.uri : undefined;
  }

  /** Keeps the uri a run passed on when the run read nothing but the target (no key value store, no header). */
  private keepOutcome(fn: LoadedFunction, key: string, result: unknown, watch: EventWatch, kvsReads: number): void {
    if (watch.readOther || fn.kvsReads !== kvsReads) return;
    const out = result as { uri?: unknown; statusCode?: unknown } | null | undefined;
    if (!out || typeof out.statusCode === 'number' || typeof out.uri !== 'string') return;
    this.outcomes.delete(key);
    this.outcomes.set(key, { fn, uri: out.uri });
    if (this.outcomes.size > MAX_OUTCOMES) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
  }

  /**
   * Answers on Node's response; never rejects. A cached page whose target the function has rewritten
   * before is answered at once, without a promise (on Node 20 every promise and async resource is
   * dearer once any AsyncLocalStorage is in use, as Hono's JSX renderer makes it); otherwise the
   * function runs, which costs its own promise and one continuation.
   */
  private answerNode(site: EdgeSite, req: IncomingMessage, res: ServerResponse): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const kept = this.keptOutcome(site, method, target);
    if (kept !== undefined) {
      this.sendWhenReady(res, this.afterRewrite(site, method, req.headers, kept), site, method, target);
      return;
    }
    const started = this.start(site, method, target, req.headers);
    if (!('then' in started)) {
      this.send(res, started, site, method, target);
      return;
    }
    started.then(
      (result) => this.sendWhenReady(res, this.afterFunction(site, method, target, req.headers, result), site, method, target),
      (err: unknown) => this.send(res, this.functionFailed(site, method, target, err), site, method, target),
    );
  }

  private sendWhenReady(res: ServerResponse, reply: EdgeReply | Promise<EdgeReply>, site: EdgeSite, method: string, target: string): void {
    if (!('then' in reply)) {
      this.send(res, reply, site, method, target);
      return;
    }
    reply.then(
      (late) => this.send(res, late, site, method, target),
      (err: unknown) => {
        this.options.onError?.(err, { domain: site.domain, method, target });
        this.send(res, this.failure(500, 'The guest site could not answer this request.', method === 'HEAD'), site, method, target);
      },
    );
  }

  private send(res: ServerResponse, reply: EdgeReply, site: EdgeSite, method: string, target: string): void {
    if (!this.mayLimit(reply)) {
      this.write(res, reply, site, method, target);
      return;
    }
    const clientAddress = this.options.clientAddress;
    const req = res.req;
    const address = () => (clientAddress ? clientAddress(req) : (req.socket.remoteAddress ?? 'unknown'));
    // Never rejects: a failure to count is told and the answer stands.
    void this.limitGuesses(reply, site, method, target, address).then((limited) => this.write(res, limited, site, method, target));
  }

  private write(res: ServerResponse, reply: EdgeReply, site: EdgeSite, method: string, target: string): void {
    try {
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? undefined);
    } catch (err) {
      // Only an answer Node refuses to send (a header it finds invalid) gets here.
      this.options.onError?.(err, { domain: site.domain, method, target });
      if (res.headersSent) res.destroy();
      else {
        const failed = this.failure(500, 'The guest site could not answer this request.', method === 'HEAD');
        res.writeHead(failed.status, failed.headers);
        res.end(failed.body ?? undefined);
      }
    }
  }

  /** A plain-text answer of the edge's own (an error, or a refused request). */
  private failure(status: number, text: string, head: boolean): EdgeReply {
    return {
      status,
      headers: { ...this.extraHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: head ? null : text,
    };
  }

  /** Whether the answer may be limited: a 404, or any answer while some address is over the limit. */
  private mayLimit(reply: EdgeReply): boolean {
    const notFound = this.options.notFound;
    return notFound !== undefined && (reply.status === 404 || notFound.limits.anyOver(notFound.limit));
  }

  /**
   * The answer as given to this client: 429 with `Retry-After` for a 404 once its address has had a run
   * of them (ids are about 34 bits: guessing is a run of 404s), and for every other path of the site
   * until that address's window ends; browsers' own asks for a favicon or robots.txt as they are. A
   * page that exists costs the address lookup only while some address is over its limit.
   */
  private async limitGuesses(reply: EdgeReply, site: EdgeSite, method: string, target: string, address: () => string): Promise<EdgeReply> {
    const notFound = this.options.notFound;
    if (!notFound) return reply;
    const path = target.split('?')[0] ?? target;
    if (NOT_GUESSES.has(path.toLowerCase())) return reply;
    const { limits, limit } = notFound;
    let wait: number;
    try {
      // An IPv6 client by its /64 (domain/limit-key.ts).
      const key = limitKeyOf(address());
      wait = reply.status === 404 ? await limits.fail(limit, key) : await limits.retryAfter(limit, key);
    } catch (err) {
      // The count could not be read or written (its database is away): the answer stands, and is told.
      this.options.onError?.(err, { domain: site.domain, method, target });
      return reply;
    }
    if (wait === 0) return reply;
    return {
      status: 429,
      headers: {
        ...this.extraHeaders,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'retry-after': String(wait),
      },
      body: method === 'HEAD' ? null : `Too many requests for pages that do not exist. Try again in ${wait} seconds.`,
    };
  }

  /**
   * The edge's answer to one request: the site's function runs on the viewer request; a response
   * it makes is returned as is, a request it passes on is answered from the cache or the store.
   */
  private async reply(site: EdgeSite, rawMethod: string, target: string, headers: IncomingHeaders): Promise<EdgeReply> {
    const method = rawMethod.toUpperCase();
    const kept = this.keptOutcome(site, method, target);
    if (kept !== undefined) return this.afterRewrite(site, method, headers, kept);
    const started = this.start(site, method, target, headers);
    if (!('then' in started)) return started;
    let result: unknown;
    try {
      result = await started;
    } catch (err) {
      return this.functionFailed(site, method, target, err);
    }
    return this.afterFunction(site, method, target, headers, result);
  }

  /** An answer at once (a refused method or target, a failing function), or what the function returns. */
  private start(site: EdgeSite, method: string, target: string, headers: IncomingHeaders): EdgeReply | PromiseLike<unknown> {
    if (method !== 'GET' && method !== 'HEAD') {
      return {
        status: 405,
        headers: { ...this.extraHeaders, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
        body: 'Method not allowed',
      };
    }
    if (!target.startsWith('/') && !ABSOLUTE_FORM.test(target)) {
      return this.failure(400, 'Bad request target.', method === 'HEAD');
    }
    try {
      const fn = this.functionOf(site);
      const event = viewerRequestEvent(method, target, headers, { domain: site.domain });
      if (!fn.keepsOutcomes || target.length > MAX_KEPT_TARGET) {
        const result = fn.run.handler(event);
        // The handler is async: its promise comes from the function's own realm, so it is used as it is.
        return isThenable(result) ? result : Promise.resolve(result);
      }
      // What the run reads is watched: an outcome of the target alone is kept for the next request.
      const watched = watchEvent(event);
      const kvsReads = fn.kvsReads;
      const result = fn.run.handler(watched.event);
      const key = outcomeKey(site.domain, method, target);
      return (isThenable(result) ? result : Promise.resolve(result)).then((value) => {
        this.keepOutcome(fn, key, value, watched.watch, kvsReads);
        return value;
      });
    } catch (err) {
      return this.functionFailed(site, method, target, err);
    }
  }

  /** As CloudFront answers when a function fails: 503, and the failure is reported. */
  private functionFailed(site: EdgeSite, method: string, target: string, err: unknown): EdgeReply {
    this.options.onError?.(err, { domain: site.domain, method, target });
    return this.failure(503, 'The guest site could not answer this request.', method === 'HEAD');
  }

  /** The answer once the function has run: at once for its own response or a fresh cached copy. */
  private afterFunction(
    site: EdgeSite,
    method: string,
    target: string,
    headers: IncomingHeaders,
    result: unknown,
  ): EdgeReply | Promise<EdgeReply> {
    let outcome: ViewerRequestOutcome;
    try {
      outcome = classifyOutcome(result);
    } catch (err) {
      return this.functionFailed(site, method, target, err);
    }
    if (outcome.kind === 'response') {
      const out: Record<string, string> = {};
      for (const [name, h] of Object.entries(outcome.response.headers ?? {})) out[name.toLowerCase()] = h.value;
      // As a response headers policy does, the site's headers override the function's.
      Object.assign(out, this.extraHeaders);
      const body = typeof outcome.response.body === 'string' ? outcome.response.body : (outcome.response.body?.data ?? null);
      return { status: outcome.response.statusCode, headers: out, body: method === 'HEAD' ? null : body };
    }
    return this.afterRewrite(site, method, headers, outcome.request.uri);
  }

  /** The answer for the path the function passed on: at once for a fresh cached copy. */
  private afterRewrite(site: EdgeSite, method: string, headers: IncomingHeaders, uri: string): EdgeReply | Promise<EdgeReply> {
    const request = {
      head: method === 'HEAD',
      ifNoneMatch: header(headers, 'if-none-match'),
      acceptEncoding: header(headers, 'accept-encoding'),
    };
    const fresh = this.freshHit(site, uri);
    if (fresh) return this.respond(request, fresh, 200, true);
    return this.fromStore(site, uri, request);
  }

  /** The answer for `uri` through the cache's loading path (a miss, or a copy due for a check). */
  private async fromStore(site: EdgeSite, uri: string, request: RequestFacts): Promise<EdgeReply> {
    let entry: Entry;
    let hit: boolean;
    try {
      ({ entry, hit } = await this.lookup(site, uri));
      if (entry.kind === 'missing') {
        const notFound = await this.lookup(site, `/${site.notFoundKey}`);
        if (notFound.entry.kind === 'object') return this.respond(request, notFound.entry, 404, hit);
        return {
          ...this.failure(404, 'Not found', request.head),
          headers: { ...this.extraHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' },
        };
      }
    } catch {
      return this.failure(502, 'The guest site is not reachable right now.', request.head);
    }
    return this.respond(request, entry, 200, hit);
  }

  private respond(request: RequestFacts, entry: ObjectEntry, status: number, hit: boolean): EdgeReply {
    const compressible = COMPRESSIBLE.test(entry.contentType) && entry.body.byteLength >= MIN_COMPRESS_BYTES;
    if (status === 200 && matches(request.ifNoneMatch, entry.etag)) {
      const headers: Record<string, string> = {
        ...this.extraHeaders,
        'cache-control': entry.cacheControl ?? 'no-cache',
        'x-cache': hit ? HIT : MISS,
        etag: entry.etag,
      };
      if (compressible) headers.vary = 'accept-encoding';
      return { status: 304, headers, body: null };
    }
    const encoding = compressible ? chooseEncoding(request.acceptEncoding) : null;
    // The common answer (a hit, 200, not compressed) reuses headers built once per cached object.
    if (status === 200 && hit && encoding === null) {
      // Shared by every such answer: frozen, so nothing that sends one can change the next.
      entry.hitHeaders ??= Object.freeze(this.headersFor(entry, 200, true, null, compressible));
      return { status, headers: entry.hitHeaders, body: request.head ? null : entry.body };
    }
    let body = entry.body;
    if (encoding === 'br') {
      entry.br ??= brotliCompressSync(entry.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
      body = entry.br;
    } else if (encoding === 'gzip') {
      entry.gzip ??= gzipSync(entry.body, { level: 6 });
      body = entry.gzip;
    }
    const headers = this.headersFor(entry, status, hit, encoding, compressible);
    headers['content-length'] = String(body.byteLength);
    return { status, headers, body: request.head ? null : body };
  }

  private headersFor(
    entry: ObjectEntry,
    status: number,
    hit: boolean,
    encoding: 'br' | 'gzip' | null,
    compressible: boolean,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      'content-type': entry.contentType,
      'cache-control': status === 200 ? (entry.cacheControl ?? 'no-cache') : 'no-cache',
      'x-cache': hit ? HIT : MISS,
    };
    if (compressible) headers.vary = 'accept-encoding';
    // Another representation of the same object is a weak tag, as nginx gives when it compresses.
    if (status === 200) headers.etag = encoding ? `W/${entry.etag}` : entry.etag;
    if (encoding) headers['content-encoding'] = encoding;
    headers['content-length'] = String(entry.body.byteLength);
    return headers;
  }

  /** The cached object at `uri` when it needs no check against the store (counted as a hit), else null. */
  private freshHit(site: EdgeSite, uri: string): ObjectEntry | null {
    const key = cacheKey(site.domain, uri);
    const cached = this.cache.get(key);
    const now = Date.now();
    if (cached?.kind !== 'object' || now - cached.checkedAt >= this.revalidateAfterMs) return null;
    this.counters.hits++;
    // Most recently used goes last, so eviction takes the oldest first; moved at most once a second,
    // as moving costs more than the rest of a hit.
    if (now - (cached.movedAt ?? 0) >= 1000) {
      cached.movedAt = now;
      this.cache.delete(key);
      this.cache.set(key, cached);
    }
    return cached;
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
const outcomeKey = (domain: string, method: string, target: string) => `${method} ${domain} ${target}`;

/** The object key a rewritten path names, or null when it names none. */
function objectKeyOf(uri: string): string | null {
  try {
    return decodeURIComponent(uri.replace(/^\/+/, '')) || null;
  } catch {
    return null;
  }
}

/** The host of a `Host` header, lower case, without port or trailing dot. */
export function hostOf(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : raw.split(':')[0];
  return host ? host.toLowerCase().replace(/\.$/, '') : null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function header(headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function toResponse(reply: EdgeReply): Response {
  const body = typeof reply.body === 'string' || reply.body === null ? reply.body : new Uint8Array(reply.body);
  return new Response(body, { status: reply.status, headers: reply.headers });
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
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
