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
import { crewEventSchema, getEvent, upsertEvent } from '../../services/events';
import { type AuthVariables, requireKey, requireScope } from '../middleware/auth';
import type { FailureLimiter } from '../middleware/failure-limiter';
import { strictJson } from '../middleware/strict-json';
import { fieldErrors, problem } from '../problem';
import { bookingSchema, calendarEntrySchemaOut, crewEventSchemaOut, problemSchema } from './schemas';
import { type LiveStreamSettings, registerStaffStream } from './stream';

type Env = { Variables: AuthVariables };

const PROBLEMS: Record<number, string> = {
  400: 'Malformed: the body is not UTF-8 or not JSON, an object in it names a key twice, or the request carries two different keys',
  401: 'No key, an unknown or revoked key, or a key in the header of the other kind (a service key in X-Dashboard-Token)',
  403: 'The key lacks the scope of the route',
  404: 'Nothing with this id in the tenant of the key',
  409: 'In conflict with the booking as it is',
  412: 'If-Match names a version that is no longer current',
  413: 'The body exceeds 1 MiB',
  415: 'The body is not application/json in UTF-8 (another type, or a charset other than utf-8)',
  422: 'Invalid fields, each named in `errors` (a missing field is "required")',
  428: 'If-Match is missing',
  429: 'Too many failed keys from this address: a key that fails is refused until Retry-After (a valid key is not)',
  503: 'Not available in this process',
};
const problems = (...statuses: number[]) =>
  Object.fromEntries(
    [...new Set([...statuses, 400, 401, 403, 429])]
      .sort()
      .map((s) => [s, { description: PROBLEMS[s] ?? 'Problem', content: { 'application/problem+json': { schema: problemSchema } } }]),
  );
/** What any route with a JSON body may answer besides its own. */
const WRITE = [413, 415, 422];
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
        // @hono/zod-validator hands the hook what was parsed as `data` (zod-openapi's type omits it on
        // failure): it tells a missing field from a wrong one.
        const input = (result as { data?: unknown }).data;
        return problem(c, 422, 'Invalid request', 'The request has invalid fields.', fieldErrors(result.error, input));
      }
    },
  });
  api.use('*', requireKey(deps, limiter, clientAddress));
  api.use('*', strictJson());

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
      responses: { 201: json(bookingSchema, 'The booking'), ...problems(409, ...WRITE) },
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
      responses: { 200: json(z.object({ bookings: z.array(bookingSchema) }), 'Bookings by start time'), ...problems(422) },
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
      responses: { 200: json(bookingSchema, 'The booking, with an ETag header'), ...problems(404) },
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
      responses: { 200: json(bookingSchema, 'The changed booking'), ...problems(404, 409, 412, 428, ...WRITE) },
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
      responses: { 200: json(bookingSchema, 'The cancelled booking'), ...problems(404, 409, 413, 415) },
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
      request: { body: { required: true, content: { 'application/json': { schema: crewEventSchema } } } },
      responses: { 201: json(crewEventSchemaOut, 'The crew-safe event'), ...problems(...WRITE) },
    }),
    async (c) => c.json(await upsertEvent(deps, contextOf(c), c.req.valid('json')), 201),
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/events/{id}',
      summary: 'Get the crew-safe view of an event',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { params: idParam },
      responses: { 200: json(crewEventSchemaOut, 'The crew-safe event'), ...problems(404) },
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
      responses: { 201: json(calendarEntrySchemaOut, 'The entry'), ...problems(...WRITE) },
    }),
    async (c) => c.json(await addCalendarEntry(deps, contextOf(c), c.req.valid('json')), 201),
  );

  registerStaffStream(api, deps, live, problems(503));

  return api;
}
