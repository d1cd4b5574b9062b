/**
 * Strict form bodies, the forms' counterpart of `strict-json`: a POST that carries a body must be
 * `application/x-www-form-urlencoded` in UTF-8 (415 otherwise), its escapes well formed and the bytes
 * they spell UTF-8 (400), and no field named twice (400). Browsers send nothing else; whatever does is
 * refused before a route sees it. Routes read the fields with `formOf(c)`.
 */
import type { Context, MiddlewareHandler } from 'hono';

export type FormRefusal = { status: 400 | 415; message: string };

const FORM_TYPE = 'application/x-www-form-urlencoded';
const fields = new WeakMap<Request, Record<string, string>>();
const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * `refuse` answers a refused form in the surface's own words (an HTML page for people).
 */
export function strictForm(options: { refuse: (c: Context, refusal: FormRefusal) => Response | Promise<Response> }): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) {
      fields.set(c.req.raw, {});
      return next();
    }
    const [mediaType = '', ...params] = (c.req.header('content-type') ?? '').split(';').map((p) => p.trim().toLowerCase());
    if (mediaType !== FORM_TYPE)
      return options.refuse(c, { status: 415, message: 'This page takes forms only as the browser sends them.' });
    const charset = params
      .find((p) => p.startsWith('charset='))
      ?.slice(8)
      .replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return options.refuse(c, { status: 415, message: `This page takes forms in UTF-8, not ${charset}.` });
    }
    const parsed = parseUrlEncoded(bytes);
    if (typeof parsed === 'string') return options.refuse(c, { status: 400, message: parsed });
    fields.set(c.req.raw, parsed);
    return next();
  };
}

/** The fields of the request's form as `strictForm` read them (empty when it had none). */
export function formOf(c: Context): Record<string, string> {
  return fields.get(c.req.raw) ?? {};
}

/** Parses `a=1&b=x%20y`; a sentence saying what is wrong instead, for bytes no browser sends. */
export function parseUrlEncoded(bytes: Uint8Array): Record<string, string> | string {
  const out: Record<string, string> = Object.create(null);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return 'The form is not valid UTF-8.';
  }
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeField(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeField(eq < 0 ? '' : pair.slice(eq + 1));
    if (name === null || value === null) return 'The form holds an escape that is not UTF-8.';
    if (name in out) return `The form names the field "${name.slice(0, 40)}" more than once.`;
    out[name] = value;
  }
  return out;
}

/** `+` is a space and `%XX` a byte; the bytes must spell UTF-8. Null when they do not. */
function decodeField(raw: string): string | null {
  const spaced = raw.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  const bytes: number[] = [];
  for (let i = 0; i < spaced.length; i++) {
    const ch = spaced.charCodeAt(i);
    if (ch === 0x25) {
      const hex = spaced.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (ch < 0x80) {
      bytes.push(ch);
    } else {
      // Text a client did not escape: keep its own UTF-8 bytes (a pair of surrogates as one character).
      const point = spaced.codePointAt(i) ?? 0xfffd;
      for (const b of encoder.encode(String.fromCodePoint(point))) bytes.push(b);
      if (point > 0xffff) i++;
    }
  }
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}
