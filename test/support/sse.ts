/** Reading a Server-Sent Events answer as a client does: events in order, comments counted. */

export type SseEvent = { event: string; data: string; id: string | null; json: any };

export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #queue: SseEvent[] = [];
  /** Every event received so far (including those taken with `next`). */
  readonly received: SseEvent[] = [];
  comments = 0;
  ended = false;

  constructor(readonly response: Response) {
    if (!response.body) throw new Error('the answer has no body');
    this.#reader = response.body.getReader();
  }

  /** A read that outlived a timeout is kept, so no chunk is lost. */
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> | null = null;

  async #pull(deadline: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    this.#pending ??= this.#reader.read();
    const chunk = await Promise.race([this.#pending, timeout]);
    clearTimeout(timer);
    if (chunk === 'timeout') return false;
    this.#pending = null;
    if (chunk.done) {
      this.ended = true;
      return false;
    }
    this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    let at = this.#buffer.indexOf('\n\n');
    while (at >= 0) {
      const block = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 2);
      this.#parse(block);
      at = this.#buffer.indexOf('\n\n');
    }
    return true;
  }

  #parse(block: string) {
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else continue;
      any = true;
    }
    if (!any || data.length === 0) return;
    const text = data.join('\n');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const e = { event, data: text, id, json };
    this.received.push(e);
    this.#queue.push(e);
  }

  /** The next event (of `name`, when given), skipping others; fails after `timeoutMs`. */
  async next(name?: string, timeoutMs = 15_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#queue.length > 0) {
        const e = this.#queue.shift() as SseEvent;
        if (!name || e.event === name) return e;
      }
      if (this.ended) throw new Error(`the stream ended before ${name ?? 'an'} event`);
      if (Date.now() > deadline) throw new Error(`no ${name ?? ''} event within ${timeoutMs} ms`);
      await this.#pull(deadline);
    }
  }

  /** The next `change` event whose data satisfies `match`, skipping others (jobs add changes of their own). */
  async nextChange(match: (json: any) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await this.next('change', Math.max(1, deadline - Date.now()));
      if (match(e.json)) return e;
    }
  }

  /** The id of the last event received that had one: what `EventSource` sends back as `Last-Event-ID`. */
  get lastEventId(): string | null {
    for (let i = this.received.length - 1; i >= 0; i--) {
      const id = this.received[i]?.id;
      if (id) return id;
    }
    return null;
  }

  /** Waits until a comment line (a heartbeat) has arrived. */
  async heartbeat(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const before = this.comments;
    while (this.comments === before) {
      if (this.ended || Date.now() > deadline) throw new Error('no heartbeat');
      await this.#pull(deadline);
    }
  }

  /** Waits until the server ends the stream; fails after `timeoutMs`. */
  async end(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream did not end');
      await this.#pull(deadline);
    }
  }

  /** Disconnects, as a closed tab does. */
  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Opens a stream and waits for its `ready` event, so it is listening before anything changes. */
export async function openStream(fetchStream: () => Promise<Response> | Response): Promise<SseReader> {
  const res = await fetchStream();
  if (res.status !== 200) throw new Error(`the stream answered ${res.status}: ${await res.text()}`);
  const reader = new SseReader(res);
  await reader.next('ready');
  return reader;
}
