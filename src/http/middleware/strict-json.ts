/**
 * Strict JSON bodies: a request that carries a body must say `application/json` (415 otherwise, also
 * for a charset other than UTF-8), its bytes must be UTF-8 (400) and valid JSON (400), and no object
 * in it may name a key twice (400, naming the key: `JSON.parse` would silently keep the last one).
 * The parsed value is handed on to the route's validator, so the body is parsed once.
 */
import type { MiddlewareHandler } from 'hono';
import { type JSONPath, visit } from 'jsonc-parser';
import { problem } from '../problem';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** `application/json` and the structured `+json` types, as Hono's validator reads them. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function strictJson(): MiddlewareHandler {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const contentType = c.req.header('content-type');
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    // No body: a POST such as /cancel that takes none (`curl -d ''` labels it a form); a route that
    // needs a body says so through its validator.
    if (bytes.byteLength === 0) return next();

    const type = contentType ? parseContentType(contentType) : null;
    if (!type || !JSON_MEDIA_TYPE.test(type.mediaType)) {
      return problem(c, 415, 'Unsupported media type', `Send the body as application/json${type ? `, not ${type.mediaType}` : ''}.`);
    }
    const charset = type.params.get('charset');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return problem(c, 415, 'Unsupported media type', `Send the body in UTF-8 (charset=utf-8), not charset=${charset}.`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return problem(c, 400, 'Malformed request', 'The body is not valid UTF-8.');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return problem(c, 400, 'Malformed request', 'The body is not valid JSON.');
    }
    const duplicate = findDuplicateKey(text);
    if (duplicate) {
      const field = duplicate.map(String).join('.');
      const key = String(duplicate[duplicate.length - 1]);
      return problem(c, 400, 'Malformed request', `The body names the key "${key}" more than once (at ${field}).`, [
        { field, message: 'is given more than once' },
      ]);
    }
    // The route's validator reads c.req.json(), which answers from this cache.
    c.req.bodyCache.json = Promise.resolve(value);
    return next();
  };
}

/** The media type (lower case) and parameters (names and values lower case, quotes removed). */
function parseContentType(header: string): { mediaType: string; params: Map<string, string> } {
  const [mediaType = '', ...rest] = header.split(';');
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    params.set(name, value);
  }
  return { mediaType: mediaType.trim().toLowerCase(), params };
}

/**
 * The path of the first key that an object of `text` (valid JSON) names twice, or null. Keys are
 * compared as decoded (`"\u0070artySize"` is `partySize`); jsonc-parser's scanner decodes them.
 */
export function findDuplicateKey(text: string): JSONPath | null {
  const open: Set<string>[] = [];
  let found: JSONPath | null = null;
  visit(
    text,
    {
      onObjectBegin: () => {
        open.push(new Set());
      },
      onObjectEnd: () => {
        open.pop();
      },
      onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
        const keys = open[open.length - 1];
        if (!keys || found) return;
        if (keys.has(property)) found = [...pathSupplier(), property];
        else keys.add(property);
      },
    },
    { disallowComments: true },
  );
  return found;
}
