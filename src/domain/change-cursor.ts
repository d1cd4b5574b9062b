/**
 * The position of a committed change in a tenant's live stream: the writing transaction's id and the
 * audit entry's id, written `"<txid>-<id>"` as an SSE event id (ADR 0019). Entries are read in this
 * order, and a reader that passed a cursor never sees an entry before it appear later.
 */
export type ChangeCursor = { txid: bigint; id: bigint };

const MAX_XID8 = (1n << 64n) - 1n;
const MAX_BIGINT = (1n << 63n) - 1n;
const CURSOR = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,18})$/;

/** The cursor a client sent back (`Last-Event-ID`), or null for anything that is not exactly one. */
export function parseChangeCursor(text: string | null | undefined): ChangeCursor | null {
  if (typeof text !== 'string') return null;
  const m = CURSOR.exec(text);
  if (!m) return null;
  const txid = BigInt(m[1] as string);
  const id = BigInt(m[2] as string);
  if (txid > MAX_XID8 || id > MAX_BIGINT) return null;
  return { txid, id };
}

export function formatChangeCursor(c: ChangeCursor): string {
  return `${c.txid}-${c.id}`;
}

/** Negative when `a` comes before `b`, zero when they are the same change, positive after. */
export function compareChangeCursors(a: ChangeCursor, b: ChangeCursor): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
