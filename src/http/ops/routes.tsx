/**
 * The ops dashboard under `/app`: staff sign-in by mailed link (GET shows a button, only POST signs
 * in), and behind it the office's pages. Closed by default: every route needs a staff session but the
 * few in `OPS_PUBLIC_ROUTES` (ADR 0021). Forms are checked for their origin and for a token bound to
 * the session; every answer is `no-store` and `noindex` under a strict CSP with a per-request nonce.
 */
import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CHANGE_PAGE, currentChangeCursor, readChanges } from '../../services/change-feed';
import { ServiceError } from '../../services/errors';
import { buildStaffLiveEvent } from '../../services/live';
import {
  authenticateStaffSession,
  requestStaffLinkSchema,
  requestStaffLoginLink,
  type StaffPrincipal,
  signInStaff,
  signOutStaff,
} from '../../services/staff-access';
import { DEFAULT_HEARTBEAT_MS, streamChanges } from '../live-stream';
import { signInLimits } from '../middleware/failure-limits';
import { formToken, formTokenFor } from '../middleware/form-token';
import { pageHeaders } from '../middleware/page-headers';
import { limitRequests } from '../middleware/request-limit';
import { type PublicRoute, requireSession, sessionCookie } from '../middleware/session';
import { formOf, strictForm } from '../middleware/strict-form';
import { createAssetsRouter } from './assets/assets';
import { builtAssetUrls, pageCsp } from './chrome';
import type { OpsSurfaceDeps } from './deps';
import type { OpsEnv } from './env';
import { createBoardPages } from './pages/board';
import { createBookingPages } from './pages/bookings';
import { createBookingsListPages } from './pages/bookings-list';
import { createCalendarPages } from './pages/calendar';
import { createCrewPages } from './pages/crew';
import { createGuestMailSettingsPages } from './pages/guest-mail-settings';
import { createGuestMessagePages } from './pages/guest-messages';
import { createJobPages } from './pages/jobs';
import { createKeysPages } from './pages/keys';
import { createMailPages } from './pages/mail';
import { createSettingsPages } from './pages/settings';
import { createStaffPages } from './pages/staff';
import { createTodayPages } from './pages/today';
import { createVesselPages } from './pages/vessels';
import { CheckMailPage, LinkNotValidPage, MessagePage, RequestLinkPage, SignInButtonPage } from './views/sign-in';

/** The only routes anyone may open without a staff session; everything else needs one. */
export const OPS_PUBLIC_ROUTES: readonly PublicRoute[] = [
  'GET /login',
  'POST /login',
  'GET /login/:token',
  'POST /login/:token',
  // Content-hashed stylesheet and scripts: the sign-in pages use them too.
  'GET /assets/:name',
  // The staff calendar feed: calendar apps carry no cookie, so its signed URL is the credential.
  'GET /feed/:file',
];

/** The surface; without `assets`, it builds its own (esbuild, once per process). */
export function createOpsRouter(surfaceDeps: Omit<OpsSurfaceDeps, 'assets'> & Partial<Pick<OpsSurfaceDeps, 'assets'>>) {
  const deps: OpsSurfaceDeps = { ...surfaceDeps, assets: surfaceDeps.assets ?? builtAssetUrls };
  const ops = new Hono<OpsEnv>();
  const secure = new URL(deps.publicUrl).protocol === 'https:';
  const publicOrigin = new URL(deps.publicUrl).origin;
  const cookie = sessionCookie('bosun_staff', secure);
  const limits = signInLimits('staff');
  const css = async () => (await deps.assets()).css;

  ops.onError(async (err, c) => {
    if (err instanceof ServiceError) {
      return c.html(<MessagePage css={await css()} title={err.title} message={err.message} />, err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException && err.status === 403) {
      return c.html(
        <MessagePage
          css={await css()}
          title="Form rejected"
          message="This form did not come from this site. Reload the page and try again."
        />,
        403,
      );
    }
    deps.log.error({ err, method: c.req.method, path: c.req.path }, 'ops request failed');
    return c.html(
      <MessagePage css={await css()} title="Something went wrong" message="The request could not be completed; it has been logged." />,
      500,
    );
  });

  ops.use('*', async (c, next) => {
    const nonce = randomBytes(16).toString('base64');
    c.set('nonce', nonce);
    await pageHeaders({ csp: pageCsp(nonce) })(c, next);
  });
  ops.use(
    '*',
    bodyLimit({
      maxSize: 256 * 1024,
      onError: async (c) =>
        c.html(<MessagePage css={await css()} title="Form too large" message="The form sent more than this page accepts." />, 413),
    }),
  );
  ops.use(
    '*',
    csrf({ origin: (origin, c) => origin === publicOrigin || (deps.acceptRequestOrigin === true && origin === new URL(c.req.url).origin) }),
  );
  ops.use(
    '*',
    strictForm({
      refuse: async (c, { status, message }) =>
        c.html(<MessagePage css={await css()} title="Form not accepted" message={message} />, status),
    }),
  );
  ops.use(
    '*',
    requireSession<StaffPrincipal>({
      base: '/app',
      cookie,
      publicRoutes: OPS_PUBLIC_ROUTES,
      authenticate: (raw) => authenticateStaffSession(deps, raw),
      signedIn: (c, principal) => {
        c.set('staff', principal);
        c.set('csrf', formTokenFor(deps.signingSecret, 'staff', principal.sessionDigest));
      },
      signedOut: async (c) =>
        (c.req.method === 'GET' || c.req.method === 'HEAD') && !c.req.path.endsWith('/stream')
          ? c.redirect('/app/login', 303)
          : c.html(
              <MessagePage css={await css()} title="Signed out" message="Your session has ended. Sign in again." back="/app/login" />,
              401,
            ),
    }),
  );
  ops.use(
    '*',
    formToken({
      secret: deps.signingSecret,
      purpose: 'staff',
      sessionDigest: (c) => (c as Context<OpsEnv>).get('staff')?.sessionDigest,
      refuse: async (c) => c.html(<MessagePage css={await css()} title="Form expired" message="Reload the page and try again." />, 403),
    }),
  );

  // A page is rendered at a cursor of the change feed, taken before it reads anything: its live stream
  // replays from there, so a change between the page and its stream is not missed.
  ops.use('*', async (c, next) => {
    if (c.req.method === 'GET' && c.var.staff && !/^\/app\/(stream|assets\/|feed\/)/.test(c.req.path)) {
      c.set('liveSince', await currentChangeCursor(deps));
    }
    await next();
  });

  ops.route('/assets', createAssetsRouter());

  ops.get('/login', async (c) => c.html(<RequestLinkPage css={await css()} />));

  const askedFor = (c: Context) => requestStaffLinkSchema.safeParse({ email: String(formOf(c).email ?? '').trim() }).data?.email;
  ops.post(
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
      limited: async (c, wait) =>
        c.html(<MessagePage css={await css()} title="Too many attempts" message={`Try again in ${Math.ceil(wait / 60)} minutes.`} />, 429),
    }),
    async (c) => {
      const email = askedFor(c);
      if (!email) {
        const typed = String(formOf(c).email ?? '').slice(0, 320);
        return c.html(<RequestLinkPage css={await css()} email={typed} error="Enter an e-mail address like name@example.com." />, 422);
      }
      await requestStaffLoginLink(deps, { email });
      // The same answer whether or not the address is known.
      return c.html(<CheckMailPage css={await css()} />);
    },
  );

  ops.get('/login/:token', async (c) =>
    c.html(<SignInButtonPage css={await css()} action={`/app/login/${encodeURIComponent(c.req.param('token'))}`} />),
  );

  ops.post('/login/:token', async (c) => {
    // A valid link signs in whatever its address did before; only failing links are refused (ADR 0015).
    const result = await signInStaff(deps, c.req.param('token'));
    if (!result.ok) {
      const wait = await deps.failureLimits.fail(limits.signIn, deps.clientAddress(c));
      if (wait > 0) {
        c.header('retry-after', String(wait));
        return c.html(
          <MessagePage css={await css()} title="Too many attempts" message={`Try again in ${Math.ceil(wait / 60)} minutes.`} />,
          429,
        );
      }
      return c.html(<LinkNotValidPage css={await css()} reason={result.reason} />, result.reason === 'invalid' ? 400 : 410);
    }
    cookie.write(c, result.session, result.expiresAt);
    return c.redirect('/app', 303);
  });

  ops.post('/logout', async (c) => {
    await signOutStaff(deps, c.var.staff);
    cookie.clear(c);
    return c.redirect('/app/login', 303);
  });

  ops.get('/', (c) => c.redirect('/app/today', 303));

  ops.route('/', createTodayPages(deps));
  ops.route('/', createBookingsListPages(deps));
  ops.route('/', createGuestMessagePages(deps));
  ops.route('/', createBookingPages(deps));
  ops.route('/', createBoardPages(deps));
  ops.route('/', createCalendarPages(deps));
  ops.route('/', createKeysPages(deps));
  ops.route('/', createCrewPages(deps));
  ops.route('/', createVesselPages(deps));
  ops.route('/', createStaffPages(deps));
  ops.route('/', createSettingsPages(deps));
  ops.route('/', createGuestMailSettingsPages(deps));
  ops.route('/', createJobPages(deps));
  ops.route('/', createMailPages(deps));

  // The tenant's changes as they commit, each as the staff view; resumable with Last-Event-ID (ADR 0014, 0019).
  ops.get('/stream', (c) => {
    const s = c.var.staff;
    if (!deps.live) return c.text('Live updates are not running.', 503);
    const session = cookie.read(c) ?? '';
    return streamChanges(c, {
      hub: deps.live,
      tenantId: s.tenantId,
      heartbeatMs: deps.liveHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      log: deps.log,
      build: (signal) => buildStaffLiveEvent(deps, signal),
      replay: (cursor) => readChanges(deps, s.tenantId, cursor, CHANGE_PAGE),
      pageSize: CHANGE_PAGE,
      stillAllowed: async () => (await authenticateStaffSession(deps, session))?.staffUserId === s.staffUserId,
      resumeFrom: c.req.query('since'),
    });
  });

  return ops;
}
