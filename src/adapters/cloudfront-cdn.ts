/**
 * Cdn on Amazon CloudFront. Invalidations name exactly the changed paths; calls within a short
 * window for the same distribution are sent as one CreateInvalidation. The CallerReference is a
 * digest of the distribution, the paths and the callers' change references, so a retried change is
 * recognised by CloudFront instead of invalidating twice. No more than 3,000 paths are in progress
 * per distribution (CloudFront's limit): beyond that the adapter waits for earlier ones. An
 * `invalidate` resolves once CloudFront reports its invalidation completed, so what is fetched next
 * through the distribution is the new content (ADR 0009).
 */

import { createHash } from 'node:crypto';
import {
  CloudFrontClient,
  type CloudFrontClientConfig,
  CreateInvalidationCommand,
  GetDistributionConfigCommand,
  GetFunctionCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront';
import type { Cdn, CdnAnswer, CdnSite, DeployedFunction } from '../ports/cdn';

export type CloudFrontCdnOptions = {
  clientConfig?: CloudFrontClientConfig;
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
type Batch = { paths: Set<string>; refs: Set<string>; waiters: Waiter[]; timer: NodeJS.Timeout | null };

export class CdnConfigurationError extends Error {
  override name = 'CdnConfigurationError';
}

export class CloudFrontCdn implements Cdn {
  private readonly client: CloudFrontClient;
  private readonly batches = new Map<string, Batch>();
  private readonly inFlight = new Map<string, { id: string; count: number }[]>();
  private readonly queue = new Map<string, Promise<void>>();
  private readonly windowMs: number;
  private readonly maxPaths: number;
  private readonly pollMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: CloudFrontCdnOptions = {}) {
    // CloudFront's API lives in us-east-1 whatever the distribution serves.
    this.client = new CloudFrontClient({ region: 'us-east-1', ...options.clientConfig });
    this.windowMs = options.batchWindowMs ?? 100;
    this.maxPaths = options.maxPathsInFlight ?? 3000;
    this.pollMs = options.pollIntervalMs ?? 2000;
    this.maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
  }

  invalidate(site: CdnSite, paths: readonly string[], changeRef: string): Promise<void> {
    const distribution = site.distributionId;
    if (!distribution) {
      return Promise.reject(
        new CdnConfigurationError(`the site ${site.domain} has no CloudFront distribution id; set "distributionId" in its CDN settings`),
      );
    }
    for (const path of paths) {
      if (!path.startsWith('/') || path.includes('*')) return Promise.reject(new Error(`not an exact path: ${JSON.stringify(path)}`));
    }
    if (paths.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(distribution);
      if (!batch) {
        batch = { paths: new Set(), refs: new Set(), waiters: [], timer: null };
        this.batches.set(distribution, batch);
        batch.timer = setTimeout(() => this.flush(distribution), this.windowMs);
      }
      for (const path of paths) batch.paths.add(path);
      batch.refs.add(changeRef);
      batch.waiters.push({ resolve, reject });
      if (batch.paths.size >= this.maxPaths) this.flush(distribution);
    });
  }

  async fetch(site: CdnSite, path: string): Promise<CdnAnswer> {
    const origin = this.options.origin?.(site.domain) ?? `https://${site.domain}`;
    const res = await (this.options.fetch ?? fetch)(`${origin}${path}`, { headers: { 'accept-encoding': 'identity' }, redirect: 'manual' });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  }

  /**
   * The function on the viewer requests of the site's distribution (its default cache behavior, which
   * serves the guest pages), read back from its LIVE stage: GetDistributionConfig names it, GetFunction
   * returns its code.
   */
  async deployedFunction(site: CdnSite): Promise<DeployedFunction> {
    const distributionId = site.distributionId;
    if (!distributionId) return { found: false, distributionId: '', problem: `the site ${site.domain} has no CloudFront distribution id` };
    const config = await this.client.send(new GetDistributionConfigCommand({ Id: distributionId }));
    const associations = config.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations?.Items ?? [];
    const arn = associations.find((a) => a.EventType === 'viewer-request')?.FunctionARN;
    if (!arn) return { found: false, distributionId, problem: `distribution ${distributionId} runs no function on viewer requests` };
    // arn:aws:cloudfront::{account}:function/{name}
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    try {
      const fn = await this.client.send(new GetFunctionCommand({ Name: name, Stage: 'LIVE' }));
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
    this.client.destroy();
  }

  /** Sends the distribution's gathered batch, after any batch already being sent for it. */
  private flush(distribution: string): void {
    const batch = this.batches.get(distribution);
    if (!batch) return;
    this.batches.delete(distribution);
    if (batch.timer) clearTimeout(batch.timer);
    const previous = this.queue.get(distribution) ?? Promise.resolve();
    const sending = previous.then(() => this.send(distribution, batch));
    const settled = sending.then(
      () => {
        for (const w of batch.waiters) w.resolve();
      },
      (err: Error) => {
        for (const w of batch.waiters) w.reject(err);
      },
    );
    this.queue.set(distribution, settled);
    void settled.then(() => {
      if (this.queue.get(distribution) === settled) this.queue.delete(distribution);
    });
  }

  private async send(distribution: string, batch: Batch): Promise<void> {
    const paths = [...batch.paths].sort();
    const refs = [...batch.refs].sort();
    for (let start = 0; start < paths.length; start += this.maxPaths) {
      const chunk = paths.slice(start, start + this.maxPaths);
      const reference = callerReference(distribution, chunk, refs);
      await this.waitForRoom(distribution, chunk.length);
      const deadline = Date.now() + this.maxWaitMs;
      for (;;) {
        try {
          const out = await this.client.send(
            new CreateInvalidationCommand({
              DistributionId: distribution,
              InvalidationBatch: { CallerReference: reference, Paths: { Quantity: chunk.length, Items: chunk } },
            }),
          );
          const id = out.Invalidation?.Id;
          if (id && out.Invalidation?.Status !== 'Completed') {
            this.inFlightOf(distribution).push({ id, count: chunk.length });
            if (this.options.waitForCompletion ?? true) await this.waitUntilCompleted(distribution, id);
          }
          break;
        } catch (err) {
          // Others (another process, the console) may hold the room: wait for it, then try again.
          if ((err as { name?: string }).name !== 'TooManyInvalidationsInProgress' || Date.now() > deadline) throw err;
          await sleep(this.pollMs);
          await this.refreshInFlight(distribution);
        }
      }
    }
  }

  private inFlightOf(distribution: string) {
    let list = this.inFlight.get(distribution);
    if (!list) {
      list = [];
      this.inFlight.set(distribution, list);
    }
    return list;
  }

  private async waitForRoom(distribution: string, count: number): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    const used = () => this.inFlightOf(distribution).reduce((n, i) => n + i.count, 0);
    if (used() + count <= this.maxPaths) return;
    await this.refreshInFlight(distribution);
    while (used() + count > this.maxPaths) {
      if (Date.now() > deadline)
        throw new Error(`CloudFront invalidations of ${distribution} did not complete within ${this.maxWaitMs} ms`);
      await sleep(this.pollMs);
      await this.refreshInFlight(distribution);
    }
  }

  private async waitUntilCompleted(distribution: string, id: string): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const out = await this.client.send(new GetInvalidationCommand({ DistributionId: distribution, Id: id }));
      if (out.Invalidation?.Status === 'Completed') {
        this.inFlight.set(
          distribution,
          this.inFlightOf(distribution).filter((i) => i.id !== id),
        );
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`CloudFront invalidation ${id} of ${distribution} did not complete within ${this.maxWaitMs} ms`);
      await sleep(this.pollMs);
    }
  }

  /** Forgets the invalidations CloudFront reports as completed. */
  private async refreshInFlight(distribution: string): Promise<void> {
    const list = this.inFlightOf(distribution);
    const still: { id: string; count: number }[] = [];
    for (const item of list) {
      const out = await this.client.send(new GetInvalidationCommand({ DistributionId: distribution, Id: item.id }));
      if (out.Invalidation?.Status !== 'Completed') still.push(item);
    }
    this.inFlight.set(distribution, still);
  }
}

/** Same distribution, paths and changes → same reference: CloudFront then returns the first one. */
export function callerReference(distribution: string, paths: readonly string[], refs: readonly string[]): string {
  const digest = createHash('sha256')
    .update([distribution, [...paths].sort().join('\n'), [...refs].sort().join('\n')].join('\n\n'))
    .digest('hex');
  return `bosun-${digest.slice(0, 48)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
