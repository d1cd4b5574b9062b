/** The mail folder read as an inbox: every `.eml` parsed, as a mail client shows it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';

export type InboxMail = { file: string; raw: string; mail: ParsedMail; to: string };

export async function readMailbox(dir: string): Promise<InboxMail[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = readFileSync(join(dir, file));
      const mail = await simpleParser(raw);
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      return { file, raw: raw.toString('utf8'), mail, to: to?.value[0]?.address ?? '' };
    }),
  );
}

/** Waits (polling) until the folder holds at least `count` messages; fails after `timeoutMs`. */
export async function waitForMailbox(dir: string, count: number, timeoutMs = 20_000): Promise<InboxMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await readMailbox(dir);
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
