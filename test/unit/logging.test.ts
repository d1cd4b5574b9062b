/**
 * The log options every Bosun logger uses: sensitive keys are censored at any depth, e-mail
 * addresses, keys and sign-in tokens are taken out of every string (the message too), and an error
 * — an Error, a plain copy of one as pg-boss passes on, or one quoting a database error — is written
 * without the values a database put in it.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { serializeError } from '../../src/db/safe-errors';
import { logOptions } from '../../src/main/logging';

function capture() {
  const lines: string[] = [];
  const log = pino(logOptions('debug'), { write: (line: string) => lines.push(line) });
  return { log, lines, last: () => JSON.parse(lines.at(-1) as string) as Record<string, any> };
}

/** A unique violation as PGlite raises it: message, detail and the query's parameters. */
function pgliteUniqueViolation() {
  return Object.assign(new Error('duplicate key value violates unique constraint "zq_guest"'), {
    name: 'error',
    severity: 'ERROR',
    code: '23505',
    detail: 'Key (tenant_id, guest_email)=(6b2…, ada@example.com) already exists.',
    constraint: 'zq_guest',
    table: 'bookings',
    routine: '_bt_check_unique',
    query: 'insert into "bookings" ("guest_email", "notes_internal") values ($1, $2)',
    params: ['ada@example.com', 'VIP: pays cash'],
  });
}

describe('log options', () => {
  it('censors sensitive keys at any depth and scrubs addresses, keys and tokens from strings', () => {
    const { log, last } = capture();
    log.info(
      {
        request: { headers: { authorization: 'Bearer bsk_abc', 'X-Service-Key': 'bsk_def', accept: 'text/html' } },
        deep: {
          a: { b: { c: { guest_email: 'ada@example.com', notesInternal: 'VIP', pricing: { total: 10 }, captain_fee_per_hour: 5 } } },
        },
        list: [{ phone: '+1 619 555 0100' }],
        path: '/crew/login/AbCdEf0123456789_xyz-TOKEN',
        said: 'write to ada@example.com or call +1 (619) 555-0100 with bdt_secretvalue',
        raw: Buffer.from('ada@example.com'),
      },
      'mail to %s failed',
      'ada@example.com',
    );
    const line = last();
    expect(line.request.headers).toEqual({ authorization: '[redacted]', 'X-Service-Key': '[redacted]', accept: 'text/html' });
    expect(line.deep.a.b.c).toEqual({
      guest_email: '[redacted]',
      notesInternal: '[redacted]',
      pricing: '[redacted]',
      captain_fee_per_hour: '[redacted]',
    });
    expect(line.list).toEqual([{ phone: '[redacted]' }]);
    expect(line.path).toBe('/crew/login/[redacted]');
    expect(line.said).toBe('write to [email] or call [phone] with [key]');
    expect(line.raw).toBe('[bytes]');
    expect(line.msg).toBe('mail to [email] failed');
  });

  it('logs a database error by its code, constraint and query, never its message, detail or parameters', () => {
    const { log, lines, last } = capture();
    log.error({ err: pgliteUniqueViolation() }, 'request failed');
    expect(last().err).toEqual({
      type: 'DatabaseError',
      message: 'database error 23505 (unique_violation) on zq_guest',
      code: '23505',
      condition: 'unique_violation',
      severity: 'ERROR',
      constraint: 'zq_guest',
      table: 'bookings',
      routine: '_bt_check_unique',
      query: 'insert into "bookings" ("guest_email", "notes_internal") values ($1, $2)',
    });
    // As pg-boss passes it on: a plain copy of the error's fields.
    const err = pgliteUniqueViolation();
    log.error({ err: { ...err, message: err.message, stack: err.stack } }, 'job queue error');
    expect(last().err.code).toBe('23505');
    // And an error given on its own, which pino would otherwise describe by its message.
    log.error(pgliteUniqueViolation());
    expect(last().msg).toBe('database error 23505 (unique_violation) on zq_guest');
    expect(lines.join('\n')).not.toMatch(/ada@|VIP|pays cash|Key \(/);
  });

  it('keeps the message of an error that wraps a database error, with the quoted database message replaced', () => {
    const db = Object.assign(new Error('invalid input syntax for type integer: "Ada Lovelace"'), {
      severity: 'ERROR',
      code: '22P02',
      routine: 'pg_strtoint32_safe',
    });
    const wrapper = new Error(`record: ${db.message}`, { cause: db });
    const safe = serializeError(wrapper);
    expect(safe.message).toBe('record: [database error 22P02 (invalid_text_representation)]');
    expect(JSON.stringify(safe)).not.toContain('Ada Lovelace');
    expect(safe.cause).toMatchObject({ type: 'DatabaseError', code: '22P02' });
  });
});
