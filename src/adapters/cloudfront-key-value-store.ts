/**
 * EdgeKeyValueStore on a CloudFront KeyValueStore, which the site's edge function reads with
 * `cf.kvs()`. Writes go through UpdateKeys, at most 50 keys per call, each conditional on the
 * store's ETag (from DescribeKeyValueStore, then from the previous answer); when someone else changed
 * the store in between (409), the ETag is read again and the update repeated. Calls for one store are
 * sent one after another, so Bosun never races itself. A site's keys are deleted only from the shared
 * store, under a domain the site left (ADR 0008; ADR 0007 addendum).
 *
 * The site names its store by ARN, name or id. The KeyValueStore API takes only the ARN, so a name is
 * looked up once with CloudFront's DescribeKeyValueStore, and an id (which that call does not take)
 * in ListKeyValueStores; the ARN found is kept for the life of the adapter.
 *
 * With `shared` (platform mode, ADR 0027) every site's keys go to the one store of the multi-tenant
 * distribution, each under its site's domain (`sharedSlugKey`), and a site's own setting is not read.
 */
import type { CloudFrontClient, CloudFrontClientConfig } from '@aws-sdk/client-cloudfront';
import type { CloudFrontKeyValueStoreClient, CloudFrontKeyValueStoreClientConfig } from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { EdgeKeyValueEntry, EdgeKeyValueStore, EdgeKeyValueStoreSite } from '../ports/edge-key-value-store';
import { KEY_VALUE_STORE_ARN, KEY_VALUE_STORE_ID, KEY_VALUE_STORE_NAME } from '../publish/edge-function';
import { sharedSlugKey } from '../publish/site-layout';

/** CloudFront's rule for a KeyValueStore's name. */
const STORE_NAME = KEY_VALUE_STORE_NAME;
/** A KeyValueStore's id, as the console shows it (the last part of its ARN). */
const STORE_ID = KEY_VALUE_STORE_ID;
const SETTING = 'bosun site cdn <tenant> --key-value-store-id';

export type CloudFrontKeyValueStoreOptions = {
  /** The KeyValueStore API (the keys). */
  clientConfig?: CloudFrontKeyValueStoreClientConfig;
  /** CloudFront's own API, which finds a store's ARN from its name or id. */
  cloudFrontClientConfig?: CloudFrontClientConfig;
  /** Keys per UpdateKeys call. */
  batchSize?: number;
  /** How often an update is repeated after the store changed under it. */
  maxConflictRetries?: number;
  /** Platform mode: the one store (by ARN) every site's keys are written to, under the site's domain. */
  shared?: { keyValueStoreArn: string } | undefined;
};

/** One change of a store: keys put, or keys deleted. */
type Change = { puts: { Key: string; Value: string }[]; deletes?: undefined } | { puts?: undefined; deletes: { Key: string }[] };

export class KeyValueStoreConfigurationError extends Error {
  override name = 'KeyValueStoreConfigurationError';
}

type CloudFrontSdk = typeof import('@aws-sdk/client-cloudfront');
type KeyValueStoreSdk = typeof import('@aws-sdk/client-cloudfront-keyvaluestore');

export class CloudFrontKeyValueStore implements EdgeKeyValueStore {
  /** Each API's SDK and client, loaded and made on first use (ADR 0029). */
  #keyValueStore: Promise<{ sdk: KeyValueStoreSdk; client: CloudFrontKeyValueStoreClient }> | undefined;
  #cloudFront: Promise<{ sdk: CloudFrontSdk; client: CloudFrontClient }> | undefined;
  readonly #clients: { destroy(): void }[] = [];
  #destroyed = false;
  private readonly options: CloudFrontKeyValueStoreOptions;
  private readonly batchSize: number;
  private readonly maxConflictRetries: number;
  private readonly shared: { keyValueStoreArn: string } | undefined;
  private readonly etags = new Map<string, string>();
  private readonly queue = new Map<string, Promise<void>>();
  /** The ARN of each store setting given by name or id, once found. */
  private readonly arns = new Map<string, Promise<string>>();

  constructor(options: CloudFrontKeyValueStoreOptions = {}) {
    this.options = options;
    this.batchSize = options.batchSize ?? 50;
    this.maxConflictRetries = options.maxConflictRetries ?? 5;
    this.shared = options.shared;
  }

  putKeys(site: EdgeKeyValueStoreSite, entries: readonly EdgeKeyValueEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const shared = this.shared;
    if (shared) {
      const keyed = [...new Map(entries.map((e) => [sharedSlugKey(site.domain, e.key), e.value])).entries()];
      return this.enqueue(shared.keyValueStoreArn, shared.keyValueStoreArn, { puts: keyed.map(([Key, Value]) => ({ Key, Value })) });
    }
    const setting = site.keyValueStoreId;
    if (!setting || !(KEY_VALUE_STORE_ARN.test(setting) || STORE_NAME.test(setting))) {
      const got = setting ? ` (it has ${JSON.stringify(setting)}, which is neither)` : '';
      return Promise.reject(
        new KeyValueStoreConfigurationError(
          `the site ${site.domain} needs the name or ARN of its KeyValueStore to publish friendly slugs${got}; set it with ${SETTING} NAME (or arn:aws:cloudfront::ACCOUNT:key-value-store/ID)`,
        ),
      );
    }
    // The last value given for a key wins.
    const puts = [...new Map(entries.map((e) => [e.key, e.value])).entries()].map(([Key, Value]) => ({ Key, Value }));
    return this.arnOf(site.domain, setting).then((arn) => this.enqueue(setting, arn, { puts }));
  }

  deleteDomainKeys(domain: string, slugs: readonly string[]): Promise<void> {
    const shared = this.shared;
    if (!shared || slugs.length === 0) return Promise.resolve();
    const deletes = [...new Set(slugs.map((slug) => sharedSlugKey(domain, slug)))].map((Key) => ({ Key }));
    return this.enqueue(shared.keyValueStoreArn, shared.keyValueStoreArn, { deletes });
  }

  destroy(): void {
    this.#destroyed = true;
    for (const client of this.#clients) client.destroy();
  }

  private made<T extends { destroy(): void }>(client: T): T {
    if (this.#destroyed) client.destroy();
    this.#clients.push(client);
    return client;
  }

  /** The KeyValueStore API (the keys). */
  private keyValueStoreApi(): Promise<{ sdk: KeyValueStoreSdk; client: CloudFrontKeyValueStoreClient }> {
    this.#keyValueStore ??= Promise.all([
      // The KeyValueStore API is signed with SigV4A; the SDK finds this signer once it is loaded.
      import('@aws-sdk/signature-v4a'),
      import('@aws-sdk/client-cloudfront-keyvaluestore'),
    ]).then(([, sdk]) => ({
      sdk,
      // The API is global (its endpoint comes from the ARN); a region is still needed to build the client.
      client: this.made(new sdk.CloudFrontKeyValueStoreClient({ region: 'us-east-1', ...this.options.clientConfig })),
    }));
    return this.#keyValueStore;
  }

  /** CloudFront's own API, which finds a store's ARN from its name or id. */
  private cloudFrontApi(): Promise<{ sdk: CloudFrontSdk; client: CloudFrontClient }> {
    this.#cloudFront ??= import('@aws-sdk/client-cloudfront').then((sdk) => ({
      sdk,
      // CloudFront's API lives in us-east-1 whatever the distribution serves.
      client: this.made(new sdk.CloudFrontClient({ region: 'us-east-1', ...this.options.cloudFrontClientConfig })),
    }));
    return this.#cloudFront;
  }

  private enqueue(setting: string, arn: string, change: Change): Promise<void> {
    const previous = this.queue.get(arn) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.send(arn, change));
    this.queue.set(arn, run);
    void run.then(
      () => this.forget(arn, run),
      (err: unknown) => {
        this.forget(arn, run);
        // A store deleted and made again under the same name has a new ARN: look the name up again next time.
        if (setting !== arn && (err as { name?: string }).name === 'ResourceNotFoundException') this.arns.delete(setting);
      },
    );
    return run;
  }

  private forget(arn: string, run: Promise<void>): void {
    if (this.queue.get(arn) === run) this.queue.delete(arn);
  }

  /** The ARN of the store a site's setting names; concurrent calls for one name share one lookup. */
  private arnOf(domain: string, setting: string): Promise<string> {
    if (KEY_VALUE_STORE_ARN.test(setting)) return Promise.resolve(setting);
    const known = this.arns.get(setting);
    if (known) return known;
    const lookup = this.lookUp(domain, setting);
    this.arns.set(setting, lookup);
    // A failure is not kept: by the job's next attempt the store may exist, or the API answer.
    lookup.catch(() => {
      if (this.arns.get(setting) === lookup) this.arns.delete(setting);
    });
    return lookup;
  }

  private async lookUp(domain: string, setting: string): Promise<string> {
    const { sdk, client } = await this.cloudFrontApi();
    try {
      const out = await client.send(new sdk.DescribeKeyValueStoreCommand({ Name: setting }));
      const arn = out.KeyValueStore?.ARN;
      if (!arn) throw new Error(`DescribeKeyValueStore of ${setting} answered without an ARN`);
      return arn;
    } catch (err) {
      if ((err as { name?: string }).name !== 'EntityNotFound') throw err;
    }
    // The console shows a store's id as well as its name; DescribeKeyValueStore takes only the name.
    if (STORE_ID.test(setting)) {
      for await (const page of sdk.paginateListKeyValueStores({ client }, {})) {
        const store = page.KeyValueStoreList?.Items?.find((s) => s.Id === setting);
        if (store?.ARN) return store.ARN;
      }
    }
    const what = STORE_ID.test(setting) ? 'name or id' : 'name';
    throw new KeyValueStoreConfigurationError(
      `the site ${domain} names its KeyValueStore ${JSON.stringify(setting)} (${SETTING}), but CloudFront has no KeyValueStore with that ${what}; give the store's name or ARN`,
    );
  }

  private async send(arn: string, change: Change): Promise<void> {
    const { sdk, client } = await this.keyValueStoreApi();
    const items = change.puts ?? change.deletes ?? [];
    for (let start = 0; start < items.length; start += this.batchSize) {
      const slice = { start, end: start + this.batchSize };
      const batch = change.puts
        ? { Puts: change.puts.slice(slice.start, slice.end) }
        : { Deletes: (change.deletes ?? []).slice(slice.start, slice.end) };
      for (let attempt = 0; ; attempt++) {
        const etag = this.etags.get(arn) ?? (await this.describe(arn));
        try {
          const out = await client.send(new sdk.UpdateKeysCommand({ KvsARN: arn, IfMatch: etag, ...batch }));
          if (out.ETag) this.etags.set(arn, out.ETag);
          break;
        } catch (err) {
          this.etags.delete(arn);
          // The store changed since its ETag was read (another writer, or a stale cached ETag): read it again.
          if ((err as { name?: string }).name !== 'ConflictException' || attempt >= this.maxConflictRetries) throw err;
        }
      }
    }
  }

  private async describe(arn: string): Promise<string> {
    const { sdk, client } = await this.keyValueStoreApi();
    const out = await client.send(new sdk.DescribeKeyValueStoreCommand({ KvsARN: arn }));
    if (!out.ETag) throw new Error(`DescribeKeyValueStore of ${arn} answered without an ETag`);
    this.etags.set(arn, out.ETag);
    return out.ETag;
  }
}
