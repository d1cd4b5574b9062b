/** RFC 9457 problem details: the one shape of every API error. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { FieldError } from '../services/errors';
import { describeIssues } from '../services/field-errors';

export type Problem = { type: string; title: string; status: number; detail: string; errors?: FieldError[] };

export function problemResponse(problem: Omit<Problem, 'type'>, headers: Record<string, string> = {}): Response {
  const body: Problem = { type: 'about:blank', ...problem };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  title: string,
  detail: string,
  errors?: FieldError[],
  headers: Record<string, string> = {},
): Response {
  void c;
  return problemResponse({ status, title, detail, ...(errors ? { errors } : {}) }, headers);
}

/**
 * Turns zod issues into per-field errors (`guest.email`, `partySize`, …) in the one voice of
 * `describeIssues`; `input` is what was parsed. An issue with the input as a whole is `(body)`.
 */
export function fieldErrors(error: z.ZodError, input: unknown): FieldError[] {
  return describeIssues(error, input).map((i) => ({ field: i.path || '(body)', message: i.message }));
}
