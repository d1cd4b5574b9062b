/**
 * A guest opens their confirmation page on a phone, from the real server with its demo data,
 * through the local edge by Host header, as the browser resolves `demo.localhost` to this machine.
 * The confirmed and the cancelled page are looked at on a desktop and a phone, with axe-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe';
import { launchChromium, phoneContext, screenshotPath } from '../support/browser';
import { childEnv, freePort, killAll, startBosun, waitFor } from '../support/processes';

let browser: Browser;
let dataDir: string;
let port: number;
let bookingId: string;
let cancelledId: string;
let serviceKey: string;

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
  const ids = await waitFor(
    'the demo bookings',
    () => /with bookings ([A-Z0-9]{7}), ([A-Z0-9]{7})/.exec(server.stdout()) ?? undefined,
    120_000,
  );
  bookingId = ids[1] ?? '';
  cancelledId = ids[2] ?? '';
  serviceKey = /Service key \(shown once\):\s+(\S+)/.exec(server.stdout())?.[1] ?? '';
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

  it('shows the confirmed and the cancelled page on a desktop and a phone, with no serious accessibility problem', async () => {
    const cancel = await fetch(`http://127.0.0.1:${port}/api/v1/bookings/${cancelledId}/cancel`, {
      method: 'POST',
      headers: { 'x-service-key': serviceKey },
    });
    expect(cancel.status).toBe(200);
    const url = (id: string) => `http://demo.localhost:${port}/g/${id.toLowerCase()}`;
    for (const [name, id] of [
      ['confirmed', bookingId],
      ['cancelled', cancelledId],
    ] as const) {
      for (const width of [1280, 390]) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        // The page is published again by a job: wait until the cancelled one says so.
        await waitFor(
          `the ${name} page`,
          async () => {
            const res = await page.goto(url(id));
            const text = await page.locator('body').textContent();
            return res?.status() === 200 && (name === 'confirmed' || text?.includes('This charter has been cancelled')) ? true : undefined;
          },
          60_000,
        );
        const text = (await page.locator('body').textContent()) ?? '';
        if (name === 'cancelled') {
          for (const instruction of ['Meeting point', 'What to bring', 'Add to your calendar', 'arrive 15 minutes'])
            expect(text).not.toContain(instruction);
        } else {
          expect(text).toContain('Meeting point');
          expect(text).toContain('Add to your calendar');
        }
        expect(text).toMatch(/\d{4}/);
        expect(text).toMatch(/[AP]M P[DS]T/);
        await page.screenshot({ path: screenshotPath(`guest-page-${name}-${width}`), fullPage: true });
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      }
    }
  });
});
