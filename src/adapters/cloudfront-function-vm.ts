/**
 * Runs a CloudFront Function (viewer request) in `node:vm`, as the local edge does: the code is
 * evaluated unchanged in strict mode in its own context, except that each `import x from 'module'`
 * line is bound to a module supplied here (only `cloudfront`, whose key value store the caller backs).
 */
import vm from 'node:vm';

/** The key value store handle of the `cloudfront` module: `get` rejects when the key is missing. */
export type KeyValueStoreHandle = {
  get(key: string, options?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown>;
  exists(key: string): Promise<boolean>;
};

export type CloudFrontModule = { kvs(id?: string): KeyValueStoreHandle };

type HeaderMap = Record<string, { value: string; multiValue?: { value: string }[] }>;

export type ViewerRequest = {
  method: string;
  uri: string;
  querystring: HeaderMap;
  headers: HeaderMap;
  cookies: HeaderMap;
};

export type ViewerRequestEvent = {
  version: '1.0';
  context: { distributionDomainName: string; distributionId: string; eventType: 'viewer-request'; requestId: string };
  viewer: { ip: string };
  request: ViewerRequest;
};

export type FunctionResponse = { statusCode: number; statusDescription?: string; headers?: HeaderMap; body?: string | { data: string } };

export type ViewerRequestOutcome = { kind: 'request'; request: ViewerRequest } | { kind: 'response'; response: FunctionResponse };

/** Runs the handler for an event; `handler` is the function's own, returning what it returns. */
export type EdgeFunction = ((event: ViewerRequestEvent) => Promise<ViewerRequestOutcome>) & {
  handler: (event: ViewerRequestEvent) => unknown;
};

const IMPORT_LINE = /^import\s+([A-Za-z_$][\w$]*)\s+from\s+'([a-z-]+)';?[ \t]*$/;

/** A `cloudfront` module whose key value store reads through `lookup` (null: no such key). */
export function cloudFrontModule(lookup: (key: string) => Promise<string | null>): CloudFrontModule {
  const handle: KeyValueStoreHandle = {
    get: async (key, options) => {
      const value = await lookup(key);
      if (value === null) throw new Error(`Key ${key} not found`);
      return options?.format === 'json' ? JSON.parse(value) : options?.format === 'bytes' ? Buffer.from(value) : value;
    },
    exists: async (key) => (await lookup(key)) !== null,
  };
  return { kvs: () => handle };
}

/**
 * Compiles `code` once; the returned function runs its `handler` for an event. Throws when the
 * code imports a module not supplied or defines no `handler`.
 */
export function loadEdgeFunction(code: string, modules: { cloudfront: CloudFrontModule }): EdgeFunction {
  const available: Record<string, unknown> = { cloudfront: modules.cloudfront };
  const lines = code.split('\n').map((line) => {
    if (!/^\s*import\b/.test(line)) return line;
    const match = IMPORT_LINE.exec(line.trim());
    if (!match) throw new Error(`unsupported import in edge function: ${line.trim()}`);
    const [, name, module] = match as unknown as [string, string, string];
    if (!(module in available)) throw new Error(`edge function imports unknown module "${module}"`);
    return `const ${name} = __edgeModules[${JSON.stringify(module)}];`;
  });
  const context = vm.createContext({ __edgeModules: available, console: { log: () => {} } }, { name: 'edge-function' });
  const script = new vm.Script(`'use strict';\n${lines.join('\n')}\n;typeof handler === 'function' ? handler : undefined`, {
    filename: 'edge-function.js',
  });
  const handler = script.runInContext(context, { timeout: 1000 }) as ((event: ViewerRequestEvent) => Promise<unknown>) | undefined;
  if (typeof handler !== 'function') throw new Error('the edge function defines no handler(event)');
  const run = (event: ViewerRequestEvent) => {
    try {
      return Promise.resolve(handler(event)).then(classifyOutcome);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return Object.assign(run, { handler });
}

/** What a handler returned: the request to pass on, or a response to answer with. */
export function classifyOutcome(result: unknown): ViewerRequestOutcome {
  const out = result as (ViewerRequest & Partial<FunctionResponse>) | undefined;
  if (out && typeof out.statusCode === 'number') return { kind: 'response', response: out as FunctionResponse };
  if (out && typeof out.uri === 'string') return { kind: 'request', request: out as ViewerRequest };
  throw new Error('the edge function returned neither a request nor a response');
}

/**
 * A viewer-request event for `method` and `url` (a URL, or a request target: path and query) as
 * CloudFront would build it.
 */
export function viewerRequestEvent(
  method: string,
  url: URL | string,
  headers: Headers | Record<string, string | string[] | undefined>,
  site: { domain: string; distributionId?: string },
): ViewerRequestEvent {
  const h: HeaderMap = {};
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      h[name.toLowerCase()] = { value };
    });
  } else {
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) h[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(', ') : value };
    }
  }
  h.host = { value: site.domain };
  const { path, search } = typeof url === 'string' ? splitTarget(url) : { path: url.pathname, search: url.search };
  const qs: HeaderMap = {};
  if (search.length > 1) {
    new URLSearchParams(search).forEach((value, name) => {
      qs[name] = { value };
    });
  }
  return {
    version: '1.0',
    context: {
      distributionDomainName: site.domain,
      distributionId: site.distributionId ?? 'LOCAL',
      eventType: 'viewer-request',
      requestId: '',
    },
    viewer: { ip: '127.0.0.1' },
    request: { method, uri: path, querystring: qs, headers: h, cookies: {} },
  };
}

/** What a run of the handler read of its event beyond what its request target and the site decide. */
export type EventWatch = { readOther: boolean };

/**
 * `event` with its parts that vary between requests of one target watched: the headers other than
 * `host` (always the site's domain), the cookies and the viewer. While `watch.readOther` stays false,
 * what the run returns follows from the method, the target (uri and query string), the site and the
 * key value store alone. The function sees the same values as in `event`; it may still change them.
 */
export function watchEvent(event: ViewerRequestEvent): { event: ViewerRequestEvent; watch: EventWatch } {
  const watch: EventWatch = { readOther: false };
  const seen = () => {
    watch.readOther = true;
  };
  const { request } = event;
  const headers = new Proxy(request.headers, {
    get(target, name, receiver) {
      if (name !== 'host') seen();
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      if (name !== 'host') seen();
      return Reflect.has(target, name);
    },
    ownKeys(target) {
      seen();
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, name) {
      if (name !== 'host') seen();
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
  });
  const watched = (value: unknown, tell: boolean): PropertyDescriptor => ({
    get: () => {
      if (tell) seen();
      return value;
    },
    set: (next: unknown) => {
      value = next;
    },
    enumerable: true,
    configurable: true,
  });
  const watchedRequest = Object.defineProperties(
    { method: request.method, uri: request.uri, querystring: request.querystring },
    { headers: watched(headers, false), cookies: watched(request.cookies, true) },
  ) as ViewerRequest;
  const watchedEvent = Object.defineProperties(
    { version: event.version, context: event.context, request: watchedRequest },
    { viewer: watched(event.viewer, true) },
  ) as ViewerRequestEvent;
  return { event: watchedEvent, watch };
}

/** A plain path needs no parsing; anything else is normalised as a URL would be (dot segments, escapes). */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

function splitTarget(target: string): { path: string; search: string } {
  if (!target.startsWith('/')) {
    // Absolute form (`http://host/path?query`): the host is the request's, not the target's.
    const url = new URL(target);
    return { path: url.pathname, search: url.search };
  }
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(path)) return { path, search: q === -1 ? '' : target.slice(q) };
  const url = new URL(`http://edge.invalid${target}`);
  return { path: url.pathname, search: url.search };
}
