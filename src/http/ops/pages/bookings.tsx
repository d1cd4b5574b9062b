/**
 * The booking pages of the dashboard: the form to create and edit one (times entered in its vessel's
 * zone; the services' refusals shown next to the fields), its detail page with all the office may see
 * (money, internal notes, guest page, crew, mail, history), and the confirmation steps of cancelling and
 * taking crew off. Every booking is looked up in the signed-in staff user's tenant: another's is a 404.
 */
import { type Context, Hono } from 'hono';
import type { BookingStatus } from '../../../db/schema';
import { assignmentRefusal } from '../../../domain/crew-rules';
import { formatCharterTime } from '../../../domain/time';
import type { StaffBookingView } from '../../../domain/visibility';
import { listAudit } from '../../../services/audit';
import { type BookingResult, cancelBooking, createBooking, getBooking, updateBooking, versionFromEtag } from '../../../services/bookings';
import type { ServiceDeps } from '../../../services/context';
import { listCrew } from '../../../services/crew-members';
import { ConflictError, OverlapError, PreconditionFailedError, ServiceError, ValidationError } from '../../../services/errors';
import { crewEventSchema, listCrewAssignments, unassignCrew, upsertEvent, usualRoleOf } from '../../../services/events';
import { describeIssues } from '../../../services/field-errors';
import { listOutgoingMail } from '../../../services/mail';
import { requestGuestPagePublish } from '../../../services/publishing';
import { listVessels } from '../../../services/tenants';
import { formOf } from '../../middleware/strict-form';
import { type OpsAssetUrls, pageChrome } from '../chrome';
import { type OpsEnv, staffContext } from '../env';
import {
  type BookingFormValues,
  blankBookingForm,
  bookingFormValues,
  type FormError,
  formErrorsOf,
  readBookingForm,
  toCreateInput,
  toPatchInput,
  type VesselChoice,
} from './booking-form';
import {
  type AddCrewForm,
  BookingDetailPage,
  BookingFormPage,
  bookingPath,
  ConfirmPage,
  NotEditablePage,
  type OverlapNote,
} from './booking-views';

/** What the booking pages need: the services' dependencies and the dashboard's asset URLs (a part of `OpsSurfaceDeps`). */
export type BookingPagesDeps = ServiceDeps & { assets: () => Promise<OpsAssetUrls> };

/** What a redirect after a change says on the detail page (`?done=`): fixed sentences, never text from the URL. */
const NOTICES = {
  created: 'Booking created.',
  saved: 'Changes saved.',
  unchanged: 'Nothing was changed.',
  cancelled: 'Booking cancelled. Its guest page and crew are updated in the background.',
  publishing: 'The guest page is queued to be published again; its status below changes once it is live.',
  'crew-added': 'Added to the crew; they are mailed an invitation.',
  'crew-removed': 'Taken off the crew; this charter has left their pages.',
  'mail-resent': 'The message is queued to be sent again; its state under Mail changes once it is sent.',
  'mail-queued': 'Your message to the guest is queued; its state under Mail changes to sent once it goes out.',
} as const;

type Done = keyof typeof NOTICES;

const seeBooking = (c: Context<OpsEnv>, id: string, done: Done) => c.redirect(`${bookingPath(id)}?done=${done}`, 303);

/** The statuses the form offers: a new booking and a hold may be held or confirmed; a confirmed one stays so. */
const statusesFor = (current: BookingStatus | null): BookingStatus[] =>
  current === null || current === 'hold' ? ['hold', 'confirmed'] : [current];

export function createBookingPages(deps: BookingPagesDeps) {
  const pages = new Hono<OpsEnv>();
  const chrome = async (c: Context<OpsEnv>) => pageChrome(c, await deps.assets(), 'bookings', { live: true });
  // The form is not refreshed live: a refresh would bring a newer version into its hidden field without
  // the "changed by someone else" message, and a refused form (the answer to a POST) cannot be fetched again.
  const formChrome = async (c: Context<OpsEnv>) => pageChrome(c, await deps.assets(), 'bookings', { live: false });

  const vesselChoices = async (c: Context<OpsEnv>): Promise<VesselChoice[]> =>
    (await listVessels(deps, staffContext(c))).map((v) => ({ slug: v.slug, name: v.name, timezone: v.timezone }));

  /** The other booking an overlap names, as the form shows it; a vanished one is named by none. */
  const overlapNote = async (c: Context<OpsEnv>, err: OverlapError): Promise<OverlapNote> => {
    if (!err.otherBookingId) return { id: null };
    try {
      const other = (await getBooking(deps, staffContext(c), err.otherBookingId)).booking;
      return {
        id: other.id,
        status: other.status,
        when: formatCharterTime(new Date(other.startsAt), new Date(other.endsAt), other.timezone),
      };
    } catch {
      return { id: null };
    }
  };

  /** A refusal of the services as the form shows it: field errors beside their fields, an overlap beside the times. */
  const refusal = async (c: Context<OpsEnv>, err: unknown) => {
    if (err instanceof OverlapError) return { status: 409 as const, errors: [] as FormError[], overlap: await overlapNote(c, err) };
    if (err instanceof ValidationError || (err instanceof ConflictError && !(err instanceof OverlapError))) {
      const errors = err.errors?.length ? formErrorsOf(err.errors) : [{ field: null, message: err.message }];
      return { status: err.status as 409 | 422, errors, overlap: undefined };
    }
    return null;
  };

  pages.get('/bookings/new', async (c) => {
    const vessels = await vesselChoices(c);
    return c.html(
      <BookingFormPage
        chrome={await formChrome(c)}
        mode={{ kind: 'new' }}
        values={blankBookingForm(vessels)}
        vessels={vessels}
        statuses={statusesFor(null)}
      />,
    );
  });

  pages.post('/bookings', async (c) => {
    const vessels = await vesselChoices(c);
    const values = readBookingForm(formOf(c));
    const again = async (status: 409 | 422, errors: readonly FormError[], overlap?: OverlapNote) =>
      c.html(
        <BookingFormPage
          chrome={await formChrome(c)}
          mode={{ kind: 'new' }}
          values={values}
          vessels={vessels}
          statuses={statusesFor(null)}
          errors={errors}
          overlap={overlap}
        />,
        status,
      );
    const mapped = toCreateInput(values, vessels);
    if (!mapped.ok) return again(422, mapped.errors);
    try {
      const created = await createBooking(deps, staffContext(c), mapped.input);
      return seeBooking(c, created.booking.id, 'created');
    } catch (err) {
      const refused = await refusal(c, err);
      if (!refused) throw err;
      return again(refused.status, refused.errors, refused.overlap);
    }
  });

  pages.get('/bookings/:id', async (c) => {
    const done = c.req.query('done');
    return showBooking(c, await getBooking(deps, staffContext(c), c.req.param('id')), {
      notice: done && done in NOTICES ? NOTICES[done as Done] : undefined,
    });
  });

  /** The detail page of a loaded booking, with its crew, mail and history; `addCrew` re-shows a refused form. */
  const showBooking = async (
    c: Context<OpsEnv>,
    loaded: BookingResult,
    options: { notice?: string | undefined; addCrew?: AddCrewForm; status?: 409 | 422 } = {},
  ) => {
    const ctx = staffContext(c);
    const b = loaded.booking;
    const [crew, active, mails, audit] = await Promise.all([
      listCrewAssignments(deps, ctx, b.id),
      listCrew(deps, ctx),
      listOutgoingMail(deps, ctx, { bookingId: b.id }),
      listAudit(deps, ctx, { entityId: b.id }),
    ]);
    const onCrew = new Set(crew.map((a) => a.crewMemberId));
    const crewClosed = assignmentRefusal(
      { id: b.id, status: b.status, startsAt: new Date(b.startsAt), endsAt: new Date(b.endsAt), timezone: b.timezone },
      deps.clock.now(),
    );
    return c.html(
      <BookingDetailPage
        // A refused crew form answers a POST: its URL is no page to refresh.
        chrome={await (options.addCrew ? formChrome(c) : chrome(c))}
        booking={b}
        crew={crew}
        availableCrew={active.filter((m) => !onCrew.has(m.id))}
        mails={mails}
        audit={audit}
        notice={options.notice}
        addCrew={options.addCrew}
        crewClosed={crewClosed}
      />,
      options.status ?? 200,
    );
  };

  const editForm = async (
    c: Context<OpsEnv>,
    booking: StaffBookingView,
    version: number,
    options: {
      values?: BookingFormValues;
      errors?: readonly FormError[];
      overlap?: OverlapNote | undefined;
      problem?: string;
      status?: 409 | 412 | 422;
    } = {},
  ) => {
    const vessels = await vesselChoices(c);
    return c.html(
      <BookingFormPage
        chrome={await formChrome(c)}
        mode={{ kind: 'edit', id: booking.id, version }}
        values={options.values ?? bookingFormValues(booking)}
        vessels={vessels}
        statuses={statusesFor(booking.status)}
        errors={options.errors ?? []}
        overlap={options.overlap}
        problem={options.problem}
      />,
      options.status ?? 200,
    );
  };

  const notEditable = (b: StaffBookingView) =>
    b.status === 'cancelled'
      ? 'This booking is cancelled and can no longer be changed; create a new booking instead.'
      : b.status === 'completed'
        ? 'This charter is completed and can no longer be changed.'
        : null;

  pages.get('/bookings/:id/edit', async (c) => {
    const loaded = await getBooking(deps, staffContext(c), c.req.param('id'));
    const reason = notEditable(loaded.booking);
    if (reason) return c.html(<NotEditablePage chrome={await chrome(c)} id={loaded.booking.id} reason={reason} />, 409);
    return editForm(c, loaded.booking, versionOf(loaded));
  });

  pages.post('/bookings/:id', async (c) => {
    const ctx = staffContext(c);
    const current = await getBooking(deps, ctx, c.req.param('id'));
    const id = current.booking.id;
    const form = formOf(c);
    const values = readBookingForm(form);
    const version = /^\d{1,9}$/.test(form.version ?? '') ? Number(form.version) : null;
    const stale = async (now: BookingResult) =>
      editForm(c, now.booking, versionOf(now), {
        problem:
          'This booking was changed by someone else since you opened it — here is the current booking. Make your changes again and save.',
        status: 412,
      });
    if (version === null) return stale(current);
    const reason = notEditable(current.booking);
    if (reason) return c.html(<NotEditablePage chrome={await chrome(c)} id={id} reason={reason} />, 409);
    if (version !== versionOf(current)) return stale(current);
    const mapped = toPatchInput(values, current.booking, await vesselChoices(c));
    if (!mapped.ok) return editForm(c, current.booking, version, { values, errors: mapped.errors, status: 422 });
    try {
      const saved = await updateBooking(deps, ctx, id, mapped.input, version);
      return seeBooking(c, id, versionOf(saved) === version ? 'unchanged' : 'saved');
    } catch (err) {
      // Changed between the check above and the write: the service's own version check caught it.
      if (err instanceof PreconditionFailedError) return stale(await getBooking(deps, ctx, id));
      const refused = await refusal(c, err);
      if (!refused) throw err;
      return editForm(c, current.booking, version, { values, errors: refused.errors, overlap: refused.overlap, status: refused.status });
    }
  });

  pages.get('/bookings/:id/cancel', async (c) => {
    const b = (await getBooking(deps, staffContext(c), c.req.param('id'))).booking;
    const reason = notEditable(b);
    if (reason) return c.html(<NotEditablePage chrome={await chrome(c)} id={b.id} reason={reason} />, 409);
    return c.html(
      <ConfirmPage
        chrome={await chrome(c)}
        title={`Cancel booking ${b.id}`}
        bookingId={b.id}
        question={`Cancel the charter of ${b.guest.name} on ${formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone)}?`}
        detail="The vessel is freed, the guest page says the charter is cancelled and the crew are told. A cancelled booking cannot be changed again."
        action={`${bookingPath(b.id)}/cancel`}
        button="Cancel booking"
      />,
    );
  });

  pages.post('/bookings/:id/cancel', async (c) => {
    const b = await cancelBooking(deps, staffContext(c), c.req.param('id'));
    return seeBooking(c, b.booking.id, 'cancelled');
  });

  pages.post('/bookings/:id/publish', async (c) => {
    const ctx = staffContext(c);
    const b = await getBooking(deps, ctx, c.req.param('id'));
    await requestGuestPagePublish(deps, ctx, b.booking.id);
    return seeBooking(c, b.booking.id, 'publishing');
  });

  pages.post('/bookings/:id/crew', async (c) => {
    const ctx = staffContext(c);
    const loaded = await getBooking(deps, ctx, c.req.param('id'));
    const id = loaded.booking.id;
    const form = formOf(c);
    const typed = { crewId: form.crewId ?? '', role: form.role ?? '' };
    const refuse = (status: 409 | 422, errors: AddCrewForm['errors']) => showBooking(c, loaded, { addCrew: { ...typed, errors }, status });
    // The same input as `POST /api/v1/events`; an empty role is the crew member's usual one.
    const raw = { booking_id: id, crew: [{ crewId: typed.crewId, role: typed.role || 'crew' }] };
    const parsed = crewEventSchema.safeParse(raw);
    if (!parsed.success) {
      return refuse(
        422,
        describeIssues(parsed.error, raw).map((i) => ({
          field: i.path.endsWith('role') ? ('role' as const) : ('crewId' as const),
          message: i.path.endsWith('crewId') ? 'choose a crew member from the list' : i.message,
        })),
      );
    }
    try {
      const role = typed.role === '' ? await usualRoleOf(deps, ctx, { crewId: typed.crewId }) : parsed.data.crew?.[0]?.role;
      await upsertEvent(deps, ctx, { booking_id: id, crew: [{ crewId: typed.crewId, role: role ?? 'crew' }] });
    } catch (err) {
      if (err instanceof ServiceError && (err.status === 404 || err.status === 409 || err.status === 422)) {
        const message = err.errors?.length ? err.errors.map((e) => e.message).join('; ') : err.message;
        return refuse(err.status === 409 ? 409 : 422, [{ field: 'crewId', message }]);
      }
      throw err;
    }
    return seeBooking(c, id, 'crew-added');
  });

  const crewMemberOn = async (c: Context<OpsEnv>) => {
    const ctx = staffContext(c);
    const booking = (await getBooking(deps, ctx, c.req.param('id') ?? '')).booking;
    const crewId = c.req.param('crewId') ?? '';
    const member = (await listCrewAssignments(deps, ctx, booking.id)).find((a) => a.crewMemberId === crewId);
    if (!member) throw new ServiceError(404, 'Not found', `This crew member is not on the crew of ${booking.id}.`);
    return { booking, member };
  };

  pages.get('/bookings/:id/crew/:crewId/remove', async (c) => {
    const { booking, member } = await crewMemberOn(c);
    return c.html(
      <ConfirmPage
        chrome={await chrome(c)}
        title={`Take ${member.name} off booking ${booking.id}`}
        bookingId={booking.id}
        question={`Take ${member.name} (${member.role}) off the crew of this charter?`}
        detail="Their access to this charter ends at once: it leaves their crew pages, calendar feed and live updates."
        action={`${bookingPath(booking.id)}/crew/${encodeURIComponent(member.crewMemberId)}/remove`}
        button={`Remove ${member.name}`}
      />,
    );
  });

  pages.post('/bookings/:id/crew/:crewId/remove', async (c) => {
    const { booking, member } = await crewMemberOn(c);
    await unassignCrew(deps, staffContext(c), booking.id, { crewId: member.crewMemberId });
    return seeBooking(c, booking.id, 'crew-removed');
  });

  return pages;
}

/** The booking's version, from the ETag the services give with it (`"v3"`). */
function versionOf(loaded: BookingResult): number {
  const version = versionFromEtag(loaded.etag);
  if (typeof version !== 'number') throw new Error(`a booking's ETag names no version: ${loaded.etag}`);
  return version;
}
