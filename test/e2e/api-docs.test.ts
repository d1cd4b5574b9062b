/**
 * The API reference in Chromium, from the real server: Swagger UI served by Bosun itself renders
 * /api/v1/openapi.json — a route's parameters with their descriptions and a request body example —
 * at desktop and phone widths, asks no other host for anything, and axe-core finds no serious or
 * critical accessibility violation in it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe';
import { launchChromium, screenshotPath } from '../support/browser';
import { childEnv, freePort, killAll, startBosun, waitFor } from '../support/processes';

let browser: Browser;
let dataDir: string;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-e2e-docs-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const server = startBosun(['start'], childEnv({ PORT: String(port), BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'warn', BOSUN_DEMO: '0' }));
  await waitFor('the server', async () => ((await fetch(`${base}/healthz`).catch(() => null))?.ok ? true : undefined), 120_000);
  void server;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Opens the reference at `width` and unfolds creating and listing bookings. */
async function openReference(width: number) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const foreign: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(`${base}/`)) foreign.push(r.url());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    // Browsers ask for /favicon.ico on their own.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  const response = await page.goto(`${base}/api/docs`);
  expect(response?.status()).toBe(200);
  await page.locator('.opblock-summary-control').first().waitFor();
  await operation(page, 'POST', '/api/v1/bookings').click();
  await operation(page, 'GET', '/api/v1/bookings').click();
  return { context, page, foreign, problems };
}

/** The text a reader sees (rendered, as Playwright's innerText gives it). */
function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the text a reader sees is the point.
  return locator.innerText();
}

function operation(page: Page, method: string, path: string) {
  return page.locator(`.opblock-${method.toLowerCase()} .opblock-summary-control`).filter({
    has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replace(/[{}/]/g, '\\$&')}$`) }),
  });
}

describe('the API reference in Chromium', () => {
  for (const width of [1280, 390]) {
    it(`renders parameters and a request body example at ${width} px, offline and accessible`, async () => {
      const { context, page, foreign, problems } = await openReference(width);
      const create = page
        .locator('.opblock-post')
        .filter({ has: page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/bookings$/ }) });
      const list = page
        .locator('.opblock-get')
        .filter({ has: page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/bookings$/ }) });

      // Creating a booking: its header parameter, described, and the example body with future dates.
      const createText = await visibleText(create);
      expect(createText).toContain('idempotency-key');
      expect(createText).toContain('A retry with the same key and body answers as the first request did');
      const example = await visibleText(create.locator('.body-param__example'));
      const body = JSON.parse(example);
      expect(body).toMatchObject({ vessel: 'jada', partySize: 6, guest: { email: 'avery@example.com' } });
      expect(Date.parse(body.startsAt)).toBeGreaterThan(Date.now());
      expect(Date.parse(body.endsAt)).toBeGreaterThan(Date.parse(body.startsAt));
      expect(createText).toMatch(/409[\s\S]*overlapping time/);
      expect(createText).toContain('415');

      // Listing bookings: each query parameter with what it does.
      const listText = await visibleText(list);
      for (const [name, description] of [
        ['from', 'Only bookings that end after this: a date-time with an offset, or a date'],
        ['to', 'Only bookings that start before this: a date-time with an offset, or a date'],
        ['status', 'Only bookings in this status'],
        ['limit', 'At most this many bookings'],
      ]) {
        expect(listText).toContain(name);
        expect(listText).toContain(description);
      }

      const file = screenshotPath(`api-docs-${width}`);
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
      await page.screenshot({ path: file, fullPage: false });
      await create.screenshot({ path: screenshotPath(`api-docs-create-booking-${width}`) });
      expect(existsSync(file)).toBe(true);

      expect(await seriousViolations(page)).toEqual([]);
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
