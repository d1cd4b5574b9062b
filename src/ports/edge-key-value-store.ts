/**
 * EdgeKeyValueStore port: the key value store an edge function reads at request time (on CloudFront,
 * a KeyValueStore holding a site's friendly slugs). A key once written keeps leading where it last
 * pointed, so a former slug keeps redirecting (ADR 0008), for as long as the site keeps its domain: the
 * keys written under a domain the site left are removed with that domain's cleanup (ADR 0007 addendum).
 * The local edge needs no adapter: it reads the slugs from the database.
 */

/** A guest site as its key value store is known: `keyValueStoreId` comes from the site's CDN settings. */
export type EdgeKeyValueStoreSite = { domain: string; keyValueStoreId?: string | undefined };

export type EdgeKeyValueEntry = { key: string; value: string };

export interface EdgeKeyValueStore {
  /**
   * Creates or replaces every entry in the site's store, in all-or-nothing updates of a few dozen
   * keys each; resolves once all are stored. Rejects when the site has no store configured, or with
   * the store's error (nothing of the failed update is then written; earlier updates stay).
   */
  putKeys(site: EdgeKeyValueStoreSite, entries: readonly EdgeKeyValueEntry[]): Promise<void>;
  /**
   * Removes the slugs a site wrote under `domain`, a domain it left, from a store shared by every site
   * (keys `{domain}/{slug}`); removing a key that is not there is not an error. A site's own store is
   * not keyed by domain and goes with the site to its new domain, so it is left as it is.
   */
  deleteDomainKeys(domain: string, slugs: readonly string[]): Promise<void>;
}
