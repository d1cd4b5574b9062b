/**
 * A TCP proxy a test can pause: while paused, connections are accepted and held without an answer,
 * as a peer that has stopped responding; resumed, new connections reach the upstream again. Pausing
 * drops the connections already open, so a client with keep-alive connections opens new ones (held).
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export type PausableProxy = {
  /** `http://127.0.0.1:{port}` */
  url: string;
  pause(): void;
  /** Lets new connections through again; those held while paused are closed (their client gave up or died). */
  resume(): void;
  /** How many connections arrived while paused. */
  held(): number;
  close(): Promise<void>;
};

export async function startPausableProxy(upstream: string): Promise<PausableProxy> {
  const target = new URL(upstream);
  const open = new Set<Socket>();
  const waiting = new Set<Socket>();
  let paused = false;
  let heldCount = 0;
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => {
      open.delete(client);
      waiting.delete(client);
    });
    client.on('error', () => {});
    if (paused) {
      heldCount++;
      waiting.add(client);
      return;
    }
    const peer = connect(Number(target.port), target.hostname);
    open.add(peer);
    peer.on('close', () => open.delete(peer));
    peer.on('error', () => client.destroy());
    client.on('close', () => peer.destroy());
    peer.on('close', () => client.destroy());
    client.pipe(peer).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    pause: () => {
      paused = true;
      for (const socket of open) socket.destroy();
    },
    resume: () => {
      paused = false;
      for (const socket of waiting) socket.destroy();
    },
    held: () => heldCount,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
