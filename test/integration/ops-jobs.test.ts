/**
 * Failed jobs in the dashboard: each tenant sees only its own (never a payload as stored), with the
 * job, what it was about, its error and attempts; retry puts it back in the queue, and another
 * tenant's job id is a 404 that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { type Browser, browserFor } from '../support/ops-pages';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let office: Browser;
let other: Browser;

/** A job of `name` that used up its retries with `error`, as the queue leaves one. */
async function failedJob(name: 'crew.login-link' | 'guest-page.publish' | 'site.cleanup', data: Record<string, string>, error: string) {
  const id = await t.deps.db.transaction().execute((tx) => t.jobs.enqueue(tx, name, data as never));
  if (!id) throw new Error('not enqueued');
  await t.handle.executeSql(
    `update pgboss.job set state = 'failed', retry_count = 8, output = $2::jsonb, completed_on = '2026-05-01T11:30:00Z' where id = $1`,
    [id, JSON.stringify({ message: error })],
  );
  return id;
}

const stateOf = async (id: string) => (await t.handle.executeSql(`select state from pgboss.job where id = $1`, [id])).rows[0]?.state;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  office = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie);
});

afterAll(async () => {
  await t.close();
});

describe('failed jobs', () => {
  it('shows an empty state while nothing failed', async () => {
    const page = await office.open('/app/jobs');
    expect(page.status).toBe(200);
    expect(page.html).toContain('class="empty"');
    expect(textOf(page.html)).toContain('No failed jobs');
  });

  it('lists only this tenant’s failed jobs with what they were about, error, attempts and time — never the payload', async () => {
    const mine = await failedJob(
      'crew.login-link',
      { tenantId: a.tenant.id, crewMemberId: a.captain.id, reason: 'crew.link_requested' },
      'SMTP 550 mailbox unavailable',
    );
    const theirs = await failedJob(
      'crew.login-link',
      { tenantId: b.tenant.id, crewMemberId: b.captain.id, reason: 'crew.link_requested' },
      'beta secret failure',
    );
    const page = await office.open('/app/jobs');
    const text = textOf(page.html);
    expect(text).toContain('Mail a crew sign-in link crew.login-link crew member SMTP 550 mailbox unavailable 9');
    expect(page.html).toContain(`href="/app/crew/${a.captain.id}"`);
    expect(text).toContain('Failed at (America/Los_Angeles)');
    expect(text).toContain('May 1, 2026, 4:30 AM PDT');
    expect(page.html).toContain(`action="/app/jobs/${mine}/retry"`);
    expect(page.html).not.toContain(theirs);
    expect(text).not.toContain('beta secret failure');
    // The payload's other fields are not shown as stored.
    expect(text).not.toContain('crew.link_requested');
    expect(text).not.toContain('tenantId');
  });

  it('names a failed cleanup of a former guest domain, with its error', async () => {
    const id = await failedJob(
      'site.cleanup',
      { tenantId: a.tenant.id, cleanupId: '00000000-0000-4000-8000-000000000001', reason: 'site.domain_changed' },
      'cleanup of old.alpha.example: object store unavailable',
    );
    const text = textOf((await office.open('/app/jobs')).html);
    expect(text).toContain('Remove the guest pages left at a former domain site.cleanup');
    expect(text).toContain('cleanup of old.alpha.example: object store unavailable');
    expect(text).not.toContain('00000000-0000-4000-8000-000000000001');
    await t.handle.executeSql(`delete from pgboss.job where id = $1`, [id]);
  });

  it('retries a failed job: it leaves the list and is queued again', async () => {
    const id = await failedJob(
      'guest-page.publish',
      { tenantId: a.tenant.id, bookingId: 'BK1234', reason: 'booking.created' },
      'verify failed',
    );
    const res = await office.submit(`/app/jobs/${id}/retry`);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/app/jobs?done=retried');
    expect(await stateOf(id)).toBe('retry');
    const page = await office.open(res.location ?? '');
    expect(textOf(page.html)).toContain('The job is queued again');
    expect(page.html).not.toContain(id);
  });

  it('answers 404 to a retry of another tenant’s job (or an unknown id), and leaves it failed', async () => {
    const theirs = await failedJob(
      'crew.login-link',
      { tenantId: b.tenant.id, crewMemberId: b.deckhand.id, reason: 'crew.link_requested' },
      'beta failure',
    );
    expect((await office.submit(`/app/jobs/${theirs}/retry`)).status).toBe(404);
    expect((await office.submit('/app/jobs/not-a-job/retry')).status).toBe(404);
    expect((await office.submit('/app/jobs/00000000-0000-4000-8000-000000000000/retry')).status).toBe(404);
    expect(await stateOf(theirs)).toBe('failed');
    // Its own tenant can.
    expect((await other.submit(`/app/jobs/${theirs}/retry`)).status).toBe(303);
    expect(await stateOf(theirs)).toBe('retry');
  });
});
