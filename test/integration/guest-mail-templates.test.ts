/**
 * A tenant's guest mail templates: listed with the defaults, saved and reset by an owner (audited),
 * refused with the field named and the old template kept, never seen by another tenant; and the
 * preview the office reads before saving or sending — of a sample booking, or of a real one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { ServiceError, ValidationError } from '../../src/services/errors';
import {
  DEFAULT_TEMPLATES,
  GUEST_TEMPLATE_KINDS,
  listMailTemplates,
  previewGuestMail,
  resetMailTemplate,
  saveMailTemplate,
} from '../../src/services/guest-mail';
import { addStaffUser, updateTenant } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let ownerA: { tenantId: string; actor: { kind: 'staff'; id: string } };
let staffA: { tenantId: string; actor: { kind: 'staff'; id: string } };
let ownerB: { tenantId: string; actor: { kind: 'staff'; id: string } };

const mine = {
  subject: 'See you on {{charter.date}}, {{guest.firstName}}!',
  body: 'Ahoy {{guest.firstName}},\n\nMeet us at {{charter.meetingPoint}}.',
};

/** What a refused call says, field by field. */
async function refusal(run: Promise<unknown>): Promise<Record<string, string>> {
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(err)}`);
  return Object.fromEntries((err.errors ?? []).map((e) => [e.field, e.message]));
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'tpla');
  b = await makeTenant(t.deps, 'tplb');
  const staff = async (tenant: typeof a, role: 'owner' | 'staff', email: string) => {
    const user = await addStaffUser(t.deps, tenant.ctx, { name: `${role} ${email}`, email, role });
    return { tenantId: tenant.tenant.id, actor: { kind: 'staff' as const, id: user.id } };
  };
  ownerA = await staff(a, 'owner', 'owner@tpla.test');
  staffA = await staff(a, 'staff', 'staff@tpla.test');
  ownerB = await staff(b, 'owner', 'owner@tplb.test');
});

afterAll(async () => {
  await t.close();
});

describe('guest mail templates', () => {
  it('lists every kind with its default until the tenant saves its own', async () => {
    const list = await listMailTemplates(t.deps, a.ctx);
    expect(list.map((v) => v.kind)).toEqual([...GUEST_TEMPLATE_KINDS]);
    expect(list.map((v) => v.label)).toEqual(['Confirmation', 'Change', 'Cancellation', 'Reminder']);
    for (const v of list) expect(v).toMatchObject({ ...DEFAULT_TEMPLATES[v.kind], isDefault: true, updatedAt: null });
  });

  it('an owner saves a template: listed as the tenant’s own, audited', async () => {
    t.clock.set(new Date('2026-05-01T12:30:00Z'));
    const saved = await saveMailTemplate(t.deps, ownerA, 'guest.confirmation', mine);
    expect(saved).toEqual({
      kind: 'guest.confirmation',
      label: 'Confirmation',
      ...mine,
      isDefault: false,
      updatedAt: '2026-05-01T12:30:00.000Z',
    });
    const list = await listMailTemplates(t.deps, a.ctx);
    expect(list.find((v) => v.kind === 'guest.confirmation')).toEqual(saved);
    expect(list.find((v) => v.kind === 'guest.reminder')?.isDefault).toBe(true);
    const [entry] = await listAudit(t.deps, a.ctx, { entityId: 'guest.confirmation' });
    expect(entry).toMatchObject({
      action: 'mail_template.updated',
      entity: 'mail_template:guest.confirmation',
      actor: `staff:${ownerA.actor.id}`,
    });
    expect(entry?.after).toEqual(mine);
    t.clock.set(new Date('2026-05-01T12:00:00Z'));
  });

  it('a refused save names the field and the tag, and leaves the old template', async () => {
    expect(await refusal(saveMailTemplate(t.deps, ownerA, 'guest.confirmation', { ...mine, body: 'Hi {{guest.lastName}}' }))).toEqual({
      body: expect.stringMatching(/^unknown placeholder \{\{guest\.lastName\}\}; known: /),
    });
    expect(
      await refusal(saveMailTemplate(t.deps, ownerA, 'guest.confirmation', { ...mine, subject: '{{#guest.name}}x{{/guest.name}}' })),
    ).toEqual({
      subject: expect.stringMatching(/^sections are not allowed: \{\{#guest\.name\}\}/),
    });
    expect(await refusal(saveMailTemplate(t.deps, ownerA, 'guest.confirmation', { ...mine, subject: 'Hi\r\nBcc: x@example.com' }))).toEqual(
      {
        subject: 'must not contain control characters',
      },
    );
    expect(await refusal(saveMailTemplate(t.deps, ownerA, 'guest.invoice', mine))).toEqual({
      kind: expect.stringContaining('must be one of'),
    });
    expect(await refusal(saveMailTemplate(t.deps, ownerA, 'guest.message', mine))).toEqual({
      kind: expect.stringContaining('must be one of'),
    });
    const kept = (await listMailTemplates(t.deps, a.ctx)).find((v) => v.kind === 'guest.confirmation');
    expect(kept).toMatchObject({ ...mine, isDefault: false });
    expect((await listAudit(t.deps, a.ctx, { entityId: 'guest.confirmation' })).length).toBe(1);
  });

  it('staff who are not owners may not save or reset; the template stays', async () => {
    // Each attempt is made only when it is awaited: a refusal left waiting would go unhandled.
    for (const run of [
      () => saveMailTemplate(t.deps, staffA, 'guest.confirmation', DEFAULT_TEMPLATES['guest.confirmation']),
      () => resetMailTemplate(t.deps, staffA, 'guest.confirmation'),
    ]) {
      const err = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).status).toBe(403);
    }
    expect((await listMailTemplates(t.deps, a.ctx)).find((v) => v.kind === 'guest.confirmation')).toMatchObject(mine);
  });

  it('another tenant never sees, uses or resets the template', async () => {
    const theirs = await listMailTemplates(t.deps, b.ctx);
    expect(theirs.every((v) => v.isDefault)).toBe(true);
    expect(theirs.find((v) => v.kind === 'guest.confirmation')?.subject).toBe(DEFAULT_TEMPLATES['guest.confirmation'].subject);
    const preview = await previewGuestMail(t.deps, ownerB, { kind: 'guest.confirmation' });
    expect(preview.text).not.toContain('Ahoy');
    await resetMailTemplate(t.deps, ownerB, 'guest.confirmation');
    expect((await listMailTemplates(t.deps, a.ctx)).find((v) => v.kind === 'guest.confirmation')).toMatchObject({
      ...mine,
      isDefault: false,
    });
    expect(await listAudit(t.deps, b.ctx, { entityId: 'guest.confirmation' })).toEqual([]);
    // A's template is not B's to save over either: B's save is B's own.
    await saveMailTemplate(t.deps, ownerB, 'guest.confirmation', { subject: 'B {{guest.name}}', body: 'B body' });
    expect((await listMailTemplates(t.deps, a.ctx)).find((v) => v.kind === 'guest.confirmation')).toMatchObject(mine);
    await resetMailTemplate(t.deps, ownerB, 'guest.confirmation');
  });

  it('the preview of a sample booking uses the saved template: tomorrow at 10:00 on the first vessel', async () => {
    const preview = await previewGuestMail(t.deps, a.ctx, { kind: 'guest.confirmation' });
    // The clock is 2026-05-01T12:00Z: 05:00 in Los Angeles, so tomorrow is May 2.
    expect(preview.subject).toBe('See you on Saturday, May 2, 2026, Avery!');
    expect(preview.text.startsWith('Ahoy Avery,\n\nMeet us at Dock C.\n')).toBe(true);
    expect(preview.text).toMatch(/When: Saturday, May 2, 2026, 10:00\sAM\s–\s1:00\sPM PDT \(America\/Los_Angeles\)/);
    expect(preview.text).toContain('Vessel: Jada');
    expect(preview.to).toEqual({ name: 'Avery Guest', address: 'avery.guest@example.com' });
    expect(preview.attachments).toEqual(['charter.ics']);
    expect(preview.html.startsWith('<!doctype html>')).toBe(true);
  });

  it('previews a draft without saving it, and refuses a bad draft naming the field', async () => {
    const draft = await previewGuestMail(t.deps, ownerA, {
      kind: 'guest.reminder',
      content: { subject: 'Soon: {{charter.vessel}}', body: 'Bring {{tenant.name}} a smile' },
    });
    expect(draft.subject).toBe('Soon: Jada');
    expect(draft.text.startsWith('Bring tpla Charters a smile\n')).toBe(true);
    expect((await listMailTemplates(t.deps, a.ctx)).find((v) => v.kind === 'guest.reminder')?.isDefault).toBe(true);
    expect(
      await refusal(previewGuestMail(t.deps, ownerA, { kind: 'guest.reminder', content: { subject: 'x', body: '{{{guest.name}}}' } })),
    ).toEqual({
      body: expect.stringMatching(/^unescaped placeholders are not allowed: \{\{\{guest\.name\}\}\}/),
    });
    expect(await refusal(previewGuestMail(t.deps, ownerA, { kind: 'guest.message', content: {} }))).toHaveProperty('subject');
    expect(await refusal(previewGuestMail(t.deps, ownerA, { kind: 'guest.nope' }))).toHaveProperty('kind');
  });

  it('a change preview of the sample booking shows a sample change; a cancellation says so', async () => {
    const change = await previewGuestMail(t.deps, a.ctx, { kind: 'guest.change' });
    expect(change.text).toMatch(/What changed:\n- Departure: Sat, May 2, 2026, 9:00\sAM PDT → Sat, May 2, 2026, 10:00\sAM PDT/);
    expect(change.text).toContain('- Party size: 2 guests → 4 guests');
    const cancellation = await previewGuestMail(t.deps, a.ctx, { kind: 'guest.cancellation' });
    expect(cancellation.text).toContain('This charter has been cancelled');
    expect(cancellation.attachments).toEqual(['charter.ics']);
  });

  it('previews a mail about a real booking: its guest, its values, nothing staff-only; another tenant’s booking is not found', async () => {
    await updateTenant(t.deps, a.ctx, { contactPhone: '+1 619 555 0123' });
    const created = await createBooking(
      t.deps,
      a.ctx,
      createBookingSchema.parse(
        bookingInput({
          guest: { name: 'Robin Sailor', email: 'robin@example.com', phone: '+1 619 555 0100' },
          pricing: { total: 9876.54, currency: 'USD' },
          captainFeePerHour: 321.09,
          notes: { internal: 'INTERNAL-ONLY', crew: 'CREW-ONLY', guest: 'Wear deck shoes' },
        }),
      ),
    );
    const id = created.booking.id;
    const preview = await previewGuestMail(t.deps, ownerA, {
      kind: 'guest.message',
      content: { subject: 'About {{booking.id}}', body: 'Dear {{guest.name}}, call {{tenant.contactPhone}}.' },
      bookingId: id.toLowerCase(),
    });
    expect(preview.to).toEqual({ name: 'Robin Sailor', address: 'robin@example.com' });
    expect(preview.subject).toBe(`About ${id}`);
    expect(preview.text.startsWith('Dear Robin Sailor, call +1 619 555 0123.\n')).toBe(true);
    expect(preview.text).toContain('Wear deck shoes');
    expect(preview.attachments).toEqual([]);
    for (const part of [preview.subject, preview.text, preview.html]) {
      for (const secret of ['9876', '321.09', 'INTERNAL-ONLY', 'CREW-ONLY', '555 0100']) expect(part).not.toContain(secret);
    }
    const confirmation = await previewGuestMail(t.deps, ownerA, { kind: 'guest.confirmation', bookingId: id });
    expect(confirmation.subject).toMatch(/^See you on \w+day, \w+ \d+, 2026, Robin!$/);
    expect(confirmation.attachments).toEqual(['charter.ics']);

    await expect(previewGuestMail(t.deps, ownerB, { kind: 'guest.confirmation', bookingId: id })).rejects.toMatchObject({ status: 404 });
    await expect(previewGuestMail(t.deps, ownerA, { kind: 'guest.confirmation', bookingId: 'NOSUCH1' })).rejects.toMatchObject({
      status: 404,
    });
    expect(await refusal(previewGuestMail(t.deps, ownerA, { kind: 'guest.confirmation', bookingId: '../x' }))).toHaveProperty('bookingId');
  });

  it('an owner resets a template to the default, audited', async () => {
    const view = await resetMailTemplate(t.deps, ownerA, 'guest.confirmation');
    expect(view).toEqual({
      kind: 'guest.confirmation',
      label: 'Confirmation',
      ...DEFAULT_TEMPLATES['guest.confirmation'],
      isDefault: true,
      updatedAt: null,
    });
    expect((await listMailTemplates(t.deps, a.ctx)).every((v) => v.isDefault)).toBe(true);
    const [entry] = await listAudit(t.deps, a.ctx, { entityId: 'guest.confirmation' });
    expect(entry).toMatchObject({ action: 'mail_template.reset', actor: `staff:${ownerA.actor.id}` });
    // Resetting a default again changes nothing and records nothing.
    await resetMailTemplate(t.deps, ownerA, 'guest.confirmation');
    expect((await listAudit(t.deps, a.ctx, { entityId: 'guest.confirmation' })).map((e) => e.action)).toEqual([
      'mail_template.reset',
      'mail_template.updated',
    ]);
  });
});
