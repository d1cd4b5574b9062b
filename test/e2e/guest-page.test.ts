/**
 * A guest opens their confirmation page on a phone, from the real server with its demo data,
 * through the local edge by Host header, as the browser resolves `demo.localhost` to this machine.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneContext, screenshotPath } from '../support/browser';
import { childEnv, freePort, killAll, startBosun, waitFor } from '../support/processes';

let browser: Browser;
let dataDir: string;
let port: number;
let bookingId: string;

/** The status of a path on the demo's guest host (fetch may not set Host, so plain http). */
function statusOf(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `demo.localhost:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-e2e-'));
  port = await freePort();
  const server = startBosun(['start'], childEnv({ PORT: String(port), BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'warn' }));
  bookingId = await waitFor('the demo bookings', () => /with bookings ([A-Z0-9]{7})/.exec(server.stdout())?.[1], 120_000);
  await waitFor(
    'the demo guest page to be published',
    async () => ((await statusOf(`/g/${bookingId}`)) === 200 ? true : undefined),
    60_000,
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('guest page in Chromium', () => {
  it('shows the charter on a phone without horizontal scrolling and without money', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const response = await page.goto(`http://demo.localhost:${port}/g/${bookingId.toLowerCase()}`);
    expect(response?.status()).toBe(200);

    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text a guest sees, which is the point.
    const text = await page.locator('body').innerText();
    expect(text).toContain('Jada');
    expect(text).toContain('Harbor Island West Marina');
    expect(text).not.toContain('840.75');
    await expect(page.locator('h1').count()).resolves.toBe(1);
    // Self-contained: the page asks for nothing but itself.
    expect(requests.filter((u) => !u.startsWith(`http://demo.localhost:${port}/g/`))).toEqual([]);
    const overflow = await page.evaluate(
      // Runs in the page, where `document` exists.
      () => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
          .documentElement;
        return root.scrollWidth - root.clientWidth;
      },
    );
    expect(overflow).toBeLessThanOrEqual(0);

    const file = screenshotPath('guest-page-phone');
    await page.screenshot({ path: file, fullPage: true });
    expect(existsSync(file)).toBe(true);
    await context.close();
  });
});
