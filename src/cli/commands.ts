/**
 * The operator's commands, as data: each parses its arguments with the service's own schema and
 * calls the service as the `operator` actor. The CLI runs them in-process, or hands them to a
 * running server over its control socket when that server owns the embedded database (ADR 0005).
 */
import { z } from 'zod';
import { findOpenEntries } from '../config/data-folder';
import type { Config } from '../config/env';
import { isLoopbackHost } from '../domain/hosts';
import type { WebClient } from '../ports/web-client';
import { listAudit } from '../services/audit';
import { createBookingSchema, listBookingsSchema } from '../services/booking-schemas';
import { cancelBooking, createBooking, listBookings } from '../services/bookings';
import { addCalendarEntry, calendarEntrySchema } from '../services/calendar';
import type { Actor, ServiceDeps } from '../services/context';
import { countDeactivatedCrew, deactivateCrewMember, listCrew } from '../services/crew-members';
import { type Check, checkInstallation } from '../services/doctor';
import { checkLiveSite } from '../services/doctor-live';
import { ServiceError, ValidationError } from '../services/errors';
import { type CrewRef, unassignCrew, upsertEvent, usualRoleOf } from '../services/events';
import { describeIssues } from '../services/field-errors';
import { createKey, createKeySchema, findTenantOfKey, listKeys, revokeKey } from '../services/keys';
import { getEdgeFunction, republishGuestPages, type SitePorts, setGuestSiteCdn, siteCdnSettingsSchema } from '../services/publishing';
import { type CdnMode, describeGuestSiteCdn, provisionGuestSite, type SiteCdnView } from '../services/site-provisioning';
import {
  addCrewMember,
  addCrewSchema,
  addStaffSchema,
  addStaffUser,
  addVessel,
  addVesselSchema,
  changeGuestDomain,
  createTenant,
  createTenantSchema,
  guestDomainSchema,
  listStaff,
  listTenants,
  listVessels,
  resolveTenant,
  updateTenant,
  updateTenantSchema,
} from '../services/tenants';

const OPERATOR: Actor = { kind: 'operator', id: 'cli' };

const publishArgsSchema = z
  .strictObject({
    booking: z
      .string()
      .regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id')
      .optional(),
    all: z.boolean().optional(),
    concurrency: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(64, 'must be at most 64').default(8),
  })
  .refine((v) => Boolean(v.booking) !== Boolean(v.all), { message: 'or --all is required, not both', path: ['booking'] });

/** An http(s) address with no user, path, query or fragment: what `--live` takes. */
function isSiteAddress(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const u = new URL(text);
  return (
    (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && /^\/?$/.test(u.pathname) && !u.search && !u.hash
  );
}

/** A host name, an IPv4 address or a bracketed IPv6 address, then a port: curl's `--connect-to` target. */
const CONNECT_TO = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):(\d{1,5})$/;

const doctorArgsSchema = z
  .strictObject({
    live: z.string().refine(isSiteAddress, "must be a guest site's address, like https://charters.example.com (no path)").optional(),
    serviceKey: z
      .string()
      .regex(/^bsk_[A-Za-z0-9_-]{8,190}$/, 'must be a service key (bsk_…)')
      .optional(),
    connectTo: z
      .string()
      .regex(CONNECT_TO, 'must be HOST:PORT, like 127.0.0.1:8443')
      .refine((v) => {
        const port = Number(CONNECT_TO.exec(v)?.[3]);
        return port >= 1 && port <= 65535;
      }, 'must name a port between 1 and 65535')
      .transform((v) => {
        const m = CONNECT_TO.exec(v);
        return { host: (m?.[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m?.[3]) };
      })
      .optional(),
  })
  .refine((v) => v.live !== undefined || v.connectTo === undefined, { message: 'is used with --live only', path: ['connectTo'] })
  .refine((v) => v.live !== undefined || v.serviceKey === undefined, { message: 'is used with --live only', path: ['serviceKey'] })
  // The key goes in a header: only over TLS to a server that proves to be the site, or to this machine.
  .refine((v) => typeof v.serviceKey !== 'string' || typeof v.live !== 'string' || keyMayGoTo(v.live, v.connectTo), {
    message: 'is sent only to an https:// address, or over http:// to this machine (the URL or --connect-to a loopback address)',
    path: ['serviceKey'],
  });

/**
 * Whether doctor may send a service key to `live` (connecting to `connectTo` when given): over https,
 * where the certificate is checked against the URL's host whichever address the connection goes to; or
 * over http to a literal loopback address or exactly `localhost` (`isLoopbackHost`), never to a name
 * that DNS answers. True when `live` or `connectTo` did not parse: zod runs this check after a field's
 * own check failed, and that field's message is the one to show.
 */
function keyMayGoTo(live: string, connectTo: unknown): boolean {
  if (!isSiteAddress(live)) return true;
  const url = new URL(live);
  if (url.protocol === 'https:') return true;
  if (connectTo === undefined) return isLoopbackHost(url.hostname);
  if (typeof connectTo !== 'object' || connectTo === null || !('host' in connectTo) || typeof connectTo.host !== 'string') return true;
  return isLoopbackHost(connectTo.host);
}

/** `bosun doctor`'s arguments, parsed before anything is opened: a wrong one is one line naming it. */
export function parseDoctorArgs(args: Record<string, unknown>): z.infer<typeof doctorArgsSchema> {
  return parse(doctorArgsSchema, args);
}

/** The report of `bosun doctor`: a line per check, exit status 1 while any check found a problem. */
export function doctorReport(checks: readonly Check[]): CommandResult {
  const problems = checks.filter((c) => !c.ok);
  return {
    json: { ok: problems.length === 0, checks },
    text: [
      ...checks.map((c) => `${c.skipped ? 'SKIPPED' : c.ok ? 'ok     ' : 'PROBLEM'}  ${c.check}: ${c.detail}`),
      problems.length === 0 ? 'No problems found.' : `${problems.length} problem(s) found.`,
    ].join('\n'),
    exitCode: problems.length === 0 ? 0 : 1,
  };
}

/** `exitCode`, when set, is the process's exit status after printing (a check that found problems). */
const assignArgsSchema = z
  .strictObject({
    booking: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id'),
    email: z.email('must be an e-mail address').optional(),
    crewId: z.uuid('must be a crew member id').optional(),
    role: z.enum(['captain', 'crew'], { error: 'must be captain or crew' }).optional(),
  })
  .refine((v) => (v.email === undefined) !== (v.crewId === undefined), { message: 'or --crew-id is required, not both', path: ['email'] });

/** `notice`, when set, is one line for stderr beside the text (never with --json, where `json` says it all). */
export type CommandResult = { json: Record<string, unknown>; text: string; notice?: string; exitCode?: number };
/**
 * What a command needs: the services' dependencies (the job queue among them), the ports guest
 * sites are published through, and where to report progress of a long command (a terminal's bar).
 */
export type CommandRuntime = {
  deps: ServiceDeps;
  sites: SitePorts;
  /** The configuration a command may need: where guest sites are served, and the data folder doctor checks. */
  config?: Pick<Config, 'cdn'> & Partial<Pick<Config, 'dataDir' | 'cloudFrontPlatform'>>;
  progress?: ((done: number, total: number) => void) | undefined;
  /** Requests to public addresses (`doctor --live`). */
  web?: WebClient | undefined;
};
export type Command = (rt: CommandRuntime, args: Record<string, unknown>) => Promise<CommandResult>;

/** Positional arguments are named `<slug>`, options `--guest-domain`, as the help shows them. */
function argumentName(path: string, positional: readonly string[]): string {
  if (path === '') return 'arguments';
  // `scopes.0` is the first value of `--scope a,b`; report it as the option the user typed.
  const option = path.replace(/\.\d+$/, '').replace(/^scopes$/, 'scope');
  // `guest.name` is `--guest-name`: nested fields are flat options.
  const kebab = option.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`).replace(/\./g, '-');
  return positional.includes(option) ? `<${kebab}>` : `--${kebab}`;
}

/**
 * Parses with `schema`, turning zod issues into a ValidationError that names the argument as the
 * command's help does: `positional` ones as `<name>`, the rest as `--name`.
 */
function parse<T extends z.ZodType>(schema: T, args: unknown, positional: readonly string[] = []): z.infer<T> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const errors = describeIssues(result.error, args).map((i) => ({ field: argumentName(i.path, positional), message: i.message }));
  // One message per option: the first thing wrong with it.
  throw new ValidationError(
    errors.filter((e, i) => errors.findIndex((f) => f.field === e.field) === i),
    'Invalid arguments.',
  );
}

/** Runs `call`; the fields of a service error it throws are named as the command's arguments. */
async function namingArguments<T>(names: Record<string, string>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ServiceError && err.errors) {
      throw new ServiceError(
        err.status,
        err.title,
        err.message,
        err.errors.map((e) => ({ ...e, field: names[e.field] ?? e.field })),
      );
    }
    throw err;
  }
}

const table = (rows: string[][]) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** `text` cut to `max` characters, with an ellipsis when cut. */
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A crew member named by `--email` or `--crew-id` (exactly one), for assign, unassign and crew remove. */
const crewRefArgs = {
  email: z.email('must be an e-mail address').optional(),
  crewId: z.uuid('must be a crew member id').optional(),
};
const oneCrewRef = (v: { email?: string | undefined; crewId?: string | undefined }) => (v.email === undefined) !== (v.crewId === undefined);
const crewRefOf = (v: { email?: string | undefined; crewId?: string | undefined }): CrewRef =>
  v.crewId !== undefined ? { crewId: v.crewId } : { email: v.email ?? '' };
const given = (a: Record<string, unknown>, ...names: string[]) =>
  Object.fromEntries(names.filter((n) => a[n] !== undefined).map((n) => [n, a[n]]));

const unassignArgsSchema = z
  .strictObject({ booking: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id'), ...crewRefArgs })
  .refine(oneCrewRef, { message: 'or --crew-id is required, not both', path: ['email'] });
const crewRemoveArgsSchema = z
  .strictObject(crewRefArgs)
  .refine(oneCrewRef, { message: 'or --crew-id is required, not both', path: ['email'] });

/** A booking's times as a list shows them: `2026-05-30 10:00–13:00 -07:00` in the vessel's zone. */
function charterTimes(startsAt: string, endsAt: string): string {
  const day = startsAt.slice(0, 10);
  const end = endsAt.slice(0, 10) === day ? endsAt.slice(11, 16) : `${endsAt.slice(0, 10)} ${endsAt.slice(11, 16)}`;
  return `${day} ${startsAt.slice(11, 16)}–${end} ${startsAt.slice(19)}`;
}

/** Where guest sites are served, from the configuration (the local edge when none is given). */
const cdnModeOf = (rt: CommandRuntime): CdnMode => ({
  cdn: rt.config?.cdn ?? 'local',
  platform: rt.config?.cloudFrontPlatform !== undefined,
});

/** A site's CDN state as `bosun site cdn` prints it: its settings line, then what serves it. */
function siteCdnText(view: SiteCdnView, mode: CdnMode): string {
  const settings = Object.entries(view.settings)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const lines = [`CDN settings of ${view.domain}: ${settings || 'none'}`];
  if (mode.platform) {
    const t = view.distributionTenant;
    if (t)
      lines.push(
        `Distribution tenant: ${t.id} (${t.arn}), ${t.status}, domain ${t.domain} ${t.domainStatus ?? 'unknown'}, recorded ${t.at}`,
      );
    lines.push(`${view.status.ok ? 'ok' : 'PROBLEM'}: ${view.status.detail}`);
  }
  for (const c of view.formerDomains) {
    const state = c.error ? `PROBLEM: ${c.failures} failed attempt(s), the last: ${c.error}` : 'pending';
    lines.push(`Former domain ${c.domain}: its pages and slugs are being removed (since ${c.since}); ${state}`);
  }
  return lines.join('\n');
}

async function tenantContext(rt: CommandRuntime, slug: unknown) {
  const tenant = await resolveTenant(rt.deps, String(slug ?? ''));
  return { tenantId: tenant.id, actor: OPERATOR, tenant };
}

export const commands: Record<string, Command> = {
  'tenant create': async (rt, a) => {
    const input = parse(createTenantSchema, { slug: a.slug, name: a.name, guestDomain: a.guestDomain, timezone: a.timezone }, ['slug']);
    const tenant = await namingArguments({ guestDomain: '--guest-domain', slug: '<slug>' }, () => createTenant(rt.deps, OPERATOR, input));
    return { json: { tenant }, text: `Created tenant ${tenant.slug} (${tenant.name}), guest site ${tenant.guestDomain}` };
  },

  'tenant list': async (rt) => {
    const tenants = await listTenants(rt.deps);
    return {
      json: { tenants },
      text: table([
        ['SLUG', 'NAME', 'TIME ZONE', 'SITES'],
        ...tenants.map((t) => [t.slug, t.name, t.timezone, t.sites.map((s) => s.domain).join(' ')]),
      ]),
    };
  },

  'key create': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const scopes =
      typeof a.scope === 'string'
        ? a.scope
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const input = parse(createKeySchema, { kind: a.kind, ...(scopes ? { scopes } : {}), ...(a.label ? { label: a.label } : {}) });
    const key = await createKey(rt.deps, OPERATOR, ctx.tenantId, input);
    // The key alone on stdout, so `KEY=$(bosun key create …)` works; it is never shown again. Its id
    // (to revoke it by) goes to stderr, where a person sees it and a script does not capture it.
    return {
      json: { ...key, tenant: ctx.tenant.slug },
      text: key.key,
      notice: `Key ${key.id} (${key.kind}, scopes ${key.scopes.join(', ')}) — shown once; store it now.`,
    };
  },

  'key list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const keys = await listKeys(rt.deps, ctx);
    return {
      json: { keys },
      text: table([
        ['ID', 'KIND', 'PREFIX', 'SCOPES', 'LABEL', 'LAST USED', 'REVOKED'],
        ...keys.map((k) => [k.id, k.kind, `${k.prefix}…`, k.scopes.join(','), k.label ?? '', k.lastUsedAt ?? 'never', k.revokedAt ?? '']),
      ]),
    };
  },

  'key revoke': async (rt, a) => {
    const input = { keyId: String(a.keyId ?? '') };
    // The operator names no tenant: the key's own tenant is looked up, and the revocation is then
    // scoped to it like any other caller's (the service never finds a key across tenants).
    const tenantId = await namingArguments({ keyId: '<key-id>' }, () => findTenantOfKey(rt.deps, input));
    const out = await revokeKey(rt.deps, { tenantId, actor: OPERATOR }, input);
    return { json: out, text: `Revoked key ${out.id} (${out.prefix}…)` };
  },

  'vessel add': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(
      addVesselSchema,
      {
        slug: a.slug,
        name: a.name,
        ...(a.capacity !== undefined ? { capacity: a.capacity } : {}),
        ...(a.meetingPoint !== undefined ? { meetingPoint: a.meetingPoint } : {}),
        ...(a.timezone !== undefined ? { timezone: a.timezone } : {}),
        ...(a.turnaround !== undefined ? { turnaroundMinutes: a.turnaround } : {}),
      },
      ['slug'],
    );
    const vessel = await addVessel(rt.deps, ctx, input);
    const turnaround = vessel.turnaroundMinutes > 0 ? `, ${vessel.turnaroundMinutes} min turnaround` : '';
    return {
      json: { vessel },
      text: `Added vessel ${vessel.slug} (${vessel.name}, capacity ${vessel.capacity}, ${vessel.timezone}${turnaround})`,
    };
  },

  'crew add': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(addCrewSchema, {
      name: a.name,
      email: a.email,
      ...(a.phone !== undefined ? { phone: a.phone } : {}),
      ...(a.role !== undefined ? { role: a.role } : {}),
    });
    const crew = await addCrewMember(rt.deps, ctx, input);
    const verb = crew.reactivated ? 'Reactivated' : 'Added';
    return { json: { crew }, text: `${verb} ${crew.role} ${crew.name} <${crew.email}> (${crew.id})` };
  },

  assign: async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(
      assignArgsSchema,
      {
        booking: a.booking,
        ...(a.email !== undefined ? { email: a.email } : {}),
        ...(a.crewId !== undefined ? { crewId: a.crewId } : {}),
        ...(a.role !== undefined ? { role: a.role } : {}),
      },
      ['booking'],
    );
    const ref = input.crewId !== undefined ? { crewId: input.crewId } : { email: input.email ?? '' };
    const role = input.role ?? (await usualRoleOf(rt.deps, ctx, ref));
    let event: Awaited<ReturnType<typeof upsertEvent>>;
    try {
      // The same service as POST /api/v1/events: the crew member is mailed a sign-in link by a job.
      event = await upsertEvent(rt.deps, ctx, { booking_id: input.booking, crew: [{ ...ref, role }] });
    } catch (err) {
      if (err instanceof ServiceError && err.errors?.length) {
        const option = input.crewId !== undefined ? '--crew-id' : '--email';
        const errors = err.errors.map((e) => ({ field: e.field === 'booking_id' ? '<booking>' : option, message: e.message }));
        throw err instanceof ValidationError
          ? new ValidationError(errors, 'Invalid arguments.')
          : new ServiceError(err.status, err.title, err.message, errors);
      }
      throw err;
    }
    const who = event.booking.crew.map((c) => `${c.name} (${c.role}, ${c.status})`).join(', ');
    return { json: { tenant: ctx.tenant.slug, ...event }, text: `Crew of ${event.event_id} on ${event.booking.vesselName}: ${who}` };
  },

  'staff add': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(addStaffSchema, { name: a.name, email: a.email, ...(a.role !== undefined ? { role: a.role } : {}) });
    const staff = await addStaffUser(rt.deps, ctx, input);
    return { json: { staff }, text: `Added ${staff.role} ${staff.name} <${staff.email}>` };
  },

  audit: async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const entries = await namingArguments({ entityId: '--entity' }, () =>
      listAudit(rt.deps, ctx, a.entity ? { entityId: String(a.entity) } : {}),
    );
    return {
      json: { entries },
      text:
        entries.length === 0
          ? 'No audit entries.'
          : table([
              ['WHEN (UTC)', 'WHO', 'ACTION', 'ENTITY', 'CHANGES'],
              ...entries.map((e) => [e.at.slice(0, 16).replace('T', ' '), e.who, e.action, e.entity, clip(e.changes.join('; '), 120)]),
            ]),
    };
  },

  publish: async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(publishArgsSchema, {
      ...(a.booking !== undefined ? { booking: a.booking } : {}),
      ...(a.all !== undefined ? { all: a.all } : {}),
      ...(a.concurrency !== undefined ? { concurrency: a.concurrency } : {}),
    });
    const summary = await republishGuestPages(
      { ...rt.deps, sites: rt.sites },
      ctx,
      input.booking ? { bookingId: input.booking } : { all: true },
      { concurrency: input.concurrency, ...(rt.progress ? { onProgress: rt.progress } : {}) },
    );
    const line = `Published ${summary.published.length}, unchanged ${summary.unchanged.length}, failed ${summary.failed.length} on ${summary.domain} (${summary.total} ${summary.total === 1 ? 'page' : 'pages'}).`;
    if (summary.failed.length > 0) {
      // Non-zero exit: a script must notice; each failed booking is named with its step and error.
      throw new ServiceError(
        502,
        'Publishing failed',
        line,
        summary.failed.map((f) => ({ field: f.bookingId, message: f.error })),
      );
    }
    return { json: { ...summary }, text: line };
  },

  'site cdn': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(siteCdnSettingsSchema, {
      ...(a.distributionId !== undefined ? { distributionId: a.distributionId } : {}),
      ...(a.keyValueStoreId !== undefined ? { keyValueStoreId: a.keyValueStoreId } : {}),
    });
    const mode = cdnModeOf(rt);
    const slug = ctx.tenant.slug;
    if (Object.keys(input).length > 0) {
      const out = await setGuestSiteCdn(rt.deps, ctx, input);
      const shown = Object.entries(out.cdn)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ');
      if (!a.provision) return { json: { tenant: slug, ...out }, text: `CDN settings of ${out.domain}: ${shown || 'none'}` };
    }
    let failure: string | null = null;
    if (a.provision) {
      // Asks the CDN now, as the job would: makes or finds the distribution tenant, records its state.
      try {
        await provisionGuestSite({ ...rt.deps, sites: rt.sites }, ctx.tenantId, { actor: OPERATOR });
      } catch (err) {
        failure = (err as Error).message;
      }
    }
    const view = await describeGuestSiteCdn(rt.deps, ctx, mode, slug);
    const problem = failure !== null || (mode.platform && !view.status.ok) || view.formerDomains.some((c) => c.error !== null);
    return {
      json: { tenant: slug, mode: mode.platform ? 'platform' : mode.cdn, ...view },
      text: siteCdnText(view, mode),
      ...(problem ? { exitCode: 1 } : {}),
    };
  },

  'site domain': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const names = { guestDomain: '<new-host>', '--guest-domain': '<new-host>' };
    const out = await namingArguments(names, async () =>
      changeGuestDomain(rt.deps, ctx, parse(guestDomainSchema, { guestDomain: a.newHost })),
    );
    const slug = ctx.tenant.slug;
    const text = out.changed
      ? `Moved the guest site of ${slug} from ${out.previous} to ${out.domain}; ${out.republishing} page(s) queued for publishing there ` +
        `(bosun start publishes them; bosun publish ${slug} --all does it now). The pages and slugs under ${out.previous} are being removed ` +
        `(bosun site cdn ${slug} shows the cleanup); no site can take ${out.previous} until that is done.`
      : `The guest site of ${slug} is at ${out.domain} already.`;
    return { json: { tenant: slug, ...out }, text };
  },

  'edge-function': async (rt, a) => {
    const tenantSlug = String(a.tenant ?? '');
    const platform = rt.config?.cloudFrontPlatform;
    const { domain, code } = await getEdgeFunction(rt.deps, tenantSlug, platform && { keyValueStoreArn: platform.keyValueStoreArn });
    const json = { tenant: tenantSlug, domain, runtime: 'cloudfront-js-2.0', eventType: 'viewer-request', code };
    // In platform mode one function serves every site of the distribution: the same code for any tenant.
    return { json: platform ? { ...json, mode: 'platform', distributionId: platform.distributionId } : json, text: code.trimEnd() };
  },

  doctor: async (rt, a) => {
    const args = parseDoctorArgs(a);
    const dataDir = rt.config?.dataDir;
    const deps = { ...rt.deps, sites: rt.sites };
    const platform = rt.config?.cloudFrontPlatform;
    const checks = await checkInstallation(deps, {
      cdn: rt.config?.cdn ?? 'local',
      platform,
      dataFolder: dataDir ? { dir: dataDir, open: findOpenEntries(dataDir, 50) } : undefined,
    });
    if (args.live) {
      if (!rt.web) throw new Error('doctor --live needs a web client');
      checks.push(
        ...(await checkLiveSite(
          { ...deps, web: rt.web },
          { url: args.live, serviceKey: args.serviceKey, connectTo: args.connectTo, platform },
        )),
      );
    }
    return doctorReport(checks);
  },

  jobs: async (rt) => {
    const failed = await rt.deps.jobs.listFailed();
    return {
      json: { failed },
      text:
        failed.length === 0
          ? 'No failed jobs.'
          : table([
              ['FAILED AT', 'JOB', 'ID', 'TRIES', 'ERROR'],
              ...failed.map((j) => [j.failedAt?.toISOString() ?? '', j.name, j.id, String(j.retryCount + 1), j.error]),
            ]),
    };
  },

  'booking create': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const number = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v);
    const notes = given(a, 'notesInternal', 'notesCrew', 'notesGuest');
    const input = parse(createBookingSchema, {
      guest: { name: a.guestName, email: a.guestEmail, ...(a.guestPhone !== undefined ? { phone: a.guestPhone } : {}) },
      partySize: number(a.partySize),
      vessel: a.vessel,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      ...given(a, 'status', 'friendlySlug'),
      ...(a.pricingTotal !== undefined || a.pricingCurrency !== undefined
        ? { pricing: { total: number(a.pricingTotal), currency: a.pricingCurrency } }
        : {}),
      ...(a.captainFeePerHour !== undefined ? { captainFeePerHour: number(a.captainFeePerHour) } : {}),
      ...(Object.keys(notes).length > 0
        ? { notes: { internal: notes.notesInternal, crew: notes.notesCrew, guest: notes.notesGuest } }
        : {}),
    });
    // The same service as POST /api/v1/bookings: the same rules, the same 409 naming a booking that
    // holds the vessel; its problems are named by the options that carry them.
    const { booking } = await createBooking(rt.deps, ctx, input).catch((err: unknown) => {
      if (err instanceof ServiceError && err.errors) {
        throw new ServiceError(
          err.status,
          err.title,
          err.message,
          err.errors.map((e) => ({ ...e, field: argumentName(e.field, []) })),
        );
      }
      throw err;
    });
    return {
      json: { booking },
      text: `Created ${booking.status} booking ${booking.id} on ${booking.vessel}, ${charterTimes(booking.startsAt, booking.endsAt)}; guest page ${booking.guestPageUrl}`,
    };
  },

  'booking cancel': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const { booking } = await cancelBooking(rt.deps, ctx, String(a.booking ?? ''));
    return { json: { booking }, text: `Booking ${booking.id} is cancelled; its guest page and crew are told.` };
  },

  'booking list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    // A day (2026-05-30) is read in the tenant's time zone by the service, as the API reads it.
    const filter = parse(listBookingsSchema, given(a, 'from', 'to', 'status', 'limit'));
    const bookings = await listBookings(rt.deps, ctx, filter);
    const filtered = a.from !== undefined || a.to !== undefined || a.status !== undefined;
    if (bookings.length === 0) {
      return {
        json: { bookings },
        text: filtered
          ? 'No bookings match; widen --from/--to or leave out --status.'
          : 'No bookings yet; create one with POST /api/v1/bookings (see /api/docs).',
      };
    }
    const rows = table([
      ['ID', 'STATUS', 'WHEN', 'VESSEL', 'GUEST', 'PARTY', 'CREW'],
      ...bookings.map((b) => [
        b.id,
        b.status,
        charterTimes(b.startsAt, b.endsAt),
        b.vessel,
        clip(b.guest.name, 30),
        String(b.partySize),
        clip(b.crew.map((c) => `${c.name} (${c.status})`).join(', '), 60),
      ]),
    ]);
    const more = bookings.length === filter.limit ? `\nThe first ${filter.limit} shown; narrow with --from/--to or raise --limit.` : '';
    return { json: { bookings }, text: rows + more };
  },

  'crew list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const all = a.all === true;
    const [crew, hidden] = await Promise.all([
      listCrew(rt.deps, ctx, { includeDeactivated: all }),
      all ? Promise.resolve(0) : countDeactivatedCrew(rt.deps, ctx),
    ]);
    const slug = ctx.tenant.slug;
    const note =
      hidden > 0 ? `\n${hidden} deactivated crew ${hidden === 1 ? 'member is' : 'members are'} not shown; --all lists them.` : '';
    if (crew.length === 0) {
      return { json: { crew }, text: `No crew yet; add one with bosun crew add ${slug} --name <text> --email <addr>.${note}` };
    }
    const rows = table([
      ['ID', 'NAME', 'ROLE', 'EMAIL', 'PHONE', ...(all ? ['STATUS'] : [])],
      ...crew.map((c) => [
        c.id,
        c.name,
        c.role,
        c.email,
        c.phone ?? '',
        ...(all ? [c.active ? 'active' : `inactive since ${c.deactivatedAt?.slice(0, 10)}`] : []),
      ]),
    ]);
    return { json: { crew }, text: rows + note };
  },

  'vessel list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const vessels = await listVessels(rt.deps, ctx);
    if (vessels.length === 0) {
      return { json: { vessels }, text: `No vessels yet; add one with bosun vessel add ${ctx.tenant.slug} <slug> --name <text>.` };
    }
    return {
      json: { vessels },
      text: table([
        ['SLUG', 'NAME', 'CAPACITY', 'TURNAROUND', 'TIME ZONE', 'MEETING POINT'],
        ...vessels.map((v) => [v.slug, v.name, String(v.capacity), `${v.turnaroundMinutes} min`, v.timezone, clip(v.meetingPoint, 50)]),
      ]),
    };
  },

  'staff list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const staff = await listStaff(rt.deps, ctx);
    if (staff.length === 0) {
      return { json: { staff }, text: `No staff yet; add one with bosun staff add ${ctx.tenant.slug} --name <text> --email <addr>.` };
    }
    return {
      json: { staff },
      text: table([['ID', 'NAME', 'ROLE', 'EMAIL'], ...staff.map((u) => [u.id, u.name, u.role, u.email])]),
    };
  },

  'crew remove': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(crewRemoveArgsSchema, given(a, 'email', 'crewId'));
    const out = await deactivateCrewMember(rt.deps, ctx, crewRefOf(input));
    const who = `${out.name} <${out.email}>`;
    if (!out.changed) return { json: { tenant: ctx.tenant.slug, crew: out }, text: `${who} was already inactive.` };
    const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    const charters = out.removedFrom.length > 0 ? `taken off ${out.removedFrom.join(', ')}` : 'on no upcoming charter';
    return {
      json: { tenant: ctx.tenant.slug, crew: out },
      text:
        `Deactivated ${who}: ${plural(out.links, 'sign-in link', 'sign-in links')} revoked, ` +
        `${plural(out.sessions, 'session', 'sessions')} ended, ${charters}. Past charters and the audit trail keep their name.`,
    };
  },

  unassign: async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const input = parse(unassignArgsSchema, { booking: a.booking, ...given(a, 'email', 'crewId') }, ['booking']);
    const event = await unassignCrew(rt.deps, ctx, input.booking, crewRefOf(input));
    const who = event.booking.crew.map((c) => `${c.name} (${c.role}, ${c.status})`).join(', ') || 'nobody';
    const removed = input.crewId ?? input.email;
    return {
      json: { tenant: ctx.tenant.slug, removed, ...event },
      text: `Took ${removed} off ${event.event_id}; its crew now: ${who}`,
    };
  },

  'tenant set': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    // On the command line an empty value clears a setting; --clear-… (or the one value '') empties a list.
    const scalar = (v: unknown) => (v === '' ? null : v);
    const kebab = (name: string) => `--${name.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
    const list = (name: string, clear: string) => {
      const values = a[name];
      if (a[clear] === true && values !== undefined) {
        throw new ValidationError([{ field: kebab(clear), message: `or ${kebab(name)}, not both` }], 'Invalid arguments.');
      }
      if (a[clear] === true || (Array.isArray(values) && values.length === 1 && values[0] === '')) return [];
      return values;
    };
    const lists = [
      ['whatToBring', 'whatToBring', 'clearWhatToBring'],
      ['policies', 'policy', 'clearPolicies'],
      ['checklist', 'checklistItem', 'clearChecklist'],
    ] as const;
    const scalars = [
      'name',
      'timezone',
      'contactEmail',
      'contactPhone',
      'accentColor',
      'logoUrl',
      'checklistOpensHours',
      'crewReminderHours',
      'guestReminderHours',
    ];
    const fields = {
      ...Object.fromEntries(
        scalars.filter((k) => a[k] !== undefined).map((k) => [k, k === 'name' || k === 'timezone' ? a[k] : scalar(a[k])]),
      ),
      ...Object.fromEntries(
        lists
          .filter(([, option, clear]) => a[option] !== undefined || a[clear] === true)
          .map(([key, option, clear]) => [key, list(option, clear)]),
      ),
    };
    if (Object.keys(fields).length === 0) {
      throw new ServiceError(422, 'Invalid arguments', `Nothing to change: give at least one option (bosun tenant set --help lists them).`);
    }
    let input: z.infer<typeof updateTenantSchema>;
    try {
      input = parse(updateTenantSchema, fields);
    } catch (err) {
      // The lists are named after their repeated option: `--policy`, `--checklist-item`.
      if (!(err instanceof ValidationError)) throw err;
      const option: Record<string, string> = { '--policies': '--policy', '--checklist': '--checklist-item' };
      throw new ValidationError(
        (err.errors ?? []).map((e) => ({ ...e, field: option[e.field] ?? e.field })),
        err.message,
      );
    }
    const out = await updateTenant(rt.deps, ctx, input);
    const slug = ctx.tenant.slug;
    const guestFacing = out.changed.some(
      (k) => !['checklist', 'checklistOpensHours', 'crewReminderHours', 'guestReminderHours', 'timezone'].includes(k),
    );
    return {
      json: { tenant: out.tenant, changed: out.changed },
      text:
        out.changed.length === 0
          ? `No change to ${slug}.`
          : `Updated ${slug}: ${out.changed.join(', ')}.${guestFacing ? ` Published guest pages show it after bosun publish ${slug} --all.` : ''}`,
    };
  },

  'calendar add': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    // The service names its fields as the API does; the command names them as its options.
    const options: Record<string, string> = { event_type: '--type', booking_id: '--booking', date: '--date', title: '--title' };
    const renamed = (err: unknown) =>
      err instanceof ValidationError
        ? new ValidationError(
            (err.errors ?? []).map((e) => ({ field: options[e.field] ?? e.field, message: e.message })),
            'Invalid arguments.',
          )
        : err;
    const parsed = calendarEntrySchema.safeParse({
      ...(a.date !== undefined ? { date: a.date } : {}),
      ...(a.type !== undefined ? { event_type: a.type } : {}),
      ...(a.booking !== undefined ? { booking_id: a.booking } : {}),
      ...(a.title !== undefined ? { title: a.title } : {}),
    });
    if (!parsed.success) {
      throw renamed(new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }))));
    }
    const entry = await addCalendarEntry(rt.deps, ctx, parsed.data).catch((err: unknown) => {
      throw renamed(err);
    });
    const about = [entry.title ? `"${entry.title}"` : null, entry.booking_id ? `booking ${entry.booking_id}` : null].filter(Boolean);
    return {
      json: { tenant: ctx.tenant.slug, entry },
      text: `Added ${entry.event_type} on ${entry.date}${about.length > 0 ? ` (${about.join(', ')})` : ''}: ${entry.id}`,
    };
  },
};
