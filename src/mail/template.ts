/**
 * Guest mail templates: a tenant's subject and body with `{{placeholder}}` tags, parsed by mustache
 * (a logic-less template library) and held to plain tags only. Sections, inverted sections, partials,
 * unescaped tags, delimiter changes and comments are refused when a template is saved, so what an
 * owner writes is text with values put in — never logic, never HTML. Rendering walks the parsed
 * tokens itself: the HTML part escapes the template's text and every value with mustache's HTML
 * escaping, the plain-text part escapes nothing. Pure: no I/O.
 */
import Mustache from 'mustache';

/** Every placeholder a guest mail may use, with what it is replaced by. */
export const PLACEHOLDERS: readonly { name: string; description: string }[] = [
  { name: 'guest.name', description: "The guest's full name, as booked" },
  { name: 'guest.firstName', description: "The guest's first name" },
  { name: 'booking.id', description: 'The booking reference, e.g. ABC1234' },
  { name: 'charter.date', description: "The charter's date in the vessel's time zone, e.g. Saturday, May 30, 2026" },
  { name: 'charter.startTime', description: "The departure time in the vessel's time zone, e.g. 10:00 AM" },
  { name: 'charter.endTime', description: "The return time in the vessel's time zone, e.g. 1:00 PM" },
  { name: 'charter.timeZone', description: "The vessel's time zone, e.g. Europe/Athens" },
  { name: 'charter.vessel', description: "The vessel's name" },
  { name: 'charter.meetingPoint', description: 'Where the guests meet the boat' },
  { name: 'charter.partySize', description: 'How many guests are booked' },
  { name: 'guestPageUrl', description: "The address of the guest's live booking page" },
  { name: 'mapUrl', description: 'A map link to the meeting point' },
  { name: 'tenant.name', description: 'Your business name' },
  { name: 'tenant.contactEmail', description: 'Your contact e-mail address (from settings)' },
  { name: 'tenant.contactPhone', description: 'Your contact phone number (from settings)' },
];

export type PlaceholderName = string;
/** The value of each placeholder for one mail: every name of `PLACEHOLDERS`, as text. */
export type PlaceholderValues = Readonly<Record<PlaceholderName, string>>;

const KNOWN = new Set(PLACEHOLDERS.map((p) => p.name));
const KNOWN_LIST = PLACEHOLDERS.map((p) => `{{${p.name}}}`).join(', ');

type Token = [string, string, number, number, ...unknown[]];

/** What a template may not hold, named by the tag as its author wrote it. */
function refusal(type: string, raw: string, name: string): string | null {
  switch (type) {
    case 'text':
      return null;
    case 'name':
      return KNOWN.has(name) ? null : `unknown placeholder {{${name}}}; known: ${KNOWN_LIST}`;
    case '#':
      return `sections are not allowed: ${raw} (only plain placeholders like {{guest.firstName}})`;
    case '^':
      return `inverted sections are not allowed: ${raw} (only plain placeholders like {{guest.firstName}})`;
    case '>':
      return `partials are not allowed: ${raw} (only plain placeholders like {{guest.firstName}})`;
    case '&':
      return `unescaped placeholders are not allowed: ${raw} (write {{${name}}}; values are escaped in the HTML part)`;
    case '=':
      return `changing the delimiters is not allowed: ${raw}`;
    case '!':
      return `comments are not allowed: ${raw}`;
    default:
      return `this tag is not allowed: ${raw}`;
  }
}

/** The tag as written in `template`: its first 60 characters. */
const rawTag = (template: string, token: Token) => {
  const raw = template.slice(token[2], token[3]);
  return raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
};

/** mustache's parse errors, said as a template's author reads them. */
function parseFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const section = /^(?:Unclosed|Unopened) section "(.*)"/.exec(message);
  if (section)
    return `sections are not allowed: {{#${section[1]}}} … {{/${section[1]}}} (only plain placeholders like {{guest.firstName}})`;
  if (message.startsWith('Unclosed tag')) return 'has a {{ without its closing }}';
  return `cannot be read as a template: ${message}`;
}

/** Parses `template` with mustache (a writer of its own, so no cache of every text ever parsed grows). */
function tokensOf(template: string): Token[] {
  return new Mustache.Writer().parse(template) as Token[];
}

/**
 * The problems of `template` as a guest mail template: each refused tag and unknown placeholder once,
 * in the order they appear. Empty when it holds only text and known plain placeholders.
 */
export function templateProblems(template: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokensOf(template);
  } catch (err) {
    return [parseFailure(err)];
  }
  const problems: string[] = [];
  for (const token of tokens) {
    const problem = refusal(token[0], rawTag(template, token), token[1]);
    if (problem && !problems.includes(problem)) problems.push(problem);
  }
  return problems;
}

/**
 * Renders `template` (one that `templateProblems` passes) with `values`: `html` escapes the text and
 * every value with mustache's HTML escaping; `text` leaves both as they are. A placeholder without a
 * value renders as nothing. Throws for a template that holds anything but text and plain tags.
 */
export function renderTemplate(template: string, values: PlaceholderValues, mode: 'text' | 'html'): string {
  const escaped = mode === 'html' ? Mustache.escape : (s: string) => s;
  let out = '';
  for (const token of tokensOf(template)) {
    const [type, value] = token;
    if (type === 'text') out += escaped(value);
    else if (type === 'name' && KNOWN.has(value)) out += escaped(values[value] ?? '');
    else throw new Error(`a guest mail template may hold only plain placeholders, not ${rawTag(template, token)}`);
  }
  return out;
}
