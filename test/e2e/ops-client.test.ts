/**
 * The dashboard's client scripts in Chromium, under the strict CSP the dashboard sends: a tiny
 * server serves fixture pages shaped like the dashboard's, the real assets router, a move endpoint,
 * a calendar feed and a live stream. A dragged card is posted as a form and put back with the
 * server's words when refused; the calendar renders its feed (a cancelled charter struck through)
 * with no CSP violation; a change on the stream swaps the live region, keeping focus and open
 * details; a form marked data-confirm asks first. Screenshots at 1280 and 390 px.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ASSETS_PATH, assetUrl, createAssetsRouter, type LogicalAssetName, loadOpsAssets } from '../../src/http/ops/assets/assets';
import { seriousViolations } from '../support/axe';
import { launchChromium, screenshotPath } from '../support/browser';
import { waitFor } from '../support/processes';

const CSRF = 'csrf-token-for-the-test';

type Recorded = { path: string; headers: Record<string, string>; form?: Record<string, string>; query?: Record<string, string> };

let browser: Browser;
let server: ServerType;
let base: string;
let recorded: Recorded[] = [];
let departures = 1;
const streams = new Set<SSEStreamingApi>();
let eventId = 0;

function csp(nonce: string): string {
  return (
    `default-src 'none'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; ` +
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
  );
}

/** A dashboard-shaped page: what the layout must emit for the scripts (the csp-nonce meta is FullCalendar's). */
function layout(nonce: string, opts: { title: string; scripts: LogicalAssetName[]; liveUrl?: string; main: string }): string {
  const scripts = ['app.js' as const, ...opts.scripts].map((s) => `<script type="module" src="${assetUrl(s)}"></script>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Bosun</title><meta name="csrf-token" content="${CSRF}"><meta name="csp-nonce" content="${nonce}">
<link rel="stylesheet" href="${assetUrl('app.css')}">${scripts}</head>
<body${opts.liveUrl ? ` data-live-url="${opts.liveUrl}"` : ''}><nav aria-label="Dashboard"><ul><li><a href="/app/board">Board</a></li><li><a href="/app/calendar">Calendar</a></li><li><a href="/app/live">Today</a></li></ul></nav>
<main data-live-region><h1>${opts.title}</h1>${opts.main}</main></body></html>`;
}

function card(id: string, title: string, version: number): string {
  return `<li data-booking-id="${id}" data-version="${version}"><strong>${title}</strong>
<form method="post" action="/app/board/move"><input type="hidden" name="_csrf" value="${CSRF}"><input type="hidden" name="bookingId" value="${id}"><input type="hidden" name="version" value="${version}">
<label for="to-${id}">Move to</label><select id="to-${id}" name="to"><option value="confirmed">Confirmed</option><option value="completed">Completed</option></select><button>Move</button></form></li>`;
}

const BOARD = `<div data-board>
<section aria-labelledby="col-confirmed"><h2 id="col-confirmed">Confirmed</h2><ol data-board-column="confirmed">
${card('bk-jada', 'Jada · Avery party, 10 Jun', 3)}${card('bk-refused', 'Mistral · Lee family, 11 Jun', 5)}</ol></section>
<section aria-labelledby="col-completed"><h2 id="col-completed">Completed</h2><ol data-board-column="completed">
${card('bk-done', 'Jada · Okafor, 2 Jun', 2)}</ol></section></div>`;

function liveMain(): string {
  return `<p id="departures">Departures: ${departures}</p>
<details id="manifest"><summary>Manifest</summary><p>Jada 09:00 · Avery party of 6</p></details>
<label for="note">Note</label><input id="note" name="note">
<form method="post" action="/app/bookings/bk-jada/cancel" data-confirm="Cancel the Avery party's charter?"><button>Cancel charter</button></form>`;
}

const CALENDAR_EVENTS = [
  {
    title: 'Jada · Avery party',
    start: '2026-06-10T09:00:00',
    end: '2026-06-10T13:00:00',
    url: '/app/bookings/bk-jada',
    backgroundColor: '#1c5aa6',
    borderColor: '#1c5aa6',
    textColor: '#ffffff',
    classNames: ['is-confirmed'],
  },
  {
    title: 'Mistral · Lee family',
    start: '2026-06-12T10:00:00',
    end: '2026-06-12T16:00:00',
    url: '/app/bookings/bk-lee',
    backgroundColor: '#ffffff',
    borderColor: '#4a4a4a',
    textColor: '#4a4a4a',
    classNames: ['is-cancelled'],
  },
];

function record(path: string, c: { req: { header(): Record<string, string> } }, extra: Partial<Recorded> = {}) {
  recorded.push({ path, headers: c.req.header(), ...extra });
}

function createFixtureApp() {
  const app = new Hono();
  app.route(ASSETS_PATH, createAssetsRouter());
  app.use('*', async (c, next) => {
    const nonce = randomBytes(16).toString('base64');
    c.set('nonce' as never, nonce as never);
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.res.headers.set('content-security-policy', csp(nonce));
  });
  const nonceOf = (c: { get(key: never): unknown }) => String(c.get('nonce' as never));

  app.get('/app/board', (c) => c.html(layout(nonceOf(c), { title: 'Board', scripts: ['board.js'], main: BOARD })));
  app.post('/app/board/move', async (c) => {
    const form = Object.fromEntries(Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)]));
    record('/app/board/move', c, { form });
    if (form.bookingId === 'bk-refused')
      return c.json({ message: 'The Lee family’s charter has not sailed yet: it cannot be completed.' }, 409);
    return c.body(null, 204);
  });

  app.get('/app/calendar', (c) =>
    c.html(
      layout(nonceOf(c), {
        title: 'Calendar',
        scripts: ['calendar.js'],
        main: '<div id="calendar" data-events-url="/app/calendar/data" data-initial-date="2026-06-01" data-initial-view="dayGridMonth"></div>',
      }),
    ),
  );
  app.get('/app/calendar/data', (c) => {
    record('/app/calendar/data', c, { query: c.req.query() });
    return c.json(CALENDAR_EVENTS);
  });

  app.get('/app/live', (c) => {
    record('/app/live', c);
    return c.html(layout(nonceOf(c), { title: 'Today', scripts: [], liveUrl: '/app/stream', main: liveMain() }));
  });
  app.post('/app/bookings/:id/cancel', (c) => {
    record(c.req.path, c);
    return c.html(layout(nonceOf(c), { title: 'Cancelled', scripts: [], main: '<p>Cancelled.</p>' }));
  });
  app.get('/app/stream', (c) =>
    streamSSE(c, async (stream) => {
      streams.add(stream);
      stream.onAbort(() => {
        streams.delete(stream);
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted) await stream.sleep(500);
    }),
  );
  return app;
}

async function sendChange(): Promise<void> {
  for (const stream of streams) await stream.writeSSE({ event: 'change', data: '{"type":"booking.updated"}', id: String(++eventId) });
}

type Opened = { context: BrowserContext; page: Page; problems: string[]; foreign: string[] };

async function open(path: string, width: number): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height: width > 600 ? 900 : 844 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const foreign: string[] = [];
  await page.addInitScript(() => {
    const g = globalThis as unknown as {
      addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void;
    };
    g.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => {
    if (
      ['error', 'warning'].includes(m.type()) &&
      !m.text().startsWith('Failed to load resource: the server responded with a status of 404')
    )
      problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${base}/`)) foreign.push(r.url());
  });
  const response = await page.goto(`${base}${path}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("style-src 'self' 'nonce-");
  return { context, page, problems, foreign };
}

function texts(page: Page, column: string): Promise<string[]> {
  return page.locator(`ol[data-board-column="${column}"] > li strong`).allTextContents();
}

/** Drags with the mouse, in steps, as a person does (SortableJS listens to the native drag events). */
async function drag(page: Page, from: string, onto: string): Promise<void> {
  // A drag begun while the board still animates the last drop (or its notice moves the columns) misses:
  // wait until the cards have stopped moving.
  type Animated = { document: { getAnimations(): { playState: string }[] } };
  await page.waitForFunction(() => (globalThis as unknown as Animated).document.getAnimations().every((a) => a.playState !== 'running'));
  const source = await page.locator(from).boundingBox();
  const target = await page.locator(onto).boundingBox();
  if (!source || !target) throw new Error('nothing to drag or nowhere to drop');
  await page.mouse.move(source.x + 12, source.y + 10);
  await page.mouse.down();
  await page.mouse.move(source.x + 20, source.y + 20, { steps: 5 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 20 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2 + 4, { steps: 5 });
  await page.mouse.up();
}

beforeAll(async () => {
  await loadOpsAssets();
  const app = createFixtureApp();
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const stream of streams) await stream.close();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  recorded = [];
});

describe('the dashboard scripts in Chromium, under a strict CSP', () => {
  it('posts a card dragged to another column as the move form, and puts a refused one back with the server’s words', async () => {
    const { context, page, problems, foreign } = await open('/app/board', 1280);
    await page.screenshot({ path: screenshotPath('ops-fixture-board-1280'), fullPage: true });

    await drag(page, '[data-booking-id="bk-jada"] strong', '[data-booking-id="bk-done"]');
    await waitFor('the move to be posted', () => recorded.find((r) => r.path === '/app/board/move'), 10_000);
    const move = recorded.find((r) => r.path === '/app/board/move');
    expect(move?.form).toEqual({ bookingId: 'bk-jada', to: 'completed', version: '3', _csrf: CSRF });
    expect(move?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(move?.headers['x-bosun-partial']).toBe('1');
    expect(await texts(page, 'completed')).toContain('Jada · Avery party, 10 Jun');
    expect(await texts(page, 'confirmed')).toEqual(['Mistral · Lee family, 11 Jun']);

    await drag(page, '[data-booking-id="bk-refused"] strong', '[data-booking-id="bk-done"]');
    const alert = page.locator('[data-board-status][role="alert"]');
    await expect
      .poll(() => alert.textContent(), { timeout: 10_000 })
      .toBe('The Lee family’s charter has not sailed yet: it cannot be completed.');
    expect(await alert.getAttribute('aria-live')).toBe('assertive');
    expect(recorded.filter((r) => r.path === '/app/board/move').map((r) => r.form?.bookingId)).toEqual(['bk-jada', 'bk-refused']);
    expect(await texts(page, 'confirmed')).toEqual(['Mistral · Lee family, 11 Jun']);
    expect(await texts(page, 'completed')).not.toContain('Mistral · Lee family, 11 Jun');
    // The keyboard and phone route stays on every card.
    expect(await page.locator('ol[data-board-column] > li form button').count()).toBe(3);
    await expect.poll(() => page.locator('ol[data-board-column] > li form button').first().isVisible()).toBe(true);
    await page.screenshot({ path: screenshotPath('ops-fixture-board-refused-1280'), fullPage: true });

    expect(await seriousViolations(page)).toEqual([]);
    expect(foreign).toEqual([]);
    // Chromium logs the refused move's answer itself.
    expect(problems).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
    await context.close();
  });

  it('shows the board one column under another on a phone, each card with its move form', async () => {
    const { context, page, problems } = await open('/app/board', 390);
    const [confirmed, completed] = await Promise.all([
      page.locator('ol[data-board-column="confirmed"]').boundingBox(),
      page.locator('ol[data-board-column="completed"]').boundingBox(),
    ]);
    expect(completed?.y).toBeGreaterThan((confirmed?.y ?? 0) + (confirmed?.height ?? 0) - 1);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('ops-fixture-board-390'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const width of [1280, 390]) {
    it(`renders the month from the JSON feed at ${width} px, the cancelled charter struck through, with no CSP violation`, async () => {
      const { context, page, problems, foreign } = await open('/app/calendar', width);
      const confirmed = page.locator('.fc-event', { hasText: 'Jada · Avery party' });
      const cancelled = page.locator('.fc-event.is-cancelled', { hasText: 'Mistral · Lee family' });
      await confirmed.waitFor();
      await cancelled.waitFor();
      expect(await page.locator('.fc-toolbar-title').textContent()).toBe('June 2026');

      const feed = recorded.find((r) => r.path === '/app/calendar/data');
      expect(feed?.query?.start).toMatch(/^2026-06-01/);
      expect(feed?.query?.end).toMatch(/^2026-07-13/);
      expect(await confirmed.getAttribute('href')).toBe('/app/bookings/bk-jada');

      // FullCalendar's injected styles apply (its <style> carries the nonce), and the strike-through is seen.
      expect(await page.evaluate(`document.querySelector('style[data-fullcalendar]').sheet.cssRules.length`)).toBeGreaterThan(50);
      expect(
        await page
          .locator('.fc-daygrid-day-frame')
          .first()
          .evaluate((el) => (globalThis as any).getComputedStyle(el).position),
      ).toBe('relative');
      const title = cancelled.locator('.fc-event-title');
      expect(await title.evaluate((el) => (globalThis as any).getComputedStyle(el).textDecorationLine)).toBe('line-through');
      expect(await confirmed.locator('.fc-event-title').evaluate((el) => (globalThis as any).getComputedStyle(el).textDecorationLine)).toBe(
        'none',
      );
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);

      await page.screenshot({ path: screenshotPath(`ops-fixture-calendar-${width}`), fullPage: true });
      // The address follows the calendar; the next month asks the feed for its own range.
      expect(new URL(page.url()).searchParams.get('date')).toBe('2026-06-01');
      await page.locator('.fc-next-button').click();
      await expect.poll(() => new URL(page.url()).searchParams.get('date')).toBe('2026-07-01');
      await expect.poll(() => recorded.filter((r) => r.path === '/app/calendar/data').length).toBe(2);

      expect(await seriousViolations(page)).toEqual([]);
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('swaps the live region on a change from the stream, once for a burst, keeping focus, open details and what was typed', async () => {
    departures = 1;
    const { context, page, problems, foreign } = await open('/app/live', 1280);
    await waitFor('the page to listen to the stream', () => (streams.size > 0 ? true : undefined), 10_000);
    await page.locator('#manifest summary').click();
    await page.locator('#note').fill('Fuel at 08:00');
    const loads = () => recorded.filter((r) => r.path === '/app/live').length;
    expect(loads()).toBe(1);

    departures = 2;
    for (let i = 0; i < 5; i++) await sendChange();
    await expect.poll(() => page.locator('#departures').textContent(), { timeout: 10_000 }).toBe('Departures: 2');
    await expect.poll(() => page.locator('#live-status').textContent()).toBe('Updated just now');
    expect(await page.locator('#live-status').getAttribute('aria-live')).toBe('polite');
    await new Promise((r) => setTimeout(r, 600));
    expect(loads()).toBe(2);
    const refetch = recorded.filter((r) => r.path === '/app/live')[1];
    expect(refetch?.headers['x-bosun-partial']).toBe('1');
    expect(await page.locator('#manifest').getAttribute('open')).toBe('');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('note');
    expect(await page.locator('#note').inputValue()).toBe('Fuel at 08:00');
    await page.screenshot({ path: screenshotPath('ops-fixture-live-1280'), fullPage: true });

    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks before submitting a form marked data-confirm, and submits only when the answer is yes', async () => {
    const { context, page, problems } = await open('/app/live', 390);
    const answers = [false, true];
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (answers.shift() ? dialog.accept() : dialog.dismiss());
    });
    await page.getByRole('button', { name: 'Cancel charter' }).click();
    await new Promise((r) => setTimeout(r, 300));
    expect(recorded.some((r) => r.path === '/app/bookings/bk-jada/cancel')).toBe(false);
    await page.screenshot({ path: screenshotPath('ops-fixture-live-390'), fullPage: true });
    await Promise.all([
      page.waitForURL(`${base}/app/bookings/bk-jada/cancel`),
      page.getByRole('button', { name: 'Cancel charter' }).click(),
    ]);
    expect(asked).toEqual(["Cancel the Avery party's charter?", "Cancel the Avery party's charter?"]);
    expect(recorded.filter((r) => r.path === '/app/bookings/bk-jada/cancel')).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
