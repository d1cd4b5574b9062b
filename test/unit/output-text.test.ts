/** Text on its way out: one line for a mail header, RFC 5545 TEXT for a calendar. */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { escapeCalendarText, toCalendarText } from '../../src/domain/ical-text';
import { toHeaderPhrase, toHeaderText } from '../../src/domain/text';

describe('toHeaderText', () => {
  it('turns every control character into one space and trims', () => {
    expect(toHeaderText('Casey\r\nBcc: victim@evil.test')).toBe('Casey Bcc: victim@evil.test');
    expect(toHeaderText(' a\u0000b\u0007c\u007fd\u0085e\u2028f\u2029g\th\r\n\r\n i ')).toBe('a b c d e f g h i');
    expect(toHeaderText('\r\n')).toBe('');
  });

  it('keeps emoji, right-to-left text and punctuation as they are', () => {
    expect(toHeaderText('🚤 שרה כהן; "Quoted", <tag> \\ end')).toBe('🚤 שרה כהן; "Quoted", <tag> \\ end');
  });

  it('replaces a lone surrogate instead of passing it on', () => {
    expect(toHeaderText('a\ud800b')).toBe('a\ufffdb');
  });
});

describe('toHeaderPhrase', () => {
  it('is one line, and opens no encoded-word: each =? is broken by a zero-width space', () => {
    expect(toHeaderPhrase('=?utf-8?q?Avery=0D=0ABcc:_victim@evil.test?=\r\nX')).toBe(
      '=\u200b?utf-8?q?Avery=0D=0ABcc:_victim@evil.test?= X',
    );
    expect(toHeaderPhrase('a =?UTF-8?B?QQ==?= b =?x')).toBe('a =\u200b?UTF-8?B?QQ==\u200b?= b =\u200b?x');
  });

  it('changes nothing else, and nothing twice', () => {
    expect(toHeaderPhrase('Avery = Guest? 🚤')).toBe('Avery = Guest? 🚤');
    const once = toHeaderPhrase('=?utf-8?q?x?=');
    expect(toHeaderPhrase(once)).toBe(once);
  });
});

describe('calendar text', () => {
  it('makes CR LF and a lone CR one line break, and other controls a space, keeping tab', () => {
    expect(toCalendarText('a\r\nb\rc\nd\u0001e\u007ff\u0085g\u2028h\ti')).toBe('a\nb\nc\nd e f g h\ti');
  });

  it('escapes backslash, semicolon, comma and line breaks for a property written verbatim', () => {
    expect(escapeCalendarText('Evil; Charters, Inc. \\ 🚤\r\nBEGIN:VEVENT')).toBe('Evil\\; Charters\\, Inc. \\\\ 🚤\\nBEGIN:VEVENT');
  });

  it('round-trips through a calendar parser', () => {
    const value = 'Evil; Charters, Inc. \\ 🚤\r\nBEGIN:VEVENT\r\nمرسى';
    const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', `X-TEXT:${escapeCalendarText(value)}`, 'END:VCALENDAR'].join(
      '\r\n',
    );
    ICAL.design.icalendar.property['x-text'] = { defaultType: 'text' };
    const calendar = new ICAL.Component(ICAL.parse(body));
    expect(calendar.getFirstPropertyValue('x-text')).toBe('Evil; Charters, Inc. \\ 🚤\nBEGIN:VEVENT\nمرسى');
    expect(calendar.getAllSubcomponents()).toHaveLength(0);
  });
});
