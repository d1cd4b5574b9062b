/**
 * Guest sites for a test database: a folder of objects and the local edge over it, wired to the
 * publishing service exactly as `src/main/runtime.ts` wires them (the edge reads sites and slugs
 * from this database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { LocalEdge } from '../../src/adapters/local-edge';
import type { ObjectStore } from '../../src/ports/object-store';
import { SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { findEdgeSite, lookupFriendlySlug, type PublishingDeps } from '../../src/services/publishing';
import type { TestDb } from './db';

export type TestSites = { root: string; store: FsObjectStore; edge: LocalEdge; deps: PublishingDeps; close(): void };

/** `wrapStore` lets a test put a failing or slow store between the publisher and the folder. */
export function openTestSites(t: TestDb, options: { wrapStore?: (store: FsObjectStore) => ObjectStore } = {}): TestSites {
  const root = mkdtempSync(join(tmpdir(), 'bosun-sites-'));
  const store = new FsObjectStore(root, { defaultCacheControl: SITE_CACHE_CONTROL });
  const published = options.wrapStore ? options.wrapStore(store) : store;
  const edge = new LocalEdge({
    store: published,
    findSite: (host) => findEdgeSite(t.deps, host),
    lookupKey: (domain, key) => lookupFriendlySlug(t.deps, domain, key),
    siteTtlMs: 0,
    // Only invalidation refreshes the cache here, so tests see exactly what publishing invalidates.
    revalidateAfterMs: Number.POSITIVE_INFINITY,
  });
  return {
    root,
    store,
    edge,
    deps: { ...t.deps, sites: { store: published, cdn: edge } },
    close: () => rmSync(root, { recursive: true, force: true }),
  };
}
