/**
 * The acceptance path as a user runs it: `bosun start` on an empty data folder seeds the demo and
 * publishes its pages; the demo's guest host serves them on the main port; `bosun publish` and
 * `bosun edge-function` work while the server runs.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCloudFrontRuntime2 } from '../support/cloudfront-runtime';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { freePort, killAll, oneJsonObject, runBosun, startBosun, waitFor } from '../support/processes';

let target: DataTarget;
let port: number;
let bookings: string[];

/** GET with the Host header a browser sends for the guest site. */
function get(host: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `${host}:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  target = await openDataTarget();
  port = await freePort();
  const server = startBosun(['start'], target.env({ PORT: String(port), BOSUN_DEMO: '1' }));
  const line = await waitFor('the demo to be seeded', () => /with bookings ([A-Z0-9, ]+)\./.exec(server.stdout())?.[1], 120_000);
  bookings = line.split(', ');
});
afterAll(async () => {
  await killAll();
  await target.close();
});

describe('guest sites after bosun start', () => {
  it("publishes the demo's bookings on first start and serves them on demo.localhost", async () => {
    for (const id of bookings) {
      const page = await waitFor(`the guest page of ${id}`, async () => {
        const res = await get('demo.localhost', `/g/${id}`);
        return res.status === 200 ? res : undefined;
      });
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Demo Charters');
      expect(page.body).not.toContain('840.75');
    }
    const slug = await get('demo.localhost', '/avery-sunset-sail');
    expect(slug.status).toBe(301);
    expect(slug.headers.location).toBe(`/g/${bookings[0]}`);
    expect((await get('demo.localhost', '/g/NOSUCH99')).status).toBe(404);
    expect((await get('other.localhost', `/g/${bookings[0]}`)).status).toBe(404);
  });

  it('republishes through the running server and prints the edge function', async () => {
    const out = await runBosun(['--json', 'publish', 'demo', '--all'], target.env({ PORT: String(port) }));
    expect(out.code).toBe(0);
    expect(oneJsonObject(out.stdout)).toMatchObject({ total: 3, failed: [] });

    const fn = await runBosun(['edge-function', 'demo'], target.env({ PORT: String(port) }));
    expect(fn.code).toBe(0);
    expect(fn.stdout).toContain("import cf from 'cloudfront';");
    expect(checkCloudFrontRuntime2(fn.stdout)).toEqual([]);
  });
});
