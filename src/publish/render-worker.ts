/**
 * The render pool's worker (ADR 0032): renders the guest pages of a bulk publish and answers their
 * files and hashes. Pure CPU: it reads no database, store or network — all it renders comes in the
 * message (a site and its pages' guest views), so it can show nothing a guest page may not.
 */
import { parentPort } from 'node:worker_threads';
import { type PageInput, type PageSite, renderPages } from './page-files';

export type RenderTask = { id: number; site: PageSite; inputs: PageInput[] };

parentPort?.on('message', (task: RenderTask) => {
  parentPort?.postMessage({ id: task.id, results: renderPages(task.site, task.inputs) });
});
// Loaded: the pool may send work.
parentPort?.postMessage({ ready: true });
