/**
 * A local HTTP server on 127.0.0.1 that speaks the part of the CloudFront KeyValueStore API
 * (2022-07-26, REST with JSON) that Bosun uses: DescribeKeyValueStore (the ETag), UpdateKeys, PutKey
 * and GetKey, each write conditional on `If-Match` as the real API is. It records every request.
 *
 * The SDK sends each request to `{account}.{endpoint host}`; clients built by `clientConfig()` resolve
 * every host to this server, whose records keep the host the SDK asked for.
 */
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { type RecordedRequest, recordRequest } from './recorded-request';

export type RecordedKvsRequest = RecordedRequest;

export class FakeKeyValueStore {
  readonly requests: RecordedKvsRequest[] = [];
  /** The stores this server knows, by ARN: their keys and a version that every write moves on. */
  readonly stores = new Map<string, { keys: Map<string, string>; version: number }>();
  /** Answers to give before handling the next requests normally, e.g. a 503. */
  readonly failures: { status: number; code: string }[] = [];
  /** Called after each request is answered, e.g. to let another writer change the store. */
  onRequest: ((r: RecordedKvsRequest) => void) | null = null;
  private readonly server = createServer((req, res) => this.handle(req, res));
  private agent: Agent | null = null;
  endpoint = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    // `localhost`, not an IP: the SDK prefixes the account id to the host.
    this.endpoint = `http://localhost:${port}`;
    return this;
  }

  stop(): Promise<void> {
    this.agent?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  addStore(arn: string): void {
    this.stores.set(arn, { keys: new Map(), version: 1 });
  }

  /** Client settings that send every request here, whatever host the SDK derives from the ARN. */
  clientConfig() {
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all)
        (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    this.agent ??= new Agent({ lookup } as ConstructorParameters<typeof Agent>[0]);
    return {
      endpoint: this.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: { httpAgent: this.agent },
      maxAttempts: 3,
    };
  }

  /** Another writer (the console, a script) changes the store: Bosun's ETag is then stale. */
  writeElsewhere(arn: string, key: string, value: string): void {
    const store = this.stores.get(arn);
    if (!store) throw new Error(`no store ${arn}`);
    store.keys.set(key, value);
    store.version++;
  }

  updates(): RecordedKvsRequest[] {
    return this.requests.filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'DELETE');
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    recordRequest(req, (record) => {
      this.requests.push(record);
      const failure = this.failures.shift();
      if (failure) this.error(res, failure.status, failure.code, 'injected failure');
      else this.route(record, res);
      this.onRequest?.(record);
    });
  }

  private route(r: RecordedKvsRequest, res: ServerResponse) {
    const match = /^\/key-value-stores\/([^/?]+)(?:\/keys(?:\/([^/?]+))?)?(?:\?.*)?$/.exec(r.path);
    if (!match) return this.error(res, 400, 'ValidationException', `Unsupported ${r.method} ${r.path}`);
    const arn = decodeURIComponent(match[1] ?? '');
    const key = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const keysPath = r.path.includes('/keys');
    const store = this.stores.get(arn);
    if (!store) return this.error(res, 404, 'ResourceNotFoundException', `Key value store ${arn} not found.`);
    const etag = `KV${String(store.version).padStart(10, '0')}`;
    const sizes = () => ({
      ItemCount: store.keys.size,
      TotalSizeInBytes: [...store.keys].reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0),
    });
    const write = (apply: () => void) => {
      if (r.headers['if-match'] !== etag)
        return this.error(res, 409, 'ConflictException', 'The key value store was changed; get its current ETag.');
      apply();
      store.version++;
      return this.send(res, 200, sizes(), { etag: `KV${String(store.version).padStart(10, '0')}` });
    };

    if (r.method === 'GET' && !keysPath) {
      return this.send(
        res,
        200,
        { ...sizes(), KvsARN: arn, Created: 1_780_000_000, LastModified: 1_780_000_000, Status: 'READY' },
        { etag },
      );
    }
    if (r.method === 'POST' && keysPath && key === undefined) {
      const body = JSON.parse(r.body || '{}') as { Puts?: { Key: string; Value: string }[]; Deletes?: { Key: string }[] };
      return write(() => {
        for (const p of body.Puts ?? []) store.keys.set(p.Key, p.Value);
        for (const d of body.Deletes ?? []) store.keys.delete(d.Key);
      });
    }
    if (r.method === 'PUT' && key !== undefined) {
      const body = JSON.parse(r.body || '{}') as { Value: string };
      return write(() => store.keys.set(key, body.Value));
    }
    if (r.method === 'GET' && key !== undefined) {
      const value = store.keys.get(key);
      if (value === undefined) return this.error(res, 404, 'ResourceNotFoundException', `Key ${key} not found.`);
      return this.send(res, 200, { Key: key, Value: value, ...sizes() });
    }
    return this.error(res, 400, 'ValidationException', `Unsupported ${r.method} ${r.path}`);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': 'fake', ...headers });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, code: string, message: string) {
    this.send(res, status, { Message: message }, { 'x-amzn-errortype': code });
  }
}
