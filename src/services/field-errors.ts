/**
 * One voice for validation messages, whichever surface parsed the input (API, CLI, forms): a missing
 * field is "required", an unknown field is named as itself ("is not a known field"), and zod's own
 * English defaults are said the way Bosun's hand-written messages are ("must be …"). A message a
 * schema gives itself is kept as it is.
 */
import { z } from 'zod';

/** A validation problem at a dotted path (`guest.email`, `crew.1.role`); `''` is the input as a whole. */
export type IssueAtPath = { path: string; message: string };

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

const zodDefault = z.locales.en().localeError;
const ABSENT = Symbol('absent');

/**
 * Turns zod's issues into messages in Bosun's voice. `input` is what was parsed: with it a missing
 * field is told from a wrong one, and zod's default messages from a schema's own.
 */
export function describeIssues(error: z.ZodError, input: unknown): IssueAtPath[] {
  const out: IssueAtPath[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: dotted([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    const value = valueAt(input, issue.path);
    out.push({ path: dotted(issue.path), message: messageFor(issue, value) });
  }
  return out;
}

function messageFor(issue: Issue, value: unknown): string {
  const missing = value === ABSENT || value === undefined;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) return 'required';
  if (issue.code === 'custom') return issue.message;
  // Only zod's own wording is replaced: a schema's message says what the field is for.
  const fallback = zodDefault({ ...issue, input: missing ? undefined : value } as Parameters<typeof zodDefault>[0]);
  if ((typeof fallback === 'string' ? fallback : fallback?.message) !== issue.message) return issue.message;
  return voiceOf(issue) ?? issue.message;
}

const TYPES: Record<string, string> = {
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  bigint: 'must be a whole number',
  boolean: 'must be true or false',
  object: 'must be an object',
  array: 'must be an array',
  date: 'must be a date',
  null: 'must be null',
};

const FORMATS: Record<string, string> = {
  email: 'must be an e-mail address',
  url: 'must be a URL',
  uuid: 'must be a UUID',
  guid: 'must be a UUID',
  datetime: 'must be an ISO 8601 date-time, e.g. 2026-05-30T10:00:00-07:00',
  date: 'must be a date like 2026-05-30',
  time: 'must be a time like 10:00',
  ipv4: 'must be an IPv4 address',
  ipv6: 'must be an IPv6 address',
  regex: 'is not in the expected form',
};

function voiceOf(issue: Issue): string | null {
  switch (issue.code) {
    case 'invalid_type':
      return TYPES[issue.expected] ?? `must be ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small': {
      const n = String(issue.minimum);
      if (issue.origin === 'string') return n === '1' ? 'must not be empty' : `must be at least ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${n} ${n === '1' ? 'item' : 'items'}`;
      return issue.inclusive === false ? `must be more than ${n}` : `must be at least ${n}`;
    }
    case 'too_big': {
      const n = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${n} ${n === '1' ? 'item' : 'items'}`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
    }
    case 'invalid_format':
      if (issue.format === 'starts_with') return `must start with "${(issue as { prefix?: string }).prefix ?? ''}"`;
      if (issue.format === 'ends_with') return `must end with "${(issue as { suffix?: string }).suffix ?? ''}"`;
      return FORMATS[issue.format] ?? `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'is not valid here';
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return 'has a value that is not valid';
    default:
      return null;
  }
}

function dotted(path: readonly Key[]): string {
  return path.map(String).join('.');
}

/** The value at `path` in `input`; ABSENT when a key on the way is not there. */
function valueAt(input: unknown, path: readonly Key[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return ABSENT;
    at = (at as Record<Key, unknown>)[key];
  }
  return at;
}
