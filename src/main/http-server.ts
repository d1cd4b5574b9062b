/**
 * The HTTP server of `bosun start`: Node's server with the app's fetch function behind it. Requests
 * for a guest site's host go to the local edge first, straight on Node's request and response (the
 * guest pages' hot path, ADR 0008); everything else — and every host that is not a guest site —
 * goes to the app.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';

export type GuestEdge = { serveNode(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> };

export async function listenHttp(options: {
  fetch: (request: Request) => Response | Promise<Response>;
  edge: GuestEdge | null;
  port: number;
  hostname?: string;
}): Promise<Server> {
  const app = getRequestListener(options.fetch, options.hostname ? { hostname: options.hostname } : {});
  const edge = options.edge;
  const server = createServer(
    edge
      ? (req, res) => {
          const served = edge.serveNode(req, res);
          if (served === false) return app(req, res);
          if (served === true) return;
          return served.then(
            (done) => (done ? undefined : app(req, res)),
            () => app(req, res),
          );
        }
      : app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
