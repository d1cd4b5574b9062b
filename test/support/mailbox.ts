/** The mail folder read as an inbox: every `.eml` parsed, as a mail client shows it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';

export type InboxMail = { file: string; raw: string; mail: ParsedMail; to: string };

/** The folder's messages, by file name; with `only`, those it keeps. */
export async function readMailbox(dir: string, only?: (mail: InboxMail) => boolean): Promise<InboxMail[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  const mails = await Promise.all(
    files.map(async (file) => {
      const raw = readFileSync(join(dir, file));
      const mail = await simpleParser(raw);
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      return { file, raw: raw.toString('utf8'), mail, to: to?.value[0]?.address ?? '' };
    }),
  );
  return only ? mails.filter(only) : mails;
}

/** Every message but guest mail (`X-Bosun-Kind: guest.…`), which a booking's changes send beside crew and office mail. */
export const notGuestMail = (m: InboxMail) => !String(m.mail.headers.get('x-bosun-kind') ?? '').startsWith('guest.');

/** Waits (polling) until the folder holds at least `count` messages (of those `only` keeps); fails after `timeoutMs`. */
export async function waitForMailbox(
  dir: string,
  count: number,
  timeoutMs = 20_000,
  only?: (mail: InboxMail) => boolean,
): Promise<InboxMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await readMailbox(dir, only);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`the mail folder holds ${mails.length} of ${count} expected messages`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The sign-in link in a mail's text part: the crew's (`/crew/login/…`) or the office's (`/app/login/…`). */
export function signInLinkIn(mail: ParsedMail, surface: 'crew' | 'app' = 'crew'): string {
  const match = new RegExp(`(https?://\\S+/${surface}/login/[A-Za-z0-9_-]+)`).exec(mail.text ?? '');
  if (!match?.[1]) throw new Error(`no /${surface}/login/… link in the mail`);
  return match[1];
}
