/**
 * Cdn port: the edge in front of a guest site (the local edge, or CloudFront). Invalidation names
 * exact paths — never a wildcard — and a change identifier, so a retried change is not sent twice
 * (ADR 0009).
 */

/** A guest site as the CDN knows it. `distributionId` comes from the site's CDN settings. */
export type CdnSite = { domain: string; distributionId?: string | undefined };

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
   * The viewer-request function deployed in front of the site (CloudFront: the one associated with its
   * distribution's default cache behavior). Absent on an edge that runs the generated function itself.
   * Rejects when the CDN's API cannot be asked.
   */
  deployedFunction?(site: CdnSite): Promise<DeployedFunction>;
}
