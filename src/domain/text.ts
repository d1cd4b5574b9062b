/**
 * What a text field may hold. Single-line text (names, addresses, titles) carries no control
 * characters at all; multi-line text (notes) may carry tab and line breaks, nothing else. Every
 * input schema — API, CLI and forms — builds on these, so a NUL or a CR/LF never reaches a page, a
 * calendar file or a mail header. No I/O.
 */

export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters';
export const MULTI_LINE_CONTROL_MESSAGE = 'must not contain control characters other than tab and line breaks';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators. */
export function isControlCharacter(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

function allowed(value: string, multiLine: boolean): boolean {
  // A lone surrogate cannot be encoded as UTF-8: the database would refuse or replace it.
  if (!value.isWellFormed()) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isControlCharacter(code)) continue;
    if (multiLine && (code === TAB || code === LF || code === CR)) continue;
    return false;
  }
  return true;
}

/** True when `value` may be stored in a single-line text field. */
export function isSingleLineText(value: string): boolean {
  return allowed(value, false);
}

/** True when `value` may be stored in a multi-line text field (a note). */
export function isMultiLineText(value: string): boolean {
  return allowed(value, true);
}

/**
 * `value` as one line that is safe in a mail header (a Subject, a display name, an address): every
 * control character — CR and LF above all, also tab, NUL, DEL, C1 and the Unicode line separators —
 * becomes a space, runs of white space collapse to one, and the ends are trimmed. Stored values may
 * predate input validation, so every header value passes through this on its way out.
 */
export function toHeaderText(value: string): string {
  let out = '';
  for (const ch of value.toWellFormed()) {
    out += isControlCharacter(ch.charCodeAt(0)) ? ' ' : ch;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** What breaks an RFC 2047 encoded-word's opening `=?`: a zero-width space between the two. */
const WORD_BREAK = '=\u200b?';

/**
 * `value` as the free text of a header — a Subject or a display name: `toHeaderText`, and each `=?`
 * that would open an RFC 2047 encoded-word is broken by a zero-width space (U+200B). A mail client
 * then shows the text as it was written, instead of decoding a name like `=?utf-8?q?Avery=0D=0A…?=`
 * into other text (a mailer encodes the word itself, as it now holds a non-ASCII character). Never for
 * addresses, which carry no encoded-words.
 */
export function toHeaderPhrase(value: string): string {
  return toHeaderText(value).replaceAll('=?', WORD_BREAK);
}
