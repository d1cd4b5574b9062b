/**
 * `GET /api/v1/stream`: every committed change of the tenant for staff as Server-Sent Events (the
 * stream the ops dashboard uses), resumable with `Last-Event-ID`. Dashboard tokens only, with
 * `bookings:read`; each event carries the staff view, built once per change for every staff
 * subscriber of that tenant (ADR 0014, 0019).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ChangeSignal } from '../../ports/event-hub';
import { CHANGE_PAGE, currentChangeCursor, readChanges } from '../../services/change-feed';
import type { ServiceDeps } from '../../services/context';
import { authenticateKey } from '../../services/keys';
import { buildStaffLiveEvent, type StaffLiveEvent } from '../../services/live';
import { streamChanges } from '../live-stream';
import type { AuthVariables } from '../middleware/auth';
import { presentedKey, requireScope } from '../middleware/auth';
import { problem } from '../problem';

export type LiveStreamSettings = {
  log: Logger;
  heartbeatMs: number;
  /** A stream that ends after this long, or once it sent something (on Lambda). */
  maxMs?: number | undefined;
};

export function registerStaffStream(
  api: OpenAPIHono<{ Variables: AuthVariables }>,
  deps: ServiceDeps,
  settings: LiveStreamSettings,
  problems: Record<number, unknown>,
) {
  // One view per change, shared by every staff stream of the tenant that receives it.
  const built = new WeakMap<ChangeSignal, Promise<StaffLiveEvent>>();
  const viewOf = (signal: ChangeSignal) => {
    let view = built.get(signal);
    if (!view) {
      view = buildStaffLiveEvent(deps, signal);
      built.set(signal, view);
    }
    return view;
  };

  api.openapi(
    createRoute({
      method: 'get',
      path: '/stream',
      summary: 'Live committed changes of the tenant (Server-Sent Events)',
      description:
        "A `text/event-stream`: `ready` once listening, then one `change` event per committed change, in commit order — bookings created, edited or cancelled, crew events, answers and checklist ticks, guest page publish outcomes, mail sent or failed, and the rest of the audit log — with the action, the entity, who made it and, when it concerns a booking, the booking's staff view and its crew event; a comment line every 15 s while idle. Each event's id is a cursor: reconnecting with it as `Last-Event-ID` first replays every change after it (a malformed one starts from now). Dashboard tokens only.",
      security: [{ dashboardToken: [] }, { bearer: [] }],
      middleware: [requireScope('bookings:read')] as const,
      responses: {
        200: { description: 'The stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...(problems as Record<number, { description: string }>),
      },
    }),
    (c) => {
      const p = c.var.principal;
      if (p.kind !== 'dashboard') {
        return problem(c, 403, 'Forbidden', 'Live updates are for dashboard tokens; this is a service key.') as never;
      }
      if (!deps.live) return problem(c, 503, 'Unavailable', 'Live updates are not running in this process.') as never;
      const key = presentedKey(c) ?? '';
      return streamChanges(c, {
        hub: deps.live,
        tenantId: p.tenantId,
        heartbeatMs: settings.heartbeatMs,
        log: settings.log,
        build: viewOf,
        replay: (cursor) => readChanges(deps, p.tenantId, cursor, CHANGE_PAGE),
        pageSize: CHANGE_PAGE,
        stillAllowed: async () => (await authenticateKey(deps.db, key))?.keyId === p.keyId,
        bounded: settings.maxMs ? { maxMs: settings.maxMs, now: () => currentChangeCursor(deps) } : undefined,
      }) as never;
    },
  );
}
