/** The origin secret's variables: one of them, and each well formed, or start-up stops with one line. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-origin-AbCdEf';
const VALUE = 'an-origin-secret-of-at-least-32-characters';

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
};

describe('BOSUN_ORIGIN_SECRET and BOSUN_ORIGIN_SECRET_ARN', () => {
  it('are taken as given, and absent by default', () => {
    expect(loadConfig({ BOSUN_ORIGIN_SECRET: VALUE }).originSecret).toBe(VALUE);
    expect(loadConfig({ BOSUN_ORIGIN_SECRET_ARN: ARN }).originSecretArn).toBe(ARN);
    const plain = loadConfig({});
    expect(plain.originSecret).toBeUndefined();
    expect(plain.originSecretArn).toBeUndefined();
  });

  it('refuse a short secret, a malformed ARN and both at once, each in one line naming the variable', () => {
    const short = message({ BOSUN_ORIGIN_SECRET: 'short' });
    expect(short).toMatch(/^BOSUN_ORIGIN_SECRET: must be at least 32 characters/);
    expect(message({ BOSUN_ORIGIN_SECRET_ARN: 'bosun-origin' })).toMatch(/^BOSUN_ORIGIN_SECRET_ARN: must be a Secrets Manager secret ARN/);
    expect(message({ BOSUN_ORIGIN_SECRET_ARN: ARN, BOSUN_ORIGIN_SECRET: VALUE })).toBe(
      'BOSUN_ORIGIN_SECRET_ARN: must not be set together with BOSUN_ORIGIN_SECRET (the origin secret comes from one of them; unset one)',
    );
    for (const m of [short]) expect(m).not.toContain('\n');
  });
});
