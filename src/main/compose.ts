/**
 * The composition root: the one place that builds Bosun's runtime and app for a role (ADR 0023).
 * The Node server, the Lambda functions and the CLI's commands all start here, and differ only in
 * what their role decides:
 *
 * | role            | migrates | works jobs | live change feed  | app                      |
 * |-----------------|----------|------------|-------------------|--------------------------|
 * | `server`        | yes      | yes        | always            | yes, with the local edge |
 * | `lambda-api`    | no       | no         | while streaming   | yes, streams end early   |
 * | `lambda-worker` | yes      | no (*)     | off               | none                     |
 * | `command`       | yes      | no         | off               | none                     |
 *
 * (*) the worker function drains the queue itself, one invocation at a time.
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config/env';
import { type App, createApp } from '../http/app';
import { loadOpsAssets } from '../http/ops/assets/assets';
import { registerJobHandlers } from '../jobs/register';
import { type GatewayEventAddressing, gatewaySourceAddress, lambdaClientAddress } from './lambda-client-address';
import { openRuntime, pingDatabase, type Runtime, type RuntimeOptions } from './runtime';
import { type WorkerWakeup, workerWakeupFor } from './worker-wakeup';

export type Role = 'server' | 'lambda-api' | 'lambda-worker' | 'command';

export type Composition = {
  runtime: Runtime;
  /** The app (one fetch function); null for roles that serve no HTTP. */
  app: App | null;
  /**
   * The worker's wake-up (`lambda-api` with `BOSUN_WORKER_FUNCTION`, ADR 0026), else null: the entry
   * serves `wakeup.wrap(app.fetch)`, so that a request that enqueued jobs wakes the worker once answered.
   */
  wakeup: WorkerWakeup | null;
  close(): Promise<void>;
};

/** A role that serves the app needs the signing secret; the others may leave it out. */
export type ComposeOptions =
  | { role: 'server' | 'lambda-api'; log: Logger; signingSecret: string; workerClient?: LambdaClientConfig }
  | { role: 'lambda-worker' | 'command'; log: Logger; signingSecret?: string | undefined };

type RoleSetup = Omit<RuntimeOptions, 'log'> & { serves: boolean; worksJobs: boolean };

const ROLES: Record<Role, RoleSetup> = {
  server: { migrate: true, supervise: true, liveFeed: 'always', serves: true, worksJobs: true },
  // On AWS the worker function is the one place that migrates: API functions start against a
  // current schema or not at all.
  'lambda-api': { migrate: false, supervise: false, liveFeed: 'while-streaming', serves: true, worksJobs: false },
  // Its queue only drains (ADR 0026): no pg-boss worker polls in a frozen instance.
  'lambda-worker': { migrate: true, supervise: false, liveFeed: 'off', serves: false, worksJobs: false, jobs: { poll: false } },
  command: { migrate: true, supervise: false, liveFeed: 'off', serves: false, worksJobs: false },
};

/**
 * How long a live stream lives on Lambda: a buffered response is sent when it ends, so a stream
 * answers what it has and ends; the browser reconnects with `Last-Event-ID` after `BOUNDED_RETRY_MS`
 * (ADR 0019, 0023). 10 s streaming and 10 s apart: an open page holds an instance half the time at most,
 * which the API's reserved concurrency counts on (ADR 0028, addendum of the hardened surface).
 */
export const LAMBDA_LIVE_STREAM_MS = 10_000;

export async function compose(config: Config, options: ComposeOptions): Promise<Composition> {
  const setup = ROLES[options.role];
  if (options.role === 'lambda-api' || options.role === 'lambda-worker') requireLambdaConfig(config);
  const wakeup =
    options.role === 'lambda-api'
      ? workerWakeupFor(config, options.log, options.workerClient ? { clientConfig: options.workerClient } : {})
      : null;
  const jobs = wakeup ? { ...setup.jobs, onEnqueued: wakeup.noteEnqueued } : setup.jobs;
  const runtime = await openRuntime(config, {
    log: options.log,
    migrate: setup.migrate,
    supervise: setup.supervise,
    liveFeed: setup.liveFeed,
    ...(jobs ? { jobs } : {}),
  });
  const close = () => runtime.close();
  try {
    if (setup.worksJobs) {
      await registerJobHandlers(runtime.jobs, { ...runtime.deps, mail: runtime.mail, sites: runtime.sites });
    }
    if (!setup.serves || options.signingSecret === undefined) return { runtime, app: null, wakeup, close };
    const log = options.log;
    const handle = runtime.handle;
    const common = {
      ...runtime.deps,
      log,
      ping: () => pingDatabase(handle),
      publicUrl: config.publicUrl,
      signingSecret: options.signingSecret,
      failureLimits: runtime.failureLimits,
      mailArchive: runtime.mailArchive ?? undefined,
    };
    if (options.role === 'server') {
      // The dashboard's scripts and stylesheet, built while the rest starts (a failure shows on the first page).
      loadOpsAssets().catch((err: unknown) => log.error({ err }, 'dashboard assets could not be built'));
      const app = createApp({
        ...common,
        edge: runtime.edge,
        clientAddress: runtime.clientAddress.ofContext,
        acceptRequestOrigin: true,
      });
      return { runtime, app, wakeup, close };
    }
    // Forwarded addresses are CloudFront's only when every request is known to come through it (the
    // origin secret, checked in lambda.ts); without one anyone may send them, so API Gateway's own peer counts.
    const forwardedTrusted = config.originSecret !== undefined;
    if (!forwardedTrusted) {
      log.warn(
        'no origin secret (BOSUN_ORIGIN_SECRET or BOSUN_ORIGIN_SECRET_ARN): rate limits count each client by the sourceIp API Gateway saw, and CloudFront-Viewer-Address and X-Forwarded-For are not read',
      );
    }
    const app = createApp({
      ...common,
      // Guest sites are CloudFront's on AWS: no local edge.
      edge: null,
      clientAddress: forwardedTrusted ? (c) => lambdaClientAddress(lambdaEventOf(c)) : (c) => gatewaySourceAddress(lambdaEventOf(c)),
      acceptRequestOrigin: false,
      liveStreamMaxMs: LAMBDA_LIVE_STREAM_MS,
    });
    return { runtime, app, wakeup, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/**
 * What every Lambda function needs configured: a PostgreSQL server (the embedded database never
 * runs there) and an explicit signing secret (a generated one would differ between instances).
 */
export function requireLambdaConfig(config: Config): void {
  if (!config.databaseUrl) {
    throw new ConfigError(
      'DATABASE_URL: must be set on Lambda to a PostgreSQL server, or DATABASE_SECRET_ARN to its RDS secret (the embedded database runs only in bosun start)',
    );
  }
}

/** The signing secret on Lambda: configured, never generated into a data folder. */
export function lambdaSigningSecret(config: Config): string {
  if (!config.secret) {
    throw new ConfigError(
      'BOSUN_SECRET: must be set on Lambda, or BOSUN_SECRET_ARN to its secret in Secrets Manager (every instance signs sessions and forms with it)',
    );
  }
  return config.secret;
}

/** hono/aws-lambda hands the event to the app as `c.env.event`. */
function lambdaEventOf(c: Context): GatewayEventAddressing {
  const event = (c.env as { event?: GatewayEventAddressing } | undefined)?.event;
  if (!event) throw new Error('The request did not come from an API Gateway event');
  return event;
}
