/**
 * The outgoing mail log in the dashboard: this tenant's messages with status and error, filtered by
 * status; one message read back from the mail folder as its recipient sees it (headers and text, the
 * `.eml` as a download, its HTML never rendered); with SMTP the recorded fields; other tenants' 404.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { registerJobHandlers } from '../../src/jobs/register';
import { requestCrewLoginLink } from '../../src/services/crew-access';
import { listOutgoingMail, sendMailOnce } from '../../src/services/mail';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { eventually, waitForMailbox } from '../support/mailbox';
import { type Browser, browserFor } from '../support/ops-pages';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let smtpApp: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let office: Browser;
let officeOverSmtp: Browser;
let other: Browser;
let mailDir: string;

beforeAll(async () => {
  t = await createTestDb();
  mailDir = join(mkdtempSync(join(tmpdir(), 'bosun-ops-mail-')), 'mail');
  const mailer = new FileMailer(mailDir);
  app = makeApp(t, { mailArchive: mailer });
  smtpApp = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  await registerJobHandlers(t.jobs, { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } });
  const cookie = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  office = browserFor(app, cookie);
  officeOverSmtp = browserFor(smtpApp, cookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie);
});

afterAll(async () => {
  await t.close();
  rmSync(join(mailDir, '..'), { recursive: true, force: true });
});

describe('outgoing mail', () => {
  it('shows an empty state before any mail went out', async () => {
    const page = await office.open('/app/mail');
    expect(page.status).toBe(200);
    expect(page.html).toContain('class="empty"');
    expect(textOf(page.html)).toContain('No mail sent yet.');
  });

  it('lists this tenant’s mail with kind, recipient, subject and status; another tenant sees none of it', async () => {
    await requestCrewLoginLink(t.deps, { email: 'captain@alpha.test' });
    await waitForMailbox(mailDir, 1);
    const sent = await eventually(async () => {
      const rows = await listOutgoingMail(t.deps, a.ctx, { status: 'sent' });
      return rows.length > 0 ? rows : undefined;
    }, 'the mail recorded as sent');
    const page = await office.open('/app/mail');
    const text = textOf(page.html);
    expect(text).toContain('When (America/Los_Angeles)');
    expect(text).toMatch(
      /Your sign-in link for alpha Charters sent sent at the first attempt Casey Captain <captain@alpha\.test> Crew sign-in link/,
    );
    expect(page.html).toContain('class="badge status-sent"');
    expect(page.html).toContain(`href="/app/mail/${sent[0]?.id}"`);
    expect(textOf((await other.open('/app/mail')).html)).not.toContain('captain@alpha.test');
  });

  it('filters by status', async () => {
    const failed = await office.open('/app/mail?status=failed');
    expect(failed.html).toContain('<option value="failed" selected="">failed</option>');
    expect(textOf(failed.html)).toContain('No failed mail.');
    expect(textOf(failed.html)).not.toContain('captain@alpha.test');
    expect(textOf((await office.open('/app/mail?status=sent')).html)).toContain('captain@alpha.test');
    // A status that is not one shows everything.
    expect(textOf((await office.open('/app/mail?status=bogus')).html)).toContain('captain@alpha.test');
  });

  it('reads a message back from the mail folder: headers and the text part, and the .eml as a download', async () => {
    const [mail] = await listOutgoingMail(t.deps, a.ctx, { status: 'sent' });
    if (!mail) throw new Error('no mail');
    const page = await office.open(`/app/mail/${mail.id}`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('From "alpha Charters" <bosun@localhost>');
    expect(text).toContain('To "Casey Captain" <captain@alpha.test>');
    expect(text).toContain('Subject Your sign-in link for alpha Charters');
    // The link would sign whoever reads the log in as the crew member: its token is hidden, and the
    // message (which carries it) is not handed out whole.
    expect(page.html).toContain('http://localhost:8080/crew/login/[personal link, hidden]');
    expect(page.html).not.toMatch(/\/crew\/login\/[A-Za-z0-9_-]{43}/);
    expect(page.html).not.toContain(`href="/app/mail/${mail.id}/message.eml"`);
    const eml = await office.open(`/app/mail/${mail.id}/message.eml`);
    expect(eml.status).toBe(403);
    expect(eml.html).not.toMatch(/\/crew\/login\/[A-Za-z0-9_-]{43}/);
    // The HTML part is not rendered into the dashboard (its button's style is unique to it).
    expect(page.html).not.toContain('display:inline-block;background:#0b5cab');
  });

  it('serves a message without a sign-in link as message/rfc822 for download', async () => {
    const mailer = new FileMailer(mailDir);
    await sendMailOnce({ ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } }, a.tenant.id, {
      kind: 'test.note',
      dedupeKey: 'test-note-1',
      to: { name: 'Casey Captain', address: 'captain@alpha.test' },
      crewMemberId: null,
      bookingId: null,
      prepare: async () => ({
        subject: 'A plain note',
        text: 'Fenders are in the locker.',
        html: '<p>Fenders are in the locker.</p>',
        magicLinkId: null,
      }),
    });
    const mail = (await listOutgoingMail(t.deps, a.ctx, {})).find((m) => m.kind === 'test.note');
    const page = await office.open(`/app/mail/${mail?.id}`);
    expect(page.html).toContain(`href="/app/mail/${mail?.id}/message.eml"`);
    const res = await office.open(`/app/mail/${mail?.id}/message.eml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('message/rfc822');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="bosun-mail-${mail?.id}.eml"`);
    expect(res.html).toContain('Subject: A plain note');
    expect(res.html).toContain('Content-Type: multipart/alternative');
  });

  it('with SMTP, shows the recorded fields and says no copy is kept', async () => {
    const [mail] = await listOutgoingMail(t.deps, a.ctx, { status: 'sent' });
    const page = await officeOverSmtp.open(`/app/mail/${mail?.id}`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('To Casey Captain <captain@alpha.test>');
    expect(text).toContain('Bosun keeps no copy of the message');
    expect(page.html).not.toContain('<pre>');
    const eml = await officeOverSmtp.open(`/app/mail/${mail?.id}/message.eml`);
    expect(eml.status).toBe(303);
  });

  it('gives another tenant a 404 for this tenant’s message and its file', async () => {
    const [mail] = await listOutgoingMail(t.deps, a.ctx, {});
    for (const path of [`/app/mail/${mail?.id}`, `/app/mail/${mail?.id}/message.eml`, '/app/mail/not-a-mail']) {
      const page = await other.open(path);
      expect(page.status, path).toBe(404);
      expect(page.html).not.toContain('Your sign-in link for alpha Charters');
    }
  });
});
