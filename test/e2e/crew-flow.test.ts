/**
 * The whole crew flow on a phone, against the real server with its demo data: an event for a booking
 * leaving soon with the demo's two crew (through the API, with the printed service key) writes two .eml
 * files; the captain opens the mailed link in Chromium, presses the button, sees the charter on
 * /crew, opens it, accepts and ticks a checklist item — while a staff-side subscriber reads the live
 * stream with the printed dashboard token and receives each change. A crewmate's answer appears on
 * the open page without a reload.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe';
import { launchChromium, phoneContext, screenshotPath } from '../support/browser';
import { notGuestMail, signInLinkIn, waitForMailbox } from '../support/mailbox';
import { childEnv, freePort, killAll, startBosun, waitFor } from '../support/processes';
import { openStream, type SseReader } from '../support/sse';

let browser: Browser;
let dataDir: string;
let base: string;
let serviceKey: string;
let dashboardToken: string;
let bookingId: string;
let staff: SseReader;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-e2e-crew-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  const server = startBosun(['start'], childEnv({ PORT: String(port), BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'warn' }));
  dashboardToken = await waitFor(
    'the dashboard token',
    () => /Dashboard token \(shown once\):\s+(\S+)/.exec(server.stdout())?.[1],
    120_000,
  );
  serviceKey = /Service key \(shown once\):\s+(\S+)/.exec(server.stdout())?.[1] ?? '';
  expect(serviceKey).toMatch(/^bsk_/);
  // A charter leaving in two hours, so its checklist (open 48 hours ahead) can be ticked; the demo's
  // own charters leave in three days and later.
  const startsAt = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 2 * 3_600_000);
  const booking = await fetch(`${base}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'x-service-key': serviceKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      guest: { name: 'Avery Guest', email: 'avery@example.com' },
      partySize: 4,
      vessel: 'jada',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
      pricing: { total: 840.75, currency: 'USD' },
    }),
  });
  expect(booking.status).toBe(201);
  bookingId = ((await booking.json()) as { id: string }).id;
  browser = await launchChromium();
  // The staff side: the stream the dashboard will read, with the printed token, over real HTTP.
  staff = await openStream(() => fetch(`${base}/api/v1/stream`, { headers: { 'x-dashboard-token': dashboardToken } }));
}, 180_000);

afterAll(async () => {
  await staff?.close();
  await browser?.close();
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the crew flow in Chromium on a phone', () => {
  it('mails both crew, signs the captain in, and every answer reaches the staff stream as it happens', async () => {
    const created = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-service-key': serviceKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        booking_id: bookingId,
        crew: [
          { email: 'captain@demo.localhost', role: 'captain' },
          { email: 'deckhand@demo.localhost', role: 'crew' },
        ],
        notes: 'Meet at the fuel dock',
      }),
    });
    expect(created.status).toBe(201);
    // The stream carries every committed change (mail sent, pages published, …): wait for this one.
    const createdEvent = (await staff.nextChange((j) => j.action === 'event.created')).json;
    expect([createdEvent.action, createdEvent.bookingId]).toEqual(['event.created', bookingId]);

    // Crew mail: the guests' confirmations land in the same folder.
    const inbox = await waitForMailbox(join(dataDir, 'mail'), 2, 60_000, notGuestMail);
    expect(inbox.map((m) => m.to).sort()).toEqual(['captain@demo.localhost', 'deckhand@demo.localhost']);
    const mailTo = (address: string) => inbox.find((m) => m.to === address)?.mail;
    const captainLink = signInLinkIn(mailTo('captain@demo.localhost') ?? (undefined as never));
    const deckhandLink = signInLinkIn(mailTo('deckhand@demo.localhost') ?? (undefined as never));

    const context = await phoneContext(browser);
    const page = await context.newPage();
    const problems: string[] = [];
    // Browsers ask for /favicon.ico on their own; the crew pages have none, and that is fine.
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    await page.goto(captainLink);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const loginShot = screenshotPath('crew-login-phone');
    await page.screenshot({ path: loginShot, fullPage: true });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/crew`);
    const list = await page.locator('main').textContent();
    expect(list).toContain('Hello Casey Captain');
    expect(list).toContain(bookingId);
    expect(list).toContain('please answer');
    const listShot = screenshotPath('crew-list-phone');
    await page.screenshot({ path: listShot, fullPage: true });

    await page.locator(`a[href="/crew/events/${bookingId}"]`).click();
    await page.waitForURL(`${base}/crew/events/${bookingId}`);
    await page.locator('#live-status[data-live="on"]').waitFor();
    expect(await page.locator('main').textContent()).toContain('Meet at the fuel dock');

    // The charter page before answering, on the phone and on a desktop: buttons in the page's font,
    // the reason beside Decline in its own form, and nothing axe-core calls serious.
    type Styled = { getComputedStyle(el: unknown): { fontFamily: string } };
    const bodyFont = await page.locator('body').evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).fontFamily);
    for (const name of ['Accept', 'Decline', 'Sign out']) {
      const font = await page
        .getByRole('button', { name })
        .evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).fontFamily);
      expect(font, name).toBe(bodyFont);
    }
    const decline = page.locator('form[action$="/decline"]');
    await expect(decline.locator('input[name="reason"]').count()).resolves.toBe(1);
    await expect(page.locator('form:not([action$="/decline"]) input[name="reason"]').count()).resolves.toBe(0);
    for (const [width, height] of [
      [390, 844],
      [1280, 900],
    ] as const) {
      await page.setViewportSize({ width, height });
      const field = await decline.locator('input[name="reason"]').boundingBox();
      const button = await decline.getByRole('button', { name: 'Decline' }).boundingBox();
      // Side by side: the button on the field's row, to its right.
      expect(button && field && Math.abs(button.y + button.height / 2 - (field.y + field.height / 2)) < 4).toBe(true);
      expect(button && field && button.x > field.x + field.width - 1).toBe(true);
      await page.screenshot({ path: screenshotPath(`crew-charter-${width}`), fullPage: true });
      expect(await seriousViolations(page)).toEqual([]);
    }
    await page.setViewportSize({ width: 390, height: 844 });

    await page.getByRole('button', { name: 'Accept' }).click();
    const accepted = (await staff.nextChange((j) => j.action.startsWith('assignment.'))).json;
    expect([accepted.action, accepted.by.name]).toEqual(['assignment.accepted', 'Casey Captain']);
    await page.locator('#live-status[data-live="on"]').waitFor();
    expect(await page.locator('main').textContent()).toContain('Casey Captain — captain, accepted');

    await page.getByRole('button', { name: 'Tick Safety briefing given' }).click();
    const ticked = (await staff.nextChange((j) => j.action.startsWith('checklist.'))).json;
    expect(ticked.action).toBe('checklist.ticked');
    expect(ticked.event.checklist.find((c: { item: string }) => c.item === 'Safety briefing given').ticked.by).toBe('Casey Captain');
    await page.getByRole('button', { name: 'Untick Safety briefing given' }).waitFor();
    await page.locator('#live-status[data-live="on"]').waitFor();

    // The deckhand accepts on another phone; the captain's page shows it without a reload.
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const other = await phoneContext(browser);
    const deckhand = await other.newPage();
    await deckhand.goto(deckhandLink);
    await deckhand.getByRole('button', { name: 'Sign in' }).click();
    await deckhand.waitForURL(`${base}/crew`);
    await deckhand.goto(`${base}/crew/events/${bookingId}`);
    await deckhand.getByRole('button', { name: 'Accept' }).click();
    expect((await staff.nextChange((j) => j.action.startsWith('assignment.'))).json.by.name).toBe('Dana Deckhand');
    await page.getByText('Dana Deckhand — crew, accepted').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    const eventShot = screenshotPath('crew-event-phone');
    await page.screenshot({ path: eventShot, fullPage: true });
    for (const file of [loginShot, listShot, eventShot]) expect(existsSync(file)).toBe(true);
    // The staff stream carried no crew-facing money: its crew event parts are crew-safe.
    expect(JSON.stringify(staff.received.map((e) => e.json?.event ?? null))).not.toContain('840.75');
    expect(problems).toEqual([]);
    await other.close();
    await context.close();
  });
});
