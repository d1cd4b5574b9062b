/**
 * Guest mail from the office dashboard in Chromium, against the real server and its demo data: the
 * owner edits the confirmation template, sees its preview (the HTML in a sandboxed frame, the text
 * beside it) and saves it; e-mails a guest from the booking's page, previewing it first; sees the mail
 * go from queued to sent on the booking's page without a reload and as sent in the mail log; lists the
 * guests of a departure day before messaging them all and follows the batch to sent. Each new page is
 * screenshot at 1280 and 390 px and checked with axe-core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayIn, instantOfWallTime } from '../../src/domain/time';
import { type AxeViolation, seriousViolations } from '../support/axe';
import { launchChromium, screenshotPath } from '../support/browser';
import { type InboxMail, readMailbox, signInLinkIn } from '../support/mailbox';
import { childEnv, freePort, killAll, startBosun, waitFor } from '../support/processes';

const ZONE = 'America/Los_Angeles';
const DAY_MS = 24 * 3_600_000;

let browser: Browser;
let office: BrowserContext;
let dataDir: string;
let base: string;
let serviceKey: string;
let bookingId: string;
// Past the demo's charters (three to five days ahead).
const charterDay = dayIn(new Date(Date.now() + 12 * DAY_MS), ZONE);
const problems: string[] = [];
const axeFindings: { page: string; width: number; violations: AxeViolation[] }[] = [];

function watch(page: Page): Page {
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  return page;
}

/** The page at both widths: a full-page screenshot each (`guest-mail-<name>-<width>.png`) and axe's findings. */
async function look(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: screenshotPath(`guest-mail-${name}-${width}`), fullPage: true });
    const violations = await seriousViolations(page);
    if (violations.length > 0) axeFindings.push({ page: name, width, violations });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The first message to `address` (with `subject`, if given) in the mail folder, once it is there: the demo's guests are mailed too. */
async function mailTo(address: string, subject?: string): Promise<InboxMail> {
  return waitFor(
    `a mail to ${address}`,
    async () => (await readMailbox(join(dataDir, 'mail'))).find((m) => m.to === address && (!subject || m.mail.subject === subject)),
    60_000,
  );
}

/** The preview's mail is laid out across its frame (its 560 px column, not a sliver), read from inside the frame. */
async function expectMailFillsItsFrame(page: Page): Promise<void> {
  const frame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  if (!frame) throw new Error('no preview frame');
  const [frameWidth, mailWidth] = (await frame.evaluate(
    '[innerWidth, document.body.firstElementChild ? document.body.firstElementChild.getBoundingClientRect().width : 0]',
  )) as [number, number];
  expect(frameWidth).toBeGreaterThan(500);
  expect(mailWidth).toBeGreaterThan(500);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-e2e-guest-mail-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  const server = startBosun(['start'], childEnv({ PORT: String(port), BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'warn' }));
  serviceKey = await waitFor('the service key', () => /Service key \(shown once\):\s+(\S+)/.exec(server.stdout())?.[1], 120_000);
  browser = await launchChromium();
  office = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A confirmed charter with a guest to write to.
  const startsAt = instantOfWallTime(charterDay, '10:00', ZONE) ?? new Date(Number.NaN);
  const res = await fetch(`${base}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'x-service-key': serviceKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      guest: { name: 'Quinn Guest', email: 'quinn@example.com' },
      partySize: 4,
      vessel: 'jada',
      status: 'confirmed',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
    }),
  });
  expect(res.status).toBe(201);
  bookingId = ((await res.json()) as { id: string }).id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('guest mail from the office dashboard in Chromium', () => {
  it('signs the owner in with the link from the mail folder', async () => {
    const page = watch(await office.newPage());
    await page.goto(`${base}/app/login`);
    await page.getByLabel('E-mail address').fill('owner@demo.localhost');
    await page.getByRole('button', { name: 'Mail me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
    await page.goto(signInLinkIn((await mailTo('owner@demo.localhost')).mail, 'app'));
    await page.getByRole('button', { name: 'Sign in to the office dashboard' }).click();
    await page.waitForURL(`${base}/app/today`);
    await page.close();
  });

  it('edits the confirmation template, sees its preview and saves it', async () => {
    const page = watch(await office.newPage());
    await page.goto(`${base}/app/settings`);
    await page.getByRole('link', { name: 'Guest mail' }).click();
    await page.waitForURL(`${base}/app/settings/guest-mail`);
    await look(page, 'settings');
    await page.getByRole('link', { name: 'Confirmation' }).click();
    await page.waitForURL(`${base}/app/settings/guest-mail/guest.confirmation`);

    await page.getByLabel('Subject').fill('Welcome aboard, {{guest.firstName}}: {{charter.date}}');
    const body = page.getByLabel('Body');
    await body.fill(`${await body.inputValue()}\n\nAsk for Captain Casey at the dock.`);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#mail-preview-heading').waitFor();
    expect(await page.getByLabel('Subject').inputValue()).toBe('Welcome aboard, {{guest.firstName}}: {{charter.date}}');
    const preview = page.locator('.mail-preview');
    expect(await preview.locator('dd').nth(1).textContent()).toMatch(/^Welcome aboard, \S+: /);
    expect(await preview.locator('pre.mail-text').textContent()).toContain('Ask for Captain Casey at the dock.');
    // The HTML part renders in its sandboxed frame, with its inline styles and no scripts.
    const frame = page.frameLocator('iframe.mail-frame');
    await frame.getByText('Ask for Captain Casey at the dock.').waitFor();
    await expectMailFillsItsFrame(page);
    expect(await page.locator('iframe.mail-frame').getAttribute('sandbox')).toBe('');
    await look(page, 'template-preview');

    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${base}/app/settings/guest-mail/guest.confirmation?done=saved`);
    expect(await page.locator('.notice').textContent()).toContain('Template saved.');
    await page.goto(`${base}/app/settings/guest-mail`);
    expect(await page.locator('main table').textContent()).toContain('Welcome aboard, {{guest.firstName}}');
    await page.close();
  });

  it('e-mails the guest from the booking page, previewing first, and sees it go from queued to sent', async () => {
    const page = watch(await office.newPage());
    await page.goto(`${base}/app/bookings/${bookingId}`);
    await page.getByRole('link', { name: 'E-mail guest' }).click();
    await page.waitForURL(`${base}/app/bookings/${bookingId}/email`);
    await page.getByLabel('Start from').selectOption('guest.confirmation');
    await page.getByRole('button', { name: 'Use this wording' }).click();
    await page.waitForURL(/template=guest\.confirmation/);
    expect(await page.getByLabel('Subject').inputValue()).toBe('Welcome aboard, {{guest.firstName}}: {{charter.date}}');
    await page.getByLabel('Subject').fill('A note for your charter, {{guest.firstName}}');
    await page.getByLabel('Body').fill('Hello {{guest.firstName}},\n\nThe marina gate code is 4721.\n\nSee you soon!');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#mail-preview-heading').waitFor();
    const preview = page.locator('.mail-preview');
    expect(await preview.textContent()).toContain('Quinn Guest <quinn@example.com>');
    expect(await preview.textContent()).toContain('A note for your charter, Quinn');
    await page.frameLocator('iframe.mail-frame').getByText('The marina gate code is 4721.').waitFor();
    await expectMailFillsItsFrame(page);
    await look(page, 'email-guest-preview');

    await page.getByRole('button', { name: 'Send to Quinn Guest' }).click();
    await page.waitForURL(`${base}/app/bookings/${bookingId}?done=mail-queued#booking-mail`);
    expect(await page.locator('.notice').first().textContent()).toContain('Your message to the guest is queued');
    // The page follows the mail to sent through the live stream, without a reload (its subject is
    // written when it is sent: the row is found by its recipient and kind until then).
    await page.evaluate('window.notReloaded = true');
    const row = page.locator('main tr', { hasText: 'A note for your charter, Quinn' });
    await row.locator('.badge.status-sent').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    const delivered = await mailTo('quinn@example.com', 'A note for your charter, Quinn');
    expect(delivered.mail.text).toContain('The marina gate code is 4721.');
    await page.close();
  });

  it('shows the mail as sent in the mail log, with the server’s answer and its Message-ID', async () => {
    const page = watch(await office.newPage());
    await page.goto(`${base}/app/mail`);
    const row = page.locator('main tr', { hasText: 'A note for your charter, Quinn' });
    expect(await row.locator('.badge').first().textContent()).toBe('sent');
    expect(await row.locator('.message-id').textContent()).toMatch(/^<[0-9a-f-]{36}@localhost>$/);
    await page.getByLabel('State').selectOption('sent');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(`${base}/app/mail?status=sent`);
    await row.waitFor();
    await page.goto(`${base}/app/mail`);
    await look(page, 'mail-log');
    await row.getByRole('link').click();
    await page.locator('main dl').first().waitFor();
    expect(await page.locator('main').textContent()).toContain('written by the office');
    await look(page, 'mail-message');
    await page.close();
  });

  it('lists the guests of the departure before messaging them all, then follows each to sent', async () => {
    const page = watch(await office.newPage());
    await page.goto(`${base}/app/today?date=${charterDay}`);
    await page.getByRole('link', { name: 'Message all guests of this day' }).click();
    await page.waitForURL(`${base}/app/messages/new?date=${charterDay}`);
    const recipients = page.locator('main table');
    expect(await recipients.textContent()).toContain('Quinn Guest');
    expect(await recipients.textContent()).toContain('quinn@example.com');
    await look(page, 'message-all-guests');
    await page.getByLabel('Subject').fill('Weather update for {{charter.date}}');
    await page.getByLabel('Body').fill('Hello {{guest.firstName}}, calm seas are expected.');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#mail-preview-heading').waitFor();
    expect(await page.locator('.mail-preview').textContent()).toContain('For the first recipient, Quinn Guest');
    await page.getByRole('button', { name: /^Send to \d+ guests?$/ }).click();
    await page.waitForURL(/\/app\/messages\/[0-9a-f-]{36}\?done=queued$/);
    await page.locator('main p.batch-summary', { hasText: '0 queued' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('main p.batch-summary').textContent()).toContain('0 failed');
    await look(page, 'message-batch');
    await page.goto(`${base}/app/messages/new?date=${dayIn(new Date(Date.now() + 40 * DAY_MS), ZONE)}`);
    expect(await page.locator('main .empty').textContent()).toContain('nobody to message');
    await look(page, 'message-all-guests-empty');
    await page.close();
  });

  it('found no serious or critical axe violation and no failed request or script error', () => {
    expect(axeFindings).toEqual([]);
    expect(problems).toEqual([]);
  });
});
