/**
 * Bosun's log lines carry no personal data, money or secrets: errors pass through the safe error
 * serializer (`db/safe-errors.ts`: a database error by its code and query, never its values), and
 * every log object is walked to any depth, with the values of sensitive keys replaced and e-mail
 * addresses, keys and sign-in tokens taken out of every string, the message included. The runtime's
 * logger and the tests' use these same options.
 */
import type pino from 'pino';
import type { Logger, LoggerOptions } from 'pino';
import type { JobQueueOptions } from '../adapters/pg-boss-job-queue';
import { describeError, scrubText, serializeError } from '../db/safe-errors';

export const REDACTED = '[redacted]';

/**
 * Keys whose values are never logged, compared without case, dashes or underscores: credentials,
 * a guest's contact details, notes, money, and whole bodies or audit states that hold them.
 */
const SENSITIVE_KEYS = new Set(
  [
    // credentials
    'key',
    'apiKey',
    'serviceKey',
    'x-service-key',
    'dashboardToken',
    'x-dashboard-token',
    'token',
    'authorization',
    'cookie',
    'set-cookie',
    'secret',
    'signingSecret',
    'password',
    'session',
    // people
    'guest',
    'guestName',
    'guestEmail',
    'guestPhone',
    'email',
    'phone',
    'declineReason',
    // notes
    'notes',
    'note',
    'notesInternal',
    'notesCrew',
    'notesGuest',
    // money
    'pricing',
    'pricingTotal',
    'total',
    'amount',
    'price',
    'captainFee',
    'captainFeePerHour',
    // whole payloads and states that carry the above
    'body',
    'params',
    'parameters',
    'values',
    'before',
    'after',
  ].map(normalizeKey),
);

function normalizeKey(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

const isErrorLike = (v: object): boolean =>
  v instanceof Error || (typeof (v as { message?: unknown }).message === 'string' && typeof (v as { stack?: unknown }).stack === 'string');

/** `value` with sensitive keys censored, errors serialized safely and strings scrubbed, at any depth. */
export function censorLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[too deep]';
  if (isErrorLike(value)) return serializeError(value);
  if (Array.isArray(value)) return value.map((v) => censorLogValue(v, depth + 1));
  if (value instanceof Date) return value;
  // Bytes (a body, a buffer) are never written out: they may hold anything.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[bytes]';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEYS.has(normalizeKey(k)) && v !== undefined && v !== null ? REDACTED : censorLogValue(v, depth + 1);
  }
  return out;
}

const scrubArgument = (a: unknown) => (typeof a === 'string' ? scrubText(a) : a);

/** The pino options every Bosun logger uses (level aside). */
export function logOptions(level: pino.LevelWithSilentOrString): LoggerOptions {
  return {
    level,
    serializers: { err: serializeError, error: serializeError },
    formatters: { log: (object) => censorLogValue(object) as Record<string, unknown> },
    hooks: {
      // The message and any format arguments are scrubbed too (an address in an interpolated string).
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        // `log.error(err)` would take the error's own message as the line's: name it safely instead.
        if (first !== null && typeof first === 'object' && isErrorLike(first)) {
          const message = typeof rest[0] === 'string' ? rest : [describeError(first), ...rest];
          return method.apply(this, [{ err: first }, ...message.map(scrubArgument)] as Parameters<typeof method>);
        }
        return method.apply(this, args.map(scrubArgument) as Parameters<typeof method>);
      },
    },
  };
}

/** How the job queue reports to the log: its own errors, and each failed attempt of a handler. */
export function jobQueueLogging(log: Logger): Pick<JobQueueOptions, 'onError' | 'onJobFailed'> {
  return {
    onError: (err) => log.error({ err }, 'job queue error'),
    onJobFailed: (err, job) =>
      log[job.final ? 'error' : 'warn']({ err, job }, job.final ? 'job failed; no retries left' : 'job failed; it will be retried'),
  };
}
