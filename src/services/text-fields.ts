/**
 * zod builders for text input, on the rules of `domain/text.ts`. Every input schema uses these for
 * its free-text fields: `singleLine` for names, addresses and titles, `multiLine` for notes.
 */
import { z } from 'zod';
import { CONTROL_CHARACTER_MESSAGE, isMultiLineText, isSingleLineText, MULTI_LINE_CONTROL_MESSAGE } from '../domain/text';

/** A trimmed, non-empty line of at most `max` characters, with no control characters. */
export function singleLine(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(isSingleLineText, CONTROL_CHARACTER_MESSAGE);
}

/** A trimmed line of at most `max` characters that may be empty (an optional detail such as a phone). */
export function optionalLine(max: number) {
  return z.string().trim().max(max, `must be at most ${max} characters`).refine(isSingleLineText, CONTROL_CHARACTER_MESSAGE);
}

/** Text of at most `max` characters that may span lines (tab and line breaks allowed, other controls not). */
export function multiLine(max: number) {
  return z.string().max(max, `must be at most ${max} characters`).refine(isMultiLineText, MULTI_LINE_CONTROL_MESSAGE);
}
