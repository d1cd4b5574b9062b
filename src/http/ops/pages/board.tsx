/**
 * The board: charters in columns hold, confirmed, crewed, completed, cancelled. A card moves by being
 * dragged (board.js posts the move) or by its own small form — the keyboard's, the phone's and the
 * route without JavaScript. Either way the status changes through the booking services' rules.
 */
import { type Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { BOARD_COLUMNS, type Board, type BoardCard, type BoardColumn, getBoard, moveBooking } from '../../../services/board';
import { ServiceError } from '../../../services/errors';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { AppPage, type PageChrome } from '../views/layout';

const TITLES: Record<BoardColumn, string> = {
  hold: 'Hold',
  confirmed: 'Confirmed',
  crewed: 'Crewed',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

/** A script's request (board.js) wants a short answer, not a page. */
const PARTIAL = 'x-bosun-partial';

export function createBoardPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  const render = async (
    c: Context<OpsEnv>,
    board: Board,
    message?: { text: string; error: boolean },
    status: 200 | 409 | 412 | 422 = 200,
  ) =>
    c.html(
      <AppPage title="Board" chrome={pageChrome(c, await deps.assets(), 'board', { live: true, scripts: ['board'] })}>
        <BoardView board={board} chrome={pageChrome(c, await deps.assets(), 'board')} message={message} />
      </AppPage>,
      status,
    );

  pages.get('/board', async (c) => {
    const board = await getBoard(deps, staffContext(c), {});
    const moved = c.req.query('moved');
    // Only a card on this board is named: the notice never repeats text from the address.
    const card = moved
      ? Object.values(board.columns)
          .flat()
          .find((k) => k.id === moved)
      : undefined;
    return render(c, board, card ? { text: `Moved ${card.guestName}’s charter (${card.id}).`, error: false } : undefined);
  });

  pages.post('/board/move', async (c) => {
    const form = formOf(c);
    const partial = c.req.header(PARTIAL) === '1';
    try {
      const { card } = await moveBooking(deps, staffContext(c), {
        bookingId: form.bookingId ?? '',
        // The service's schema refuses anything but a column, with the field named.
        to: (form.to ?? '') as BoardColumn,
        ...(form.version ? { version: form.version } : {}),
      });
      if (partial) return c.json({ card });
      return c.redirect(`/app/board?moved=${encodeURIComponent(card.id)}`, 303);
    } catch (err) {
      if (!(err instanceof ServiceError) || err.status === 404) throw err;
      const text = err.errors?.length ? `${err.message} ${err.errors.map((e) => `${e.field} ${e.message}`).join('; ')}` : err.message;
      // The refusal's own status (409 a rule, 412 a stale card, 422 a bad value), page or JSON alike.
      const status = err.status as 409 | 412 | 422;
      if (partial) return c.json({ message: text }, status);
      return render(c, await getBoard(deps, staffContext(c), {}), { text, error: true }, status);
    }
  });

  return pages;
}

const dayOf = (iso: string, zone: string) =>
  new Date(iso).toLocaleDateString('en-US', { timeZone: zone, month: 'short', day: 'numeric', year: 'numeric' });

const BoardView: FC<{ board: Board; chrome: PageChrome; message: { text: string; error: boolean } | undefined }> = ({
  board,
  chrome,
  message,
}) => {
  const total = BOARD_COLUMNS.reduce((n, col) => n + board.columns[col].length, 0);
  return (
    <>
      <p class="muted">
        Charters starting from {dayOf(board.from, board.timezone)} to {dayOf(board.to, board.timezone)} ({board.timezone}). Drag a card to
        another column, or use its “Move to” menu.
      </p>
      {message ? (
        message.error ? (
          <div class="error-summary" role="alert">
            <p>{message.text}</p>
          </div>
        ) : (
          <p class="notice" role="status">
            {message.text}
          </p>
        )
      ) : null}
      {total === 0 ? (
        <div class="empty">
          <p>No charters in this window yet.</p>
          <p>
            <a class="button" href="/app/bookings/new">
              Create a booking
            </a>
          </p>
        </div>
      ) : null}
      <div data-board>
        {BOARD_COLUMNS.map((col) => (
          <section aria-labelledby={`col-${col}`}>
            <h2 id={`col-${col}`}>
              {TITLES[col]} <span class="muted">({board.columns[col].length})</span>
            </h2>
            <ol data-board-column={col} aria-labelledby={`col-${col}`}>
              {board.columns[col].map((card) => (
                <Card card={card} csrf={chrome.csrf} />
              ))}
            </ol>
          </section>
        ))}
      </div>
    </>
  );
};

const Card: FC<{ card: BoardCard; csrf: string }> = ({ card, csrf }) => (
  <li data-booking-id={card.id} data-version={String(card.version)}>
    <a href={`/app/bookings/${card.id}`}>
      <strong>{card.guestName}</strong>
    </a>
    <br />
    {card.when} · {card.vesselName}
    <br />
    <span class="muted">
      Party of {card.partySize} · crew {card.crew.accepted}/{card.crew.total} accepted
    </span>
    <form method="post" action="/app/board/move">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="bookingId" value={card.id} />
      <input type="hidden" name="version" value={String(card.version)} />
      <label for={`move-${card.id}`}>Move to</label>
      <select id={`move-${card.id}`} name="to">
        {BOARD_COLUMNS.filter((c) => c !== card.column && c !== 'crewed').map((c) => (
          <option value={c}>{TITLES[c]}</option>
        ))}
      </select>
      <button type="submit" class="secondary">
        Move
      </button>
    </form>
  </li>
);
