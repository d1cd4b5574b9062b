/**
 * The HTTP side of the local protocol peers that answer JSON APIs (the fake Secrets Manager and SES v2):
 * a server on 127.0.0.1 at a port of the system's choosing, whose handler's failure is a bare 500, and
 * which stops with its open connections closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LocalHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export class LocalHttpServer {
  readonly #server;

  constructor(handle: LocalHandler) {
    this.#server = createServer((req, res) => {
      handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
  }

  /** Listens on 127.0.0.1; answers the endpoint, `http://127.0.0.1:PORT`. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Closes every connection (keep-alive ones included) and the server. */
  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A request's whole body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
