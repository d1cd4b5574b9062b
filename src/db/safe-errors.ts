/**
 * What of an error may be written to a log or a job's record: never a query's parameters, and never
 * the text a database derives from them. A database error is told by its SQLSTATE, condition,
 * constraint, table and column and the query's SQL text (every value in Bosun's SQL is a parameter,
 * so the text carries none); its message, detail and hint are dropped, because PostgreSQL writes
 * values into them (`Key (guest_email)=(…)`, `invalid input syntax for type uuid: "…"`, `Failing row
 * contains (…)`). Other errors keep their message and stack, with any database message they quote
 * replaced and e-mail addresses, keys and sign-in tokens taken out.
 */

/** Where the SQL text of a failed query is attached to its error (enumerable, so copies of the error keep it). */
export const QUERY_TEXT: unique symbol = Symbol.for('bosun.queryText');

/** Longest SQL text kept: enough to name the query. */
const MAX_QUERY_CHARS = 500;

/** Records on `err` the SQL text of the query that raised it (once: the innermost caller knows it best). */
export function attachQueryText(err: unknown, sqlText: string): void {
  if (err && typeof err === 'object' && !(QUERY_TEXT in err)) {
    try {
      Object.defineProperty(err, QUERY_TEXT, { value: sqlText, enumerable: true, configurable: true });
    } catch {
      // A frozen error keeps its shape; it is still logged safely, only without its query.
    }
  }
}

/** The conditions Bosun meets, by SQLSTATE (PostgreSQL, Appendix A); others are named by their class. */
const CONDITIONS: Record<string, string> = {
  '08000': 'connection_exception',
  '08001': 'sqlclient_unable_to_establish_sqlconnection',
  '08003': 'connection_does_not_exist',
  '08006': 'connection_failure',
  '21000': 'cardinality_violation',
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22021': 'character_not_in_repertoire',
  '22023': 'invalid_parameter_value',
  '22P02': 'invalid_text_representation',
  '22P05': 'untranslatable_character',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  '25P02': 'in_failed_sql_transaction',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42P01': 'undefined_table',
  '53300': 'too_many_connections',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  P0001: 'raise_exception',
};
const CLASSES: Record<string, string> = {
  '08': 'connection_exception',
  '22': 'data_exception',
  '23': 'integrity_constraint_violation',
  '25': 'invalid_transaction_state',
  '40': 'transaction_rollback',
  '42': 'syntax_error_or_access_rule_violation',
  '53': 'insufficient_resources',
  '54': 'program_limit_exceeded',
  '55': 'object_not_in_prerequisite_state',
  '57': 'operator_intervention',
  '58': 'system_error',
  XX: 'internal_error',
};

type ErrorLike = Record<PropertyKey, unknown> & { message?: unknown };

/** An error raised by PostgreSQL (pg or PGlite), or a plain copy of one (pg-boss passes those on). */
export function isDatabaseError(err: unknown): err is ErrorLike & { code: string } {
  if (!err || typeof err !== 'object') return false;
  const e = err as ErrorLike;
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && (typeof e.severity === 'string' || typeof e.routine === 'string');
}

export function conditionOf(code: string): string {
  return CONDITIONS[code] ?? CLASSES[code.slice(0, 2)] ?? 'database_error';
}

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g;
const KEY = /\b(bsk|bdt)_[A-Za-z0-9_-]+/g;
// Sign-in links and feed addresses carry their secret in the path.
const TOKEN_PATH = /(\/(?:crew|app)\/(?:login|feed)\/)[^/?#\s"'<>]+/g;
// Only numbers written with a leading + are taken for phones: dates, times and ids are not.
const PHONE = /\+\d[\d ().-]{6,}\d/g;

/** `text` without e-mail addresses, keys, sign-in tokens or international phone numbers. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(KEY, '[key]').replace(TOKEN_PATH, '$1[redacted]').replace(PHONE, '[phone]');
}

function queryTextOf(e: ErrorLike): string | undefined {
  const raw = e[QUERY_TEXT] ?? (typeof e.query === 'string' ? e.query : undefined);
  if (typeof raw !== 'string') return undefined;
  const text = raw.replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUERY_CHARS ? `${text.slice(0, MAX_QUERY_CHARS)}…` : text;
}

/** The database errors in `err`'s chain of causes (itself included), innermost last. */
function databaseErrorsIn(err: unknown, depth = 0): (ErrorLike & { code: string })[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  const e = err as ErrorLike;
  const here = isDatabaseError(e) ? [e] : [];
  const nested = e.name === 'AggregateError' && Array.isArray(e.errors) ? e.errors.flatMap((x) => databaseErrorsIn(x, depth + 1)) : [];
  return [...here, ...databaseErrorsIn(e.cause, depth + 1), ...nested];
}

/** A database error's own one-line description: its code and condition, never its message. */
function databaseSummary(e: { code: string; constraint?: unknown }): string {
  const constraint = typeof e.constraint === 'string' ? ` on ${e.constraint}` : '';
  return `database error ${e.code} (${conditionOf(e.code)})${constraint}`;
}

/** `text` with every quoted database message replaced by its code, then scrubbed. */
function scrubQuoting(text: string, quoted: readonly (ErrorLike & { code: string })[]): string {
  let out = text;
  for (const db of quoted) {
    for (const part of [db.message, db.detail, db.hint, db.where]) {
      if (typeof part === 'string' && part.length > 0) out = out.split(part).join(`[${databaseSummary(db)}]`);
    }
  }
  return scrubText(out);
}

const SERIALIZED: unique symbol = Symbol('bosun.serializedError');

/** A log-safe object for `err`: what pino writes under `err` (see the module's comment). */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (!err || typeof err !== 'object') {
    return { type: typeof err, message: typeof err === 'string' ? scrubText(err) : `a thrown ${typeof err}` };
  }
  const e = err as ErrorLike;
  if (e[SERIALIZED]) return e as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, SERIALIZED, { value: true, enumerable: false });
  if (isDatabaseError(e)) {
    out.type = 'DatabaseError';
    out.message = databaseSummary(e);
    out.code = e.code;
    out.condition = conditionOf(e.code);
    for (const field of ['severity', 'constraint', 'schema', 'table', 'column', 'dataType', 'routine'] as const) {
      if (typeof e[field] === 'string') out[field] = e[field];
    }
    const query = queryTextOf(e);
    if (query) out.query = query;
    return out;
  }
  const quoted = databaseErrorsIn(e);
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : (e.constructor?.name ?? 'Error');
  out.type = name === 'Object' ? 'Error' : name;
  out.message = typeof e.message === 'string' ? scrubQuoting(e.message, quoted) : '';
  if (typeof e.stack === 'string') out.stack = scrubQuoting(e.stack, quoted);
  // System and driver errors name the failing call by code (ECONNREFUSED, ETIMEDOUT, …) and where.
  for (const field of ['code', 'errno', 'syscall', 'address', 'port', 'status', 'step'] as const) {
    const v = e[field];
    if (typeof v === 'string' || typeof v === 'number') out[field] = typeof v === 'string' ? scrubText(v) : v;
  }
  const query = queryTextOf(e);
  if (query) out.query = query;
  if (depth < 3) {
    if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
    // An AggregateError (a connection tried on several addresses) holds its causes in `errors`.
    if (out.type === 'AggregateError' && Array.isArray(e.errors)) {
      out.errors = e.errors.slice(0, 3).map((x) => serializeError(x, depth + 1));
    }
  }
  return out;
}

/** One line that says what failed, as safe as `serializeError` (for a failed job's record). */
export function describeError(err: unknown): string {
  if (isDatabaseError(err)) return databaseSummary(err);
  const safe = serializeError(err);
  return String(safe.message || safe.type);
}
