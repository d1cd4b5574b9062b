/**
 * Mail to guests (ADR 0022): what each kind of queued guest mail says, rendered when the outbox sends
 * it, from the guest view of its booking — never from a row, so no guest mail can carry money,
 * internal or crew notes, or crew contacts. Each template kind has a default kept here; a tenant's
 * owner may replace its subject and body (`mail_templates`), with plain `{{placeholder}}` tags only.
 * The `.ics` attached is the guest page's own calendar file (same UID and SEQUENCE rules).
 */
import { z } from 'zod';
import type { Tx } from '../db/client';
import type { OutgoingMailRow } from '../db/queries/mail';
import { getMailTemplate } from '../db/queries/mail-templates';
import { getGuestSite, getTenantById } from '../db/queries/tenants';
import { isMultiLineText, MULTI_LINE_CONTROL_MESSAGE } from '../domain/text';
import { type GuestMailChange, type GuestMailKind, type GuestMailTenant, renderGuestMail } from '../mail/guest-mail';
import { PLACEHOLDERS, templateProblems } from '../mail/template';
import type { MailAttachment } from '../ports/mailer';
import { renderGuestCalendar } from '../publish/guest-calendar';
import { brandingSchema, guestPageBookingSchema } from '../publish/guest-page';
import { getBookingForGuest } from './bookings';
import type { ServiceDeps } from './context';
import { NotFoundError } from './errors';
import type { MailDeps, PreparedMail } from './mail';
import { singleLine } from './text-fields';

export { PLACEHOLDERS };

/** The kinds of guest mail a tenant can word itself. `guest.message` is the office's own text each time. */
export const GUEST_TEMPLATE_KINDS = ['guest.confirmation', 'guest.change', 'guest.cancellation', 'guest.reminder'] as const;
export type GuestTemplateKind = (typeof GUEST_TEMPLATE_KINDS)[number];

/** Every kind of guest mail the outbox renders. */
export const GUEST_MAIL_KINDS = [...GUEST_TEMPLATE_KINDS, 'guest.message'] as const satisfies readonly GuestMailKind[];

export const isGuestMailKind = (kind: string): kind is GuestMailKind => (GUEST_MAIL_KINDS as readonly string[]).includes(kind);

export const TEMPLATE_LABELS: Record<GuestTemplateKind, string> = {
  'guest.confirmation': 'Confirmation',
  'guest.change': 'Change',
  'guest.cancellation': 'Cancellation',
  'guest.reminder': 'Reminder',
};

export const SUBJECT_MAX = 200;
export const BODY_MAX = 10_000;

/** Issues for each refused tag or unknown placeholder of one field's template text. */
const plainTagsOnly = (value: string, ctx: z.RefinementCtx) => {
  for (const message of templateProblems(value)) ctx.addIssue({ code: 'custom', message });
};

/**
 * A guest mail's subject and body as a person writes them — a tenant's template, or the office's own
 * text for one mail: the subject one line of at most 200 characters, the body at most 10,000, both
 * with plain `{{placeholder}}` tags of `PLACEHOLDERS` only. A refusal names its field and the tag.
 */
export const mailTemplateSchema = z.strictObject({
  subject: singleLine(SUBJECT_MAX).superRefine(plainTagsOnly),
  body: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(BODY_MAX, `must be at most ${BODY_MAX} characters`)
    .refine(isMultiLineText, MULTI_LINE_CONTROL_MESSAGE)
    .superRefine(plainTagsOnly),
});
export type MailTemplateInput = z.infer<typeof mailTemplateSchema>;

/** Bosun's wording of each kind, used until a tenant saves its own (and after a reset). */
export const DEFAULT_TEMPLATES: Record<GuestTemplateKind, MailTemplateInput> = {
  'guest.confirmation': {
    subject: 'Your charter on {{charter.date}} is confirmed',
    body: [
      'Hello {{guest.firstName}},',
      '',
      'Thank you for booking with {{tenant.name}}. Your charter aboard {{charter.vessel}} is confirmed for {{charter.date}}, from {{charter.startTime}} to {{charter.endTime}} ({{charter.timeZone}} time).',
      '',
      'Everything you need is below, and your booking page stays up to date if anything changes. The calendar file attached adds the charter to your calendar.',
      '',
      'We look forward to welcoming you aboard!',
    ].join('\n'),
  },
  'guest.change': {
    subject: 'Your charter on {{charter.date}} has changed',
    body: [
      'Hello {{guest.firstName}},',
      '',
      'The details of your charter with {{tenant.name}} have changed. You will find what changed below, and the calendar file attached updates the charter in your calendar.',
      '',
      'If the new details do not suit you, just reply to this e-mail.',
    ].join('\n'),
  },
  'guest.cancellation': {
    subject: 'Your charter on {{charter.date}} is cancelled',
    body: [
      'Hello {{guest.firstName}},',
      '',
      'We are sorry to tell you that your charter aboard {{charter.vessel}} on {{charter.date}} has been cancelled. The calendar file attached removes it from your calendar.',
      '',
      'If you have questions, reply to this e-mail and {{tenant.name}} will get back to you.',
    ].join('\n'),
  },
  'guest.reminder': {
    subject: 'Reminder: your charter on {{charter.date}} at {{charter.startTime}}',
    body: [
      'Hello {{guest.firstName}},',
      '',
      'A quick reminder: your charter aboard {{charter.vessel}} departs on {{charter.date}} at {{charter.startTime}} ({{charter.timeZone}} time), from {{charter.meetingPoint}}. Please arrive a few minutes early.',
      '',
      'See you on board!',
    ].join('\n'),
  },
};

const CHANGE_FIELDS = ['startsAt', 'endsAt', 'vessel', 'meetingPoint', 'partySize'] as const;
const changeValue = z.union([z.string().max(2000), z.number(), z.null()]);

/** What a change mail lists: each changed fact with its guest-view values before and after. */
export const guestChangesSchema = z
  .array(z.object({ field: z.enum(CHANGE_FIELDS), from: changeValue, to: changeValue }))
  .max(CHANGE_FIELDS.length * 2);

/** The `content` of a queued guest mail, by kind: the office's text for a message, what changed for a change. */
const queuedContent = {
  message: mailTemplateSchema,
  change: z.object({ changes: guestChangesSchema }),
};

/** The guest view as a guest mail reads it (other fields of the view are ignored). */
const guestMailBookingSchema = guestPageBookingSchema.extend({ guest: z.object({ name: z.string(), firstName: z.string() }) });

/** The tenant's settings a guest may read: its contacts, what to bring and its policies (as guest pages show them). */
function publicTenant(name: string, settings: unknown): GuestMailTenant {
  const parsed = brandingSchema.safeParse(settings);
  const b = parsed.success ? parsed.data : {};
  return { name, contactEmail: b.contactEmail, contactPhone: b.contactPhone, whatToBring: b.whatToBring, policies: b.policies };
}

/** The file a guest mail attaches: the charter as the guest page's calendar has it. */
export const CALENDAR_ATTACHMENT = { filename: 'charter.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH' } as const;

const ATTACHES_CALENDAR: Record<GuestMailKind, boolean> = {
  'guest.confirmation': true,
  'guest.change': true,
  'guest.cancellation': true,
  'guest.reminder': true,
  'guest.message': false,
};

/** A guest mail kind's text: the tenant's template, or the default (also for a stored one no longer valid). */
async function templateOf(q: Tx | ServiceDeps['db'], tenantId: string, kind: GuestTemplateKind): Promise<MailTemplateInput> {
  const stored = await getMailTemplate(q, tenantId, kind);
  if (stored) {
    const parsed = mailTemplateSchema.safeParse({ subject: stored.subject, body: stored.body });
    if (parsed.success) return parsed.data;
  }
  return DEFAULT_TEMPLATES[kind];
}

type GuestMailSource = {
  kind: GuestMailKind;
  template: MailTemplateInput;
  changes: GuestMailChange[];
  bookingId: string;
};

/**
 * Renders a guest mail of `source.kind` about a booking as it is now (read within `q`): the template
 * with the booking's guest view, the facts, and the calendar file for the kinds that carry it.
 */
async function renderForBooking(
  deps: ServiceDeps,
  q: Tx | ServiceDeps['db'],
  tenantId: string,
  source: GuestMailSource,
): Promise<PreparedMail> {
  const [tenant, site, loaded] = await Promise.all([
    getTenantById(q, tenantId),
    getGuestSite(q, tenantId),
    getBookingForGuest(deps, { tenantId }, source.bookingId, q),
  ]);
  if (!tenant) throw new NotFoundError('Tenant');
  const booking = guestMailBookingSchema.parse(loaded.view);
  const mail = await renderGuestMail({
    kind: source.kind,
    template: source.template,
    booking,
    tenant: publicTenant(tenant.name, tenant.settings),
    changes: source.changes,
  });
  const attachments: MailAttachment[] = [];
  if (ATTACHES_CALENDAR[source.kind] && site) {
    const calendar = renderGuestCalendar(loaded.view, { domain: site.domain, tenantName: tenant.name }, loaded);
    attachments.push({ ...CALENDAR_ATTACHMENT, content: calendar });
  }
  return { ...mail, ...(attachments.length > 0 ? { attachments } : {}) };
}

/** What a queued row asks to be rendered: its kind's template (or its own text) and what changed. */
async function sourceOfRow(q: Tx, row: OutgoingMailRow): Promise<GuestMailSource> {
  if (!isGuestMailKind(row.kind)) throw new Error(`no renderer for mail kind ${row.kind}`);
  if (!row.booking_id) throw new Error(`guest mail ${row.id} names no booking`);
  const content = row.content ?? {};
  if (row.kind === 'guest.message') {
    const text = queuedContent.message.safeParse(content);
    if (!text.success)
      throw new Error(`guest mail ${row.id}: its text is not a valid message (${text.error.issues[0]?.message ?? 'invalid'})`);
    return { kind: row.kind, template: text.data, changes: [], bookingId: row.booking_id };
  }
  const changes = row.kind === 'guest.change' ? queuedContent.change.parse(content).changes : [];
  return { kind: row.kind, template: await templateOf(q, row.tenant_id, row.kind), changes, bookingId: row.booking_id };
}

/**
 * Renders queued mail `row` for the outbox, inside the transaction that records the attempt: every
 * guest kind from the row's `content`, the tenant's template for its kind (or the default) and the
 * booking's guest view as it is now. Throws for a kind this installation does not know.
 */
export async function renderQueuedMail(deps: MailDeps, tx: Tx, row: OutgoingMailRow): Promise<PreparedMail> {
  return renderForBooking(deps, tx, row.tenant_id, await sourceOfRow(tx, row));
}
