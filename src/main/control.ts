/**
 * The control socket: a server that owns the embedded database runs operator commands for the
 * CLI over `$BOSUN_DATA_DIR/control.sock` (mode 0600, this machine's user only), so `bosun …`
 * works while `bosun start` runs (ADR 0005). A long command's progress arrives first, one JSON line
 * each (`{"progress":{"done":1,"total":9}}`); the last line is the result.
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
        const progress = (done: number, total: number) => {
          if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          res.write(`${JSON.stringify({ progress: { done, total } })}\n`);
        };
        body = { ok: true, result: await run({ ...rt, progress }, args) };
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
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
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
export function sendCommand(
  path: string,
  command: string,
  args: Record<string, unknown>,
  onProgress?: (done: number, total: number) => void,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method: 'POST', path: '/command', headers: { 'content-type': 'application/json' } }, (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        // Every complete line but the last one to arrive is progress.
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          try {
            const p = (JSON.parse(line) as { progress?: { done: number; total: number } }).progress;
            if (p) onProgress?.(p.done, p.total);
          } catch {
            // not a progress line: ignore
          }
        }
      });
      res.on('end', () => {
        try {
          const body = JSON.parse(pending) as { ok: boolean; result?: CommandResult; error?: RemoteError };
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
