/**
 * The control socket: a server that owns the embedded database runs operator commands for the
 * CLI over `$BOSUN_DATA_DIR/control.sock` (mode 0600, this machine's user only), so `bosun …`
 * works while `bosun start` runs (ADR 0005).
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { type CommandResult, commands } from '../cli/commands';
import { ServiceError } from '../services/errors';
import type { Runtime } from './runtime';

export const controlSocketPath = (dataDir: string) => join(dataDir, 'control.sock');

export type RemoteError = { status: number; title: string; detail: string; errors?: { field: string; message: string }[] };

export function startControlServer(rt: Runtime, path: string): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let status = 200;
      let body: unknown;
      try {
        const { command, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { command: string; args: Record<string, unknown> };
        const run = commands[command];
        if (!run) throw new ServiceError(404, 'Unknown command', `No command "${command}".`);
        body = { ok: true, result: await run(rt, args) };
      } catch (err) {
        if (err instanceof ServiceError) {
          body = {
            ok: false,
            error: { status: err.status, title: err.title, detail: err.message, ...(err.errors ? { errors: err.errors } : {}) },
          };
        } else {
          rt.log.error({ err }, 'control command failed');
          status = 500;
          body = { ok: false, error: { status: 500, title: 'Internal error', detail: (err as Error).message } };
        }
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      resolve(server);
    });
  });
}

/** Sends a command to the server on `path`; resolves with its result or rejects with its error. */
export function sendCommand(path: string, command: string, args: Record<string, unknown>): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method: 'POST', path: '/command', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok: boolean; result?: CommandResult; error?: RemoteError };
          if (body.ok && body.result) resolve(body.result);
          else {
            const e = body.error ?? { status: 500, title: 'Internal error', detail: 'no answer' };
            reject(new ServiceError(e.status, e.title, e.detail, e.errors));
          }
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ command, args }));
  });
}
