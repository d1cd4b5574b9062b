/**
 * The crew surface under `/crew`: magic-link sign-in (GET shows a button, only POST signs in), the
 * crew member's charters, accept / decline and the checklist. Every answer is `no-store` and
 * `noindex`; every form is CSRF-checked (Origin or Sec-Fetch-Site, plus a session-bound token once
 * signed in). A crew member reaches only their own charters in their own tenant (ADR 0010).
 */
import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChangeSignal } from '../../ports/event-hub';
import type { FailureLimits } from '../../ports/failure-limits';
import { CHANGE_PAGE, readChanges } from '../../services/change-feed';
import type { ServiceDeps } from '../../services/context';
import {
  answerAssignment,
  answerSchema,
  crewContext,
  getCharterForCrew,
  listUpcomingCharters,
  setChecklistTick,
  tickSchema,
} from '../../services/crew';
import {
  authenticateCrewSession,
  type CrewPrincipal,
  requestCrewLoginLink,
  requestLinkSchema,
  signInWithMagicLink,
  signOutCrew,
} from '../../services/crew-access';
import { getCrewFeedUrl, renderCrewFeed, resetCrewFeedUrl } from '../../services/crew-feed';
import { ServiceError } from '../../services/errors';
import { describeIssues } from '../../services/field-errors';
import { buildCrewLiveEvent, type CrewLiveEvent } from '../../services/live';
import { DEFAULT_HEARTBEAT_MS, streamChanges } from '../live-stream';
import { signInLimits } from '../middleware/failure-limits';
import { formToken, formTokenFor } from '../middleware/form-token';
import { pageHeaders } from '../middleware/page-headers';
import { limitRequests } from '../middleware/request-limit';
import { type PublicRoute, requireSession, sessionCookie } from '../middleware/session';
import { formOf, strictForm } from '../middleware/strict-form';
import { CharterPage, ChartersPage, LinkNotValidPage, MessagePage, RequestLinkPage, type SignedIn, SignInButtonPage } from './views';

export type CrewSurfaceDeps = ServiceDeps & {
  log: Logger;
  /** `BOSUN_PUBLIC_URL`: decides the Secure cookie flag and an accepted form origin. */
  publicUrl: string;
  /** Signs the forms' CSRF tokens. */
  signingSecret: string;
  clientAddress: (c: Context) => string;
  /** Counts failed sign-ins and requests for a link (`signInLimits('crew')`), shared by every serving process. */
  failureLimits: FailureLimits;
  /** A form may also come from the origin the request names (the Node server); else only the public URL's. */
  acceptRequestOrigin?: boolean;
  /** How often an idle live stream sends a heartbeat. */
  liveHeartbeatMs?: number;
};

type CrewEnv = { Variables: { crew: CrewPrincipal; signedIn: SignedIn } };

const BASE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The only routes anyone may open without a crew session; everything else needs one (ADR 0021). */
export const CREW_PUBLIC_ROUTES: readonly PublicRoute[] = [
  'GET /login',
  'POST /login',
  'GET /login/:token',
  'POST /login/:token',
  // Calendar apps carry no cookie: the feed's URL is its credential (ADR 0013).
  'GET /feed/:file',
];

export function createCrewRouter(deps: CrewSurfaceDeps) {
  const crew = new Hono<CrewEnv>();
  const secure = new URL(deps.publicUrl).protocol === 'https:';
  const publicOrigin = new URL(deps.publicUrl).origin;
  const limits = signInLimits('crew');
  const cookie = sessionCookie('bosun_crew', secure);
  const feedSettings = { publicUrl: deps.publicUrl, secret: deps.signingSecret };

  crew.onError((err, c) => {
    if (err instanceof ServiceError) {
      const signedIn = c.get('signedIn');
      return c.html(<MessagePage title={err.title} message={err.message} signedIn={signedIn} />, err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException && err.status === 403) {
      return c.html(
        <MessagePage title="Form rejected" message="This form did not come from this site. Go back, reload the page and try again." />,
        403,
      );
    }
    deps.log.error({ err, method: c.req.method, path: c.req.path }, 'crew request failed');
    return c.html(<MessagePage title="Something went wrong" message="The request could not be completed; it has been logged." />, 500);
  });

  crew.use('*', pageHeaders({ csp: BASE_CSP }));
  crew.use(
    '*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => c.html(<MessagePage title="Form too large" message="The form sent more than this page accepts." />, 413),
    }),
  );
  // Forms may come from this origin as the request names it, or from the public URL (behind a proxy).
  crew.use(
    '*',
    csrf({ origin: (origin, c) => origin === publicOrigin || (deps.acceptRequestOrigin === true && origin === new URL(c.req.url).origin) }),
  );
  crew.use(
    '*',
    strictForm({
      refuse: (c, { status, message }) => c.html(<MessagePage title="Form not accepted" message={message} />, status),
    }),
  );

  crew.use(
    '*',
    requireSession<CrewPrincipal>({
      base: '/crew',
      cookie,
      publicRoutes: CREW_PUBLIC_ROUTES,
      authenticate: (raw) => authenticateCrewSession(deps, raw),
      signedIn: (c, principal) => {
        c.set('crew', principal);
        c.set('signedIn', {
          crewName: principal.crewName,
          tenantName: principal.tenantName,
          csrf: formTokenFor(deps.signingSecret, 'crew', principal.sessionDigest),
        });
      },
      // A page sends the browser to sign in; the live stream (read by a script) and forms just say no.
      signedOut: (c) =>
        (c.req.method === 'GET' || c.req.method === 'HEAD') && !c.req.path.endsWith('/stream')
          ? c.redirect('/crew/login', 303)
          : c.html(<MessagePage title="Signed out" message="Your session has ended. Open the link in your latest mail again." />, 401),
    }),
  );
  crew.use(
    '*',
    formToken({
      secret: deps.signingSecret,
      purpose: 'crew',
      sessionDigest: (c) => (c as Context<CrewEnv>).get('crew')?.sessionDigest,
      refuse: (c) =>
        c.html(
          <MessagePage title="Form expired" message="Reload the page and try again." signedIn={(c as Context<CrewEnv>).get('signedIn')} />,
          403,
        ),
    }),
  );

  crew.get('/login', (c) => c.html(<RequestLinkPage />));

  // Counted per e-mail address too, so one crew member asking again and again does not stop the next
  // one on the same Wi-Fi (ADR 0015); a form without a valid address is not counted.
  const askedFor = (c: Context) => requestLinkSchema.safeParse({ email: String(formOf(c).email ?? '').trim() }).data?.email;
  crew.post(
    '/login',
    limitRequests({
      counts: deps.failureLimits,
      limits: [
        {
          limit: limits.linkRequest,
          key: (c) => {
            const email = askedFor(c);
            return email ? `${deps.clientAddress(c)} ${email.toLowerCase()}` : null;
          },
        },
        { limit: limits.linkRequestOfAddress, key: (c) => (askedFor(c) ? deps.clientAddress(c) : null) },
      ],
      limited: (c, wait) => tooMany(c, wait),
    }),
    async (c) => {
      const email = askedFor(c);
      if (!email) {
        return c.html(
          <RequestLinkPage email={String(formOf(c).email ?? '').slice(0, 320)} error="Enter an e-mail address like name@example.com." />,
          422,
        );
      }
      await requestCrewLoginLink(deps, { email });
      // The same answer whether or not the address is known.
      return c.html(
        <MessagePage
          title="Check your mail"
          message="If this address belongs to a crew member, a sign-in link is on its way. It works for a day."
        />,
      );
    },
  );

  crew.get('/login/:token', (c) => c.html(<SignInButtonPage action={`/crew/login/${encodeURIComponent(c.req.param('token'))}`} />));

  crew.post('/login/:token', async (c) => {
    // A valid link signs in whatever its address did before; only failing links are refused (ADR 0015).
    const result = await signInWithMagicLink(deps, c.req.param('token'));
    if (!result.ok) {
      const wait = await deps.failureLimits.fail(limits.signIn, deps.clientAddress(c));
      if (wait > 0) return tooMany(c, wait);
      return c.html(<LinkNotValidPage reason={result.reason} />, result.reason === 'invalid' ? 400 : 410);
    }
    cookie.write(c, result.session, result.expiresAt);
    return c.redirect('/crew', 303);
  });

  // The calendar feed: calendar apps carry no cookie, so the URL itself is the credential (ADR 0013).
  crew.get('/feed/:file', async (c) => {
    const file = c.req.param('file');
    const feed = file.endsWith('.ics') ? await renderCrewFeed(deps, file.slice(0, -4), feedSettings) : null;
    if (!feed) return c.text('No calendar here. Copy the feed link again from your crew pages.', 404);
    c.header('etag', feed.etag);
    // Calendar apps revalidate with If-None-Match; nothing in between may keep a copy.
    c.header('cache-control', 'private, no-cache');
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((t) => t.trim().replace(/^W\//, '') === feed.etag)) return c.body(null, 304);
    c.header('content-type', 'text/calendar; charset=utf-8');
    c.header('content-disposition', 'inline; filename="charters.ics"');
    return c.body(feed.body);
  });

  // Live updates of this crew member's charters: one view per change and crew member (ADR 0014, 0019).
  const crewViews = new WeakMap<ChangeSignal, Map<string, Promise<CrewLiveEvent | null>>>();
  crew.get('/stream', (c) => {
    const p = c.var.crew;
    const live = deps.live;
    if (!live) return c.text('Live updates are not running.', 503);
    const ctx = crewContext(p.tenantId, p.crewMemberId);
    const session = cookie.read(c) ?? '';
    return streamChanges(c, {
      hub: live,
      tenantId: p.tenantId,
      heartbeatMs: deps.liveHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      log: deps.log,
      build: (signal) => {
        let byMember = crewViews.get(signal);
        if (!byMember) {
          byMember = new Map();
          crewViews.set(signal, byMember);
        }
        let view = byMember.get(p.crewMemberId);
        if (!view) {
          view = buildCrewLiveEvent(deps, ctx, signal);
          byMember.set(p.crewMemberId, view);
        }
        return view;
      },
      replay: (cursor) => readChanges(deps, p.tenantId, cursor, CHANGE_PAGE),
      pageSize: CHANGE_PAGE,
      stillAllowed: async () => (await authenticateCrewSession(deps, session))?.crewMemberId === p.crewMemberId,
    });
  });

  crew.post('/feed/reset', async (c) => {
    const p = c.var.crew;
    await resetCrewFeedUrl(deps, crewContext(p.tenantId, p.crewMemberId), feedSettings);
    return c.redirect('/crew#calendar', 303);
  });

  crew.post('/logout', async (c) => {
    await signOutCrew(deps, c.var.crew);
    cookie.clear(c);
    return c.redirect('/crew/login', 303);
  });

  crew.get('/', async (c) => {
    const p = c.var.crew;
    const ctx = crewContext(p.tenantId, p.crewMemberId);
    const [charters, feedUrl] = await Promise.all([listUpcomingCharters(deps, ctx), getCrewFeedUrl(deps, ctx, feedSettings)]);
    return c.html(<ChartersPage signedIn={c.var.signedIn} charters={charters} feedUrl={feedUrl} now={deps.clock.now()} />);
  });

  crew.get('/events/:id', async (c) => {
    const p = c.var.crew;
    const charter = await getCharterForCrew(deps, crewContext(p.tenantId, p.crewMemberId), c.req.param('id'));
    // The page's one script (live updates) runs by nonce; it may reach only this origin.
    const nonce = randomBytes(16).toString('base64');
    c.header('content-security-policy', `${BASE_CSP}; script-src 'nonce-${nonce}'; connect-src 'self'`);
    return c.html(<CharterPage signedIn={c.var.signedIn} charter={charter} now={deps.clock.now()} liveNonce={nonce} />);
  });

  crew.post('/events/:id/accept', async (c) => {
    const p = c.var.crew;
    await answerAssignment(deps, crewContext(p.tenantId, p.crewMemberId), c.req.param('id'), { answer: 'accept' });
    return c.redirect(`/crew/events/${encodeURIComponent(c.req.param('id'))}`, 303);
  });

  crew.post('/events/:id/decline', async (c) => {
    const p = c.var.crew;
    const form = formOf(c);
    const input = parseForm(answerSchema, { answer: 'decline', reason: form.reason });
    await answerAssignment(deps, crewContext(p.tenantId, p.crewMemberId), c.req.param('id'), input);
    return c.redirect(`/crew/events/${encodeURIComponent(c.req.param('id'))}`, 303);
  });

  crew.post('/events/:id/checklist', async (c) => {
    const p = c.var.crew;
    const form = formOf(c);
    const input = parseForm(tickSchema, { item: form.item, ticked: form.ticked });
    await setChecklistTick(deps, crewContext(p.tenantId, p.crewMemberId), c.req.param('id'), input);
    return c.redirect(`/crew/events/${encodeURIComponent(c.req.param('id'))}`, 303);
  });

  return crew;
}

function tooMany(c: Context, wait: number) {
  c.header('retry-after', String(wait));
  return c.html(<MessagePage title="Too many attempts" message={`Try again in ${Math.ceil(wait / 60)} minutes.`} />, 429);
}

/** Validates a form against a schema; a wrong form is a 422 page. */
function parseForm<T extends z.ZodType>(schema: T, values: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const detail = describeIssues(parsed.error, values)
      .map((i) => `${i.path || 'form'} ${i.message}`)
      .join('; ');
    throw new ServiceError(422, 'Invalid form', detail);
  }
  return parsed.data;
}
