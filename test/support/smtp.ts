/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, ephemeral port) that keeps every message it
 * accepts, with its envelope. `reject` makes it refuse recipients, as a full or failing server would.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { envelope: { from: string; to: string[] }; raw: Buffer; parsed: ParsedMail };

export type TestSmtpServer = {
  url: string;
  received: ReceivedMail[];
  /** While set, every recipient is refused with this reply (SMTP 451, a temporary failure, unless `rejectCode` says otherwise). */
  reject: string | null;
  /** The reply code of a refusal: 451 (try again later) by default, 550 for a final one. */
  rejectCode?: number;
  /** Connections the server has taken so far, and the most it held open at once. */
  connections: { opened: number; open: number; peak: number };
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
};

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const state: TestSmtpServer = {
    url: '',
    received,
    reject: null,
    connections: { opened: 0, open: 0, peak: 0 },
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} messages arrived`)), timeoutMs);
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice(0, count));
            return true;
          }
          return false;
        };
        const wait = () => {
          if (!check()) waiters.push(wait);
        };
        wait();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      const c = state.connections;
      c.opened++;
      c.open++;
      c.peak = Math.max(c.peak, c.open);
      callback();
    },
    onClose() {
      state.connections.open--;
    },
    onRcptTo(_address, _session, callback) {
      if (state.reject) {
        callback(Object.assign(new Error(state.reject), { responseCode: state.rejectCode ?? 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            received.push({
              envelope: { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
              raw,
              parsed,
            });
            callback();
            for (const w of waiters.splice(0)) w();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  state.url = `smtp://127.0.0.1:${port}`;
  return state;
}
