/**
 * The API on AWS Lambda, behind API Gateway (HTTP API v2 or REST v1) and CloudFront: the app the Node
 * server runs, composed for the `lambda-api` role, behind hono/aws-lambda's `handle(app)`. This file
 * only translates events (ADR 0023).
 *
 * The composition is made once per cold start, lazily: the first invocation awaits it, the later
 * ones reuse it. A composition that fails (a missing variable, a database not reachable or not
 * migrated yet) logs one line and answers 503; the next invocation tries again.
 *
 * With an origin secret configured, a request that did not come through CloudFront (no or a wrong
 * `X-Bosun-Origin-Verify`) is answered 403 before the app sees it; the header never reaches the app.
 * So every request the app sees came through CloudFront, and its forwarded client address is
 * CloudFront's (lambda-client-address.ts).
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import { handle } from 'hono/aws-lambda';
import pino, { type Logger } from 'pino';
import { type Config, loadConfig } from '../config/env';
import { resolveSecrets } from '../config/secrets';
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
 * exported `handler`; tests give their own configuration.
 */
export function createLambdaHandler(
  load: () => Config | Promise<Config> = () => loadConfig(),
  options: { workerClient?: LambdaClientConfig } = {},
): LambdaHandler {
  type Ready = { serve: ReturnType<typeof handle>; close(): Promise<void>; originSecret: string | undefined; log: Logger };
  let ready: Promise<Ready> | null = null;
  let fallbackLog: Logger | null = null;

  const coldStart = async (): Promise<Ready> => {
    // The secrets the configuration names (BOSUN_SECRET_ARN, DATABASE_SECRET_ARN) are read once, here.
    const config = await resolveSecrets(await load());
    const signingSecret = lambdaSigningSecret(config);
    const log = createLogger(config);
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
    return {
      serve: handle({ fetch } as typeof app),
      close: () => composition.close(),
      originSecret: config.originSecret,
      log,
    };
  };

  const invoke = async (event: unknown, context?: unknown): Promise<GatewayResult> => {
    let normalised: ReturnType<typeof normaliseGatewayEvent>;
    try {
      normalised = normaliseGatewayEvent(event);
    } catch (err) {
      if (!(err instanceof GatewayEventError)) throw err;
      return plainAnswer(400, err.message);
    }
    if (!ready) {
      const starting = coldStart();
      ready = starting;
      starting.catch((err: unknown) => {
        // One line, and the next invocation starts again.
        if (ready === starting) ready = null;
        fallbackLog ??= pino(logOptions('info'));
        fallbackLog.error({ err }, 'Bosun could not start on Lambda');
      });
    }
    let current: Ready;
    try {
      current = await ready;
    } catch {
      return plainAnswer(503, 'Bosun is not available; try again shortly.', normalised.version);
    }
    const { serve, originSecret } = current;
    // The header leaves the event whether or not a secret is configured: the app never sees it.
    const gatewayEvent = normalised.event as { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]> };
    if (gatewayEvent.headers) gatewayEvent.headers = { ...gatewayEvent.headers };
    if (gatewayEvent.multiValueHeaders) gatewayEvent.multiValueHeaders = { ...gatewayEvent.multiValueHeaders };
    const presented = takeOriginHeader(gatewayEvent);
    if (originSecret !== undefined && !originVerified(originSecret, presented)) {
      current.log.warn(
        { origin: presented === undefined ? 'absent' : 'wrong' },
        `refused a request without CloudFront's ${ORIGIN_VERIFY_HEADER} (the API answers through CloudFront only)`,
      );
      return forbidden(normalised.version);
    }
    // `handle` reads an APIGatewayProxyEvent or APIGatewayProxyEventV2; the event was checked to be one.
    return (await serve(normalised.event as never, context as never)) as GatewayResult;
  };

  return Object.assign(invoke, {
    close: async () => {
      const current = ready;
      ready = null;
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
