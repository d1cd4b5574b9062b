/**
 * The change feed: committed audit entries as live signals (ADR 0019). `readChanges` gives a tenant's
 * entries after a cursor (a reconnecting stream's replay); `startChangeFeed` runs the process-wide
 * poller that publishes every tenant's new final entries to the EventHub, woken by the database's
 * notification at each commit and by a fallback timer. Nothing is published before it commits, and a
 * signal carries ids only.
 */
import {
  type ChangeRow,
  getChangeWatermark,
  hasPendingChanges,
  listFinalChanges,
  listFinalChangesOfAllTenants,
} from '../db/queries/changes';
import { type ChangeCursor, formatChangeCursor } from '../domain/change-cursor';
import type { ChangeSignal, EventHub } from '../ports/event-hub';
import type { ServiceDeps } from './context';

/** The channel the audit log's trigger notifies, with the tenant id as payload (migration 0007). */
export const CHANGE_CHANNEL = 'bosun_changes';

/** How many entries are read at a time. */
export const CHANGE_PAGE = 500;

function signalOf(row: ChangeRow): ChangeSignal {
  return {
    tenantId: row.tenant_id,
    cursor: formatChangeCursor({ txid: BigInt(row.txid), id: BigInt(row.id) }),
    action: row.action,
    entity: { type: row.entity_type, id: row.entity_id },
    bookingId: row.booking_id,
    actor: { kind: row.actor_kind, id: row.actor_id },
    at: row.created_at.toISOString(),
  };
}

/** The tenant's committed changes after `after`, oldest first, at most `limit` (one page). */
export async function readChanges(
  deps: Pick<ServiceDeps, 'db'>,
  tenantId: string,
  after: ChangeCursor,
  limit = CHANGE_PAGE,
): Promise<ChangeSignal[]> {
  return (await listFinalChanges(deps.db, tenantId, after, limit)).map(signalOf);
}

/**
 * The cursor of now, as text: every change after it is one a page read before it may not show. A
 * page that refreshes live is rendered with it, and its stream replays from it.
 */
export async function currentChangeCursor(deps: Pick<ServiceDeps, 'db'>): Promise<string> {
  return formatChangeCursor(await getChangeWatermark(deps.db));
}

/** Starts listening for the database's notifications; returns the function that stops. */
export type ChangeNotifications = (onNotify: () => void) => Promise<() => Promise<void>>;

export type ChangeFeedOptions = {
  notifications: ChangeNotifications;
  /** How often to read even without a notification (one may be lost while a connection is down). */
  fallbackMs: number;
  onError: (err: unknown) => void;
};

export type ChangeFeed = {
  /** Reads and publishes what is new now; resolves when done. */
  poll(): Promise<void>;
  stop(): Promise<void>;
};

/** The first re-read after committed entries waited for an older transaction; doubles up to `fallbackMs`. */
const PENDING_RETRY_MS = 25;

/**
 * Publishes every change that becomes final from now on, in order, once. Starts at the current
 * watermark: what was final before is for `readChanges` to replay.
 */
export async function startChangeFeed(deps: Pick<ServiceDeps, 'db'> & { live: EventHub }, options: ChangeFeedOptions): Promise<ChangeFeed> {
  let cursor = await getChangeWatermark(deps.db);
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let fallback: NodeJS.Timeout | undefined;
  let pendingDelay = PENDING_RETRY_MS;

  const schedule = (ms: number) => {
    clearTimeout(fallback);
    if (!stopped) fallback = setTimeout(() => void poll(), ms);
  };

  const drain = async () => {
    for (;;) {
      const rows = await listFinalChangesOfAllTenants(deps.db, cursor, CHANGE_PAGE);
      for (const row of rows) {
        cursor = { txid: BigInt(row.txid), id: BigInt(row.id) };
        deps.live.publish(signalOf(row));
      }
      if (rows.length < CHANGE_PAGE || stopped) break;
    }
    // Committed entries behind an open transaction become final when it ends, which need not notify.
    if (!stopped && (await hasPendingChanges(deps.db, cursor))) {
      schedule(pendingDelay);
      pendingDelay = Math.min(pendingDelay * 2, options.fallbackMs);
    } else {
      pendingDelay = PENDING_RETRY_MS;
      schedule(options.fallbackMs);
    }
  };

  function poll(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (err) {
          options.onError(err);
          schedule(options.fallbackMs);
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  }

  const unlisten = await options.notifications(() => void poll());
  // A change that committed between the watermark and listening sent its notification to no one.
  void poll();
  return {
    poll,
    stop: async () => {
      stopped = true;
      clearTimeout(fallback);
      await unlisten();
      await running;
    },
  };
}
