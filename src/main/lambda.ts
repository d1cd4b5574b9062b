/**
 * The API on AWS Lambda, behind API Gateway (HTTP API v2 or REST v1) and CloudFront: the app the Node
 * server runs, composed for the `lambda-api` role, behind hono/aws-lambda's `handle(app)`. This file
 * only translates events (ADR 0023).
 *
 * The composition is made once per cold start, lazily: the first invocation awaits it, the later
 * ones reuse it. A composition that fails (a missing variable, a database not reachable or not
 * migrated yet) logs one line and answers 503; the next invocation tries again.
 */
import { handle } from 'hono/aws-lambda';
import pino, { type Logger } from 'pino';
import { type Config, loadConfig } from '../config/env';
import { resolveSecrets } from '../config/secrets';
import { compose, lambdaSigningSecret } from './compose';
import { GatewayEventError, normaliseGatewayEvent } from './lambda-event';
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
export function createLambdaHandler(load: () => Config | Promise<Config> = () => loadConfig()): LambdaHandler {
  type Ready = { serve: ReturnType<typeof handle>; close(): Promise<void> };
  let ready: Promise<Ready> | null = null;
  let fallbackLog: Logger | null = null;

  const coldStart = async (): Promise<Ready> => {
    // The secrets the configuration names (BOSUN_SECRET_ARN, DATABASE_SECRET_ARN) are read once, here.
    const config = await resolveSecrets(await load());
    const signingSecret = lambdaSigningSecret(config);
    const log = createLogger(config);
    const composition = await compose(config, { role: 'lambda-api', log, signingSecret });
    const app = composition.app;
    if (!app) throw new Error('the lambda-api role composed no app');
    return { serve: handle(app), close: () => composition.close() };
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
    let serve: Ready['serve'];
    try {
      serve = (await ready).serve;
    } catch {
      return plainAnswer(503, 'Bosun is not available; try again shortly.', normalised.version);
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
