/** Reading pages as a browser would submit them: forms with their fields, cookies from answers. */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const decode = (s: string) => s.replace(/&(amp|quot|#39|lt|gt);/g, (m) => ENTITIES[m] ?? m);

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"/g)) out[m[1] ?? ''] = decode(m[2] ?? '');
  return out;
}

export type Form = { method: string; action: string; fields: Record<string, string> };

/** Every form of a page with its hidden and pre-filled fields, in page order. */
export function formsIn(html: string): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => {
    const attrs = attributes(m[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)\/?>/g)) {
      const a = attributes(input[1] ?? '');
      if (a.name) fields[a.name] = a.value ?? '';
    }
    return { method: (attrs.method ?? 'get').toLowerCase(), action: attrs.action ?? '', fields };
  });
}

/** The one form whose action ends with `suffix`; throws when there is none. */
export function formWithAction(html: string, suffix: string): Form {
  const form = formsIn(html).find((f) => f.action.endsWith(suffix));
  if (!form) throw new Error(`no form posting to …${suffix} in the page`);
  return form;
}

/** `name=value` of a Set-Cookie answer, for the next request's Cookie header. */
export function cookieFrom(headers: Headers): string | null {
  const set = headers.get('set-cookie');
  return set ? (set.split(';')[0] ?? null) : null;
}

/** The visible text of a page, roughly: tags removed, entities decoded, spaces collapsed. */
export function textOf(html: string): string {
  return decode(html.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}
