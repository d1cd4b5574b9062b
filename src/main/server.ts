/**
 * `bosun start`: everything in one process — API, (later) dashboard, crew pages and guest sites,
 * and the job worker — on the configured port, plus the control socket for the CLI.
 */
import type { Server } from 'node:http';
import { closeDataFolder, ensureDataFolder, modeText, restrictNewFiles } from '../config/data-folder';
import type { Config } from '../config/env';
import { loadSigningSecret } from '../config/env';
import { type DemoCredentials, seedDemoIfEmpty } from '../services/demo';
import { type Composition, compose } from './compose';
import { controlSocketPath, startControlServer } from './control';
import { acquireDataLock } from './data-lock';
import { DatabaseCreationError, ensureEmbeddedDatabase } from './embedded-database';
import { listenHttp } from './http-server';
import { createLogger, type Runtime } from './runtime';

export type RunningServer = { url: string; runtime: Runtime; demo: DemoCredentials | null; stop(): Promise<void> };

export class StartupError extends Error {}

export async function startServer(config: Config, options: { print?: (line: string) => void } = {}): Promise<RunningServer> {
  restrictNewFiles();
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = createLogger(config);
  const signingSecret = loadSigningSecret(config);
  const embedded = !config.databaseUrl;
  const socket = controlSocketPath(config.dataDir);
  const lock = embedded ? acquireDataLock(config.dataDir, { role: 'server', socket }) : null;
  if (lock && 'heldBy' in lock) {
    throw new StartupError(
      `BOSUN_DATA_DIR: ${config.dataDir} is in use by process ${lock.heldBy.pid} (${lock.heldBy.role}); stop it or choose another folder`,
    );
  }
  // A folder made by an older Bosun, or opened by hand, is closed before use rather than refused:
  // refusing would stop every existing installation at its first start after an upgrade.
  ensureDataFolder(config.dataDir);
  const opened = closeDataFolder(config.dataDir);
  if (opened.length > 0) {
    log.warn(
      { dataDir: config.dataDir, entries: opened.length, examples: opened.slice(0, 5).map((e) => `${e.path} (${modeText(e.mode)})`) },
      'closed the data folder to other users: these entries granted group or others access',
    );
  }
  if (embedded) {
    // A first start creates the database in a process of its own, so that this one's WebAssembly
    // memory never grows for the migrations (ADR 0030).
    try {
      await ensureEmbeddedDatabase(config.dataDir, { where: 'apart', progress: print });
    } catch (err) {
      lock?.release();
      if (err instanceof DatabaseCreationError) throw new StartupError(err.message);
      throw err;
    }
  }
  let composition: Composition | undefined;
  let http: Server | undefined;
  let control: Server | undefined;
  const stop = async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
    await composition?.close();
    lock?.release();
  };
  try {
    composition = await compose(config, { role: 'server', log, signingSecret });
    const { runtime, app } = composition;
    if (!app) throw new Error('the server role composed no app');
    const demo = config.demo ? await seedDemoIfEmpty(runtime.deps) : null;
    const handle = runtime.handle;
    http = await listenHttp({ fetch: app.fetch, edge: runtime.edge, port: config.port });
    if (embedded) control = await startControlServer(runtime, socket);
    const url = `http://localhost:${config.port}`;
    log.info({ url, database: handle.engine }, 'Bosun is running');
    print(
      `Bosun is running on ${url} (database: ${handle.engine === 'pglite' ? `embedded in ${config.dataDir}/db` : 'PostgreSQL server'})`,
    );
    if (demo) printDemo(print, demo, config);
    return { url, runtime, demo, stop };
  } catch (err) {
    await stop().catch(() => {});
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(`PORT: ${config.port} is already in use; set PORT to a free port`);
    }
    throw err;
  }
}

function printDemo(print: (line: string) => void, demo: DemoCredentials, config: Config) {
  const guest = `http://${demo.guestDomain}:${config.port}`;
  print('');
  print(`Created the demo tenant "${demo.tenant}" with bookings ${demo.bookings.join(', ')}.`);
  print(`  Office dashboard:             ${config.publicUrl}/app/login/${demo.ownerSignInToken}`);
  print(`                                (signs in the demo owner, owner@demo.localhost; works for an hour)`);
  print(`  Guest site:                   ${guest}`);
  print(`  Service key (shown once):     ${demo.serviceKey}`);
  print(`  Dashboard token (shown once): ${demo.dashboardToken}`);
  print('');
  print('Try:');
  print(`  curl -H 'X-Service-Key: ${demo.serviceKey}' ${config.publicUrl}/api/v1/bookings`);
  print(`  API docs: ${config.publicUrl}/api/docs`);
}
