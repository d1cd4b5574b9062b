/**
 * The API on AWS Lambda, behind API Gateway (HTTP API v2 or REST v1) and CloudFront: the app the Node
 * server runs, composed for the `lambda-api` role, behind hono/aws-lambda's `handle(app)`. This file
 * only translates events (ADR 0023).
 *
 * A cold start has two steps, each made once, lazily, and tried again by the next invocation when it
 * fails (one log line, 503). First the gate: the configuration and the origin secret alone
 * (`BOSUN_ORIGIN_SECRET`, or `BOSUN_ORIGIN_SECRET_ARN` read by itself). With an origin secret, a request
 * that did not come through CloudFront (no or a wrong `X-Bosun-Origin-Verify`) is answered 403 there,
 * before the other secrets are read or the database is opened, so a burst at API Gateway's own URL
 * costs no database connection. Then the composition (the other secrets, the database, the app), which
 * only a request that passed the gate awaits. The header never reaches the app: every request the app
 * sees came through CloudFront, and its forwarded client address is CloudFront's (ADR 0023).
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import { handle } from 'hono/aws-lambda';
import pino, { type Logger } from 'pino';
import { type Config, loadConfig } from '../config/env';
import { resolveOriginSecret, resolveSecrets, type SecretsOptions } from '../config/secrets';
import { compose, lambdaSigningSecret } from './compose';
import { GatewayEventError, normaliseGatewayEvent } from './lambda-event';
import { ORIGIN_VERIFY_HEADER, originVerified, takeOriginHeader } from './lambda-origin';
import { logOptions } from './logging';
import { createLogger } from './runtime';

/** What API Gateway gets back (v2: `headers` and `cookies`; v1: `multiValueHeaders`). */
export type GatewayResult = {
  statusCode: number;
  body: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
};

export type LambdaHandler = ((event: unknown, context?: unknown) => Promise<GatewayResult>) & {
  /** Closes the composition, when one was made (tests; Lambda itself never closes). */
  close(): Promise<void>;
};

/**
 * A handler over the configuration `load` gives (by default the environment). Used as is by the
 * exported `handler`; tests give their own configuration, and may give the logger and where Secrets
 * Manager answers.
 */
export function createLambdaHandler(
  load: () => Config | Promise<Config> = () => loadConfig(),
  options: { workerClient?: LambdaClientConfig; log?: Logger; secrets?: SecretsOptions } = {},
): LambdaHandler {
  type Gate = { config: Config; originSecret: string | undefined; log: Logger };
  type Ready = { serve: ReturnType<typeof handle>; close(): Promise<void> };
  let fallbackLog: Logger | null = null;

  // Reads nothing but the configuration and the origin secret: no other secret, no database.
  const openGate = async (): Promise<Gate> => {
    const config = await resolveOriginSecret(await load(), options.secrets);
    const log = options.log ?? createLogger(config);
    return { config, originSecret: config.originSecret, log };
  };

  const coldStart = async ({ config: gated, log }: Gate): Promise<Ready> => {
    // The other secrets the configuration names (BOSUN_SECRET_ARN, DATABASE_SECRET_ARN) are read once, here.
    const config = await resolveSecrets(gated, options.secrets);
    const signingSecret = lambdaSigningSecret(config);
    const composition = await compose(config, {
      role: 'lambda-api',
      log,
      signingSecret,
      ...(options.workerClient ? { workerClient: options.workerClient } : {}),
    });
    const app = composition.app;
    if (!app) throw new Error('the lambda-api role composed no app');
    // `handle` calls only the app's `fetch`; the answer is settled first (see `settled`), and with
    // BOSUN_WORKER_FUNCTION the worker is woken before it leaves when the request enqueued jobs.
    const answer: typeof app.fetch = async (request, env, ctx) => settled(await app.fetch(request, env, ctx));
    const fetch = composition.wakeup ? composition.wakeup.wrap(answer) : answer;
    return { serve: handle({ fetch } as typeof app), close: () => composition.close() };
  };

  /**
   * One step of the cold start, made once and shared by the invocations that wait for it; a failure
   * logs one line and is tried again by the next invocation. `take` forgets it (on close).
   */
  const step = <A, T>(start: (arg: A) => Promise<T>) => {
    let current: Promise<T> | null = null;
    return {
      get(arg: A): Promise<T> {
        if (current) return current;
        const starting = start(arg);
        current = starting;
        starting.catch((err: unknown) => {
          if (current === starting) current = null;
          fallbackLog ??= options.log ?? pino(logOptions('info'));
          fallbackLog.error({ err }, 'Bosun could not start on Lambda');
        });
        return starting;
      },
      take(): Promise<T> | null {
        const taken = current;
        current = null;
        return taken;
      },
    };
  };
  const gate = step<void, Gate>(openGate);
  const ready = step(coldStart);

  const invoke = async (event: unknown, context?: unknown): Promise<GatewayResult> => {
    let normalised: ReturnType<typeof normaliseGatewayEvent>;
    try {
      normalised = normaliseGatewayEvent(event);
    } catch (err) {
      if (!(err instanceof GatewayEventError)) throw err;
      return plainAnswer(400, err.message);
    }
    const opened = await gate.get().catch(() => null);
    if (!opened) return unavailable(normalised.version);
    const { originSecret } = opened;
    // The header leaves the event whether or not a secret is configured: the app never sees it.
    const gatewayEvent = normalised.event as { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> };
    if (gatewayEvent.headers) gatewayEvent.headers = { ...gatewayEvent.headers };
    if (gatewayEvent.multiValueHeaders) gatewayEvent.multiValueHeaders = { ...gatewayEvent.multiValueHeaders };
    const presented = takeOriginHeader(gatewayEvent);
    if (originSecret !== undefined && !originVerified(originSecret, presented)) {
      opened.log.warn(
        { origin: presented === undefined ? 'absent' : 'wrong' },
        `refused a request without CloudFront's ${ORIGIN_VERIFY_HEADER} (the API answers through CloudFront only)`,
      );
      return forbidden(normalised.version);
    }
    const current = await ready.get(opened).catch(() => null);
    if (!current) return unavailable(normalised.version);
    // `handle` reads an APIGatewayProxyEvent or APIGatewayProxyEventV2; the event was checked to be one.
    return (await current.serve(normalised.event as never, context as never)) as GatewayResult;
  };

  return Object.assign(invoke, {
    close: async () => {
      gate.take();
      const current = ready.take();
      if (current) await (await current.catch(() => null))?.close();
    },
  });
}

/**
 * The app's answer with its headers as the middleware left them. Headers the middleware set after the
 * handler (the page and security headers) live on the answer's `headers` object; where @hono/node-server
 * has replaced the global `Response` (a process that also runs the Node server), reading the body
 * rebuilds the answer from the handler's own headers and those would be lost, because
 * `handle` reads the body before the headers. Copying the headers first keeps them either way.
 */
function settled(res: Response): Response {
  const headers = new Headers(res.headers);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function unavailable(version: '1.0' | '2.0'): GatewayResult {
  return plainAnswer(503, 'Bosun is not available; try again shortly.', version);
}

function forbidden(version: '1.0' | '2.0'): GatewayResult {
  const headers = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
  const body = {
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: 'Bosun answers through its CloudFront distribution only.',
  };
  return {
    statusCode: 403,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    ...(version === '1.0' ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) } : { headers }),
  };
}

function plainAnswer(status: number, text: string, version: '1.0' | '2.0' = '2.0'): GatewayResult {
  const headers = {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(status === 503 ? { 'retry-after': '5' } : {}),
  };
  return {
    statusCode: status,
    body: `${text}\n`,
    isBase64Encoded: false,
    ...(version === '1.0' ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) } : { headers }),
  };
}

/** The function's entry point (`lambda.handler`). */
export const handler = createLambdaHandler();
