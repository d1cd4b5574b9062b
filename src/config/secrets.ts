/**
 * Configuration held in AWS Secrets Manager: the signing secret (`BOSUN_SECRET_ARN`), the origin secret
 * CloudFront sends to the API (`BOSUN_ORIGIN_SECRET_ARN`, plain text like the signing secret) and the database's
 * credentials (`DATABASE_SECRET_ARN`, the secret RDS or the CDK's `DatabaseSecret` writes). Each secret is
 * read in the region its ARN names; a usable value is cached for the process, a secret that cannot be read
 * or holds no usable value is not (the next start-up reads it again, so a fixed secret is picked up), and
 * stops start-up with one line naming the variable, the ARN and the reason (ADR 0025).
 * No secret value is ever part of an error or a log line.
 */
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { type Config, ConfigError, SECRET_ARN } from './env';

export type SecretsOptions = {
  /** Laid over the client's own configuration (e.g. `endpoint` and `credentials` for a local server). */
  clientConfig?: SecretsManagerClientConfig;
};

export type SecretVariable = 'BOSUN_SECRET_ARN' | 'BOSUN_ORIGIN_SECRET_ARN' | 'DATABASE_SECRET_ARN';

/** What `checkSecrets` found for one configured secret: `problem` is one line (no value), absent when `ok`. */
export type SecretCheck = { variable: SecretVariable; arn: string; ok: boolean; problem: string | undefined };

/** The shortest signing secret Bosun takes, as for `BOSUN_SECRET`. */
const MIN_SIGNING_SECRET = 32;

/** How long one attempt to reach Secrets Manager may take: a function without a route to it fails, it does not hang. */
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** A secret's value, or why there is none: it could not be read, or what it holds is not usable. */
type Read = { ok: true; value: string } | { ok: false; unusable?: true; problem: string };

const unusable = (problem: string): Read => ({ ok: false, unusable: true, problem });

/**
 * Secrets read by this process, by endpoint, ARN and how the value is judged: a usable value is read
 * once; a failure, or a value that was judged unusable, is not kept.
 */
const cache = new Map<string, Promise<Read>>();

const regionOf = (arn: string) => SECRET_ARN.exec(arn)?.[1] ?? '';

/** Why `GetSecretValue` failed, in words; never the secret's value (a failed call has none). */
function reasonOf(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  switch (name) {
    case 'ResourceNotFoundException':
      return 'not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)';
    case 'AccessDeniedException':
      return "access denied (AccessDeniedException: the function's role needs secretsmanager:GetSecretValue on it)";
    case 'DecryptionFailure':
      return "cannot be decrypted (DecryptionFailure: the function's role needs kms:Decrypt on the secret's KMS key)";
    case 'InvalidRequestException':
      return 'not available (InvalidRequestException: it may be scheduled for deletion)';
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'CredentialsProviderError':
      return `refused (${name}: no valid AWS credentials in this process)`;
  }
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status === 'number') return `refused (${name}: HTTP ${status} from Secrets Manager)`;
  // No answer at all: a connection refused or timed out, a name that does not resolve.
  const code = typeof e?.code === 'string' ? e.code : name;
  return `cannot reach Secrets Manager (${code}; a function in a VPC needs a Secrets Manager endpoint or a NAT route)`;
}

async function fetchSecret(arn: string, options: SecretsOptions): Promise<Read> {
  // Loaded only by a process configured with a secret's ARN (ADR 0029).
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({
    region: regionOf(arn),
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    ...options.clientConfig,
  });
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (typeof out.SecretString !== 'string') return unusable('it holds no SecretString (a binary secret)');
    return { ok: true, value: out.SecretString };
  } catch (err) {
    return { ok: false, problem: reasonOf(err) };
  } finally {
    client.destroy();
  }
}

/**
 * Reads `arn` and judges its value with `parse`, once per process (per endpoint and kind of value): later
 * calls share the first answer unless it failed. A value judged unusable is a failure like any other and
 * is forgotten too, so a secret fixed after a failed start is read again by the next one.
 */
function readSecret(arn: string, kind: SecretKind, options: SecretsOptions): Promise<Read> {
  const endpoint = options.clientConfig?.endpoint;
  const key = `${typeof endpoint === 'string' ? endpoint : ''} ${kind} ${arn}`;
  let read = cache.get(key);
  if (!read) {
    read = fetchSecret(arn, options).then((r) => {
      const judged = r.ok ? PARSERS[kind](r.value) : r;
      if (!judged.ok) cache.delete(key);
      return judged;
    });
    cache.set(key, read);
  }
  return read;
}

/** The signing secret from its SecretString: plain text of at least 32 characters. */
function signingSecret(text: string): Read {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return unusable('it holds JSON; store the signing secret as plain text of at least 32 characters');
  if (trimmed.length < MIN_SIGNING_SECRET)
    return unusable(`it must be at least ${MIN_SIGNING_SECRET} characters (it has ${trimmed.length})`);
  return { ok: true, value: trimmed };
}

const DATABASE_ENGINES = new Set(['postgres', 'aurora-postgresql']);

/**
 * The database URL from an RDS secret's JSON (`username`, `password`, `host`, `port`, `dbname`, `engine`):
 * user and password percent-encoded, the port 5432 and the database `postgres` when the secret has none.
 */
function databaseUrlFromSecret(text: string): Read {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unusable('it is not JSON (an RDS secret is {"username","password","host","port","dbname"})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return unusable('it is not a JSON object (an RDS secret is {"username","password","host","port","dbname"})');
  const s = parsed as Record<string, unknown>;
  const text_ = (name: string) => (typeof s[name] === 'string' && s[name] !== '' ? (s[name] as string) : undefined);
  for (const name of ['username', 'password', 'host'])
    if (text_(name) === undefined) return unusable(`it has no "${name}" (a non-empty string)`);
  const engine = s.engine;
  if (engine !== undefined && !(typeof engine === 'string' && DATABASE_ENGINES.has(engine)))
    return unusable(`its "engine" is ${JSON.stringify(engine)}, not postgres`);
  const port = s.port === undefined ? 5432 : Number(s.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return unusable('its "port" is not a port number (1 to 65535)');
  const host = text_('host') ?? '';
  if (!/^[A-Za-z0-9.-]+$/.test(host) && !/^\[?[0-9a-fA-F:]+\]?$/.test(host)) return unusable('its "host" is not a host name or address');
  const dbname = s.dbname === undefined ? 'postgres' : text_('dbname');
  if (dbname === undefined) return unusable('its "dbname" is not a non-empty string');
  const user = encodeURIComponent(text_('username') ?? '');
  const password = encodeURIComponent(text_('password') ?? '');
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { ok: true, value: `postgresql://${user}:${password}@${hostPart}:${port}/${encodeURIComponent(dbname)}` };
}

/** How a secret's text is judged: a plain-text secret of 32 characters or more, or an RDS secret's JSON. */
type SecretKind = 'plain' | 'rds';

const PARSERS: Record<SecretKind, (text: string) => Read> = { plain: signingSecret, rds: databaseUrlFromSecret };

type Resolved = { variable: SecretVariable; arn: string; read: Read };

const WANTED: { variable: SecretVariable; arnOf: (config: Config) => string | undefined; kind: SecretKind }[] = [
  { variable: 'BOSUN_SECRET_ARN', arnOf: (c) => c.secretArn, kind: 'plain' },
  { variable: 'BOSUN_ORIGIN_SECRET_ARN', arnOf: (c) => c.originSecretArn, kind: 'plain' },
  { variable: 'DATABASE_SECRET_ARN', arnOf: (c) => c.databaseSecretArn, kind: 'rds' },
];

async function resolveEach(config: Config, options: SecretsOptions, only?: SecretVariable): Promise<Resolved[]> {
  return Promise.all(
    WANTED.flatMap(({ variable, arnOf, kind }) => {
      const arn = arnOf(config);
      if (arn === undefined || (only !== undefined && variable !== only)) return [];
      return [readSecret(arn, kind, options).then((read): Resolved => ({ variable, arn, read }))];
    }),
  );
}

const line = (r: Resolved & { read: { ok: false } }) =>
  `secret ${r.arn} ${r.read.unusable ? 'does not hold a valid value' : 'is not readable'}: ${r.read.problem}`;

/**
 * Reads every secret the configuration names, without throwing: one entry per configured ARN, with the
 * problem in one line (`secret <arn> is not readable: …`) when it cannot be used. Values are not returned.
 */
export async function checkSecrets(config: Config, options: SecretsOptions = {}): Promise<SecretCheck[]> {
  return (await resolveEach(config, options)).map((r) => ({
    variable: r.variable,
    arn: r.arn,
    ok: r.read.ok,
    problem: r.read.ok ? undefined : line(r as Resolved & { read: { ok: false } }),
  }));
}

/**
 * The configuration with the secrets it names read in: `secret` from `BOSUN_SECRET_ARN`, `originSecret` from
 * `BOSUN_ORIGIN_SECRET_ARN`, `databaseUrl` from `DATABASE_SECRET_ARN`. A configuration without ARNs comes
 * back as it is. Throws a `ConfigError` of one line (`VARIABLE: secret <arn> is not readable: <reason>`)
 * for the first secret that fails.
 */
export async function resolveSecrets(config: Config, options: SecretsOptions = {}): Promise<Config> {
  return applyResolved(config, await resolveEach(config, options));
}

/**
 * The configuration with only the origin secret read in (`BOSUN_ORIGIN_SECRET_ARN`), the others left as
 * ARNs: what the Lambda API needs to refuse a request that skipped CloudFront before it reads anything
 * else or opens the database (ADR 0023). Throws like `resolveSecrets`.
 */
export async function resolveOriginSecret(config: Config, options: SecretsOptions = {}): Promise<Config> {
  return applyResolved(config, await resolveEach(config, options, 'BOSUN_ORIGIN_SECRET_ARN'));
}

function applyResolved(config: Config, resolved: Resolved[]): Config {
  let next = config;
  for (const r of resolved) {
    if (!r.read.ok) throw new ConfigError(`${r.variable}: ${line(r as Resolved & { read: { ok: false } })}`);
    if (r.variable === 'BOSUN_SECRET_ARN') next = { ...next, secret: r.read.value };
    else if (r.variable === 'BOSUN_ORIGIN_SECRET_ARN') next = { ...next, originSecret: r.read.value };
    else next = { ...next, databaseUrl: r.read.value };
  }
  return next;
}
