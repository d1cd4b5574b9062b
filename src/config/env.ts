/**
 * The environment, validated once. This is the only module that reads `process.env`;
 * everything else receives a `Config`. A value that is present but wrong becomes a
 * `ConfigError` whose message is one line naming the variable and what is wrong.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

/** Comma-separated IP addresses and CIDR ranges (proxy-addr also takes `loopback`, `linklocal`, `uniquelocal`). */
const trustedProxies = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => {
    try {
      proxyaddr.compile(list);
      return true;
    } catch {
      return false;
    }
  }, 'must be comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.1,192.168.0.0/16');

/** A DNS name of letters, digits and dashes, in dot-separated labels (a DKIM signing domain or selector). */
const dnsName = (example: string) =>
  z
    .string()
    .toLowerCase()
    .regex(
      /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/,
      `must be a DNS name like ${example}`,
    );

/** `arn:aws:cloudfront::{account}:key-value-store/{id}`, as `publish/edge-function.ts` reads it. */
const keyValueStoreArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/,
    'must be a KeyValueStore ARN like arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-0123456789ab',
  );

/** The variables of platform mode: guest sites as distribution tenants of one multi-tenant distribution (ADR 0027). */
const PLATFORM_VARIABLES = [
  'BOSUN_CLOUDFRONT_DISTRIBUTION_ID',
  'BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN',
  'BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID',
] as const;

/**
 * A Secrets Manager secret's ARN, `arn:aws[-partition]:secretsmanager:<region>:<account>:secret:<name>`
 * (the name as Secrets Manager writes it, with its six-character suffix or without; RDS names its own
 * secrets `rds!db-…`). Bosun reads the secret in the ARN's region.
 */
export const SECRET_ARN =
  /^arn:aws(?:-[a-z]+)*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):secret:([A-Za-z0-9/_+=.@!-]{1,512})$/;

const secretArn = z
  .string()
  .regex(SECRET_ARN, 'must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing');

/** How the connection to a PostgreSQL server is secured (`BOSUN_DATABASE_TLS`). */
export type DatabaseTls = 'rds' | 'off';

/** Where mail goes through Amazon SES (`BOSUN_MAIL=ses://REGION[?endpoint=URL&configurationSet=NAME]`). */
export type SesMail = { region: string; endpoint: string | undefined; configurationSet: string | undefined };

const SES_PARAMETERS = ['endpoint', 'configurationSet'];

/** `BOSUN_MAIL`: `ses://REGION`, with an optional `endpoint` (a local or compatible server) and configuration set. */
const sesMail = z.string().transform((v, ctx): SesMail => {
  const refuse = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return refuse('must be ses://REGION, e.g. ses://eu-west-1');
  }
  if (url.protocol !== 'ses:') return refuse('must be ses://REGION, e.g. ses://eu-west-1');
  if (
    !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(url.hostname) ||
    url.username ||
    url.password ||
    url.port ||
    (url.pathname && url.pathname !== '/')
  )
    return refuse('must be ses://REGION with a region like eu-west-1');
  for (const name of url.searchParams.keys())
    if (!SES_PARAMETERS.includes(name)) return refuse(`has an unknown parameter "${name}" (known: ${SES_PARAMETERS.join(', ')})`);
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(endpoint))
    return refuse('has an endpoint that is not an http:// or https:// origin');
  const configurationSet = url.searchParams.get('configurationSet') ?? undefined;
  if (configurationSet !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(configurationSet))
    return refuse('has a configurationSet that is not 1–64 letters, digits, dashes or underscores');
  return { region: url.hostname, endpoint, configurationSet };
});

/** The three variables of DKIM signing: all three, or none. */
const DKIM_VARIABLES = ['BOSUN_DKIM_DOMAIN', 'BOSUN_DKIM_SELECTOR', 'BOSUN_DKIM_PRIVATE_KEY_FILE'] as const;

const schema = z.object({
  PORT: port.default(8080),
  BOSUN_DATA_DIR: z.string().min(1, 'must not be empty').default('./.bosun'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_SECRET_ARN: secretArn.optional(),
  BOSUN_DATABASE_TLS: z
    .enum(['rds', 'off'], { error: 'must be "rds" (verify the server against the Amazon RDS certificates) or "off"' })
    .optional(),
  BOSUN_OBJECT_STORE: z
    .string()
    .refine((v) => v.startsWith('s3://') && v.length > 5, 'must be an s3://bucket-or-prefix URL')
    .optional(),
  BOSUN_CDN: z.enum(['cloudfront'], { error: 'must be "cloudfront" (or unset for the local edge)' }).optional(),
  BOSUN_CLOUDFRONT_DISTRIBUTION_ID: z
    .string()
    .regex(/^E[A-Z0-9]{5,31}$/, 'must be a CloudFront distribution id like E2QWRUHAPOMQZL')
    .optional(),
  BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: keyValueStoreArn.optional(),
  BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID: z
    .string()
    .regex(/^cg_[A-Za-z0-9]{1,64}$/, 'must be a CloudFront connection group id like cg_2wjDWTBKTlRB87cAaUQFaakABCD')
    .optional(),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\/.+/.test(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  BOSUN_MAIL: sesMail.optional(),
  BOSUN_PUBLIC_URL: httpUrl.optional(),
  BOSUN_MAIL_FROM: z.email('must be an e-mail address like bosun@example.com').optional(),
  BOSUN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  BOSUN_SECRET_ARN: secretArn.optional(),
  BOSUN_ORIGIN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  BOSUN_ORIGIN_SECRET_ARN: secretArn.optional(),
  BOSUN_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  BOSUN_TRUSTED_PROXIES: trustedProxies.optional(),
  BOSUN_DKIM_DOMAIN: dnsName('example.com').optional(),
  BOSUN_DKIM_SELECTOR: dnsName('bosun or 2026a').optional(),
  BOSUN_DKIM_PRIVATE_KEY_FILE: z.string().optional(),
  BOSUN_WORKER_FUNCTION: z
    .string()
    .regex(
      /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/,
      'must be a Lambda function name or ARN, like bosun-worker',
    )
    .optional(),
  BOSUN_DEMO: z
    .enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' })
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
});

export type Config = {
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** The RDS secret that holds the database's credentials (`DATABASE_SECRET_ARN`); `resolveSecrets` turns it into `databaseUrl`. */
  databaseSecretArn: string | undefined;
  /**
   * TLS to the PostgreSQL server (`BOSUN_DATABASE_TLS`): `rds` verifies the server's certificate against the
   * Amazon RDS certificate authorities; `off` connects as `DATABASE_URL` says (its own `sslmode`). `rds` unless
   * said otherwise when the credentials come from `DATABASE_SECRET_ARN`.
   */
  databaseTls: DatabaseTls | undefined;
  objectStore: string | undefined;
  cdn: 'cloudfront' | undefined;
  smtpUrl: string | undefined;
  /** Mail through Amazon SES (`BOSUN_MAIL=ses://REGION`); never together with `smtpUrl`. */
  sesMail: SesMail | undefined;
  publicUrl: string;
  /** The sender address of Bosun's mail (`BOSUN_MAIL_FROM`, else `bosun@` the public URL's host). */
  mailFrom: string;
  logLevel: z.infer<typeof schema>['BOSUN_LOG_LEVEL'];
  demo: boolean;
  /** Proxies whose `X-Forwarded-For` names the client (`BOSUN_TRUSTED_PROXIES`); none by default. */
  trustedProxies: string[];
  /** Explicit secret, when configured; otherwise `loadSigningSecret` makes one in the data folder. */
  secret: string | undefined;
  /** The Secrets Manager secret that holds the signing secret (`BOSUN_SECRET_ARN`); `resolveSecrets` reads it into `secret`. */
  secretArn: string | undefined;
  /**
   * The value CloudFront sends in `X-Bosun-Origin-Verify` to the API (`BOSUN_ORIGIN_SECRET`, or read from
   * `BOSUN_ORIGIN_SECRET_ARN` by `resolveSecrets`): when set, the Lambda API refuses any request without it.
   */
  originSecret?: string | undefined;
  /** The Secrets Manager secret that holds `originSecret` (`BOSUN_ORIGIN_SECRET_ARN`). */
  originSecretArn?: string | undefined;
  /** DKIM signing of every message Bosun sends (`BOSUN_DKIM_*`); none when the variables are absent. */
  dkim: DkimSigning | undefined;
  /** The worker Lambda the API wakes after a request that enqueued jobs (`BOSUN_WORKER_FUNCTION`, ADR 0026). */
  workerFunction?: string | undefined;
  /**
   * Platform mode (`BOSUN_CLOUDFRONT_DISTRIBUTION_ID`): every guest site is a distribution tenant of
   * this one multi-tenant distribution. Absent: single-operator mode, a standard distribution per site
   * named in its CDN settings (ADR 0027).
   */
  cloudFrontPlatform: CloudFrontPlatform | undefined;
};

/**
 * One multi-tenant CloudFront distribution for every guest site: its id, the KeyValueStore its one
 * viewer-request function reads friendly slugs from, and the connection group tenants join (absent:
 * CloudFront's default one).
 */
export type CloudFrontPlatform = { distributionId: string; keyValueStoreArn: string; connectionGroupId: string | undefined };

/**
 * What signs outgoing mail with DKIM: the signing domain (`d=`), the selector (`s=`; the public key is
 * published at `{selector}._domainkey.{domain}`) and the RSA private key in PEM, read from its file
 * once, when the configuration is loaded.
 */
export type DkimSigning = { domainName: string; keySelector: string; privateKey: string };

/**
 * Variables whose value a configuration error may repeat: none of them holds a secret. Every other
 * variable is secret-bearing or may become so (a new one starts here), and its value is never repeated:
 * errors end up in logs (the Lambda's among them).
 */
const PLAIN_VARIABLES = new Set([
  'PORT',
  'BOSUN_DATA_DIR',
  'DATABASE_SECRET_ARN',
  'BOSUN_DATABASE_TLS',
  'BOSUN_CDN',
  'BOSUN_CLOUDFRONT_DISTRIBUTION_ID',
  'BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN',
  'BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID',
  'BOSUN_MAIL_FROM',
  'BOSUN_SECRET_ARN',
  'BOSUN_ORIGIN_SECRET_ARN',
  'BOSUN_LOG_LEVEL',
  'BOSUN_TRUSTED_PROXIES',
  'BOSUN_DKIM_DOMAIN',
  'BOSUN_DKIM_SELECTOR',
  'BOSUN_DKIM_PRIVATE_KEY_FILE',
  'BOSUN_WORKER_FUNCTION',
  'BOSUN_DEMO',
]);

/** URL variables whose user, password, path, query and fragment may carry a secret: shown as scheme and host only. */
const URL_VARIABLES = new Set(['DATABASE_URL', 'SMTP_URL', 'BOSUN_MAIL', 'BOSUN_OBJECT_STORE', 'BOSUN_PUBLIC_URL']);

/**
 * ` (got "…")` for the end of a configuration error about `name`: the value itself for a plain variable;
 * for a URL variable its scheme and host, with `***` for any user and password and `/…` for the rest,
 * and nothing when it does not parse as a URL with a host (a password could sit anywhere in it); for any
 * other variable (`BOSUN_SECRET`, `BOSUN_ORIGIN_SECRET`, …) nothing at all.
 */
export function gotValue(name: string, value: string | undefined): string {
  if (PLAIN_VARIABLES.has(name)) return ` (got ${JSON.stringify(value ?? '')})`;
  if (!URL_VARIABLES.has(name) || value === undefined || !URL.canParse(value)) return '';
  const u = new URL(value);
  if (!u.host || !/^[a-z0-9.[\]:-]+$/i.test(u.host)) return '';
  const rest = (u.pathname !== '' && u.pathname !== '/') || u.search || u.hash ? '/…' : '';
  return ` (got ${JSON.stringify(`${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}${rest}`)})`;
}

/** Parses the environment; throws `ConfigError` with one line for the first wrong variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable is treated as absent, as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue?.message ?? 'is invalid'}${gotValue(name, env[name])}`);
  }
  const e = parsed.data;
  const exclusive = (a: keyof typeof e, b: keyof typeof e, why: string) => {
    if (e[a] !== undefined && e[b] !== undefined) throw new ConfigError(`${a}: must not be set together with ${b} (${why})`);
  };
  exclusive('BOSUN_SECRET_ARN', 'BOSUN_SECRET', 'the signing secret comes from one of them; unset one');
  exclusive('BOSUN_ORIGIN_SECRET_ARN', 'BOSUN_ORIGIN_SECRET', 'the origin secret comes from one of them; unset one');
  exclusive('DATABASE_SECRET_ARN', 'DATABASE_URL', 'the database comes from one of them; unset one');
  exclusive('BOSUN_MAIL', 'SMTP_URL', 'mail goes through one of them; unset one');
  return {
    port: e.PORT,
    dataDir: resolve(e.BOSUN_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databaseSecretArn: e.DATABASE_SECRET_ARN,
    databaseTls: e.BOSUN_DATABASE_TLS ?? (e.DATABASE_SECRET_ARN ? 'rds' : undefined),
    objectStore: e.BOSUN_OBJECT_STORE,
    cdn: e.BOSUN_CDN,
    smtpUrl: e.SMTP_URL,
    sesMail: e.BOSUN_MAIL,
    publicUrl: (e.BOSUN_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    mailFrom: e.BOSUN_MAIL_FROM ?? `bosun@${new URL(e.BOSUN_PUBLIC_URL ?? 'http://localhost').hostname}`,
    logLevel: e.BOSUN_LOG_LEVEL,
    demo: e.BOSUN_DEMO,
    trustedProxies: e.BOSUN_TRUSTED_PROXIES ?? [],
    secret: e.BOSUN_SECRET,
    secretArn: e.BOSUN_SECRET_ARN,
    originSecret: e.BOSUN_ORIGIN_SECRET,
    originSecretArn: e.BOSUN_ORIGIN_SECRET_ARN,
    dkim: loadDkim(e),
    workerFunction: e.BOSUN_WORKER_FUNCTION,
    cloudFrontPlatform: loadPlatform(e),
  };
}

/**
 * Platform mode from `BOSUN_CLOUDFRONT_*`: none when the distribution id is absent (a KeyValueStore ARN
 * or connection group alone is a mistake, named); it needs `BOSUN_CDN=cloudfront` and the store's ARN.
 */
function loadPlatform(e: z.infer<typeof schema>): CloudFrontPlatform | undefined {
  const distributionId = e.BOSUN_CLOUDFRONT_DISTRIBUTION_ID;
  if (!distributionId) {
    const stray = PLATFORM_VARIABLES.find((name) => e[name] !== undefined);
    if (stray) {
      throw new ConfigError(
        `${stray}: is used only with BOSUN_CLOUDFRONT_DISTRIBUTION_ID (platform mode); set it too, or leave ${stray} unset for a distribution per site`,
      );
    }
    return undefined;
  }
  if (e.BOSUN_CDN !== 'cloudfront') {
    throw new ConfigError(
      'BOSUN_CLOUDFRONT_DISTRIBUTION_ID: needs BOSUN_CDN=cloudfront (guest sites are served by CloudFront in platform mode)',
    );
  }
  if (!e.BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN) {
    throw new ConfigError(
      "BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: must be set with BOSUN_CLOUDFRONT_DISTRIBUTION_ID: the ARN of the KeyValueStore the distribution's function reads friendly slugs from",
    );
  }
  return {
    distributionId,
    keyValueStoreArn: e.BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN,
    connectionGroupId: e.BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID,
  };
}

/** Smaller RSA keys are refused by DKIM verifiers (RFC 8301). */
const DKIM_MIN_KEY_BITS = 1024;

/**
 * DKIM signing from `BOSUN_DKIM_DOMAIN`, `BOSUN_DKIM_SELECTOR` and `BOSUN_DKIM_PRIVATE_KEY_FILE`: none
 * when all three are absent; a ConfigError when only some are set, or the key file cannot be read or
 * holds no RSA private key of at least 1024 bits (the only kind nodemailer signs with).
 */
function loadDkim(e: z.infer<typeof schema>): DkimSigning | undefined {
  const missing = DKIM_VARIABLES.filter((name) => e[name] === undefined);
  if (missing.length === DKIM_VARIABLES.length) return undefined;
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing[0]}: must be set with ${DKIM_VARIABLES.filter((n) => !missing.includes(n)).join(' and ')} to sign mail with DKIM (set all three of ${DKIM_VARIABLES.join(', ')}, or none)`,
    );
  }
  const file = resolve(e.BOSUN_DKIM_PRIVATE_KEY_FILE ?? '');
  const refuse = (what: string) =>
    new ConfigError(`BOSUN_DKIM_PRIVATE_KEY_FILE: ${what}${gotValue('BOSUN_DKIM_PRIVATE_KEY_FILE', e.BOSUN_DKIM_PRIVATE_KEY_FILE)}`);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw refuse(`must be a readable file holding the PEM private key; ${(err as NodeJS.ErrnoException).code ?? 'it cannot be read'}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw refuse(
      'must hold an RSA private key in PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----), without a passphrase',
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa') throw refuse(`must hold an RSA private key; it holds a ${key.asymmetricKeyType ?? 'different'} key`);
  if (bits < DKIM_MIN_KEY_BITS)
    throw refuse(`must hold an RSA key of at least ${DKIM_MIN_KEY_BITS} bits (2048 recommended); it has ${bits}`);
  return { domainName: e.BOSUN_DKIM_DOMAIN ?? '', keySelector: e.BOSUN_DKIM_SELECTOR ?? '', privateKey: pem };
}

/**
 * The secret that signs sessions and feed URLs. Taken from `BOSUN_SECRET` when set;
 * otherwise generated once into `$BOSUN_DATA_DIR/secret` (mode 0600) and reused.
 */
export function loadSigningSecret(config: Config): string {
  if (config.secret) return config.secret;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, 'secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}

/**
 * The service key `bosun doctor --live` proves the CDN forwards (`BOSUN_DOCTOR_SERVICE_KEY`), read apart
 * from the configuration: only doctor uses it, and an environment variable keeps it out of `ps`.
 */
export function doctorServiceKey(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.BOSUN_DOCTOR_SERVICE_KEY || undefined;
}
