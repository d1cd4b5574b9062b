/**
 * The HTTP API under `/api/v1`: bookings, crew events, calendar. Every route authenticates a key,
 * checks its scope, and calls a service with the key's tenant — so another tenant's resource is a 404.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { FailureLimits } from '../../ports/failure-limits';
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
import { type AuthVariables, requireKey, requireScope } from '../middleware/auth';
import { strictJson } from '../middleware/strict-json';
import { fieldErrors, type Problem, problem } from '../problem';
import { bookingSchema, calendarEntrySchemaOut, crewEventSchemaOut, problemSchema } from './schemas';
import { type LiveStreamSettings, registerStaffStream } from './stream';

type Env = { Variables: AuthVariables };

/** What each problem status means on every route; a route may say more for its own (e.g. a 409). */
const PROBLEM_MEANINGS: Record<number, string> = {
  400: 'Malformed: the body is not UTF-8 or not JSON, an object in it names a key twice, or the request carries two different keys',
  401: 'No key, an unknown or revoked key, or a key in the header of the other kind (a service key in X-Dashboard-Token)',
  403: 'The key lacks the scope this route needs',
  404: "No such booking in the key's tenant",
  409: 'Conflict with the current state',
  412: 'If-Match names another version of the booking: read it again and retry',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not application/json in UTF-8 (another type, or a charset other than utf-8)',
  422: 'Invalid fields: `errors` names each by its path (`guest.email`, `startsAt`) with the reason',
  428: 'If-Match is missing: send the ETag of the booking you read',
  429: 'Too many failed keys from this address: a key that fails is refused until Retry-After (a valid key is not)',
  503: 'Live updates are not available on this installation',
};

const problemExample = (status: number, title: string, detail: string, errors?: Problem['errors']): Problem => ({
  type: 'about:blank',
  title,
  status,
  detail,
  ...(errors ? { errors } : {}),
});

/** One example answer per status, in the words Bosun answers with. */
const PROBLEM_EXAMPLES: Record<number, Problem> = {
  400: problemExample(400, 'Malformed request', 'The body is not valid JSON.'),
  401: problemExample(401, 'Unauthorized', 'The key is unknown or revoked.'),
  403: problemExample(403, 'Forbidden', 'This key lacks the scope bookings:write.'),
  404: problemExample(404, 'Not found', 'Booking XHQGMDH was not found.'),
  409: problemExample(
    409,
    'Conflict',
    'Vessel jada is booked from 2030-06-15T10:00:00-07:00 to 2030-06-15T13:00:00-07:00 by booking XHQGMDH (confirmed).',
    [{ field: 'startsAt', message: 'overlaps booking XHQGMDH' }],
  ),
  412: problemExample(412, 'Precondition failed', 'The booking has changed since you read it: read it again.'),
  413: problemExample(413, 'Body too large', 'The body exceeds 1048576 bytes.'),
  415: problemExample(415, 'Unsupported media type', 'Send the body as application/json in UTF-8.'),
  422: problemExample(422, 'Invalid request', 'The request has invalid fields.', [
    { field: 'guest.email', message: 'must be an e-mail address' },
    { field: 'partySize', message: 'must be at least 1' },
  ]),
  428: problemExample(428, 'Precondition required', 'Send If-Match with the ETag of the booking you read.'),
  429: problemExample(429, 'Too many failed attempts', 'Try again in 60 seconds.'),
  503: problemExample(503, 'Unavailable', 'Live updates are not available.'),
};

/** Every route may answer these: a malformed request, a missing, unknown or unfit key, too many failures. */
const ALWAYS = [400, 401, 403, 429];

/** The documented problem answers of a route: a status, or a status with what it means there (plus ALWAYS). */
const problems = (...given: (number | [number, string])[]) => {
  const named = new Set(given.map((e) => (typeof e === 'number' ? e : e[0])));
  const entries = [...given, ...ALWAYS.filter((s) => !named.has(s))].sort(
    (x, y) => (typeof x === 'number' ? x : x[0]) - (typeof y === 'number' ? y : y[0]),
  );
  return Object.fromEntries(
    entries.map((entry) => {
      const [status, meaning] = typeof entry === 'number' ? [entry, PROBLEM_MEANINGS[entry] ?? 'Problem'] : entry;
      const example = PROBLEM_EXAMPLES[status];
      return [
        status,
        { description: meaning, content: { 'application/problem+json': { schema: problemSchema, ...(example ? { example } : {}) } } },
      ];
    }),
  );
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const idParam = z.object({
  id: z
    .string()
    .min(1)
    .max(16)
    .meta({ param: { name: 'id', in: 'path' }, example: 'XHQGMDH', description: 'The booking id (any case)' }),
});
const ifMatch = z
  .string()
  .optional()
  .meta({
    param: { name: 'if-match', in: 'header' },
    description: 'Required. The ETag of the booking as you read it (e.g. "v3"): the change applies only to that version.',
    example: '"v3"',
  });
const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .meta({
    param: { name: 'idempotency-key', in: 'header' },
    description:
      'Any unique string (a UUID). A retry with the same key and body answers as the first request did, for 24 hours, and creates nothing; the same key with another body is refused with 422.',
    example: '7b0d6a8e-3c52-4f1e-9d8a-1f2e3c4d5e6f',
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

export function createApiRouter(deps: ServiceDeps, limits: FailureLimits, clientAddress: (c: Context) => string, live: LiveStreamSettings) {
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
  api.use('*', requireKey(deps, limits, clientAddress));
  api.use('*', strictJson());

  api.openapi(
    createRoute({
      method: 'post',
      path: '/bookings',
      summary: 'Create a booking',
      description:
        'Creates a hold or a confirmed booking (the default) of a vessel. A confirmed booking gets its guest page, published after the answer; ' +
        'its ETag header is the version to send as If-Match when changing it. Scope `bookings:write`.',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: {
        headers: z.object({ 'idempotency-key': idempotencyKey }),
        body: { required: true, content: { 'application/json': { schema: createBookingSchema } } },
      },
      responses: {
        201: json(bookingSchema, 'The booking, with its ETag and Location headers'),
        ...problems(
          400,
          401,
          403,
          [409, 'The vessel is booked at an overlapping time (the problem names that booking), or the id or friendly slug is taken'],
          413,
          415,
          422,
          429,
        ),
      },
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
      description: 'Bookings by start time, optionally within a time window and of one status. Scope `bookings:read`.',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { query: listBookingsSchema },
      responses: { 200: json(z.object({ bookings: z.array(bookingSchema) }), 'Bookings by start time'), ...problems(401, 403, 422, 429) },
    }),
    async (c) => c.json({ bookings: await listBookings(deps, contextOf(c), c.req.valid('query')) }, 200),
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/bookings/{id}',
      summary: 'Get a booking',
      description: 'The booking as staff see it. Its ETag header names its version, for If-Match. Scope `bookings:read`.',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { params: idParam },
      responses: { 200: json(bookingSchema, 'The booking, with an ETag header'), ...problems(401, 403, 404, 429) },
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
      description:
        'Changes the fields given and nothing else; `null` clears an optional field. Send the ETag you read as If-Match: ' +
        'of two writers with the same ETag exactly one succeeds. Scope `bookings:write`.',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: {
        params: idParam,
        headers: z.object({ 'if-match': ifMatch }),
        body: { required: true, content: { 'application/json': { schema: patchBookingSchema } } },
      },
      responses: {
        200: json(bookingSchema, 'The changed booking, with its new ETag'),
        ...problems(
          400,
          401,
          403,
          404,
          [
            409,
            'The new times overlap another booking of the vessel, the booking is cancelled or completed, or the friendly slug is taken',
          ],
          412,
          413,
          415,
          422,
          428,
          429,
        ),
      },
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
      description: 'Cancels a hold or a confirmed booking; its guest page says so and its crew are told. Scope `bookings:write`.',
      security,
      middleware: [requireScope('bookings:write')] as const,
      request: { params: idParam },
      responses: {
        200: json(bookingSchema, 'The cancelled booking'),
        ...problems(404, [409, 'The booking is completed and cannot be cancelled'], 413, 415),
      },
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
      description:
        'Assigns crew (by id or e-mail address) to a booking, with notes for crew. Each newly assigned member is mailed a notice with a sign-in link. ' +
        'Refused with 409 (and nothing stored) when the charter is cancelled, completed or over, or a crew member is deactivated. Scope `events:write`.',
      security,
      middleware: [requireScope('events:write')] as const,
      request: { body: { required: true, content: { 'application/json': { schema: crewEventSchema } } } },
      responses: {
        201: json(crewEventSchemaOut, 'The crew-safe event'),
        ...problems(
          [409, 'The booking is cancelled or its charter is over, or a crew member is deactivated: no crew can be assigned'],
          413,
          415,
          422,
        ),
      },
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
      description: 'The booking as its crew see it: no money, no internal notes, no guest contact details. Scope `bookings:read`.',
      security,
      middleware: [requireScope('bookings:read')] as const,
      request: { params: idParam },
      responses: { 200: json(crewEventSchemaOut, 'The crew-safe event'), ...problems(401, 403, 404, 429) },
    }),
    async (c) => c.json(await getEvent(deps, contextOf(c), c.req.valid('param').id), 200),
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/calendar',
      summary: 'Add a calendar entry',
      description: "An entry in the operator's calendar: a charter, maintenance, a holiday. Scope `calendar:write`.",
      security,
      middleware: [requireScope('calendar:write')] as const,
      request: { body: { required: true, content: { 'application/json': { schema: calendarEntrySchema } } } },
      responses: { 201: json(calendarEntrySchemaOut, 'The entry'), ...problems(400, 401, 403, 413, 415, 422, 429) },
    }),
    async (c) => c.json(await addCalendarEntry(deps, contextOf(c), c.req.valid('json')), 201),
  );

  registerStaffStream(api, deps, live, problems(503));

  return api;
}
