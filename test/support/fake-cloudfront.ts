/**
 * A local HTTP server on 127.0.0.1 that speaks the part of CloudFront's REST API (2020-05-31, XML)
 * that Bosun uses: CreateInvalidation and GetInvalidation, with CloudFront's rules for
 * CallerReference reuse and its limit of 3,000 paths in progress; and DescribeKeyValueStore and
 * ListKeyValueStores, which find a KeyValueStore's ARN from its name or id; GetDistributionConfig and
 * GetFunction, which name and return the code of the function a distribution runs on viewer requests
 * (what `bosun doctor` compares with the generated one). It records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RecordedRequest, recordRequest } from './recorded-request';

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export type { RecordedRequest };
export type FakeInvalidation = {
  id: string;
  distribution: string;
  callerReference: string;
  paths: string[];
  status: 'InProgress' | 'Completed';
};
/** A CloudFront Function as GetFunction serves it: the code of its LIVE stage. */
export type FakeFunction = { name: string; arn: string; code: Buffer; version: number; etag: string };
/** A KeyValueStore as the control plane knows it (its keys live in the KeyValueStore API). */
export type FakeKeyValueStoreInfo = { name: string; id: string; arn: string; comment: string; status: 'READY'; etag: string };

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export class FakeCloudFront {
  readonly requests: RecordedRequest[] = [];
  readonly invalidations: FakeInvalidation[] = [];
  readonly distributions = new Set<string>();
  readonly keyValueStores: FakeKeyValueStoreInfo[] = [];
  /** CloudFront Functions by name: the code of their LIVE stage. */
  readonly functions = new Map<string, FakeFunction>();
  /** Each distribution's viewer-request function on its default cache behavior (an ARN), or null for none. */
  readonly viewerRequestFunctions = new Map<string, string | null>();
  /** Whether an invalidation completes when it is first asked about (as a quick one does). */
  completeOnFirstGet = true;
  /** Paths in progress held by others (another tool); they count against the limit. */
  externalInProgress = 0;
  /** Called for each new invalidation, as CloudFront would drop the paths at its edges. */
  onInvalidation: ((inv: FakeInvalidation) => void) | null = null;
  /** Answers to give before handling the next requests normally, e.g. a 503. */
  readonly failures: { status: number; code: string }[] = [];
  private listeners: { test: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  private server = createServer((req, res) => this.handle(req, res));
  endpoint = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  creates(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  /** Resolves with the first request (already received or to come) that `test` accepts. */
  waitFor(test: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const seen = this.requests.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.listeners.push({ test, resolve }));
  }

  complete(id?: string): void {
    for (const inv of this.invalidations) if (id === undefined || inv.id === id) inv.status = 'Completed';
  }

  /** A KeyValueStore in this account; its id is the last part of the ARN, as CloudFront's are. */
  addKeyValueStore(name: string, arn: string): FakeKeyValueStoreInfo {
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    const store: FakeKeyValueStoreInfo = {
      name,
      id,
      arn,
      comment: '',
      status: 'READY',
      etag: `E${id.replace(/-/g, '').slice(0, 12).toUpperCase()}`,
    };
    this.keyValueStores.push(store);
    return store;
  }

  /** The DescribeKeyValueStore requests received. */
  keyValueStoreDescribes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && /^\/2020-05-31\/key-value-store\/[^/?]+$/.test(r.path));
  }

  /** The ListKeyValueStores requests received. */
  keyValueStoreLists(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && /^\/2020-05-31\/key-value-store(?:\?.*)?$/.test(r.path));
  }

  inProgressPaths(distribution: string): number {
    return (
      this.externalInProgress +
      this.invalidations.filter((i) => i.distribution === distribution && i.status === 'InProgress').reduce((n, i) => n + i.paths.length, 0)
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    recordRequest(req, (record) => {
      this.requests.push(record);
      const failure = this.failures.shift();
      if (failure) this.error(res, failure.status, failure.code, 'injected failure');
      else this.route(record, res);
      const waiting = this.listeners;
      this.listeners = [];
      for (const l of waiting) {
        if (l.test(record)) l.resolve(record);
        else this.listeners.push(l);
      }
    });
  }

  private route(r: RecordedRequest, res: ServerResponse) {
    if (r.path.startsWith('/2020-05-31/key-value-store')) return this.routeKeyValueStore(r, res);
    if (r.path.startsWith('/2020-05-31/function/')) return this.routeFunction(r, res);
    if (/^\/2020-05-31\/distribution\/[^/]+\/config$/.test(r.path)) return this.routeDistributionConfig(r, res);
    const create = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(r.path);
    const get = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/?]+)$/.exec(r.path);
    const distribution = decodeURIComponent((create ?? get)?.[1] ?? '');
    if (!this.distributions.has(distribution)) {
      return this.error(res, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    }
    if (create && r.method === 'POST') {
      const paths = [...r.body.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((m) => unescapeXml(m[1] ?? ''));
      const quantity = Number(/<Quantity>(\d+)<\/Quantity>/.exec(r.body)?.[1]);
      const callerReference = unescapeXml(/<CallerReference>([\s\S]*?)<\/CallerReference>/.exec(r.body)?.[1] ?? '');
      if (!callerReference || quantity !== paths.length) return this.error(res, 400, 'InvalidArgument', 'Malformed batch.');
      const same = this.invalidations.find((i) => i.distribution === distribution && i.callerReference === callerReference);
      if (same) {
        if (same.paths.join('\n') !== paths.join('\n')) {
          return this.error(res, 409, 'InvalidationBatchAlreadyExists', 'The CallerReference was used with another batch.');
        }
        return this.send(res, 201, invalidationXml(same), { location: `${this.endpoint}${r.path}/${same.id}` });
      }
      if (this.inProgressPaths(distribution) + paths.length > 3000) {
        return this.error(res, 400, 'TooManyInvalidationsInProgress', 'Too many invalidations in progress.');
      }
      const inv: FakeInvalidation = {
        id: `I${String(this.invalidations.length + 1).padStart(5, '0')}`,
        distribution,
        callerReference,
        paths,
        status: 'InProgress',
      };
      this.invalidations.push(inv);
      this.onInvalidation?.(inv);
      return this.send(res, 201, invalidationXml(inv), { location: `${this.endpoint}${r.path}/${inv.id}` });
    }
    if (get && r.method === 'GET') {
      const inv = this.invalidations.find((i) => i.distribution === distribution && i.id === get[2]);
      if (!inv) return this.error(res, 404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      const answer = invalidationXml(inv);
      if (this.completeOnFirstGet) inv.status = 'Completed';
      return this.send(res, 200, answer);
    }
    return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
  }

  /** GET /2020-05-31/key-value-store/{Name} (Describe) and GET /2020-05-31/key-value-store?Marker&MaxItems (List). */
  private routeKeyValueStore(r: RecordedRequest, res: ServerResponse) {
    const url = new URL(r.path, 'http://fake');
    const describe = /^\/2020-05-31\/key-value-store\/([^/]+)$/.exec(url.pathname);
    if (describe && r.method === 'GET') {
      const name = decodeURIComponent(describe[1] ?? '');
      const store = this.keyValueStores.find((s) => s.name === name);
      if (!store) return this.error(res, 404, 'EntityNotFound', `The specified key value store ${name} does not exist.`);
      return this.send(res, 200, keyValueStoreXml(store, ` xmlns="${NS}"`), { etag: store.etag });
    }
    if (url.pathname === '/2020-05-31/key-value-store' && r.method === 'GET') {
      // The Marker is opaque to callers; here it is the index of the next store.
      const start = Number(url.searchParams.get('Marker') ?? 0);
      const max = Number(url.searchParams.get('MaxItems') ?? 100);
      const page = this.keyValueStores.slice(start, start + max);
      const next = start + page.length < this.keyValueStores.length ? `<NextMarker>${start + page.length}</NextMarker>` : '';
      // As in CloudFront's other lists, Items is left out when there are none.
      const items = page.length > 0 ? `<Items>${page.map((s) => keyValueStoreXml(s)).join('')}</Items>` : '';
      return this.send(
        res,
        200,
        `<KeyValueStoreList xmlns="${NS}">${next}<MaxItems>${max}</MaxItems><Quantity>${page.length}</Quantity>${items}</KeyValueStoreList>`,
      );
    }
    return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
  }

  // --- Functions: GetFunction and GetDistributionConfig --------------------------------------------

  /** A function published to LIVE with `code`; returns its ARN. Publishing again replaces the code. */
  putFunction(name: string, code: string | Uint8Array): string {
    const arn = `arn:aws:cloudfront::123456789012:function/${name}`;
    const version = (this.functions.get(name)?.version ?? 0) + 1;
    this.functions.set(name, {
      name,
      arn,
      code: Buffer.from(code),
      version,
      etag: `E${version}${name.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`,
    });
    return arn;
  }

  /** Makes `distribution` known, running `functionArn` on viewer requests of its default cache behavior (null: none). */
  setViewerRequestFunction(distribution: string, functionArn: string | null): void {
    this.distributions.add(distribution);
    this.viewerRequestFunctions.set(distribution, functionArn);
  }

  /** The GetFunction requests received. */
  functionGets(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/2020-05-31/function/'));
  }

  /** GET /2020-05-31/function/{Name}?Stage=DEVELOPMENT|LIVE: the code as the body, as CloudFront sends it. */
  private routeFunction(r: RecordedRequest, res: ServerResponse) {
    const url = new URL(r.path, 'http://fake');
    const name = decodeURIComponent(/^\/2020-05-31\/function\/([^/]+)$/.exec(url.pathname)?.[1] ?? '');
    if (r.method !== 'GET' || !name) return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
    const stage = url.searchParams.get('Stage') ?? 'DEVELOPMENT';
    if (stage !== 'LIVE' && stage !== 'DEVELOPMENT') return this.error(res, 400, 'InvalidArgument', 'Stage must be DEVELOPMENT or LIVE.');
    const fn = this.functions.get(name);
    if (!fn) return this.error(res, 404, 'NoSuchFunctionExists', `The function ${name} does not exist.`);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(fn.code.byteLength),
      etag: fn.etag,
      'x-amz-request-id': 'fake',
    });
    res.end(fn.code);
  }

  /** GET /2020-05-31/distribution/{Id}/config: the DistributionConfig, with its ETag. */
  private routeDistributionConfig(r: RecordedRequest, res: ServerResponse) {
    const id = decodeURIComponent(/^\/2020-05-31\/distribution\/([^/]+)\/config$/.exec(r.path)?.[1] ?? '');
    if (r.method !== 'GET') return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
    if (!this.distributions.has(id)) return this.error(res, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    const arn = this.viewerRequestFunctions.get(id) ?? null;
    const associations = arn
      ? `<FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>${escapeXml(arn)}</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations>`
      : '<FunctionAssociations><Quantity>0</Quantity></FunctionAssociations>';
    const xml =
      `<DistributionConfig xmlns="${NS}"><CallerReference>bosun-${escapeXml(id)}</CallerReference>` +
      '<Aliases><Quantity>0</Quantity></Aliases><DefaultRootObject></DefaultRootObject>' +
      '<Origins><Quantity>1</Quantity><Items><Origin><Id>sites</Id><DomainName>bosun-sites.s3.us-east-1.amazonaws.com</DomainName>' +
      '<OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin></Items></Origins>' +
      `<DefaultCacheBehavior><TargetOriginId>sites</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>` +
      `<AllowedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></AllowedMethods>` +
      `<Compress>true</Compress>${associations}<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior>` +
      '<CacheBehaviors><Quantity>0</Quantity></CacheBehaviors><Comment>guest site</Comment><PriceClass>PriceClass_100</PriceClass>' +
      '<Enabled>true</Enabled><HttpVersion>http2and3</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled></DistributionConfig>';
    return this.send(res, 200, xml, { etag: `E${id}CONFIG` });
  }

  private send(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amz-request-id': 'fake', ...headers });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  }

  private error(res: ServerResponse, status: number, code: string, message: string) {
    this.send(
      res,
      status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
    );
  }
}

function invalidationXml(inv: FakeInvalidation): string {
  const items = inv.paths.map((p) => `<Path>${escapeXml(p)}</Path>`).join('');
  return `<Invalidation xmlns="${NS}"><Id>${inv.id}</Id><Status>${inv.status}</Status><CreateTime>2026-05-30T17:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity><Items>${items}</Items></Paths><CallerReference>${escapeXml(inv.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
}

function keyValueStoreXml(s: FakeKeyValueStoreInfo, xmlns = ''): string {
  return `<KeyValueStore${xmlns}><Name>${escapeXml(s.name)}</Name><Id>${s.id}</Id><Comment>${escapeXml(s.comment)}</Comment><ARN>${escapeXml(s.arn)}</ARN><Status>${s.status}</Status><LastModifiedTime>2026-05-30T17:00:00.000Z</LastModifiedTime></KeyValueStore>`;
}
