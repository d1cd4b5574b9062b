/**
 * Reading the audit trail: who (key, staff, crew member, system, operator) changed what, and when.
 * Each entry also names its actor as a person reads it and lists what changed, in short lines.
 */

import { z } from 'zod';
import { listAuditEntries } from '../db/queries/audit';
import { listApiKeys } from '../db/queries/keys';
import { listCrewMembers, listStaffUsers } from '../db/queries/people';
import type { ServiceDeps, TenantContext } from './context';
import { parseInput } from './parse-input';

export type AuditEntryView = {
  at: string;
  /** `kind:id`, as stored. */
  actor: string;
  /** The actor by name: a key's label (or prefix), a crew member's or staff user's name, `operator (cli)`, `system`. */
  who: string;
  action: string;
  entity: string;
  before: unknown;
  after: unknown;
  /** What changed, one short line per field: `startsAt 2026-05-30T10:00 → 2026-05-31T10:00`, or the field's name when long. */
  changes: string[];
};

/** Values longer than this are named, not shown. */
const SHORT = 32;
/** Fields every change touches: naming them says nothing. */
const NOISE = new Set(['updatedAt']);
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Leaf values of a JSON object by dotted path; arrays are leaves. */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

function shown(value: unknown, names: Map<string, string>): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') {
    const iso = ISO_INSTANT.exec(value);
    if (iso) return iso[1] ?? value;
    return names.get(value) ?? value;
  }
  if (Array.isArray(value)) return value.map((v) => shown(v, names)).join(', ') || '—';
  return JSON.stringify(value);
}

const isShort = (text: string) => text.length <= SHORT && !/[\r\n]/.test(text);

/** The changed fields between `before` and `after`, or the few facts of an entry that has only one of them. */
export function describeChanges(before: unknown, after: unknown, names: Map<string, string> = new Map()): string[] {
  const b = flatten(before);
  const a = flatten(after);
  if (b.size > 0 && a.size > 0) {
    const values: string[] = [];
    const named: string[] = [];
    for (const path of new Set([...b.keys(), ...a.keys()])) {
      if (NOISE.has(path)) continue;
      const was = b.get(path);
      const now = a.get(path);
      if (JSON.stringify(was ?? null) === JSON.stringify(now ?? null)) continue;
      const from = shown(was, names);
      const to = shown(now, names);
      if (isShort(from) && isShort(to)) values.push(`${path} ${from} → ${to}`);
      else named.push(path);
    }
    // Old → new first: in a clipped line they say the most.
    return [...values, ...named];
  }
  // A creation (or removal) with a handful of facts names them; a whole record is not repeated.
  const only = a.size > 0 ? a : b;
  if (only.size === 0 || only.size > 4) return [];
  return [...only].map(([path, v]) => {
    const text = shown(v, names);
    return isShort(text) ? `${path} ${text}` : path;
  });
}

/** Names of the tenant's keys, crew members and staff users by id, as `who` shows them. */
async function actorNames(deps: Pick<ServiceDeps, 'db'>, tenantId: string) {
  const [keys, crew, staff] = await Promise.all([
    listApiKeys(deps.db, tenantId),
    listCrewMembers(deps.db, tenantId, { includeDeactivated: true }),
    listStaffUsers(deps.db, tenantId),
  ]);
  const names = new Map<string, string>();
  for (const k of keys) names.set(k.id, `${k.label ?? `${k.prefix}…`} (${k.kind} key)`);
  for (const c of crew) names.set(c.id, `${c.name} (crew)`);
  for (const s of staff) names.set(s.id, `${s.name} (staff)`);
  return names;
}

function whoOf(kind: string, id: string | null, names: Map<string, string>): string {
  if (kind === 'operator') return `operator (${id ?? 'cli'})`;
  if (kind === 'system') return id ? `system (${id})` : 'system';
  return (id && names.get(id)) ?? (id ? `${kind}:${id}` : kind);
}

export const listAuditSchema = z.strictObject({
  /** Only the entries about this entity (a booking id, a key id, …). */
  entityId: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The caller's tenant's audit entries, newest first: everything, or those about one entity. */
export async function listAudit(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  input: z.input<typeof listAuditSchema> = {},
): Promise<AuditEntryView[]> {
  const filter = parseInput(listAuditSchema, input);
  const { tenantId } = ctx;
  const [rows, names] = await Promise.all([
    listAuditEntries(deps.db, tenantId, { ...(filter.entityId ? { entityId: filter.entityId } : {}), limit: filter.limit ?? 200 }),
    actorNames(deps, tenantId),
  ]);
  // Ids inside an entry (a crew member taken off a charter, say) read as names, without the kind.
  const plain = new Map([...names].map(([id, n]) => [id, n.replace(/ \([^)]*\)$/, '')]));
  return rows.map((r) => ({
    at: r.created_at.toISOString(),
    actor: r.actor_id ? `${r.actor_kind}:${r.actor_id}` : r.actor_kind,
    who: whoOf(r.actor_kind, r.actor_id, names),
    action: r.action,
    entity: `${r.entity_type}:${r.entity_id}`,
    before: r.before,
    after: r.after,
    changes: describeChanges(r.before, r.after, plain),
  }));
}
