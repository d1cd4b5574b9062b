/**
 * The render pool (ADR 0032): worker threads, one per core (`availableParallelism()`), that render
 * the pages of a bulk publish while the main thread stores, verifies and records. It starts on first
 * use and stops once idle for a few seconds (or at `closeRenderPool()`), so an idle Bosun holds no
 * worker. Where no worker entry sits beside this module (the Lambda bundles) there is no pool and
 * pages render inline; a worker that fails leaves its pages to be rendered inline too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type PageInput, type PageSite, type RenderedPage, renderPages } from './page-files';
import type { RenderTask } from './render-worker';

/** Pages sent to a worker at once: big enough that a message costs little, small enough to share out. */
export const RENDER_CHUNK = 25;
/** A pool unused this long stops its workers. */
const IDLE_MS = 5_000;

type Task = RenderTask & { resolve: (results: RenderedPage[]) => void; reject: (err: Error) => void };
type Slot = { worker: Worker; ready: boolean; task: Task | null };

/** The worker's entry beside this module: source run through tsx (tests, bench) or the built bundle. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `render-worker${extname(here)}`);
}

function startWorker(entry: string): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry);
  // TypeScript sources go through tsx's loader, registered inside the worker (a worker takes no `--import`).
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const url = pathToFileURL(entry).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`, {
    eval: true,
  });
}

class RenderPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private idle: NodeJS.Timeout | null = null;
  private readonly waiting: (() => void)[] = [];
  /** Pages the workers have rendered. */
  rendered = 0;

  constructor(entry: string, size: number) {
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: startWorker(entry), ready: false, task: null };
      // An idle worker never keeps the process alive.
      slot.worker.unref();
      slot.worker.on('message', (message: { ready?: true; id?: number; results?: RenderedPage[] }) => {
        if (message.ready) {
          slot.ready = true;
          for (const resolve of this.waiting.splice(0)) resolve();
        } else if (slot.task && message.id === slot.task.id && message.results) {
          const task = slot.task;
          slot.task = null;
          this.rendered += message.results.length;
          task.resolve(message.results);
        }
        this.dispatch();
      });
      slot.worker.on('error', (err) => this.drop(slot, err));
      slot.worker.on('exit', (code) => this.drop(slot, new Error(`a render worker exited with ${code}`)));
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Whether a worker has loaded and can take work (until then the caller renders inline). */
  get ready(): boolean {
    return this.slots.some((s) => s.ready);
  }

  /** Resolves once a worker has loaded, or none is left to. */
  whenReady(): Promise<void> {
    if (this.ready || this.slots.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  render(site: PageSite, inputs: PageInput[]): Promise<RenderedPage[]> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, site, inputs, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.task) continue;
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, site: task.site, inputs: task.inputs } satisfies RenderTask);
    }
    if (this.queue.length === 0 && this.slots.every((s) => !s.task) && !this.idle) {
      this.idle = setTimeout(() => void closeRenderPool(this), IDLE_MS);
      this.idle.unref();
    }
  }

  /** A worker that failed or exited: its task, and with no worker left every queued one, is refused. */
  private drop(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    slot.task?.reject(err);
    slot.task = null;
    if (this.slots.length === 0) {
      for (const task of this.queue.splice(0)) task.reject(err);
      for (const resolve of this.waiting.splice(0)) resolve();
      if (pool === this) pool = null;
    }
  }

  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const slots = this.slots.splice(0);
    const stopped = new Error('the render pool was closed');
    for (const task of this.queue.splice(0)) task.reject(stopped);
    for (const slot of slots) slot.task?.reject(stopped);
    for (const resolve of this.waiting.splice(0)) resolve();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let pool: RenderPool | null = null;

/**
 * The number of workers a pool starts with, 0 where there is no pool: one per core the process may use
 * but the one the main thread keeps busy storing, verifying and recording — and rendering its share.
 */
export function renderPoolSize(): number {
  return existsSync(workerEntry()) ? Math.max(1, availableParallelism() - 1) : 0;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Renders the pages in the pool's workers (started now if they are not running). Inline instead
 * with `inline`, while no worker has loaded yet (so the first pages do not wait for them), where
 * there is no pool, or when its workers failed — after a turn of the event loop, so requests keep
 * being answered. Resolves to one answer per input, in order; never rejects.
 */
export async function renderPagesInPool(site: PageSite, inputs: PageInput[], inline = false): Promise<RenderedPage[]> {
  void warmRenderPool();
  if (pool?.ready && !inline) {
    try {
      return await pool.render(site, inputs);
    } catch {
      // Rendered inline below.
    }
  }
  await yieldToEventLoop();
  return renderPages(site, inputs);
}

/**
 * Whether a bulk publish should render in the pool: yes while one is running; else only where there is
 * a pool and the machine has a core free beside the main thread (the 1-minute load average at most the
 * cores less one). Starting workers costs CPU (0.2 s each from the bundle, 0.45 s through tsx, on the
 * bench's machine) that only a free core wins back: with the cores busy, a republish of 1,000 pages
 * ran 20–30% slower with the pool than inline (ADR 0032).
 */
export function renderPoolWorthUsing(): boolean {
  if (pool) return true;
  return renderPoolSize() > 0 && (loadavg()[0] ?? 0) <= availableParallelism() - 1;
}

/**
 * Starts the pool's workers ahead of use, so they load while the caller reads the database; resolves
 * once one can take work (at once where there is no pool).
 */
export function warmRenderPool(): Promise<void> {
  if (!pool) {
    const size = renderPoolSize();
    if (size > 0) pool = new RenderPool(workerEntry(), size);
  }
  return pool?.whenReady() ?? Promise.resolve();
}

/** Stops the pool's workers (a process that is shutting down); a later render starts a new pool. */
export async function closeRenderPool(which: RenderPool | null = pool): Promise<void> {
  if (!which) return;
  if (pool === which) pool = null;
  await which.close();
}

/** The running pool's workers, and how many pages they have rendered. */
export function renderPoolStatus(): { workers: number; rendered: number } {
  return { workers: pool?.size ?? 0, rendered: pool?.rendered ?? 0 };
}
