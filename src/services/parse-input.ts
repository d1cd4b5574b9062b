/**
 * A service's own check of its input: the dashboard passes what a form or query string held, so a
 * service parses with its schema and answers a ValidationError (422) naming each field, never a 500.
 */
import { z } from 'zod';
import { ValidationError } from './errors';
import { describeIssues } from './field-errors';

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const errors = describeIssues(result.error, input).map((i) => ({ field: i.path || 'input', message: i.message }));
  // One message per field: the first thing wrong with it.
  throw new ValidationError(errors.filter((e, i) => errors.findIndex((f) => f.field === e.field) === i));
}

/** A whole number, also from a query string's text (`"2"`); only its type error is worded here. */
export function wholeNumber() {
  return z.coerce
    .number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a whole number' : undefined) })
    .int('must be a whole number');
}
