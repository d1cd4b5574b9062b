/**
 * A local HTTP server on 127.0.0.1 that speaks the part of CloudFront's REST API (2020-05-31, XML)
 * that Bosun uses: CreateInvalidation and GetInvalidation, with CloudFront's rules for
 * CallerReference reuse and its limit of 3,000 paths in progress; and DescribeKeyValueStore and
 * ListKeyValueStores, which find a KeyValueStore's ARN from its name or id; GetDistributionConfig and
 * GetFunction, which name and return the code of the function a distribution runs on viewer requests
 * (what `bosun doctor` compares with the generated one); and the distribution-tenant calls of a
 * multi-tenant distribution (CloudFront SaaS Manager): Create, Get, GetByDomain, Update (If-Match),
 * List, and invalidations for a tenant. It records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RecordedRequest, recordRequest } from './recorded-request';

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export type { RecordedRequest };
export type FakeInvalidation = {
  id: string;
  distribution: string;
  /** The distribution tenant it was made for (CreateInvalidationForDistributionTenant); absent for a distribution's own. */
  distributionTenant?: string;
  callerReference: string;
  paths: string[];
  status: 'InProgress' | 'Completed';
};
/** A CloudFront Function as GetFunction serves it: the code of its LIVE stage. */
export type FakeFunction = { name: string; arn: string; code: Buffer; version: number; etag: string };
/** A distribution tenant of a multi-tenant distribution, as CloudFront keeps it. */
export type FakeDistributionTenant = {
  id: string;
  distributionId: string;
  name: string;
  arn: string;
  domains: string[];
  parameters: { name: string; value: string }[];
  connectionGroupId: string;
  enabled: boolean;
  /** `InProgress` after each change, until `deployTenants()`. */
  status: 'InProgress' | 'Deployed';
  /** Whether CloudFront serves its domains (a managed certificate is issued once it is deployed). */
  domainStatus: 'active' | 'inactive';
  managedCertificate: { validationTokenHost: string; primaryDomainName: string | null } | null;
  etag: string;
};

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
  /**
   * Answers to give instead of the real one, each to the next request `test` accepts, after handling
   * it: a lost response (the change was made).
   */
  readonly lostAnswers: { test: (r: RecordedRequest) => boolean; status: number; code: string }[] = [];
  readonly distributionTenants: FakeDistributionTenant[] = [];
  /** Domains some other distribution (another account's) already serves: a tenant cannot take them. */
  readonly foreignDomains = new Set<string>();
  /** The connection group tenants join when none is given. */
  defaultConnectionGroupId = 'cg_2wjDWTBKTlRB87cAaUQFaakDEFA';
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
      const lostAt = failure ? -1 : this.lostAnswers.findIndex((l) => l.test(record));
      const lost = lostAt >= 0 ? this.lostAnswers.splice(lostAt, 1)[0] : undefined;
      if (failure) this.error(res, failure.status, failure.code, 'injected failure');
      else if (lost) {
        this.route(record, DISCARD);
        this.error(res, lost.status, lost.code, 'injected failure after the change was made');
      } else this.route(record, res);
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
    if (r.path.startsWith('/2020-05-31/distribution-tenant')) return this.routeDistributionTenant(r, res);
    const create = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(r.path);
    const get = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation\/([^/?]+)$/.exec(r.path);
    const distribution = decodeURIComponent((create ?? get)?.[1] ?? '');
    if (!this.distributions.has(distribution)) {
      return this.error(res, 404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    }
    if (create && r.method === 'POST') return this.createInvalidation(r, res, distribution, undefined);
    if (get && r.method === 'GET') return this.getInvalidation(res, distribution, undefined, get[2] ?? '');
    return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
  }

  /** CreateInvalidation for a distribution, or (with `tenant`) CreateInvalidationForDistributionTenant. */
  private createInvalidation(r: RecordedRequest, res: ServerResponse, distribution: string, tenant: string | undefined) {
    const paths = [...r.body.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((m) => unescapeXml(m[1] ?? ''));
    const quantity = Number(/<Quantity>(\d+)<\/Quantity>/.exec(r.body)?.[1]);
    const callerReference = unescapeXml(/<CallerReference>([\s\S]*?)<\/CallerReference>/.exec(r.body)?.[1] ?? '');
    if (!callerReference || quantity !== paths.length) return this.error(res, 400, 'InvalidArgument', 'Malformed batch.');
    const same = this.invalidations.find(
      (i) => i.distribution === distribution && i.distributionTenant === tenant && i.callerReference === callerReference,
    );
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
      ...(tenant ? { distributionTenant: tenant } : {}),
      callerReference,
      paths,
      status: 'InProgress',
    };
    this.invalidations.push(inv);
    this.onInvalidation?.(inv);
    return this.send(res, 201, invalidationXml(inv), { location: `${this.endpoint}${r.path}/${inv.id}` });
  }

  private getInvalidation(res: ServerResponse, distribution: string, tenant: string | undefined, id: string) {
    const inv = this.invalidations.find((i) => i.distribution === distribution && i.distributionTenant === tenant && i.id === id);
    if (!inv) return this.error(res, 404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
    const answer = invalidationXml(inv);
    if (this.completeOnFirstGet) inv.status = 'Completed';
    return this.send(res, 200, answer);
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

  // ---- Distribution tenants (CloudFront SaaS Manager) ----

  /** Marks every tenant deployed, its domains served: what CloudFront reports some minutes after a change. */
  deployTenants(): void {
    for (const t of this.distributionTenants) {
      t.status = 'Deployed';
      t.domainStatus = 'active';
    }
  }

  /** A tenant found by its id, name or ARN (GetDistributionTenant takes any of them). */
  tenant(identifier: string): FakeDistributionTenant | undefined {
    return this.distributionTenants.find((t) => t.id === identifier || t.name === identifier || t.arn === identifier);
  }

  /** The CreateDistributionTenant requests received. */
  tenantCreates(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/2020-05-31/distribution-tenant');
  }

  /**
   * POST /distribution-tenant (Create), GET /distribution-tenant/{Identifier}, GET /distribution-tenant?domain=
   * (GetByDomain), PUT /distribution-tenant/{Id} (Update, If-Match), POST /distribution-tenants (List),
   * POST|GET /distribution-tenant/{Id}/invalidation[/{Id}].
   */
  private routeDistributionTenant(r: RecordedRequest, res: ServerResponse) {
    const url = new URL(r.path, 'http://fake');
    const path = url.pathname;
    if (path === '/2020-05-31/distribution-tenants' && r.method === 'POST') return this.listTenants(r, res);
    if (path === '/2020-05-31/distribution-tenant' && r.method === 'POST') return this.createTenant(r, res);
    if (path === '/2020-05-31/distribution-tenant' && r.method === 'GET') {
      const domain = url.searchParams.get('domain') ?? '';
      const tenant = this.distributionTenants.find((t) => t.domains.includes(domain));
      if (!tenant) return this.error(res, 404, 'EntityNotFound', `No distribution tenant has the domain ${domain}.`);
      return this.send(res, 200, tenantXml(tenant), { etag: tenant.etag });
    }
    const invalidation = /^\/2020-05-31\/distribution-tenant\/([^/]+)\/invalidation(?:\/([^/]+))?$/.exec(path);
    if (invalidation) {
      const tenant = this.tenant(decodeURIComponent(invalidation[1] ?? ''));
      if (!tenant) return this.error(res, 404, 'EntityNotFound', 'The specified distribution tenant does not exist.');
      if (!invalidation[2] && r.method === 'POST') return this.createInvalidation(r, res, tenant.distributionId, tenant.id);
      if (invalidation[2] && r.method === 'GET') return this.getInvalidation(res, tenant.distributionId, tenant.id, invalidation[2]);
    }
    const one = /^\/2020-05-31\/distribution-tenant\/([^/]+)$/.exec(path);
    if (one) {
      const tenant = this.tenant(decodeURIComponent(one[1] ?? ''));
      if (!tenant) return this.error(res, 404, 'EntityNotFound', 'The specified distribution tenant does not exist.');
      if (r.method === 'GET') return this.send(res, 200, tenantXml(tenant), { etag: tenant.etag });
      if (r.method === 'PUT') return this.updateTenant(r, res, tenant);
    }
    return this.error(res, 400, 'InvalidAction', `Unsupported ${r.method} ${r.path}`);
  }

  /** The domain of `domains` another tenant or distribution serves, if any. */
  private domainConflict(domains: readonly string[], except: FakeDistributionTenant | null): string | undefined {
    return domains.find((d) => this.foreignDomains.has(d) || this.distributionTenants.some((t) => t !== except && t.domains.includes(d)));
  }

  private createTenant(r: RecordedRequest, res: ServerResponse) {
    const input = parseTenantInput(r.body);
    if (!input.distributionId || !input.name || !input.domains?.length) {
      return this.error(res, 400, 'InvalidArgument', 'DistributionId, Name and Domains are required.');
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9.-]{1,126}[a-zA-Z0-9]$/.test(input.name)) {
      return this.error(res, 400, 'InvalidArgument', `The name ${input.name} is not valid.`);
    }
    if (!this.distributions.has(input.distributionId)) {
      return this.error(res, 404, 'EntityNotFound', `The distribution ${input.distributionId} does not exist.`);
    }
    if (this.distributionTenants.some((t) => t.name === input.name)) {
      return this.error(res, 409, 'EntityAlreadyExists', `A distribution tenant named ${input.name} already exists.`);
    }
    const conflict = this.domainConflict(input.domains, null);
    if (conflict) {
      return this.error(
        res,
        409,
        'CNAMEAlreadyExists',
        `One or more of the CNAMEs you provided are already associated with a different resource: ${conflict}`,
      );
    }
    const n = this.distributionTenants.length + 1;
    const id = `dt_${String(n).padStart(4, '0')}FakeTenant${'x'.repeat(13)}`;
    const tenant: FakeDistributionTenant = {
      id,
      distributionId: input.distributionId,
      name: input.name,
      arn: `arn:aws:cloudfront::123456789012:distribution-tenant/${id}`,
      domains: input.domains,
      parameters: input.parameters ?? [],
      connectionGroupId: input.connectionGroupId ?? this.defaultConnectionGroupId,
      enabled: input.enabled ?? true,
      status: 'InProgress',
      domainStatus: 'inactive',
      managedCertificate: input.managedCertificate ?? null,
      etag: `E${n}V1`,
    };
    this.distributionTenants.push(tenant);
    return this.send(res, 201, tenantXml(tenant), { etag: tenant.etag, location: `${this.endpoint}/2020-05-31/distribution-tenant/${id}` });
  }

  private updateTenant(r: RecordedRequest, res: ServerResponse, tenant: FakeDistributionTenant) {
    const ifMatch = r.headers['if-match'];
    if (!ifMatch) return this.error(res, 400, 'InvalidIfMatchVersion', 'The If-Match version is missing or not valid.');
    if (ifMatch !== tenant.etag)
      return this.error(res, 412, 'PreconditionFailed', 'The precondition in one or more of the request fields evaluated to false.');
    const input = parseTenantInput(r.body);
    if (!input.distributionId || !input.domains?.length) {
      return this.error(res, 400, 'InvalidArgument', 'DistributionId and Domains are required.');
    }
    if (input.distributionId !== tenant.distributionId) {
      return this.error(res, 400, 'InvalidArgument', 'A distribution tenant cannot move to another distribution.');
    }
    const conflict = this.domainConflict(input.domains, tenant);
    if (conflict) {
      return this.error(
        res,
        409,
        'CNAMEAlreadyExists',
        `One or more of the CNAMEs you provided are already associated with a different resource: ${conflict}`,
      );
    }
    tenant.domains = input.domains;
    if (input.parameters) tenant.parameters = input.parameters;
    if (input.connectionGroupId) tenant.connectionGroupId = input.connectionGroupId;
    if (input.enabled !== undefined) tenant.enabled = input.enabled;
    if (input.managedCertificate) tenant.managedCertificate = input.managedCertificate;
    tenant.status = 'InProgress';
    tenant.domainStatus = 'inactive';
    const version = Number(/V(\d+)$/.exec(tenant.etag)?.[1] ?? 1) + 1;
    tenant.etag = tenant.etag.replace(/V\d+$/, `V${version}`);
    return this.send(res, 200, tenantXml(tenant), { etag: tenant.etag });
  }

  private listTenants(r: RecordedRequest, res: ServerResponse) {
    const distribution = field(r.body, 'DistributionId');
    const all = this.distributionTenants.filter((t) => !distribution || t.distributionId === distribution);
    const start = Number(field(r.body, 'Marker') ?? 0);
    const max = Number(field(r.body, 'MaxItems') ?? 100);
    const page = all.slice(start, start + max);
    const next = start + page.length < all.length ? `<NextMarker>${start + page.length}</NextMarker>` : '';
    const items = page.map((t) => tenantXml(t, 'DistributionTenantSummary', '')).join('');
    return this.send(
      res,
      200,
      `<ListDistributionTenantsResult xmlns="${NS}">${next}<DistributionTenantList>${items}</DistributionTenantList></ListDistributionTenantsResult>`,
    );
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

/** A response nobody reads: the change is made, its answer lost (`lostAnswers`). */
const DISCARD = { writeHead: () => DISCARD, end: () => DISCARD } as unknown as ServerResponse;

/** The text of the first `<name>` element of `xml`, unescaped; undefined when there is none. */
function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1] ?? '') : undefined;
}

/** The fields of a CreateDistributionTenantRequest or UpdateDistributionTenantRequest body. */
function parseTenantInput(xml: string) {
  const list = (name: string) => {
    const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
    return m ? [...(m[1] ?? '').matchAll(/<member>([\s\S]*?)<\/member>/g)].map((x) => x[1] ?? '') : undefined;
  };
  const certificate = field(xml, 'ManagedCertificateRequest');
  const enabled = field(xml, 'Enabled');
  return {
    distributionId: field(xml, 'DistributionId'),
    name: field(xml, 'Name'),
    domains: list('Domains')?.map((m) => field(m, 'Domain') ?? ''),
    parameters: list('Parameters')?.map((m) => ({ name: field(m, 'Name') ?? '', value: field(m, 'Value') ?? '' })),
    connectionGroupId: field(xml, 'ConnectionGroupId'),
    managedCertificate:
      certificate === undefined
        ? undefined
        : {
            validationTokenHost: field(certificate, 'ValidationTokenHost') ?? '',
            primaryDomainName: field(certificate, 'PrimaryDomainName') ?? null,
          },
    enabled: enabled === undefined ? undefined : enabled === 'true',
  };
}

/** A DistributionTenant element (or, for lists, a DistributionTenantSummary) in CloudFront's element names. */
function tenantXml(t: FakeDistributionTenant, element = 'DistributionTenant', xmlns = ` xmlns="${NS}"`): string {
  const domains = t.domains.map((d) => `<member><Domain>${escapeXml(d)}</Domain><Status>${t.domainStatus}</Status></member>`).join('');
  const parameters = t.parameters
    .map((p) => `<member><Name>${escapeXml(p.name)}</Name><Value>${escapeXml(p.value)}</Value></member>`)
    .join('');
  const summaryOnly = element === 'DistributionTenantSummary' ? `<ETag>${t.etag}</ETag>` : '';
  return (
    `<${element}${xmlns}><Id>${t.id}</Id><DistributionId>${t.distributionId}</DistributionId><Name>${escapeXml(t.name)}</Name>` +
    `<Arn>${t.arn}</Arn><Domains>${domains}</Domains>` +
    (element === 'DistributionTenant' ? `<Parameters>${parameters}</Parameters>` : '') +
    `<ConnectionGroupId>${t.connectionGroupId}</ConnectionGroupId><CreatedTime>2026-05-30T17:00:00.000Z</CreatedTime>` +
    `<LastModifiedTime>2026-05-30T17:00:00.000Z</LastModifiedTime>${summaryOnly}<Enabled>${t.enabled}</Enabled><Status>${t.status}</Status></${element}>`
  );
}
