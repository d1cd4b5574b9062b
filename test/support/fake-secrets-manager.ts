/**
 * A local HTTP server on 127.0.0.1 that speaks the part of AWS Secrets Manager's API that Bosun uses:
 * GetSecretValue over awsJson1_1 (`POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, a JSON body
 * `{SecretId}`), answering as Secrets Manager does — `{ARN, Name, SecretString, VersionId, VersionStages,
 * CreatedDate}`, or an error `{__type, message}` with status 400. A secret is found by its full ARN or its
 * name; one can be set to deny access, and given a new value. Every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer, readBody } from './local-http-server';

export type FakeSecret = { arn: string; name: string; secretString?: string; secretBinary?: Buffer; denied?: boolean };
export type SecretsRequest = { target: string; body: Record<string, unknown>; authorization: string };

const JSON_TYPE = 'application/x-amz-json-1.1';

export class FakeSecretsManager {
  readonly requests: SecretsRequest[] = [];
  readonly #secrets = new Map<string, FakeSecret>();
  readonly #http = new LocalHttpServer((req, res) => this.#handle(req, res));
  endpoint = '';

  async start(): Promise<this> {
    this.endpoint = await this.#http.start();
    return this;
  }

  stop(): Promise<void> {
    return this.#http.stop();
  }

  /**
   * Stores a secret under `name` in `region` of account 123456789012; answers its ARN, which carries the
   * six-character suffix Secrets Manager appends.
   */
  put(name: string, value: { string: string } | { binary: Buffer }, options: { region?: string; denied?: boolean } = {}): string {
    const arn = `arn:aws:secretsmanager:${options.region ?? 'eu-west-1'}:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    this.#secrets.set(arn, {
      arn,
      name,
      ...('string' in value ? { secretString: value.string } : { secretBinary: value.binary }),
      ...(options.denied ? { denied: true } : {}),
    });
    return arn;
  }

  /** Gives the secret at `arn` a new value, as PutSecretValue does (its ARN stays). */
  update(arn: string, value: { string: string } | { binary: Buffer }): void {
    const secret = this.#secrets.get(arn);
    if (!secret) throw new Error(`no secret ${arn}`);
    this.#secrets.set(arn, {
      arn,
      name: secret.name,
      ...('string' in value ? { secretString: value.string } : { secretBinary: value.binary }),
      ...(secret.denied ? { denied: true } : {}),
    });
  }

  /** How many GetSecretValue calls asked for `arn`. */
  readsOf(arn: string): number {
    return this.requests.filter((r) => r.target === 'secretsmanager.GetSecretValue' && r.body.SecretId === arn).length;
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const received = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(received.toString('utf8') || '{}');
    } catch {
      return this.#error(res, 'SerializationException', 'Malformed JSON');
    }
    this.requests.push({ target, body, authorization: String(req.headers.authorization ?? '') });
    if (req.method !== 'POST' || req.url !== '/') return this.#error(res, 'UnknownOperationException', 'Unknown operation');
    if (!String(req.headers['content-type'] ?? '').startsWith(JSON_TYPE))
      return this.#error(res, 'SerializationException', 'Unexpected content type');
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
      return this.#error(res, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (target !== 'secretsmanager.GetSecretValue') return this.#error(res, 'UnknownOperationException', `Unknown operation ${target}`);
    const id = body.SecretId;
    if (typeof id !== 'string' || id === '')
      return this.#error(res, 'InvalidParameterException', 'You must provide a value for the SecretId parameter.');
    const secret = this.#secrets.get(id) ?? [...this.#secrets.values()].find((s) => s.name === id);
    if (!secret) return this.#error(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.denied)
      return this.#error(
        res,
        'AccessDeniedException',
        `User: arn:aws:sts::123456789012:assumed-role/bosun-api/bosun-api is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      );
    res.writeHead(200, { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() });
    res.end(
      JSON.stringify({
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.secretString !== undefined ? { SecretString: secret.secretString } : {}),
        ...(secret.secretBinary !== undefined ? { SecretBinary: secret.secretBinary.toString('base64') } : {}),
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_764_460_800.123,
      }),
    );
  }

  #error(res: ServerResponse, type: string, message: string) {
    res.writeHead(400, { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify({ __type: type, message }));
  }
}
