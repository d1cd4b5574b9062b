import { describe, expect, it } from 'vitest';
import { parseUrlEncoded } from '../../src/http/middleware/strict-form';

const parse = (body: string) => parseUrlEncoded(new TextEncoder().encode(body));

describe('reading a form as browsers send it', () => {
  it('decodes spaces, escapes and characters beyond one byte, as URLSearchParams writes them', () => {
    const fields = { reason: 'Away that weekend — sorry 🛥️', item: 'Fuel + oil checked', empty: '', _csrf: 'a-b_c' };
    expect(parse(new URLSearchParams(fields).toString())).toEqual(fields);
    expect(parse('flag&x=1')).toEqual({ flag: '', x: '1' });
  });

  it.each([
    ['an escaped lone surrogate', 'reason=%ED%A0%80'],
    ['a stray byte', 'reason=%FF'],
    ['a cut sequence', 'reason=%E2%82'],
    ['a broken escape', 'reason=%zz'],
    ['a short escape at the end', 'reason=%4'],
  ])('refuses %s', (_name, body) => {
    expect(parse(body)).toBe('The form holds an escape that is not UTF-8.');
  });

  it('refuses a field named twice, and bytes that are not UTF-8', () => {
    expect(parse('item=a&item=b')).toBe('The form names the field "item" more than once.');
    expect(parseUrlEncoded(new Uint8Array([0x61, 0x3d, 0xff]))).toBe('The form is not valid UTF-8.');
  });
});
