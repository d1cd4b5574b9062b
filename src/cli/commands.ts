/**
 * The operator's commands, as data: each parses its arguments with the service's own schema and
 * calls the service as the `operator` actor. The CLI runs them in-process, or hands them to a
 * running server over its control socket when that server owns the embedded database (ADR 0005).
 */
import { z } from 'zod';
import { findOpenEntries } from '../config/data-folder';
import type { Config } from '../config/env';
import { listAudit } from '../services/audit';
import type { Actor, ServiceDeps } from '../services/context';
import { checkInstallation } from '../services/doctor';
import { ServiceError, ValidationError } from '../services/errors';
import { upsertEvent, usualRoleOf } from '../services/events';
import { createKey, createKeySchema, listKeys, revokeKey } from '../services/keys';
import { getEdgeFunction, republishGuestPages, type SitePorts, setGuestSiteCdn, siteCdnSettingsSchema } from '../services/publishing';
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
  listTenants,
  resolveTenant,
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

/** `exitCode`, when set, is the process's exit status after printing (a check that found problems). */
const assignArgsSchema = z
  .strictObject({
    booking: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id'),
    email: z.email('must be an e-mail address').optional(),
    crewId: z.uuid('must be a crew member id').optional(),
    role: z.enum(['captain', 'crew'], { error: 'must be captain or crew' }).optional(),
  })
  .refine((v) => (v.email === undefined) !== (v.crewId === undefined), { message: 'or --crew-id is required, not both', path: ['email'] });

export type CommandResult = { json: Record<string, unknown>; text: string; exitCode?: number };
/**
 * What a command needs: the services' dependencies (the job queue among them), the ports guest
 * sites are published through, and where to report progress of a long command (a terminal's bar).
 */
export type CommandRuntime = {
  deps: ServiceDeps;
  sites: SitePorts;
  /** The configuration a command may need: where guest sites are served, and the data folder doctor checks. */
  config?: Pick<Config, 'cdn'> & Partial<Pick<Config, 'dataDir'>>;
  progress?: ((done: number, total: number) => void) | undefined;
};
export type Command = (rt: CommandRuntime, args: Record<string, unknown>) => Promise<CommandResult>;

/** Positional arguments are named `<slug>`, options `--guest-domain`, as the help shows them. */
function argumentName(path: string, positional: readonly string[]): string {
  // `scopes.0` is the first value of `--scope a,b`; report it as the option the user typed.
  const option = path.replace(/\.\d+$/, '').replace(/^scopes$/, 'scope');
  const kebab = option.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
  return positional.includes(option) ? `<${kebab}>` : `--${kebab}`;
}

/**
 * Parses with `schema`, turning zod issues into a ValidationError that names the argument as the
 * command's help does: `positional` ones as `<name>`, the rest as `--name`.
 */
function parse<T extends z.ZodType>(schema: T, args: unknown, positional: readonly string[] = []): z.infer<T> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({
      field: argumentName(i.path.map(String).join('.'), positional),
      message: i.message,
    })),
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
    // The key alone on stdout, so `KEY=$(bosun key create …)` works; it is never shown again.
    return { json: { ...key, tenant: ctx.tenant.slug }, text: key.key };
  },

  'key list': async (rt, a) => {
    const ctx = await tenantContext(rt, a.tenant);
    const keys = await listKeys(rt.deps, ctx.tenantId);
    return {
      json: { keys },
      text: table([
        ['ID', 'KIND', 'PREFIX', 'SCOPES', 'LABEL', 'LAST USED', 'REVOKED'],
        ...keys.map((k) => [k.id, k.kind, `${k.prefix}…`, k.scopes.join(','), k.label ?? '', k.lastUsedAt ?? 'never', k.revokedAt ?? '']),
      ]),
    };
  },

  'key revoke': async (rt, a) => {
    const out = await revokeKey(rt.deps, OPERATOR, String(a.keyId ?? ''));
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
      },
      ['slug'],
    );
    const vessel = await addVessel(rt.deps, ctx, input);
    return { json: { vessel }, text: `Added vessel ${vessel.slug} (${vessel.name}, capacity ${vessel.capacity}, ${vessel.timezone})` };
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
    return { json: { crew }, text: `Added ${crew.role} ${crew.name} <${crew.email}> (${crew.id})` };
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
      if (err instanceof ValidationError) {
        const option = input.crewId !== undefined ? '--crew-id' : '--email';
        const errors = (err.errors ?? []).map((e) => ({ field: e.field === 'booking_id' ? '<booking>' : option, message: e.message }));
        throw new ValidationError(errors, 'Invalid arguments.');
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
    const entries = await listAudit(rt.deps, ctx.tenantId, a.entity ? { entityId: String(a.entity) } : {});
    return {
      json: { entries },
      text:
        entries.length === 0
          ? 'No audit entries.'
          : table([['WHEN', 'WHO', 'ACTION', 'ENTITY'], ...entries.map((e) => [e.at, e.actor, e.action, e.entity])]),
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
    const out = await setGuestSiteCdn(rt.deps, ctx, input);
    const shown = Object.entries(out.cdn)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    return { json: { tenant: ctx.tenant.slug, ...out }, text: `CDN settings of ${out.domain}: ${shown || 'none'}` };
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
        `(bosun start publishes them; bosun publish ${slug} --all does it now). The objects under ${out.previous} stay in the object store.`
      : `The guest site of ${slug} is at ${out.domain} already.`;
    return { json: { tenant: slug, ...out }, text };
  },

  'edge-function': async (rt, a) => {
    const tenantSlug = String(a.tenant ?? '');
    const { domain, code } = await getEdgeFunction(rt.deps, tenantSlug);
    return { json: { tenant: tenantSlug, domain, runtime: 'cloudfront-js-2.0', eventType: 'viewer-request', code }, text: code.trimEnd() };
  },

  doctor: async (rt) => {
    const dataDir = rt.config?.dataDir;
    const checks = await checkInstallation(
      { ...rt.deps, sites: rt.sites },
      { cdn: rt.config?.cdn ?? 'local', dataFolder: dataDir ? { dir: dataDir, open: findOpenEntries(dataDir, 50) } : undefined },
    );
    const problems = checks.filter((c) => !c.ok);
    return {
      json: { ok: problems.length === 0, checks },
      text: [
        ...checks.map((c) => `${c.ok ? 'ok     ' : 'PROBLEM'}  ${c.check}: ${c.detail}`),
        problems.length === 0 ? 'No problems found.' : `${problems.length} problem(s) found.`,
      ].join('\n'),
      exitCode: problems.length === 0 ? 0 : 1,
    };
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
};
