/**
 * Cdn on Amazon CloudFront. Invalidations name exactly the changed paths; calls within a short
 * window for the same distribution are sent as one CreateInvalidation. The CallerReference is a
 * digest of the distribution, the paths and the callers' change references, so a retried change is
 * recognised by CloudFront instead of invalidating twice. No more than 3,000 paths are in progress
 * per distribution (CloudFront's limit): beyond that the adapter waits for earlier ones. An
 * `invalidate` resolves once CloudFront reports its invalidation completed, so what is fetched next
 * through the distribution is the new content (ADR 0009).
 *
 * Platform mode (`platform`): every site is a distribution tenant of one multi-tenant distribution.
 * `provisionSite` creates a site's tenant (domain, `sitePrefix` parameter, a certificate CloudFront
 * requests and validates itself) or moves it to the site's domain, finding a tenant an earlier attempt
 * made before it creates one; invalidations go to the site's tenant by the same rules, the 3,000 paths
 * counted for the whole distribution (ADR 0027).
 */

import { createHash } from 'node:crypto';
import type {
  CloudFrontClient,
  CloudFrontClientConfig,
  DistributionTenant,
  GetDistributionTenantByDomainCommand,
  GetDistributionTenantCommand,
} from '@aws-sdk/client-cloudfront';
import type { Cdn, CdnAnswer, CdnProvisioned, CdnSite, CdnSiteToProvision, DeployedFunction } from '../ports/cdn';
import { SITE_PREFIX_PARAMETER, sitePrefix } from '../publish/site-layout';

/** One multi-tenant distribution whose tenants are the guest sites (platform mode, ADR 0027). */
export type CloudFrontPlatformOptions = {
  distributionId: string;
  /** The connection group tenants join; absent, CloudFront's default one. */
  connectionGroupId?: string | undefined;
  /** The object store's prefix before each site's bucket (`BOSUN_OBJECT_STORE=s3://BUCKET/PREFIX`). */
  storePrefix?: string | undefined;
};

export type CloudFrontCdnOptions = {
  clientConfig?: CloudFrontClientConfig;
  /** Platform mode: sites are tenants of this distribution. Absent: each site names its own distribution. */
  platform?: CloudFrontPlatformOptions | undefined;
  /** How long to gather invalidations for one distribution before sending them. */
  batchWindowMs?: number;
  /** CloudFront allows 3,000 paths in progress per distribution. */
  maxPathsInFlight?: number;
  /** How often to ask whether invalidations have completed. */
  pollIntervalMs?: number;
  /** Resolve `invalidate` only when CloudFront reports the invalidation completed (default true). */
  waitForCompletion?: boolean;
  /** Give up waiting for room after this long. */
  maxWaitMs?: number;
  /** The public origin of a site (for verification); `https://{domain}` by default. */
  origin?: (domain: string) => string;
  fetch?: typeof fetch;
};

type Waiter = { resolve: () => void; reject: (err: Error) => void };
type Batch = { target: Target; paths: Set<string>; refs: Set<string>; waiters: Waiter[]; timer: NodeJS.Timeout | null };

/**
 * Where invalidations of a site go: its own distribution, or its tenant of the multi-tenant one. `key`
 * names its batches, `room` the distribution whose 3,000 paths in progress it shares, `seed` its
 * CallerReferences.
 */
type Target = {
  key: string;
  room: string;
  seed: string;
  label: string;
  create(reference: string, paths: string[]): Promise<{ id: string | undefined; status: string | undefined }>;
  status(id: string): Promise<string | undefined>;
};
type InFlight = { id: string; count: number; target: Target };
type CloudFrontSdk = typeof import('@aws-sdk/client-cloudfront');

export class CdnConfigurationError extends Error {
  override name = 'CdnConfigurationError';
}

export class CloudFrontCdn implements Cdn {
  /** The SDK and the client, loaded and made on first use (ADR 0029). */
  #api: Promise<{ sdk: CloudFrontSdk; client: CloudFrontClient }> | undefined;
  #client: CloudFrontClient | undefined;
  #destroyed = false;
  private readonly batches = new Map<string, Batch>();
  private readonly inFlight = new Map<string, InFlight[]>();
  private readonly queue = new Map<string, Promise<void>>();
  private readonly windowMs: number;
  private readonly maxPaths: number;
  private readonly pollMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: CloudFrontCdnOptions = {}) {
    this.windowMs = options.batchWindowMs ?? 100;
    this.maxPaths = options.maxPathsInFlight ?? 3000;
    this.pollMs = options.pollIntervalMs ?? 2000;
    this.maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
  }

  private api(): Promise<{ sdk: CloudFrontSdk; client: CloudFrontClient }> {
    this.#api ??= import('@aws-sdk/client-cloudfront').then((sdk) => {
      // CloudFront's API lives in us-east-1 whatever the distribution serves.
      const client = new sdk.CloudFrontClient({ region: 'us-east-1', ...this.options.clientConfig });
      if (this.#destroyed) client.destroy();
      this.#client = client;
      return { sdk, client };
    });
    return this.#api;
  }

  invalidate(site: CdnSite, paths: readonly string[], changeRef: string): Promise<void> {
    let target: Target;
    try {
      target = this.targetOf(site);
    } catch (err) {
      return Promise.reject(err);
    }
    for (const path of paths) {
      if (!path.startsWith('/') || path.includes('*')) return Promise.reject(new Error(`not an exact path: ${JSON.stringify(path)}`));
    }
    if (paths.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(target.key);
      if (!batch) {
        batch = { target, paths: new Set(), refs: new Set(), waiters: [], timer: null };
        this.batches.set(target.key, batch);
        batch.timer = setTimeout(() => this.flush(target.key), this.windowMs);
      }
      for (const path of paths) batch.paths.add(path);
      batch.refs.add(changeRef);
      batch.waiters.push({ resolve, reject });
      if (batch.paths.size >= this.maxPaths) this.flush(target.key);
    });
  }

  /** The site's tenant in platform mode, else its own distribution; a CdnConfigurationError when it has neither. */
  private targetOf(site: CdnSite): Target {
    const platform = this.options.platform;
    if (platform) {
      const tenant = site.distributionTenantId;
      if (!tenant) {
        throw new CdnConfigurationError(
          `the site ${site.domain} has no distribution tenant yet; the site.provision job creates it (bosun site cdn <tenant> shows its state, --provision tries again)`,
        );
      }
      return {
        key: `tenant:${tenant}`,
        room: platform.distributionId,
        seed: tenant,
        label: `distribution tenant ${tenant}`,
        create: async (reference, items) => {
          const { sdk, client } = await this.api();
          const out = await client.send(
            new sdk.CreateInvalidationForDistributionTenantCommand({
              Id: tenant,
              InvalidationBatch: { CallerReference: reference, Paths: { Quantity: items.length, Items: items } },
            }),
          );
          return { id: out.Invalidation?.Id, status: out.Invalidation?.Status };
        },
        status: async (id) => {
          const { sdk, client } = await this.api();
          return (await client.send(new sdk.GetInvalidationForDistributionTenantCommand({ DistributionTenantId: tenant, Id: id })))
            .Invalidation?.Status;
        },
      };
    }
    const distribution = site.distributionId;
    if (!distribution) {
      throw new CdnConfigurationError(
        `the site ${site.domain} has no CloudFront distribution id; set "distributionId" in its CDN settings`,
      );
    }
    return {
      key: distribution,
      room: distribution,
      seed: distribution,
      label: distribution,
      create: async (reference, items) => {
        const { sdk, client } = await this.api();
        const out = await client.send(
          new sdk.CreateInvalidationCommand({
            DistributionId: distribution,
            InvalidationBatch: { CallerReference: reference, Paths: { Quantity: items.length, Items: items } },
          }),
        );
        return { id: out.Invalidation?.Id, status: out.Invalidation?.Status };
      },
      status: async (id) => {
        const { sdk, client } = await this.api();
        return (await client.send(new sdk.GetInvalidationCommand({ DistributionId: distribution, Id: id }))).Invalidation?.Status;
      },
    };
  }

  async fetch(site: CdnSite, path: string): Promise<CdnAnswer> {
    const origin = this.options.origin?.(site.domain) ?? `https://${site.domain}`;
    const res = await (this.options.fetch ?? fetch)(`${origin}${path}`, { headers: { 'accept-encoding': 'identity' }, redirect: 'manual' });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  }

  /**
   * The function on the viewer requests of the site's distribution (its default cache behavior, which
   * serves the guest pages), read back from its LIVE stage: GetDistributionConfig names it, GetFunction
   * returns its code. In platform mode that is the multi-tenant distribution's one function, whichever
   * site is asked about.
   */
  async deployedFunction(site: CdnSite): Promise<DeployedFunction> {
    const distributionId = this.options.platform?.distributionId ?? site.distributionId;
    if (!distributionId) return { found: false, distributionId: '', problem: `the site ${site.domain} has no CloudFront distribution id` };
    const { sdk, client } = await this.api();
    const config = await client.send(new sdk.GetDistributionConfigCommand({ Id: distributionId }));
    const associations = config.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations?.Items ?? [];
    const arn = associations.find((a) => a.EventType === 'viewer-request')?.FunctionARN;
    if (!arn) return { found: false, distributionId, problem: `distribution ${distributionId} runs no function on viewer requests` };
    // arn:aws:cloudfront::{account}:function/{name}
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    try {
      const fn = await client.send(new sdk.GetFunctionCommand({ Name: name, Stage: 'LIVE' }));
      return { found: true, distributionId, name, arn, code: fn.FunctionCode ?? new Uint8Array(0) };
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchFunctionExists') throw err;
      return {
        found: false,
        distributionId,
        problem: `distribution ${distributionId} names function ${name}, which has no LIVE stage (NoSuchFunctionExists)`,
      };
    }
  }

  destroy(): void {
    for (const batch of this.batches.values()) if (batch.timer) clearTimeout(batch.timer);
    this.#destroyed = true;
    this.#client?.destroy();
  }

  /** Sends the target's gathered batch, after any batch already being sent for it. */
  private flush(key: string): void {
    const batch = this.batches.get(key);
    if (!batch) return;
    this.batches.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    const previous = this.queue.get(key) ?? Promise.resolve();
    const sending = previous.then(() => this.send(batch));
    const settled = sending.then(
      () => {
        for (const w of batch.waiters) w.resolve();
      },
      (err: Error) => {
        for (const w of batch.waiters) w.reject(err);
      },
    );
    this.queue.set(key, settled);
    void settled.then(() => {
      if (this.queue.get(key) === settled) this.queue.delete(key);
    });
  }

  private async send(batch: Batch): Promise<void> {
    const { target } = batch;
    const paths = [...batch.paths].sort();
    const refs = [...batch.refs].sort();
    for (let start = 0; start < paths.length; start += this.maxPaths) {
      const chunk = paths.slice(start, start + this.maxPaths);
      const reference = callerReference(target.seed, chunk, refs);
      await this.waitForRoom(target.room, chunk.length);
      const deadline = Date.now() + this.maxWaitMs;
      for (;;) {
        try {
          const out = await target.create(reference, chunk);
          if (out.id && out.status !== 'Completed') {
            this.inFlightOf(target.room).push({ id: out.id, count: chunk.length, target });
            if (this.options.waitForCompletion ?? true) await this.waitUntilCompleted(target, out.id);
          }
          break;
        } catch (err) {
          // Others (another process, the console) may hold the room: wait for it, then try again.
          if ((err as { name?: string }).name !== 'TooManyInvalidationsInProgress' || Date.now() > deadline) throw err;
          await sleep(this.pollMs);
          await this.refreshInFlight(target.room);
        }
      }
    }
  }

  private inFlightOf(room: string) {
    let list = this.inFlight.get(room);
    if (!list) {
      list = [];
      this.inFlight.set(room, list);
    }
    return list;
  }

  private async waitForRoom(room: string, count: number): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    const used = () => this.inFlightOf(room).reduce((n, i) => n + i.count, 0);
    if (used() + count <= this.maxPaths) return;
    await this.refreshInFlight(room);
    while (used() + count > this.maxPaths) {
      if (Date.now() > deadline) throw new Error(`CloudFront invalidations of ${room} did not complete within ${this.maxWaitMs} ms`);
      await sleep(this.pollMs);
      await this.refreshInFlight(room);
    }
  }

  private async waitUntilCompleted(target: Target, id: string): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      if ((await target.status(id)) === 'Completed') {
        this.inFlight.set(
          target.room,
          this.inFlightOf(target.room).filter((i) => i.id !== id || i.target.key !== target.key),
        );
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`CloudFront invalidation ${id} of ${target.label} did not complete within ${this.maxWaitMs} ms`);
      await sleep(this.pollMs);
    }
  }

  /** Forgets the invalidations CloudFront reports as completed. */
  private async refreshInFlight(room: string): Promise<void> {
    const list = this.inFlightOf(room);
    const still: InFlight[] = [];
    for (const item of list) {
      if ((await item.target.status(item.id)) !== 'Completed') still.push(item);
    }
    this.inFlight.set(room, still);
  }

  // ---- Distribution tenants (platform mode) ----

  /**
   * Creates the site's distribution tenant, or brings the one it has to the site's domain. A tenant is
   * looked for before one is made — by the id recorded, else by the domain — and a create refused
   * because the name or domain is taken (an earlier attempt's answer was lost) is followed by the same
   * look-up, so a retry never makes a second tenant. Null outside platform mode.
   */
  async provisionSite(site: CdnSiteToProvision): Promise<CdnProvisioned | null> {
    const platform = this.options.platform;
    if (!platform) return null;
    const parameter = { Name: SITE_PREFIX_PARAMETER, Value: sitePrefix(site.domain, platform.storePrefix) };
    const wanted = {
      DistributionId: platform.distributionId,
      Domains: [{ Domain: site.domain }],
      Parameters: [parameter],
      ...(platform.connectionGroupId ? { ConnectionGroupId: platform.connectionGroupId } : {}),
      // CloudFront requests the certificate and answers its HTTP validation itself once the domain points at it.
      ManagedCertificateRequest: { ValidationTokenHost: 'cloudfront' as const, PrimaryDomainName: site.domain },
      Enabled: true,
    };
    const name = tenantName(site.siteId);
    const { sdk, client } = await this.api();
    for (let attempt = 0; ; attempt++) {
      const recorded = site.distributionTenantId
        ? await this.findTenant((sdk) => new sdk.GetDistributionTenantCommand({ Identifier: site.distributionTenantId }))
        : null;
      // The worker may update any tenant of the account: one found by the id recorded is touched only
      // when it is this distribution's and bears this site's name, as one found by its domain.
      if (recorded) assertOwnTenant(recorded.tenant, name, platform.distributionId);
      const found = recorded ?? (await this.ownTenantByDomain(site.domain, name, platform.distributionId));
      try {
        if (!found) {
          const out = await client.send(new sdk.CreateDistributionTenantCommand({ ...wanted, Name: name }));
          return provisioned(out.DistributionTenant);
        }
        if (servesAsWanted(found.tenant, site.domain, parameter)) return provisioned(found.tenant);
        const out = await client.send(new sdk.UpdateDistributionTenantCommand({ ...wanted, Id: found.tenant.Id, IfMatch: found.etag }));
        return provisioned(out.DistributionTenant);
      } catch (err) {
        const code = (err as { name?: string }).name;
        // Made meanwhile (a lost answer, another worker) or changed since it was read: look again.
        const again = code === 'EntityAlreadyExists' || code === 'PreconditionFailed' || code === 'CNAMEAlreadyExists';
        if (!again || attempt >= 2) throw this.explain(err, site.domain, name);
        if (code === 'EntityAlreadyExists' && !site.distributionTenantId) {
          const byName = await this.findTenant((sdk) => new sdk.GetDistributionTenantCommand({ Identifier: name }));
          if (byName) site = { ...site, distributionTenantId: byName.tenant.Id };
        }
      }
    }
  }

  /**
   * Checks that the site's tenant no longer serves `site.domain`, a domain the site left: CloudFront is
   * asked which tenant has the domain (GetDistributionTenantByDomain). None, or one that is not this
   * site's (another distribution's, or another site's name): the site no longer serves it, and nothing
   * is touched. The site's own tenant still on the domain: rejected, until the `site.provision` job has
   * moved it (UpdateDistributionTenant). Nothing to release outside platform mode.
   */
  async releaseDomain(site: CdnSiteToProvision): Promise<void> {
    const platform = this.options.platform;
    if (!platform) return;
    const found = await this.findTenant((sdk) => new sdk.GetDistributionTenantByDomainCommand({ Domain: site.domain }));
    if (!found) return;
    const { tenant } = found;
    if (tenant.DistributionId !== platform.distributionId || tenant.Name !== tenantName(site.siteId)) return;
    throw new Error(
      `distribution tenant ${tenant.Id ?? tenant.Name} still serves ${site.domain}; the site.provision job moves it to the site's new domain first`,
    );
  }

  /** The site's tenant by its domain, when it is this distribution's and named for this site. */
  private async ownTenantByDomain(domain: string, name: string, distributionId: string) {
    const found = await this.findTenant((sdk) => new sdk.GetDistributionTenantByDomainCommand({ Domain: domain }));
    if (!found) return null;
    if (found.tenant.DistributionId === distributionId && found.tenant.Name === name) return found;
    throw new Error(
      `the domain ${domain} is served by another distribution tenant (${found.tenant.Name ?? found.tenant.Id} of distribution ${found.tenant.DistributionId}); remove it there, or give this site another domain`,
    );
  }

  /** A tenant and its ETag, or null when CloudFront has none such. */
  private async findTenant(
    command: (sdk: CloudFrontSdk) => GetDistributionTenantCommand | GetDistributionTenantByDomainCommand,
  ): Promise<{ tenant: DistributionTenant; etag: string | undefined } | null> {
    const { sdk, client } = await this.api();
    try {
      const out = await client.send(command(sdk) as GetDistributionTenantCommand);
      return out.DistributionTenant ? { tenant: out.DistributionTenant, etag: out.ETag } : null;
    } catch (err) {
      if ((err as { name?: string }).name === 'EntityNotFound') return null;
      throw err;
    }
  }

  /** CloudFront's refusal as one line that says what to do. */
  private explain(err: unknown, domain: string, name: string): Error {
    const code = (err as { name?: string }).name;
    if (code === 'CNAMEAlreadyExists') {
      return new Error(
        `the domain ${domain} is already served by another CloudFront distribution or tenant; remove it there, or give this site another domain`,
        { cause: err },
      );
    }
    if (code === 'EntityAlreadyExists')
      return new Error(`a distribution tenant named ${name} exists but could not be read back`, { cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Refuses a tenant that is not the site's own: another distribution's, or one named for another site
 * (the name carries the site's id). Nothing is then updated; the one line names the tenant and why.
 */
function assertOwnTenant(tenant: DistributionTenant, name: string, distributionId: string): void {
  const id = tenant.Id ?? '(no id)';
  if (tenant.DistributionId !== distributionId) {
    throw new Error(
      `distribution tenant ${id} recorded for this site belongs to distribution ${tenant.DistributionId ?? '(none)'}, not ${distributionId}; it is not updated`,
    );
  }
  if (tenant.Name !== name) {
    throw new Error(
      `distribution tenant ${id} recorded for this site is named ${tenant.Name ?? '(no name)'}, not ${name}; it is not updated`,
    );
  }
}

/** A tenant's name: the site's id, so a retry (or the console) finds the site's own. */
export function tenantName(siteId: string): string {
  return `bosun-site-${siteId.toLowerCase()}`;
}

function servesAsWanted(tenant: DistributionTenant, domain: string, parameter: { Name: string; Value: string }): boolean {
  const domains = (tenant.Domains ?? []).map((d) => d.Domain);
  const value = tenant.Parameters?.find((p) => p.Name === parameter.Name)?.Value;
  return domains.length === 1 && domains[0] === domain && value === parameter.Value && tenant.Enabled !== false;
}

function provisioned(tenant: DistributionTenant | undefined): CdnProvisioned {
  if (!tenant?.Id || !tenant.Arn) throw new Error('CloudFront answered without the distribution tenant');
  return {
    distributionTenantId: tenant.Id,
    distributionTenantArn: tenant.Arn,
    status: tenant.Status ?? 'unknown',
    domainStatus: tenant.Domains?.[0]?.Status ?? null,
    connectionGroupId: tenant.ConnectionGroupId ?? null,
  };
}

/** Same distribution, paths and changes → same reference: CloudFront then returns the first one. */
export function callerReference(distribution: string, paths: readonly string[], refs: readonly string[]): string {
  const digest = createHash('sha256')
    .update([distribution, [...paths].sort().join('\n'), [...refs].sort().join('\n')].join('\n\n'))
    .digest('hex');
  return `bosun-${digest.slice(0, 48)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
