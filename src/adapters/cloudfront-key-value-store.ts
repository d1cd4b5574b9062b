/**
 * EdgeKeyValueStore on a CloudFront KeyValueStore, which the site's edge function reads with
 * `cf.kvs()`. Writes go through UpdateKeys, at most 50 keys per call, each conditional on the
 * store's ETag (from DescribeKeyValueStore, then from the previous answer); when someone else changed
 * the store in between (409), the ETag is read again and the update repeated. Calls for one store are
 * sent one after another, so Bosun never races itself. Keys are never deleted (ADR 0008).
 */
// The KeyValueStore API is signed with SigV4A; the SDK finds this signer once it is loaded.
import '@aws-sdk/signature-v4a';
import {
  CloudFrontKeyValueStoreClient,
  type CloudFrontKeyValueStoreClientConfig,
  DescribeKeyValueStoreCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import type { EdgeKeyValueEntry, EdgeKeyValueStore, EdgeKeyValueStoreSite } from '../ports/edge-key-value-store';
import { KEY_VALUE_STORE_ARN } from '../publish/edge-function';

export type CloudFrontKeyValueStoreOptions = {
  clientConfig?: CloudFrontKeyValueStoreClientConfig;
  /** Keys per UpdateKeys call. */
  batchSize?: number;
  /** How often an update is repeated after the store changed under it. */
  maxConflictRetries?: number;
};

export class KeyValueStoreConfigurationError extends Error {
  override name = 'KeyValueStoreConfigurationError';
}

export class CloudFrontKeyValueStore implements EdgeKeyValueStore {
  private readonly client: CloudFrontKeyValueStoreClient;
  private readonly batchSize: number;
  private readonly maxConflictRetries: number;
  private readonly etags = new Map<string, string>();
  private readonly queue = new Map<string, Promise<void>>();

  constructor(options: CloudFrontKeyValueStoreOptions = {}) {
    // The API is global (its endpoint comes from the ARN); a region is still needed to build the client.
    this.client = new CloudFrontKeyValueStoreClient({ region: 'us-east-1', ...options.clientConfig });
    this.batchSize = options.batchSize ?? 50;
    this.maxConflictRetries = options.maxConflictRetries ?? 5;
  }

  putKeys(site: EdgeKeyValueStoreSite, entries: readonly EdgeKeyValueEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const arn = site.keyValueStoreId;
    if (!arn || !KEY_VALUE_STORE_ARN.test(arn)) {
      const got = arn ? ` (it has ${JSON.stringify(arn)})` : '';
      return Promise.reject(
        new KeyValueStoreConfigurationError(
          `the site ${site.domain} needs the ARN of its KeyValueStore to publish friendly slugs${got}; set it with bosun site cdn <tenant> --key-value-store-id arn:aws:cloudfront::ACCOUNT:key-value-store/ID`,
        ),
      );
    }
    // The last value given for a key wins.
    const puts = [...new Map(entries.map((e) => [e.key, e.value])).entries()].map(([Key, Value]) => ({ Key, Value }));
    const previous = this.queue.get(arn) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.send(arn, puts));
    this.queue.set(arn, run);
    void run.then(
      () => this.forget(arn, run),
      () => this.forget(arn, run),
    );
    return run;
  }

  destroy(): void {
    this.client.destroy();
  }

  private forget(arn: string, run: Promise<void>): void {
    if (this.queue.get(arn) === run) this.queue.delete(arn);
  }

  private async send(arn: string, puts: { Key: string; Value: string }[]): Promise<void> {
    for (let start = 0; start < puts.length; start += this.batchSize) {
      const batch = puts.slice(start, start + this.batchSize);
      for (let attempt = 0; ; attempt++) {
        const etag = this.etags.get(arn) ?? (await this.describe(arn));
        try {
          const out = await this.client.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: etag, Puts: batch }));
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
    const out = await this.client.send(new DescribeKeyValueStoreCommand({ KvsARN: arn }));
    if (!out.ETag) throw new Error(`DescribeKeyValueStore of ${arn} answered without an ETag`);
    this.etags.set(arn, out.ETag);
    return out.ETag;
  }
}
