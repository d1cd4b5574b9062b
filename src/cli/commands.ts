/**
 * The operator's commands, as data: each parses its arguments with the service's own schema and
 * calls the service as the `operator` actor. The CLI runs them in-process, or hands them to a
 * running server over its control socket when that server owns the embedded database (ADR 0005).
 */
import type { z } from 'zod';
import { listAudit } from '../services/audit';
import type { Actor, ServiceDeps } from '../services/context';
import { ValidationError } from '../services/errors';
import { createKey, createKeySchema, listKeys, revokeKey } from '../services/keys';
import {
  addCrewMember,
  addCrewSchema,
  addStaffSchema,
  addStaffUser,
  addVessel,
  addVesselSchema,
  createTenant,
  createTenantSchema,
  listTenants,
  resolveTenant,
} from '../services/tenants';

const OPERATOR: Actor = { kind: 'operator', id: 'cli' };

export type CommandResult = { json: Record<string, unknown>; text: string };
/** What a command needs: the services' dependencies (the job queue among them). */
export type CommandRuntime = { deps: ServiceDeps };
export type Command = (rt: CommandRuntime, args: Record<string, unknown>) => Promise<CommandResult>;

/** Positional arguments are named `<slug>`, options `--guest-domain`, as the help shows them. */
const POSITIONAL = new Set(['slug', 'tenant', 'keyId']);
function argumentName(path: string): string {
  const kebab = path.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
  return POSITIONAL.has(path) ? `<${kebab}>` : `--${kebab}`;
}

/** Parses with `schema`, turning zod issues into a ValidationError that names the option. */
function parse<T extends z.ZodType>(schema: T, args: unknown): z.infer<T> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({
      field: argumentName(i.path.map(String).join('.')),
      message: i.message,
    })),
    'Invalid arguments.',
  );
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
    const input = parse(createTenantSchema, { slug: a.slug, name: a.name, guestDomain: a.guestDomain, timezone: a.timezone });
    const tenant = await createTenant(rt.deps, OPERATOR, input);
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
    const input = parse(addVesselSchema, {
      slug: a.slug,
      name: a.name,
      ...(a.capacity !== undefined ? { capacity: a.capacity } : {}),
      ...(a.meetingPoint !== undefined ? { meetingPoint: a.meetingPoint } : {}),
      ...(a.timezone !== undefined ? { timezone: a.timezone } : {}),
    });
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
