/** The runtime chooses the object store and the CDN from the configuration alone. */
import { describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/cloudfront-cdn';
import { CloudFrontKeyValueStore } from '../../src/adapters/cloudfront-key-value-store';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { LocalEdge } from '../../src/adapters/local-edge';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';
import { ConfigError, loadConfig } from '../../src/config/env';
import { openSitePorts } from '../../src/main/runtime';

const noDeps = () => {
  throw new Error('not used');
};
const ports = (env: Record<string, string>) => openSitePorts(loadConfig({ BOSUN_DATA_DIR: '/tmp/bosun-unused', ...env }), noDeps);

describe('site ports from the configuration', () => {
  it('uses files under the data folder and the local edge by default', () => {
    const { sites, edge } = ports({});
    expect(sites.store).toBeInstanceOf(FsObjectStore);
    expect(edge).toBeInstanceOf(LocalEdge);
    expect(sites.cdn).toBe(edge);
    expect(sites.keyValueStore).toBeUndefined();
  });

  it('uses S3 for an s3:// store and CloudFront for BOSUN_CDN=cloudfront, with no local edge', () => {
    const { sites, edge } = ports({ BOSUN_OBJECT_STORE: 's3://guest-pages/sites?region=eu-west-1', BOSUN_CDN: 'cloudfront' });
    expect(sites.store).toBeInstanceOf(S3ObjectStore);
    expect(sites.cdn).toBeInstanceOf(CloudFrontCdn);
    expect(sites.keyValueStore).toBeInstanceOf(CloudFrontKeyValueStore);
    expect(edge).toBeNull();
  });

  it('stops with one line naming BOSUN_OBJECT_STORE when the URL is wrong', () => {
    expect(() => ports({ BOSUN_OBJECT_STORE: 's3://Bad_Bucket' })).toThrow(ConfigError);
    expect(() => ports({ BOSUN_OBJECT_STORE: 's3://bucket?colour=red' })).toThrow(
      /^BOSUN_OBJECT_STORE: unknown parameter "colour" \(known: region, endpoint, forcePathStyle\) \(got "s3:\/\/bucket\/…"\)$/,
    );
    // A user and password in the URL, or anything after the bucket, is never repeated.
    for (const url of ['s3://AKIAEXAMPLE:S3CRETpw@bucket?colour=red', 's3://Bad_Bucket/S3CRETpw', 's3://bucket?colour=S3CRETpw']) {
      expect(() => ports({ BOSUN_OBJECT_STORE: url })).toThrow(ConfigError);
      expect(() => ports({ BOSUN_OBJECT_STORE: url })).not.toThrow(/S3CRET|AKIA/);
    }
  });
});
