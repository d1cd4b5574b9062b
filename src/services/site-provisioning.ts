/**
 * A guest site at the CDN: made at run time (with one multi-tenant distribution, the site's
 * distribution tenant) by the `site.provision` job that creating a tenant or moving its site enqueues,
 * and its state as `bosun site cdn` and doctor show it. The CDN call never runs inside a transaction:
 * the change is recorded first, the job calls the CDN, then records what it answered, audited (ADR 0027).
 */
import { insertAuditEntry } from '../db/queries/audit';
import * as pq from '../db/queries/publishing';
import { getGuestSite } from '../db/queries/tenants';
import type { CdnProvisioned } from '../ports/cdn';
import type { Actor, ServiceDeps, TenantContext } from './context';
import { listPendingDomainCleanups, type PendingDomainCleanup } from './domain-cleanup';
import { NotFoundError } from './errors';
import { readSiteCdn, type SiteCdnRecord, type SitePorts, storedSiteCdn } from './publishing';

/** Provisioning runs as a job: its outcomes are the system's. */
const PROVISION_ACTOR: Actor = { kind: 'system', id: 'site.provision' };

export type ProvisioningDeps = Pick<ServiceDeps, 'db' | 'clock'> & { sites: Pick<SitePorts, 'cdn'> };

/** Where guest sites are served, as the configuration says. */
export type CdnMode = {
  /** `local`: the local edge; `cloudfront`: CloudFront. */
  cdn: 'local' | 'cloudfront';
  /** One multi-tenant distribution, each site a distribution tenant (platform mode). */
  platform: boolean;
};

export type SiteCdnStatus = {
  /** False when guests cannot be served (nothing serves the site, or its provisioning failed). */
  ok: boolean;
  state: 'local-edge' | 'distribution' | 'tenant-deployed' | 'tenant-pending' | 'missing' | 'failed';
  /** One line: what serves the site, or what is wrong and what to run. */
  detail: string;
};

/**
 * What serves a guest site, from its stored CDN record: the local edge, its own distribution, or its
 * distribution tenant (and whether that is deployed, still deploying, missing or failed). Pure: reads
 * only what Bosun recorded; `bosun site cdn <tenant> --provision` asks CloudFront again.
 */
export function siteCdnStatus(site: { domain: string; cdn: unknown }, mode: CdnMode, tenantSlug = '<tenant>'): SiteCdnStatus {
  if (mode.cdn === 'local') return { ok: true, state: 'local-edge', detail: 'served by the local edge' };
  const record = readSiteCdn(site.cdn);
  if (!mode.platform) {
    return record.distributionId
      ? { ok: true, state: 'distribution', detail: `CloudFront distribution ${record.distributionId}` }
      : {
          ok: false,
          state: 'missing',
          detail: `no CloudFront distribution; set it with bosun site cdn ${tenantSlug} --distribution-id <id>`,
        };
  }
  const tenant = record.distributionTenant;
  const failure = record.provisionFailure;
  if (failure && failure.domain === site.domain) {
    return {
      ok: false,
      state: 'failed',
      detail: `its distribution tenant could not be made (${failure.at}): ${failure.error}; then run bosun site cdn ${tenantSlug} --provision`,
    };
  }
  if (!tenant) {
    return {
      ok: false,
      state: 'missing',
      detail: `no distribution tenant yet; the site.provision job makes it (is the worker running?), or run bosun site cdn ${tenantSlug} --provision`,
    };
  }
  if (tenant.domain !== site.domain) {
    return {
      ok: false,
      state: 'tenant-pending',
      detail: `distribution tenant ${tenant.id} still serves ${tenant.domain}; the site.provision job moves it to ${site.domain}`,
    };
  }
  const domain = tenant.domainStatus === 'active' ? 'domain active' : `domain ${tenant.domainStatus ?? 'unknown'}`;
  if (tenant.status === 'Deployed') {
    return { ok: true, state: 'tenant-deployed', detail: `distribution tenant ${tenant.id}, deployed, ${domain}` };
  }
  return {
    ok: true,
    state: 'tenant-pending',
    detail: `distribution tenant ${tenant.id}, ${tenant.status} as of ${tenant.at}, ${domain}; bosun site cdn ${tenantSlug} --provision reads it again`,
  };
}

export type SiteCdnView = {
  domain: string;
  /** The operator's settings (a distribution per site). */
  settings: { distributionId?: string; keyValueStoreId?: string };
  distributionTenant: SiteCdnRecord['distributionTenant'] | null;
  provisionFailure: SiteCdnRecord['provisionFailure'] | null;
  status: SiteCdnStatus;
  /** Domains the site left whose pages and slugs are still being removed (ADR 0007 addendum). */
  formerDomains: PendingDomainCleanup[];
};

/** The tenant's guest site at the CDN: its settings, its distribution tenant and its status. Errors: NotFoundError. */
export async function describeGuestSiteCdn(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  mode: CdnMode,
  tenantSlug?: string,
): Promise<SiteCdnView> {
  const site = await getGuestSite(deps.db, ctx.tenantId);
  if (!site) throw new NotFoundError('The guest site of this tenant');
  return { ...viewOf(site, mode, tenantSlug), formerDomains: await listPendingDomainCleanups(deps, ctx) };
}

function viewOf(site: { domain: string; cdn: unknown }, mode: CdnMode, tenantSlug?: string): Omit<SiteCdnView, 'formerDomains'> {
  const record = readSiteCdn(site.cdn);
  return {
    domain: site.domain,
    settings: {
      ...(record.distributionId ? { distributionId: record.distributionId } : {}),
      ...(record.keyValueStoreId ? { keyValueStoreId: record.keyValueStoreId } : {}),
    },
    distributionTenant: record.distributionTenant ?? null,
    provisionFailure: record.provisionFailure ?? null,
    status: siteCdnStatus(site, mode, tenantSlug),
  };
}

/**
 * Makes the tenant's guest site at the CDN (`Cdn.provisionSite`) and records what serves it in the
 * site's CDN record: the distribution tenant's id, ARN and status (`site.provisioned`, audited when any
 * of them changed), or the failure (`site.provision_failed`), which is then thrown so the job retries.
 * `siteId`, when given, must be the tenant's guest site (a job for a site since replaced does nothing).
 * Where nothing is to be made (the local edge, a distribution per site) nothing is recorded.
 */
export async function provisionGuestSite(
  deps: ProvisioningDeps,
  tenantId: string,
  options: { siteId?: string; actor?: Actor } = {},
): Promise<{ provisioned: CdnProvisioned | null; domain: string }> {
  const actor = options.actor ?? PROVISION_ACTOR;
  const site = await getGuestSite(deps.db, tenantId);
  if (!site) throw new NotFoundError('The guest site of this tenant');
  if (options.siteId && site.id !== options.siteId) return { provisioned: null, domain: site.domain };
  const record = readSiteCdn(site.cdn);
  let provisioned: CdnProvisioned | null;
  try {
    provisioned = await deps.sites.cdn.provisionSite({
      siteId: site.id,
      domain: site.domain,
      distributionTenantId: record.distributionTenant?.id,
    });
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 500);
    await recordOnSite(deps, tenantId, site.id, actor, (stored) => {
      const before = readSiteCdn(stored).provisionFailure;
      const failure = { error, domain: site.domain, at: deps.clock.now().toISOString() };
      const changed = before?.error !== error || before.domain !== site.domain;
      return {
        stored: { ...stored, provisionFailure: failure },
        audit: changed ? { action: 'site.provision_failed', before: null, after: { domain: site.domain, error } } : null,
      };
    });
    throw new Error(`provision: ${error}`, { cause: err });
  }
  if (!provisioned) return { provisioned: null, domain: site.domain };
  const result = provisioned;
  await recordOnSite(deps, tenantId, site.id, actor, (stored) => {
    const before = readSiteCdn(stored).distributionTenant;
    const tenant = {
      id: result.distributionTenantId,
      arn: result.distributionTenantArn,
      status: result.status,
      domainStatus: result.domainStatus,
      connectionGroupId: result.connectionGroupId,
      domain: site.domain,
      at: deps.clock.now().toISOString(),
    };
    const summary = (t: typeof before) => (t ? { id: t.id, status: t.status, domain: t.domain, domainStatus: t.domainStatus } : null);
    const changed = JSON.stringify(summary(before)) !== JSON.stringify(summary(tenant));
    const { provisionFailure: _cleared, ...rest } = stored;
    return {
      stored: { ...rest, distributionTenant: tenant },
      audit: changed ? { action: 'site.provisioned', before: summary(before), after: { ...summary(tenant), arn: tenant.arn } } : null,
    };
  });
  return { provisioned: result, domain: site.domain };
}

/** Merges a change into the site's stored CDN record in one transaction, with its audit entry if any. */
async function recordOnSite(
  deps: Pick<ServiceDeps, 'db'>,
  tenantId: string,
  siteId: string,
  actor: Actor,
  change: (stored: Record<string, unknown>) => {
    stored: Record<string, unknown>;
    audit: { action: string; before: Record<string, unknown> | null; after: Record<string, unknown> } | null;
  },
): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const site = await getGuestSite(tx, tenantId);
    if (!site || site.id !== siteId) return;
    const { stored, audit } = change(storedSiteCdn(site.cdn));
    await pq.updateSiteCdn(tx, tenantId, siteId, stored);
    if (audit) {
      await insertAuditEntry(tx, tenantId, {
        actor,
        action: audit.action,
        entityType: 'site',
        entityId: siteId,
        ...(audit.before ? { before: audit.before } : {}),
        after: audit.after,
      });
    }
  });
}
