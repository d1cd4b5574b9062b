/**
 * Cdn port: the edge in front of a guest site (the local edge, or CloudFront). Invalidation names
 * exact paths — never a wildcard — and a change identifier, so a retried change is not sent twice
 * (ADR 0009).
 */

/**
 * A guest site as the CDN knows it, from the site's CDN settings: its own distribution
 * (`distributionId`, one per site) or its distribution tenant of the one multi-tenant distribution
 * (`distributionTenantId`, recorded once the site was provisioned; ADR 0027).
 */
export type CdnSite = { domain: string; distributionId?: string | undefined; distributionTenantId?: string | undefined };

/**
 * A guest site to make servable at its domain: its id (which names what the CDN creates for it, so a
 * retry finds it again) and the distribution tenant recorded by an earlier provisioning, if any.
 */
export type CdnSiteToProvision = { siteId: string; domain: string; distributionTenantId?: string | undefined };

/** What serves a provisioned site: its distribution tenant, and CloudFront's state of it and of its domain. */
export type CdnProvisioned = {
  distributionTenantId: string;
  distributionTenantArn: string;
  /** `InProgress` while CloudFront deploys a change, then `Deployed`. */
  status: string;
  /** `active` once CloudFront serves the domain (its managed certificate issued), else `inactive`. */
  domainStatus: string | null;
  connectionGroupId: string | null;
};

/** What the edge answered for a path: its status and its bytes (not decoded: identity). */
export type CdnAnswer = { status: number; body: Uint8Array };

/**
 * The function an edge runs on a site's viewer requests, as deployed: where it is attached and its code
 * (the LIVE stage, byte for byte); or why there is none to compare.
 */
export type DeployedFunction =
  | { found: true; distributionId: string; name: string; arn: string; code: Uint8Array }
  | { found: false; distributionId: string; problem: string };

export interface Cdn {
  /**
   * Drops exactly `paths` (each starting with `/`) from the site's edge caches. `changeRef`
   * identifies the change that made them stale: calling again with the same paths and reference
   * (a retry) does not start a second invalidation. Resolves once the edges no longer serve what
   * was cached at those paths (for CloudFront: once the invalidation has completed).
   */
  invalidate(site: CdnSite, paths: readonly string[], changeRef: string): Promise<void>;
  /** Requests `path` from the site's public origin through the edge, as a guest's browser would. */
  fetch(site: CdnSite, path: string): Promise<CdnAnswer>;
  /**
   * Makes the edge serve the site at its domain, at run time (no redeploy): with one multi-tenant
   * distribution, creates the site's distribution tenant (or moves the recorded one to the site's
   * domain), finding one made by an earlier attempt instead of making a second. Idempotent. Resolves
   * with what serves the site, or null where nothing is to be made (the local edge serves every site
   * in the database; a distribution per site is set by hand). Rejects with a one-line reason, e.g.
   * the domain is served by another distribution.
   */
  provisionSite(site: CdnSiteToProvision): Promise<CdnProvisioned | null>;
  /**
   * Makes sure the edge no longer serves the site at `domain`, a domain it left (ADR 0007 addendum):
   * with one multi-tenant distribution, that the domain is no longer on the site's distribution tenant
   * (the `site.provision` job moves the tenant to the new domain; a tenant of another site or
   * distribution is never touched). Resolves when nothing of the site serves the domain; rejects with a
   * one-line reason while something does. The local edge and a distribution per site have nothing to
   * release: the local edge forgets a host that is no longer a site's, and a distribution's aliases are
   * set by hand.
   */
  releaseDomain(site: CdnSiteToProvision): Promise<void>;
  /**
   * The viewer-request function deployed in front of the site (CloudFront: the one associated with its
   * distribution's default cache behavior). Absent on an edge that runs the generated function itself.
   * Rejects when the CDN's API cannot be asked.
   */
  deployedFunction?(site: CdnSite): Promise<DeployedFunction>;
}
