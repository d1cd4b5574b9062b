/**
 * Crew pages (Hono JSX, phone first): props in, HTML out. Every value is escaped by JSX; the only
 * raw text is the constant style sheet. Charters come in as crew views (`CrewBookingView`).
 */

import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import { formatCharterStart, formatCharterTime } from '../../domain/time';
import type { CrewBookingView } from '../../domain/visibility';
import type { CharterForCrew, CharterSummary } from '../../services/crew';

const CSS = `
*{box-sizing:border-box}
button,input,textarea,select{font:inherit}
body{margin:0;font:17px/1.5 -apple-system,system-ui,Segoe UI,Roboto,sans-serif;color:#13212e;background:#f3f6f8}
header{background:#0b3d66;color:#fff;padding:12px 16px;display:flex;justify-content:space-between;align-items:center;gap:8px}
header a{color:#fff;text-decoration:none;font-weight:600}
header form{margin:0}
header button{background:transparent;color:#fff;border:1px solid #ffffff80;padding:6px 10px;font-size:14px;border-radius:6px}
main{padding:16px;max-width:40rem;margin:0 auto}
h1{font-size:22px;margin:8px 0 16px}
h2{font-size:18px;margin:24px 0 8px}
.card{display:block;background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;color:inherit;text-decoration:none;box-shadow:0 1px 2px #0000001a}
.muted{color:#5b6b7b;font-size:15px}
.badge{display:inline-block;border-radius:999px;padding:2px 10px;font-size:14px;font-weight:600;background:#e6edf3}
.badge.accepted{background:#d8f3dc;color:#1b5e20}.badge.declined{background:#fde2e1;color:#8a1c1c}.badge.invited{background:#fff3cd;color:#6b4f00}
.badge.cancelled{background:#fde2e1;color:#8a1c1c}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:0}
dt{color:#5b6b7b}dd{margin:0}
.note{background:#fff8e1;border-radius:8px;padding:10px 12px;margin:8px 0;white-space:pre-line}
button,.button{display:block;width:100%;font-size:18px;padding:14px;border-radius:10px;border:0;background:#0b5cab;color:#fff;font-weight:600;text-align:center;text-decoration:none}
button.secondary{background:#fff;color:#8a1c1c;border:2px solid #8a1c1c}
form{margin:12px 0}
.decline{background:#fff;border:1px solid #e3c4c4;border-radius:10px;padding:4px 12px 12px}
.inline{display:flex;flex-wrap:wrap;gap:8px}
.inline input{flex:1 1 12rem;width:auto}
.inline button{flex:0 0 auto;width:auto}
label{display:block;margin:8px 0 4px;font-weight:600}
input[type=email],input[type=text],textarea{width:100%;font-size:17px;padding:12px;border:1px solid #b8c4ce;border-radius:8px}
ul.plain{list-style:none;padding:0;margin:0}
.check{display:flex;align-items:center;gap:12px;background:#fff;border-radius:10px;padding:10px 12px;margin:0 0 8px}
.check form{margin:0;flex:0 0 auto}
.check button{width:auto;padding:8px 14px;font-size:16px}
.check.done button{background:#1b5e20}
.check .mark{flex:0 0 auto;min-width:44px;text-align:center;font-size:18px;font-weight:600;color:#5b6b7b}
.check.done .mark{color:#1b5e20}
.closed{background:#e6edf3;border-radius:8px;padding:10px 12px}
.error{color:#8a1c1c;font-weight:600}
.live{max-width:40rem;margin:0 auto;padding:0 16px 24px}
`;

export type SignedIn = { crewName: string; tenantName: string; csrf: string };

/**
 * Live updates on a charter page: listens to `/crew/stream` and, when a change of this charter
 * arrives, fetches the page again and swaps in its `<main>` (rendered and escaped by the server, so
 * nothing from the event is written into the page). A half-typed decline reason is not thrown away:
 * the swap waits until the field is left. Runs under the page's CSP by nonce.
 */
const LIVE_SCRIPT = `(function () {
  var me = document.currentScript;
  var booking = me && me.getAttribute('data-booking');
  if (!booking || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var status = document.getElementById('live-status');
  var waiting = false, busy = false;
  function typing() {
    var el = document.activeElement;
    return el && el.tagName === 'INPUT' && el.type === 'text' && el.value !== '';
  }
  function refresh() {
    if (busy) { waiting = true; return; }
    if (typing()) { waiting = true; document.activeElement.addEventListener('blur', refresh, { once: true }); return; }
    busy = true; waiting = false;
    fetch(location.pathname, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, 'text/html').querySelector('main');
        var main = document.querySelector('main');
        if (next && main) main.replaceWith(document.adoptNode(next));
      })
      .catch(function () {})
      .then(function () { busy = false; if (waiting) refresh(); });
  }
  var source = new EventSource('/crew/stream');
  source.addEventListener('ready', function () { if (status) status.setAttribute('data-live', 'on'); });
  source.addEventListener('change', function (e) {
    try { if (JSON.parse(e.data).bookingId === booking) refresh(); } catch (err) {}
  });
  source.addEventListener('error', function () { if (status) status.setAttribute('data-live', 'off'); });
})();`;

export const Page: FC<{ title: string; signedIn?: SignedIn | undefined; children?: Child; foot?: Child }> = ({
  title,
  signedIn,
  children,
  foot,
}) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <a href="/crew">{signedIn ? signedIn.tenantName : 'Crew'}</a>
          {signedIn && (
            <form method="post" action="/crew/logout">
              <input type="hidden" name="_csrf" value={signedIn.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
        {foot}
      </body>
    </html>
  </>
);

export const MessagePage: FC<{ title: string; message: string; signedIn?: SignedIn | undefined; children?: Child }> = (p) => (
  <Page title={p.title} signedIn={p.signedIn}>
    <h1>{p.title}</h1>
    <p>{p.message}</p>
    {p.children}
  </Page>
);

export const RequestLinkForm: FC<{ email?: string; error?: string }> = ({ email, error }) => (
  <form method="post" action="/crew/login">
    <label for="email">Your e-mail address</label>
    <input id="email" type="email" name="email" required autocomplete="email" value={email ?? ''} />
    {error && <p class="error">{error}</p>}
    <p>
      <button type="submit">Send me a sign-in link</button>
    </p>
  </form>
);

export const RequestLinkPage: FC<{ email?: string; error?: string }> = (p) => (
  <Page title="Crew sign-in">
    <h1>Crew sign-in</h1>
    <p>Crew sign in with a link sent by e-mail. Enter the address your operator has for you and we will send a new link.</p>
    <RequestLinkForm {...p} />
  </Page>
);

/** The page a magic link opens: one button, so a mail scanner that fetches the link signs no one in. */
export const SignInButtonPage: FC<{ action: string }> = ({ action }) => (
  <Page title="Sign in">
    <h1>Sign in to your crew pages</h1>
    <p>Press the button to open your charters on this device.</p>
    <form method="post" action={action}>
      <button type="submit">Sign in</button>
    </form>
  </Page>
);

export const LinkNotValidPage: FC<{ reason: 'invalid' | 'expired' | 'revoked' }> = ({ reason }) => (
  <Page title="Link not valid">
    <h1>{reason === 'invalid' ? 'This sign-in link is not valid' : 'This sign-in link no longer works'}</h1>
    <p>
      {reason === 'invalid'
        ? 'The link may have been copied incompletely. You are not signed in.'
        : 'It has expired or been withdrawn. You are not signed in.'}{' '}
      Ask for a new one:
    </p>
    <RequestLinkForm />
  </Page>
);

const statusLabel = (b: CrewBookingView, me: CharterSummary['me']) =>
  b.status === 'cancelled' ? (
    <span class="badge cancelled">cancelled</span>
  ) : (
    <span class={`badge ${me.status}`}>{me.status === 'invited' ? 'please answer' : me.status}</span>
  );

/** `now` is when the page is rendered: a date outside its year is shown with the year. */
export const ChartersPage: FC<{ signedIn: SignedIn; charters: CharterSummary[]; feedUrl: string; now: Date }> = ({
  signedIn,
  charters,
  feedUrl,
  now,
}) => (
  <Page title="Your charters" signedIn={signedIn}>
    <h1>Hello {signedIn.crewName}</h1>
    <h2>Upcoming charters</h2>
    {charters.length === 0 ? (
      <p class="muted">No upcoming charters.</p>
    ) : (
      <ul class="plain">
        {charters.map(({ booking: b, me }) => (
          <li>
            <a class="card" href={`/crew/events/${b.id}`}>
              <strong>{formatCharterStart(new Date(b.startsAt), b.timezone, now)}</strong> · {b.vesselName}
              <br />
              <span class="muted">
                {me.role} · party of {b.partySize} · {b.id}
              </span>{' '}
              {statusLabel(b, me)}
            </a>
          </li>
        ))}
      </ul>
    )}
    <h2 id="calendar">Your calendar</h2>
    <p class="muted">Subscribe once and your charters appear in your phone's calendar, kept up to date. Keep this link to yourself.</p>
    <p>
      <a class="button" href={feedUrl.replace(/^https?:/, 'webcal:')}>
        Subscribe in your calendar
      </a>
    </p>
    <label for="feed">Or copy the link</label>
    <input id="feed" type="text" readonly value={feedUrl} />
    <form method="post" action="/crew/feed/reset">
      <input type="hidden" name="_csrf" value={signedIn.csrf} />
      <button type="submit" class="secondary">
        Make a new link (the old one stops working)
      </button>
    </form>
  </Page>
);

export const CharterPage: FC<{ signedIn: SignedIn; charter: CharterForCrew; now: Date; liveNonce?: string }> = ({
  signedIn,
  charter,
  now,
  liveNonce,
}) => {
  const b = charter.booking;
  const me = charter.me;
  const notes = [b.notes.crew, charter.eventNotes].filter((n): n is string => Boolean(n?.trim()));
  const open = b.status !== 'cancelled' && !charter.ended;
  const base = `/crew/events/${b.id}`;
  return (
    <Page
      title={`${b.vesselName} · ${b.id}`}
      signedIn={signedIn}
      foot={
        liveNonce && (
          <>
            <p id="live-status" class="muted live" data-live="off">
              Changes by other crew appear here as they happen.
            </p>
            <script nonce={liveNonce} data-booking={b.id}>
              {raw(LIVE_SCRIPT)}
            </script>
          </>
        )
      }
    >
      <p>
        <a href="/crew">← All charters</a>
      </p>
      <h1>
        {b.vesselName} {statusLabel(b, me)}
      </h1>
      <dl>
        <dt>When</dt>
        <dd>{formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone)}</dd>
        <dt>Vessel</dt>
        <dd>{b.vesselName}</dd>
        <dt>Meeting point</dt>
        <dd>{b.meetingPoint || 'to be confirmed'}</dd>
        <dt>Party size</dt>
        <dd>{b.partySize}</dd>
        <dt>Guest</dt>
        <dd>{b.guest.firstName}</dd>
        <dt>Your role</dt>
        <dd>{me.role}</dd>
        <dt>Booking</dt>
        <dd>{b.id}</dd>
      </dl>
      {notes.length > 0 && (
        <>
          <h2>Notes for crew</h2>
          {notes.map((n) => (
            <div class="note">{n}</div>
          ))}
        </>
      )}
      <h2>Crew</h2>
      <ul>
        {b.crew.map((c) => (
          <li>
            {c.name} — {c.role}, {c.status}
          </li>
        ))}
      </ul>
      {open && (
        <>
          <h2>Your answer</h2>
          {me.status === 'declined' && me.declineReason && <p class="muted">You declined: {me.declineReason}</p>}
          {me.status !== 'accepted' && (
            <form method="post" action={`${base}/accept`}>
              <input type="hidden" name="_csrf" value={signedIn.csrf} />
              <button type="submit">Accept</button>
            </form>
          )}
          {me.status !== 'declined' && (
            // The reason belongs to Decline: one form, the field beside its button.
            <form method="post" action={`${base}/decline`} class="decline">
              <input type="hidden" name="_csrf" value={signedIn.csrf} />
              <label for="reason">Reason for declining (optional)</label>
              <div class="inline">
                <input id="reason" type="text" name="reason" maxlength={500} />
                <button type="submit" class="secondary">
                  Decline
                </button>
              </div>
            </form>
          )}
        </>
      )}
      {b.status !== 'cancelled' && (
        <>
          <h2>Pre-departure checklist</h2>
          <p class="muted">Party size: {b.partySize}</p>
          {charter.checklistClosed && <p class="closed">{charter.checklistClosed}</p>}
          <ul class="plain">
            {charter.checklist.map((c) => (
              <li class={c.ticked ? 'check done' : 'check'}>
                {charter.checklistClosed ? (
                  // Read-only: the mark without a form, so nothing here can be sent.
                  <span class="mark" role="img" aria-label={c.ticked ? 'Ticked' : 'Not ticked'}>
                    {c.ticked ? '✓' : '○'}
                  </span>
                ) : (
                  <form method="post" action={`${base}/checklist`}>
                    <input type="hidden" name="_csrf" value={signedIn.csrf} />
                    <input type="hidden" name="item" value={c.item} />
                    <input type="hidden" name="ticked" value={c.ticked ? 'false' : 'true'} />
                    <button type="submit" aria-label={c.ticked ? `Untick ${c.item}` : `Tick ${c.item}`}>
                      {c.ticked ? '✓' : '○'}
                    </button>
                  </form>
                )}
                <span>
                  {c.item}
                  {c.ticked && (
                    <span class="muted">
                      {' '}
                      — {c.ticked.by ?? 'someone'}, {formatCharterStart(new Date(c.ticked.at), b.timezone, now)}
                    </span>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
};
