/**
 * Mail to guests (ADR 0022): what each kind of queued guest mail says, rendered when the outbox sends
 * it, from the guest view of its booking — never from a row, so no guest mail can carry money,
 * internal or crew notes, or crew contacts. Each template kind has a default kept here; a tenant's
 * owner may replace its subject and body (`mail_templates`), with plain `{{placeholder}}` tags only.
 * The `.ics` attached is the guest page's own calendar file (same UID and SEQUENCE rules).
 */
import { z } from 'zod';
import type { Tx } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import type { OutgoingMailRow } from '../db/queries/mail';
import * as q from '../db/queries/mail-templates';
import { getStaffUserById, listVessels } from '../db/queries/people';
import { getGuestSite, getTenantById } from '../db/queries/tenants';
import { guestReminderKey } from '../domain/guest-follow-ups';
import { isMultiLineText, MULTI_LINE_CONTROL_MESSAGE, toHeaderText } from '../domain/text';
import { dayIn, instantOfWallTime, startOfDayIn, toZonedIso } from '../domain/time';
import { type BookingRecord, viewBookingForGuest } from '../domain/visibility';
import { type GuestMailChange, type GuestMailKind, type GuestMailTenant, renderGuestMail } from '../mail/guest-mail';
import { PLACEHOLDERS, templateProblems } from '../mail/template';
import type { MailAttachment } from '../ports/mailer';
import { renderGuestCalendar } from '../publish/guest-calendar';
import { brandingSchema, guestPageBookingSchema } from '../publish/guest-page';
import { guestPageUrl } from '../publish/site-layout';
import { getBooking, getBookingForGuest, getBookingForGuestKnowingSite } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError, ServiceError } from './errors';
import { type MailDeps, MailWithdrawn, type PreparedMail } from './mail';
import { parseInput } from './parse-input';
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
async function templateOf(db: Tx | ServiceDeps['db'], tenantId: string, kind: GuestTemplateKind): Promise<MailTemplateInput> {
  const stored = await q.getMailTemplate(db, tenantId, kind);
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
};

/** What a guest mail is rendered from: the guest view, its revision, the tenant, and its guest site's domain. */
type GuestMailFacts = {
  view: unknown;
  /** The booking's status and its guest's name and address now (where the mail goes; not in the view). */
  status: string;
  recipient: { name: string; address: string };
  revision: { version: number; updatedAt: Date };
  tenant: { name: string; settings: unknown };
  domain: string | null;
};

/**
 * Renders a guest mail of `source.kind`: the template with the booking's guest view, the facts, and
 * the calendar file (the guest page's own) for the kinds that carry it.
 */
async function renderFromFacts(source: GuestMailSource, facts: GuestMailFacts): Promise<PreparedMail> {
  const booking = guestMailBookingSchema.parse(facts.view);
  const mail = await renderGuestMail({
    kind: source.kind,
    template: source.template,
    booking,
    tenant: publicTenant(facts.tenant.name, facts.tenant.settings),
    changes: source.changes,
  });
  const attachments: MailAttachment[] = [];
  if (ATTACHES_CALENDAR[source.kind] && facts.domain) {
    const calendar = renderGuestCalendar(facts.view, { domain: facts.domain, tenantName: facts.tenant.name }, facts.revision);
    attachments.push({ ...CALENDAR_ATTACHMENT, content: calendar });
  }
  return { ...mail, ...(attachments.length > 0 ? { attachments } : {}) };
}

/**
 * What a job that renders many guest mails reads once for all of them, by tenant: its name and public
 * settings, and its guest site. A message to 1,000 guests reads them once, not 1,000 times; a change
 * to them while such a job runs reaches the mail of later jobs.
 */
export type GuestMailMemo = Map<string, Promise<{ tenant: GuestMailFacts['tenant']; domain: string | null }>>;

export const newGuestMailMemo = (): GuestMailMemo => new Map();

/** The tenant and guest site of `memo`, read within `db` the first time. */
function sharedFacts(memo: GuestMailMemo, db: Tx | ServiceDeps['db'], tenantId: string) {
  let shared = memo.get(tenantId);
  if (!shared) {
    shared = Promise.all([getTenantById(db, tenantId), getGuestSite(db, tenantId)]).then(([tenant, site]) => {
      if (!tenant) throw new NotFoundError('Tenant');
      return { tenant: { name: tenant.name, settings: tenant.settings }, domain: site?.domain ?? null };
    });
    memo.set(tenantId, shared);
    shared.catch(() => memo.delete(tenantId));
  }
  return shared;
}

/**
 * The facts of a booking as it is now, read within `db`. NotFoundError when the tenant has no such
 * booking. With `memo`, the tenant and its guest site are those the job read first, and the booking
 * is one query.
 */
async function factsOfBooking(
  deps: ServiceDeps,
  db: Tx | ServiceDeps['db'],
  tenantId: string,
  bookingId: string,
  memo?: GuestMailMemo,
): Promise<GuestMailFacts> {
  if (memo) {
    const { tenant, domain } = await sharedFacts(memo, db, tenantId);
    const loaded = await getBookingForGuestKnowingSite(deps, db, tenantId, bookingId, domain);
    return { view: loaded.view, status: loaded.status, recipient: loaded.recipient, revision: loaded, tenant, domain };
  }
  const [tenant, site, loaded] = await Promise.all([
    getTenantById(db, tenantId),
    getGuestSite(db, tenantId),
    getBookingForGuest(deps, { tenantId }, bookingId, db),
  ]);
  if (!tenant) throw new NotFoundError('Tenant');
  return { view: loaded.view, status: loaded.status, recipient: loaded.recipient, revision: loaded, tenant, domain: site?.domain ?? null };
}

/** What a queued row asks to be rendered: its kind's template (or its own text) and what changed. */
async function sourceOfRow(tx: Tx, row: OutgoingMailRow): Promise<GuestMailSource> {
  if (!isGuestMailKind(row.kind)) throw new Error(`no renderer for mail kind ${row.kind}`);
  const content = row.content ?? {};
  if (row.kind === 'guest.message') {
    const text = queuedContent.message.safeParse(content);
    if (!text.success)
      throw new Error(`guest mail ${row.id}: its text is not a valid message (${text.error.issues[0]?.message ?? 'invalid'})`);
    return { kind: row.kind, template: text.data, changes: [] };
  }
  const changes = row.kind === 'guest.change' ? queuedContent.change.parse(content).changes : [];
  return { kind: row.kind, template: await templateOf(tx, row.tenant_id, row.kind), changes };
}

/**
 * Renders queued mail `row` for the outbox, inside the transaction that records the attempt: every
 * guest kind from the row's `content`, the tenant's template for its kind (or the default) and the
 * booking's guest view as it is now. Throws for a kind this installation does not know.
 */
export async function renderQueuedMail(deps: MailDeps, tx: Tx, row: OutgoingMailRow, memo?: GuestMailMemo): Promise<PreparedMail> {
  if (!row.booking_id) throw new Error(`guest mail ${row.id} names no booking`);
  const source = await sourceOfRow(tx, row);
  const facts = await factsOfBooking(deps, tx, row.tenant_id, row.booking_id, memo);
  const stale = staleReason(row, facts, deps.clock.now());
  if (stale) throw new MailWithdrawn(stale);
  // To the guest as the booking names them now: a corrected address is the one used.
  return { ...(await renderFromFacts(source, facts)), to: facts.recipient };
}

/**
 * Why automatic mail queued earlier no longer applies, or null: the charter was cancelled (only its
 * cancellation still goes), or a reminder's charter has departed. The change that makes it so
 * withdraws such mail in its own transaction; this catches what was being sent meanwhile, or retried.
 */
function staleReason(row: OutgoingMailRow, facts: GuestMailFacts, now: Date): string | null {
  if (!row.automatic || row.kind === 'guest.cancellation') return null;
  if (facts.status === 'cancelled') return 'withdrawn: the charter was cancelled before this mail went out';
  const startsAt = (facts.view as { startsAt?: unknown }).startsAt;
  if (row.kind === 'guest.reminder' && typeof startsAt === 'string') {
    const departure = new Date(startsAt);
    if (departure <= now) return 'withdrawn: the charter had departed before the reminder could go out';
    // A reminder the sweep queued is for one departure time (its key names it): has the charter moved since?
    const sweptKey = row.booking_id !== null && row.dedupe_key.startsWith(`guest.reminder:${row.booking_id}:`);
    if (sweptKey && row.dedupe_key !== guestReminderKey(row.booking_id ?? '', departure)) {
      return 'withdrawn: the charter moved; a reminder for the new time follows';
    }
  }
  return null;
}

/** A template kind as the office sees it: the wording in force, and whether it is Bosun's default. */
export type MailTemplateView = {
  kind: GuestTemplateKind;
  label: string;
  subject: string;
  body: string;
  isDefault: boolean;
  /** When the tenant last saved it; null for the default. */
  updatedAt: string | null;
};

const templateKindSchema = z.enum(GUEST_TEMPLATE_KINDS, { error: `must be one of ${GUEST_TEMPLATE_KINDS.join(', ')}` });

function templateView(kind: GuestTemplateKind, stored: { subject: string; body: string; updated_at: Date } | undefined): MailTemplateView {
  const text = stored && mailTemplateSchema.safeParse({ subject: stored.subject, body: stored.body }).success ? stored : undefined;
  return {
    kind,
    label: TEMPLATE_LABELS[kind],
    subject: text?.subject ?? DEFAULT_TEMPLATES[kind].subject,
    body: text?.body ?? DEFAULT_TEMPLATES[kind].body,
    isDefault: text === undefined,
    updatedAt: text?.updated_at.toISOString() ?? null,
  };
}

/** Every template kind of the caller's tenant: its own wording where it saved one, else the default. */
export async function listMailTemplates(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<MailTemplateView[]> {
  const stored = new Map((await q.listMailTemplates(deps.db, ctx.tenantId)).map((t) => [t.kind, t]));
  return GUEST_TEMPLATE_KINDS.map((kind) => templateView(kind, stored.get(kind)));
}

/** Templates are the owners' to change (and the platform operator's): they speak for the business. */
async function requireOwner(q: Tx, ctx: TenantContext): Promise<void> {
  if (ctx.actor.kind === 'operator') return;
  const staff = ctx.actor.kind === 'staff' && ctx.actor.id ? await getStaffUserById(q, ctx.tenantId, ctx.actor.id) : undefined;
  if (staff?.role !== 'owner' || staff.deactivated_at !== null) {
    throw new ServiceError(403, 'Forbidden', 'Only an owner can change the guest mail templates.');
  }
}

const parseKind = (kind: string): GuestTemplateKind => parseInput(z.strictObject({ kind: templateKindSchema }), { kind }).kind;

/**
 * Saves the tenant's own subject and body for `kind` (an owner's action), audited as
 * `mail_template.updated`. A refused template (an unknown placeholder, a tag other than a plain one,
 * a line break in the subject …) is a ValidationError naming the field; the old template stays.
 */
export async function saveMailTemplate(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  ctx: TenantContext,
  kind: string,
  input: unknown,
): Promise<MailTemplateView> {
  const templateKind = parseKind(kind);
  const text = parseInput(mailTemplateSchema, input);
  return deps.db.transaction().execute(async (tx) => {
    await requireOwner(tx, ctx);
    const before = await q.getMailTemplate(tx, ctx.tenantId, templateKind);
    const saved = await q.upsertMailTemplate(tx, ctx.tenantId, { kind: templateKind, ...text, now: deps.clock.now() });
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'mail_template.updated',
      entityType: 'mail_template',
      entityId: templateKind,
      before: before ? { subject: before.subject, body: before.body } : null,
      after: { subject: saved.subject, body: saved.body },
    });
    return templateView(templateKind, saved);
  });
}

/** Drops the tenant's own wording of `kind` (an owner's action): the default applies again. Audited as `mail_template.reset`. */
export async function resetMailTemplate(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, kind: string): Promise<MailTemplateView> {
  const templateKind = parseKind(kind);
  return deps.db.transaction().execute(async (tx) => {
    await requireOwner(tx, ctx);
    const before = await q.getMailTemplate(tx, ctx.tenantId, templateKind);
    if (before && (await q.deleteMailTemplate(tx, ctx.tenantId, templateKind))) {
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'mail_template.reset',
        entityType: 'mail_template',
        entityId: templateKind,
        before: { subject: before.subject, body: before.body },
      });
    }
    return templateView(templateKind, undefined);
  });
}

/** A guest mail as it would be sent: subject, both parts, the recipient, and the names of the files attached. */
export type MailPreview = {
  subject: string;
  text: string;
  html: string;
  to: { name: string; address: string };
  attachments: string[];
};

export const previewGuestMailSchema = z.strictObject({
  kind: z.enum(GUEST_MAIL_KINDS, { error: `must be one of ${GUEST_MAIL_KINDS.join(', ')}` }),
  /**
   * guest.message: `{subject, body}`, the office's text (required). A template kind: optionally
   * `{subject, body}`, a draft to preview instead of the saved template, and for guest.change
   * `changes` (else a sample change when the booking is the sample one).
   */
  content: z.record(z.string(), z.unknown()).default({}),
  bookingId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id')
    .optional(),
});

const SAMPLE_ID = 'SAMPLE1';
const SAMPLE_GUEST = { name: 'Avery Guest', address: 'avery.guest@example.com' };

/**
 * A made-up charter for previews: on the tenant's first vessel (or a sample one), tomorrow at 10:00
 * for three hours in the tenant's zone, for four guests. Built as a record and seen through the guest
 * view like any booking; it carries no money, notes for staff or crew.
 */
async function sampleFacts(deps: ServiceDeps, tenantId: string): Promise<GuestMailFacts> {
  const [tenant, site, vessels] = await Promise.all([
    getTenantById(deps.db, tenantId),
    getGuestSite(deps.db, tenantId),
    listVessels(deps.db, tenantId),
  ]);
  if (!tenant) throw new NotFoundError('Tenant');
  const zone = tenant.timezone;
  const vessel = vessels[0];
  const now = deps.clock.now();
  const tomorrow = dayIn(startOfDayIn(dayIn(now, zone), zone, 1), zone);
  const startsAt = instantOfWallTime(tomorrow, '10:00', zone) ?? startOfDayIn(tomorrow, zone);
  const record: BookingRecord = {
    id: SAMPLE_ID,
    status: 'confirmed',
    guestName: SAMPLE_GUEST.name,
    guestEmail: SAMPLE_GUEST.address,
    guestPhone: null,
    partySize: 4,
    vesselSlug: vessel?.slug ?? 'sample',
    vesselName: vessel?.name ?? 'Sea Breeze',
    meetingPoint: vessel?.meeting_point || 'Harbour, Dock A',
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
    timezone: zone,
    pricingTotal: null,
    currency: null,
    captainFeePerHour: null,
    notesInternal: null,
    notesCrew: null,
    notesGuest: 'A note for the guest appears here.',
    friendlySlug: null,
    guestPageUrl: site ? guestPageUrl(deps.guestOrigin(site.domain), SAMPLE_ID) : `${deps.guestOrigin('example.com')}/g/${SAMPLE_ID}`,
    version: 1,
    createdAt: now,
    updatedAt: now,
    crew: [],
    guestPage: null,
  };
  return {
    view: viewBookingForGuest(record),
    status: record.status,
    recipient: SAMPLE_GUEST,
    revision: record,
    tenant,
    domain: site?.domain ?? null,
  };
}

/** The sample change: the departure an hour later, two more guests. */
function sampleChanges(view: unknown): GuestMailChange[] {
  const b = guestMailBookingSchema.parse(view);
  const earlier = (iso: string) => toZonedIso(new Date(new Date(iso).getTime() - 3_600_000), b.timezone);
  return [
    { field: 'startsAt', from: earlier(b.startsAt), to: b.startsAt },
    { field: 'endsAt', from: earlier(b.endsAt), to: b.endsAt },
    { field: 'partySize', from: b.partySize - 2, to: b.partySize },
  ];
}

/**
 * A guest mail as it would go out, for the office to read before saving a template or sending: of
 * `kind`, about booking `bookingId` as it is now (its guest, from the staff view) or, without one, a
 * sample booking. Refusals: a ValidationError naming `kind`, `bookingId`, or the draft's `subject` /
 * `body`; NotFoundError for a booking the tenant does not have.
 */
export async function previewGuestMail(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: { kind: string; content?: Record<string, unknown> | undefined; bookingId?: string | undefined },
): Promise<MailPreview> {
  const p = parseInput(previewGuestMailSchema, input);
  const draft = 'subject' in p.content || 'body' in p.content || p.kind === 'guest.message';
  const template = draft
    ? parseInput(mailTemplateSchema, { subject: p.content.subject, body: p.content.body })
    : await templateOf(deps.db, ctx.tenantId, p.kind as GuestTemplateKind);
  const given =
    p.kind === 'guest.change' && p.content.changes !== undefined
      ? parseInput(z.strictObject({ changes: guestChangesSchema }), { changes: p.content.changes }).changes
      : undefined;

  let facts: GuestMailFacts;
  let to: { name: string; address: string };
  if (p.bookingId) {
    facts = await factsOfBooking(deps, deps.db, ctx.tenantId, p.bookingId);
    const guest = (await getBooking(deps, ctx, p.bookingId)).booking.guest;
    to = { name: toHeaderText(guest.name), address: toHeaderText(guest.email) };
  } else {
    facts = await sampleFacts(deps, ctx.tenantId);
    to = SAMPLE_GUEST;
  }
  const changes = p.kind === 'guest.change' ? (given ?? (p.bookingId ? [] : sampleChanges(facts.view))) : [];
  const mail = await renderFromFacts({ kind: p.kind, template, changes }, facts);
  return { subject: mail.subject, text: mail.text, html: mail.html, to, attachments: (mail.attachments ?? []).map((f) => f.filename) };
}
