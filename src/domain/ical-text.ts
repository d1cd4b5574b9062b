/**
 * TEXT values of iCalendar (RFC 5545 §3.3.11) from stored strings, which may predate input
 * validation: a CR/LF in a name must never end a content line and start a new property or
 * component in a calendar file or feed. Pure.
 */
import { isControlCharacter } from './text';

const TAB = '\t';
const LF = '\n';

/**
 * `value` as text a calendar may carry: CR LF and a lone CR become LF (one line break), other
 * control characters (as `domain/text.ts` counts them, tab aside) a space, and a lone surrogate
 * the replacement character. ical-generator escapes the rest in the properties it escapes
 * (SUMMARY, LOCATION, DESCRIPTION, URL).
 */
export function toCalendarText(value: string): string {
  let out = '';
  for (const ch of value.toWellFormed().replace(/\r\n?/g, LF)) {
    out += ch === LF || ch === TAB || !isControlCharacter(ch.charCodeAt(0)) ? ch : ' ';
  }
  return out;
}

/**
 * `value` escaped as a TEXT property value: backslash, semicolon and comma escaped, line breaks as
 * `\n`, other control characters as a space. For what ical-generator writes verbatim: the
 * calendar's NAME and X-WR-CALNAME, and an event's UID.
 */
export function escapeCalendarText(value: string): string {
  return toCalendarText(value)
    .replace(/[\\;,]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n');
}
