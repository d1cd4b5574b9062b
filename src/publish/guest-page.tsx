/**
 * The guest's confirmation page and each site's not-found page, rendered to static HTML with Hono
 * JSX. The booking's guest view (visibility policy) is the only booking input, so money, internal
 * and crew notes and crew contacts cannot appear; every value passes through JSX escaping, and the
 * page is self-contained (inline CSS, no scripts, no requests to other hosts). ADR 0008.
 * Dates always carry their year and times their zone: a static page is read long after it is
 * rendered (in January for a charter booked in December). A cancelled booking's page says so and
 * gives no arrival instructions (meeting point, map, what to bring, policies, calendar links).
 */
import type { FC } from 'hono/jsx';
import { z } from 'zod';
import { isGuestLogoUrl, isGuestPhone } from '../domain/branding';
import { guestCalendarPath } from './site-layout';

/** The guest view as the page reads it; other fields of the view are ignored. */
export const guestPageBookingSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['hold', 'confirmed', 'cancelled', 'completed']),
  guest: z.object({ firstName: z.string() }),
  partySize: z.number().int().positive(),
  vesselName: z.string(),
  meetingPoint: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  timezone: z.string(),
  notes: z.object({ guest: z.string().nullable() }).optional(),
  guestPageUrl: z.string(),
});
export type GuestPageBooking = z.infer<typeof guestPageBookingSchema>;

/** A logo is shown only from the site itself or inline, so the page makes no request to another host. */
const logoUrl = z.string().refine(isGuestLogoUrl);

/**
 * A tenant's branding from its settings. Each field is checked on its own: a malformed one is left
 * out rather than failing the page (settings are edited by people; pages must still publish).
 */
export const brandingSchema = z.object({
  contactEmail: z.email().max(254).optional().catch(undefined),
  contactPhone: z.string().refine(isGuestPhone).optional().catch(undefined),
  logoUrl: logoUrl.optional().catch(undefined),
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .optional()
    .catch(undefined),
  whatToBring: z.array(z.string().trim().min(1).max(300)).max(40).optional().catch(undefined),
  policies: z.array(z.string().trim().min(1).max(2000)).max(40).optional().catch(undefined),
});
export type Branding = z.infer<typeof brandingSchema>;

export type SiteTenant = { name: string; settings: unknown };

function brandingOf(settings: unknown): Branding {
  const parsed = brandingSchema.safeParse(settings);
  return parsed.success ? parsed.data : {};
}

const DEFAULT_ACCENT = '#0b4f6c';
const LINK_FALLBACK = '#0b4f6c';

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

/** Colours that keep text readable (WCAG AA, 4.5:1) whatever accent a tenant chooses. */
function palette(accent: string | undefined) {
  const bg = accent ?? DEFAULT_ACCENT;
  // On mid-tone accents neither white nor #111111 reaches 4.5:1; black always does where white does not.
  const dark = contrast(bg, '#111111') >= 4.5 ? '#111111' : '#000000';
  const onAccent = contrast(bg, '#ffffff') >= contrast(bg, dark) ? '#ffffff' : dark;
  const link = contrast(bg, '#ffffff') >= 4.5 ? bg : LINK_FALLBACK;
  return { bg, onAccent, link };
}

// Written without quotes, `<`, `>` or `&`: JSX escapes text inside <style> too.
function css(accent: string | undefined): string {
  const p = palette(accent);
  return [
    `:root{--accent:${p.bg};--on-accent:${p.onAccent};--link:${p.link}}`,
    '*{box-sizing:border-box}',
    'body{margin:0;font:17px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1a1a1a;background:#f6f7f8}',
    'header{background:var(--accent);color:var(--on-accent);padding:1rem 1.25rem}',
    'header .brand{display:flex;align-items:center;gap:.75rem;max-width:40rem;margin:0 auto;font-weight:700;font-size:1.15rem}',
    'header img{max-height:48px;max-width:160px}',
    'main{max-width:40rem;margin:0 auto;padding:1.25rem}',
    'h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}',
    'h2{font-size:1.15rem;margin:1.75rem 0 .5rem}',
    'section{background:#fff;border-radius:12px;padding:1rem 1.25rem;margin:0 0 1rem;border:1px solid #dde1e4}',
    'dl{margin:0;display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.5rem 1rem}',
    'dt{font-weight:600;color:#3d4448}',
    'dd{margin:0}',
    'a{color:var(--link);text-underline-offset:2px}',
    '.zone{display:block;font-size:.9rem;color:#4a5257}',
    '.notice{background:#fff4f2;border:2px solid #b3261e;color:#5c1410;border-radius:12px;padding:1rem 1.25rem;margin:0 0 1rem}',
    '.notice h1{margin-top:0}',
    '.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:.5rem 0 0}',
    '.button{display:inline-block;padding:.6rem 1rem;border-radius:8px;border:2px solid var(--link);font-weight:600;text-decoration:none}',
    'ul{margin:.25rem 0;padding-left:1.25rem}',
    'footer{max-width:40rem;margin:0 auto;padding:1rem 1.25rem 2rem;color:#4a5257;font-size:.9rem}',
    '@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.5rem}}',
  ].join('\n');
}

const FORMATS = {
  day: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' },
  time: { hour: 'numeric', minute: '2-digit' },
  short: { timeZoneName: 'short' },
  long: { timeZoneName: 'long' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 400;

/** A date formatter of the zone, made once (making one costs far more than formatting with it). */
function formatter(kind: keyof typeof FORMATS, zone: string): Intl.DateTimeFormat {
  const key = `${kind} ${zone}`;
  let known = formatters.get(key);
  if (!known) {
    known = new Intl.DateTimeFormat('en-US', { timeZone: zone, ...FORMATS[kind] });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, known);
  }
  return known;
}

type When = { date: string; endDate: string | null; times: string; zoneLong: string; zone: string; duration: string };

/** The charter's date and times in the vessel's zone, with the zone named, and its duration. */
export function describeWhen(startsAt: string, endsAt: string, zone: string): When {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  const day = formatter('day', zone);
  const time = formatter('time', zone);
  const zoneName = (style: 'short' | 'long') =>
    formatter(style, zone)
      .formatToParts(start)
      .find((p) => p.type === 'timeZoneName')?.value ?? zone;
  const date = day.format(start);
  const endDate = day.format(end);
  const minutes = Math.round((end.getTime() - start.getTime()) / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const duration = [hours > 0 ? `${hours} hour${hours === 1 ? '' : 's'}` : '', rest > 0 ? `${rest} minute${rest === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    date,
    endDate: endDate === date ? null : endDate,
    times: `${time.format(start)} – ${time.format(end)} ${zoneName('short')}`,
    zoneLong: zoneName('long'),
    zone,
    duration: duration || '0 minutes',
  };
}

const utcBasic = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A Google Calendar "add event" link (a link the guest follows; the page itself requests nothing). */
export function googleCalendarUrl(b: GuestPageBooking, tenantName: string): string {
  const params = new URLSearchParams({
    action: 'TEMPLATE',
    text: `Charter on ${b.vesselName} — ${tenantName}`,
    dates: `${utcBasic(b.startsAt)}/${utcBasic(b.endsAt)}`,
    ctz: b.timezone,
    details: `Booking ${b.id}: ${b.guestPageUrl}`,
    location: b.meetingPoint,
  });
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}

export const mapUrl = (place: string) => `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(place)}`;

const Shell: FC<{ title: string; tenantName: string; branding: Branding; children?: unknown }> = ({
  title,
  tenantName,
  branding,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex, nofollow" />
      <meta name="referrer" content="no-referrer" />
      <meta name="color-scheme" content="light" />
      <title>{title}</title>
      <style>{css(branding.accentColor)}</style>
    </head>
    <body>
      <header>
        <div class="brand">
          {branding.logoUrl ? <img src={branding.logoUrl} alt={`${tenantName} logo`} /> : null}
          <span>{tenantName}</span>
        </div>
      </header>
      {children}
      <footer>
        <p>
          {tenantName}
          {branding.contactPhone ? ` · ${branding.contactPhone}` : ''}
          {branding.contactEmail ? ` · ${branding.contactEmail}` : ''}
        </p>
      </footer>
    </body>
  </html>
);

/** A phone number shown whole: one split over two lines is easily misread or misdialled. */
const unbroken = (phone: string) => phone.replace(/ /g, '\u00a0').replace(/-/g, '\u2011');

const Contact: FC<{ tenantName: string; branding: Branding }> = ({ tenantName, branding }) =>
  branding.contactPhone || branding.contactEmail ? (
    <section aria-labelledby="contact">
      <h2 id="contact">Questions?</h2>
      <p>Contact {tenantName}:</p>
      <ul>
        {branding.contactPhone ? (
          <li>
            Phone: <a href={`tel:${branding.contactPhone.replace(/[^+0-9]/g, '')}`}>{unbroken(branding.contactPhone)}</a>
          </li>
        ) : null}
        {branding.contactEmail ? (
          <li>
            E-mail: <a href={`mailto:${branding.contactEmail}`}>{branding.contactEmail}</a>
          </li>
        ) : null}
      </ul>
    </section>
  ) : null;

const GuestPage: FC<{ b: GuestPageBooking; tenantName: string; branding: Branding }> = ({ b, tenantName, branding }) => {
  const when = describeWhen(b.startsAt, b.endsAt, b.timezone);
  const cancelled = b.status === 'cancelled';
  const title = cancelled ? `Cancelled: your charter on ${when.date}` : `Your charter on ${when.date}`;
  const guestNote = b.notes?.guest?.trim();
  return (
    <Shell title={`${title} — ${tenantName}`} tenantName={tenantName} branding={branding}>
      <main>
        {cancelled ? (
          <div class="notice" role="alert">
            <h1>This charter has been cancelled</h1>
            <p>
              {b.guest.firstName ? `${b.guest.firstName}, your` : 'Your'} charter on {when.date} aboard {b.vesselName} has been cancelled.
              {branding.contactPhone || branding.contactEmail ? ` If you have questions, please contact ${tenantName}.` : ''}
            </p>
          </div>
        ) : (
          <h1>
            {b.guest.firstName ? `Ahoy, ${b.guest.firstName}!` : 'Ahoy!'}{' '}
            {b.status === 'completed' ? 'Thank you for sailing with us.' : 'Your charter is confirmed.'}
          </h1>
        )}
        <section aria-labelledby="details">
          <h2 id="details">Your charter</h2>
          <dl>
            <dt>Date</dt>
            <dd>{when.endDate ? `${when.date} – ${when.endDate}` : when.date}</dd>
            <dt>Time</dt>
            <dd>
              {when.times}
              <span class="zone">
                Times are in {when.zoneLong} ({when.zone}).
              </span>
            </dd>
            <dt>Duration</dt>
            <dd>{when.duration}</dd>
            <dt>Vessel</dt>
            <dd>{b.vesselName}</dd>
            {b.meetingPoint && !cancelled ? (
              <>
                <dt>Meeting point</dt>
                <dd>
                  {b.meetingPoint} (<a href={mapUrl(b.meetingPoint)}>open in a map</a>)
                </dd>
              </>
            ) : null}
            <dt>Party size</dt>
            <dd>
              {b.partySize} {b.partySize === 1 ? 'guest' : 'guests'}
            </dd>
            <dt>Booking</dt>
            <dd>{b.id}</dd>
          </dl>
        </section>
        {guestNote && !cancelled ? (
          <section aria-labelledby="note">
            <h2 id="note">A note for you</h2>
            <p>{guestNote}</p>
          </section>
        ) : null}
        {!cancelled && branding.whatToBring?.length ? (
          <section aria-labelledby="bring">
            <h2 id="bring">What to bring</h2>
            <ul>
              {branding.whatToBring.map((item) => (
                <li>{item}</li>
              ))}
            </ul>
          </section>
        ) : null}
        {!cancelled ? (
          <section aria-labelledby="calendar">
            <h2 id="calendar">Add to your calendar</h2>
            <div class="actions">
              <a class="button" href={guestCalendarPath(b.id)} download={`charter-${b.id.toLowerCase()}.ics`}>
                Download calendar file (.ics)
              </a>
              <a class="button" href={googleCalendarUrl(b, tenantName)} rel="noopener noreferrer">
                Add to Google Calendar
              </a>
            </div>
          </section>
        ) : null}
        {!cancelled && branding.policies?.length ? (
          <section aria-labelledby="policies">
            <h2 id="policies">Policies</h2>
            <ul>
              {branding.policies.map((p) => (
                <li>{p}</li>
              ))}
            </ul>
          </section>
        ) : null}
        <Contact tenantName={tenantName} branding={branding} />
      </main>
    </Shell>
  );
};

const NotFoundPage: FC<{ tenantName: string; branding: Branding }> = ({ tenantName, branding }) => (
  <Shell title={`Page not found — ${tenantName}`} tenantName={tenantName} branding={branding}>
    <main>
      <h1>We could not find this page</h1>
      <section>
        <p>
          The address may be mistyped, or the booking it belonged to no longer exists. Please check the link in your confirmation e-mail.
        </p>
      </section>
      <Contact tenantName={tenantName} branding={branding} />
    </main>
  </Shell>
);

const page = (node: unknown) => `<!doctype html>${String(node)}`;

/** Renders a booking's guest page from its guest view. Throws a ZodError if the view is not one. */
export function renderGuestPage(view: unknown, tenant: SiteTenant): string {
  const b = guestPageBookingSchema.parse(view);
  const branding = brandingOf(tenant.settings);
  return page(<GuestPage b={b} tenantName={tenant.name} branding={branding} />);
}

/** Renders a site's not-found page, served with status 404 for unknown paths. */
export function renderNotFoundPage(tenant: SiteTenant): string {
  return page(<NotFoundPage tenantName={tenant.name} branding={brandingOf(tenant.settings)} />);
}
