/**
 * Platform mode's configuration: one multi-tenant CloudFront distribution named by
 * BOSUN_CLOUDFRONT_DISTRIBUTION_ID with its KeyValueStore and, optionally, a connection group; each
 * wrong or incomplete set-up stops with one line naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-0123456789ab';
const PLATFORM = { BOSUN_CDN: 'cloudfront', BOSUN_CLOUDFRONT_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL', BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: ARN };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('platform mode configuration', () => {
  it('reads the distribution, its KeyValueStore and the connection group', () => {
    expect(loadConfig({ ...PLATFORM, BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID: 'cg_2wjDWTBKTlRB87cAaUQFaakABCD' }).cloudFrontPlatform).toEqual({
      distributionId: 'E2QWRUHAPOMQZL',
      keyValueStoreArn: ARN,
      connectionGroupId: 'cg_2wjDWTBKTlRB87cAaUQFaakABCD',
    });
    expect(loadConfig(PLATFORM).cloudFrontPlatform?.connectionGroupId).toBeUndefined();
  });

  it('is single-operator mode without a distribution id, with or without BOSUN_CDN', () => {
    expect(loadConfig({}).cloudFrontPlatform).toBeUndefined();
    expect(loadConfig({ BOSUN_CDN: 'cloudfront' }).cloudFrontPlatform).toBeUndefined();
  });

  it.each([
    ['BOSUN_CLOUDFRONT_DISTRIBUTION_ID', 'e2qwruhapomqzl', /must be a CloudFront distribution id/],
    ['BOSUN_CLOUDFRONT_DISTRIBUTION_ID', 'X2QWRUHAPOMQZL', /must be a CloudFront distribution id/],
    ['BOSUN_CLOUDFRONT_DISTRIBUTION_ID', 'E2QW RUH', /must be a CloudFront distribution id/],
    ['BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN', 'guest-slugs', /must be a KeyValueStore ARN/],
    ['BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN', 'arn:aws:s3:::bucket', /must be a KeyValueStore ARN/],
    ['BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID', 'group-1', /must be a CloudFront connection group id/],
  ])('rejects %s=%s with one line naming it', (name, value, message) => {
    const err = configError({ ...PLATFORM, [name]: value });
    expect(err.message.startsWith(`${name}: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(JSON.stringify(value));
    expect(err.message).not.toContain('\n');
  });

  it.each([
    [
      { BOSUN_CLOUDFRONT_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL', BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: ARN },
      'BOSUN_CLOUDFRONT_DISTRIBUTION_ID',
      /needs BOSUN_CDN=cloudfront/,
    ],
    [
      { BOSUN_CDN: 'cloudfront', BOSUN_CLOUDFRONT_DISTRIBUTION_ID: 'E2QWRUHAPOMQZL' },
      'BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN',
      /must be set with/,
    ],
    [
      { BOSUN_CDN: 'cloudfront', BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: ARN },
      'BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN',
      /only with BOSUN_CLOUDFRONT_DISTRIBUTION_ID/,
    ],
    [
      { BOSUN_CDN: 'cloudfront', BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID: 'cg_abc' },
      'BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID',
      /only with BOSUN_CLOUDFRONT_DISTRIBUTION_ID/,
    ],
  ])('refuses an incomplete platform set-up, naming what is missing (%#)', (env, name, message) => {
    const err = configError(env);
    expect(err.message.startsWith(`${name}: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });
});
