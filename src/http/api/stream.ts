/**
 * `GET /api/v1/stream`: the tenant's live changes for staff as Server-Sent Events (the stream the
 * ops dashboard uses). Dashboard tokens only, with `bookings:read`; each event carries the staff
 * view, built once per change for every staff subscriber of that tenant (ADR 0014).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ChangeSignal } from '../../ports/event-hub';
import type { ServiceDeps } from '../../services/context';
import { authenticateKey } from '../../services/keys';
import { buildStaffLiveEvent, type StaffLiveEvent } from '../../services/live';
import { streamChanges } from '../live-stream';
import type { AuthVariables } from '../middleware/auth';
import { presentedKey, requireScope } from '../middleware/auth';
import { problem } from '../problem';

export type LiveStreamSettings = { log: Logger; heartbeatMs: number };

export function registerStaffStream(
  api: OpenAPIHono<{ Variables: AuthVariables }>,
  deps: ServiceDeps,
  settings: LiveStreamSettings,
  problems: Record<number, unknown>,
) {
  // One view per change, shared by every staff stream of the tenant that receives it.
  const built = new WeakMap<ChangeSignal, Promise<StaffLiveEvent | null>>();
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
      summary: 'Live changes of crew events (Server-Sent Events)',
      description:
        "A `text/event-stream`: `ready` once listening, then one `change` event per committed change (accept, decline, checklist tick, crew assigned or removed, event or booking change) with the booking's staff view and its crew event; a comment line every 15 s while idle. Dashboard tokens only.",
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
        stillAllowed: async () => (await authenticateKey(deps.db, key))?.keyId === p.keyId,
      }) as never;
    },
  );
}
