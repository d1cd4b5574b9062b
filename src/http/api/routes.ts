/**
 * The HTTP API under `/api/v1`: bookings, crew events, calendar. Every route authenticates a key,
 * checks its scope, and calls a service with the key's tenant — so another tenant's resource is a 404.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { createBookingSchema, listBookingsSchema, patchBookingSchema } from '../../services/booking-schemas';
import {
  cancelBooking,
  createBooking,
  getBooking,
  hashRequest,
  listBookings,
  updateBooking,
  versionFromEtag,
} from '../../services/bookings';
import { addCalendarEntry, calendarEntrySchema } from '../../services/calendar';
import type { ServiceDeps, TenantContext } from '../../services/context';
import { crewEventSchema, getEvent, unassignCrew, upsertEvent } from '../../services/events';
import { type AuthVariables, type FailureLimiter, requireKey, requireScope } from '../middleware/auth';
import { fieldErrors, problem } from '../problem';
import { bookingSchema, calendarEntrySchemaOut, crewEventSchemaOut, problemSchema } from './schemas';
import { type LiveStreamSettings, registerStaffStream } from './stream';

type Env = { Variables: AuthVariables };

const problems = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: 'Problem', content: { 'application/problem+json': { schema: problemSchema } } }]),
  );
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const idParam = z.object({
  id: z
    .string()
    .min(1)
    .max(16)
    .meta({ param: { name: 'id', in: 'path' }, example: 'XHQGMDH' }),
});
const crewParams = idParam.extend({
  crewId: z
    .uuid('must be a crew member id')
    .meta({ param: { name: 'crewId', in: 'path' }, example: '0c6f2d52-6d1e-4b8e-9a57-3f1f6f1d2a10' }),
});
const security = [{ serviceKey: [] }, { dashboardToken: [] }, { bearer: [] }];

function contextOf(c: Context<Env>): TenantContext {
  const p = c.var.principal;
  return { tenantId: p.tenantId, actor: { kind: 'key', id: p.keyId } };
}

export function createApiRouter(
  deps: ServiceDeps,
  limiter: FailureLimiter,
  clientAddress: (c: Context) => string,
  live: LiveStreamSettings,
) {
  const api = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c, 422, 'Invalid request', 'The request has invalid fields.', fieldErrors(result.error));
      }
    },
  });
  api.use('*', requireKey(deps, limiter, clientAddress));

  api.openapi(
    createRoute({
      method: 'post',
      path: '/bookings',
      summary: 'Create a booking',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: {
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: { required: true, content: { 'application/json': { schema: createBookingSchema } } },
      },
      responses: { 201: json(bookingSchema, 'The booking'), ...problems(400, 401, 403, 409, 413, 422, 429) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const ctx = contextOf(c);
      const out = await createBooking(deps, ctx, input, key ? { key, requestHash: hashRequest(['POST /bookings', input]) } : undefined);
      c.header('etag', out.etag);
      c.header('location', `/api/v1/bookings/${out.booking.id}`);
      if (out.replayed) c.header('idempotent-replayed', 'true');
      return c.json(out.booking, 201);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/bookings',
      summary: 'List bookings',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { query: listBookingsSchema },
      responses: { 200: json(z.object({ bookings: z.array(bookingSchema) }), 'Bookings by start time'), ...problems(401, 403, 422) },
    }),
    async (c) => c.json({ bookings: await listBookings(deps, contextOf(c), c.req.valid('query')) }, 200),
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/bookings/{id}',
      summary: 'Get a booking',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { params: idParam },
      responses: { 200: json(bookingSchema, 'The booking, with an ETag header'), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const out = await getBooking(deps, contextOf(c), c.req.valid('param').id);
      c.header('etag', out.etag);
      return c.json(out.booking, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'patch',
      path: '/bookings/{id}',
      summary: 'Change a booking (If-Match required)',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: {
        params: idParam,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: { required: true, content: { 'application/json': { schema: patchBookingSchema } } },
      },
      responses: { 200: json(bookingSchema, 'The changed booking'), ...problems(400, 401, 403, 404, 409, 412, 422, 428) },
    }),
    async (c) => {
      const ifMatch = c.req.valid('header')['if-match'];
      // Problem answers are outside the typed success shapes of the route.
      if (!ifMatch) return problem(c, 428, 'Precondition required', 'Send If-Match with the ETag of the booking you read.') as never;
      const version = versionFromEtag(ifMatch);
      if (version === null) return problem(c, 412, 'Precondition failed', 'If-Match does not hold an ETag of this booking.') as never;
      const out = await updateBooking(deps, contextOf(c), c.req.valid('param').id, c.req.valid('json'), version);
      c.header('etag', out.etag);
      return c.json(out.booking, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/bookings/{id}/cancel',
      summary: 'Cancel a booking',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: { params: idParam },
      responses: { 200: json(bookingSchema, 'The cancelled booking'), ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const out = await cancelBooking(deps, contextOf(c), c.req.valid('param').id);
      c.header('etag', out.etag);
      return c.json(out.booking, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/events',
      summary: "Create or update a booking's crew event",
      security,
      middleware: [requireScope('events:write')] as const,
      description:
        'Each crew member assigned is mailed a notice with a sign-in link. Refused with 409 (and nothing stored) when the charter is cancelled, completed or over, or a crew member is deactivated.',
      request: { body: { required: true, content: { 'application/json': { schema: crewEventSchema } } } },
      responses: { 201: json(crewEventSchemaOut, 'The crew-safe event'), ...problems(400, 401, 403, 409, 422) },
    }),
    async (c) => c.json(await upsertEvent(deps, contextOf(c), c.req.valid('json')), 201),
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/events/{id}/crew/{crewId}',
      summary: "Take a crew member off a booking's crew",
      description:
        'Their access to this charter ends at once: it leaves their crew pages, calendar feed and live updates, and no further notice about it is mailed to them. ' +
        'Audited as `assignment.removed`. 404 when the booking or crew member is unknown in this tenant or not on this crew; 409 when the charter is over (its crew stays on record).',
      security,
      middleware: [requireScope('events:write')] as const,
      request: { params: crewParams },
      responses: { 200: json(crewEventSchemaOut, 'The crew-safe event without them'), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, crewId } = c.req.valid('param');
      return c.json(await unassignCrew(deps, contextOf(c), id, { crewId }), 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}',
      summary: 'Get the crew-safe view of an event',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { params: idParam },
      responses: { 200: json(crewEventSchemaOut, 'The crew-safe event'), ...problems(401, 403, 404) },
    }),
    async (c) => c.json(await getEvent(deps, contextOf(c), c.req.valid('param').id), 200),
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/calendar',
      summary: 'Add a calendar entry',
      security,
      middleware: [requireScope('calendar:write')] as const,
      request: { body: { required: true, content: { 'application/json': { schema: calendarEntrySchema } } } },
      responses: { 201: json(calendarEntrySchemaOut, 'The entry'), ...problems(400, 401, 403, 422) },
    }),
    async (c) => c.json(await addCalendarEntry(deps, contextOf(c), c.req.valid('json')), 201),
  );

  registerStaffStream(api, deps, live, problems(401, 403, 503));

  return api;
}
