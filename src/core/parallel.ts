/**
 * Why it stays (issue 17): notebook 03's "At scale, on every core" is built on it, and buys 1.1–1.4× there
 * (8 curves, H = 128, T = 4000, idle machine; a single run already spreads its products over both cores) —
 * ≈ 0.1–0.3 s of one cell: it stays for that lesson, not for speed. Removing it means changing that cell.
 *
 * Parameter sweeps on every core: `parallelMap(items, { module, name })` calls the function exported as `name`
 * by `module` on each item, in worker threads, and returns the results in the order of `items`.
 *
 * Why a module path and not a closure: a worker is a separate V8 isolate, so it must load the function itself.
 * Workers load TypeScript through the hook of ts-require.cjs (transpileModule with an on-disk cache of the
 * emitted JS: after the first run a worker never loads the compiler), so the same call works under ts-node,
 * vitest and tslab; a compiled `.js` module needs nothing. Items and results cross by structured clone
 * (numbers, arrays, Float64Array, plain objects).
 *
 * Workers are kept between calls, one pool per module (at most one idle worker per core): a notebook that maps
 * twice pays the start-up (≈ 50–100 ms for 2 workers with the cache warm) once. Idle workers are `unref`ed, so
 * they never keep the process alive; a worker is discarded when a call fails, and before reuse when any source
 * file it loaded (the module and its imports) has changed on disk since, so an edited module is never run stale.
 * {@link closeWorkerPools} ends them all.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { describe } from "./tensor";

/** Where the function to map lives: an absolute module path (or one relative to the cwd) and its export name. */
export interface WorkerFn {
  module: string;
  name: string;
}

/** What a call of {@link parallelMap} spent on starting workers (for benchmarks and tests). */
export interface WorkerStartup {
  /** Thread ids of the workers the call used. */
  threadIds: number[];
  /** Thread ids of the workers the call started; the others came from the pool. */
  started: number[];
  /** ms from the call until every started worker had loaded the module (0 when none was started). */
  ms: number;
  /** TypeScript files the started workers compiled, i.e. found in no cache (0 when the cache is warm). */
  compiled: number;
  /** Whether any started worker loaded the `typescript` package (only on a cache miss). */
  typescriptLoaded: boolean;
}

/** Options of {@link parallelMap}. */
export interface ParallelOptions {
  /** Number of workers (default: the number of cores, at most the number of items). 1 runs serially in-process. */
  workers?: number;
  /** Called with a message when workers are unavailable and the map runs serially instead (default console.warn). */
  onFallback?: (message: string) => void;
  /** Called after a successful call that used workers, with what their start-up cost. */
  onStartup?: (startup: WorkerStartup) => void;
}

/** A source file a worker loaded, as it was then: [path, mtime in ms, size in bytes]. */
type LoadedFile = [string, number, number];

interface ReadyMessage {
  loadError?: string;
  compiled: number;
  typescriptLoaded: boolean;
  files: LoadedFile[];
}

interface WorkerMessage {
  ready?: ReadyMessage;
  index?: number;
  value?: unknown;
  error?: string;
  stack?: string;
  loadError?: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("worker_threads");
const fs = require("fs");
const path = require("path");
const hook = require(workerData.hook);
hook.install({ project: path.dirname(workerData.module) });
let mod, loadError;
try {
  mod = require(workerData.module);
} catch (e) {
  loadError = String((e && e.stack) || e);
}
const nodeModules = path.sep + "node_modules" + path.sep;
const loaded = Object.keys(require.cache);
const stat = (f) => { try { const s = fs.statSync(f); return [f, s.mtimeMs, s.size]; } catch { return [f, -1, -1]; } };
parentPort.postMessage({ ready: {
  loadError,
  compiled: hook.stats.compiled,
  typescriptLoaded: loaded.some((f) => f.includes(nodeModules + "typescript" + path.sep)),
  files: loaded.filter((f) => !f.includes(nodeModules)).map(stat),
} });
parentPort.on("message", async (m) => {
  if (!mod) return; // the load error is already reported
  try {
    const fn = mod[m.name];
    if (typeof fn !== "function")
      return parentPort.postMessage({ index: m.index, loadError: "export " + JSON.stringify(m.name) + " of " + workerData.module + " is not a function" });
    const value = await fn(m.item, m.index);
    parentPort.postMessage({ index: m.index, value });
  } catch (e) {
    parentPort.postMessage({ index: m.index, error: String((e && e.message) || e), stack: String((e && e.stack) || "") });
  }
});
`;

const HOOK = path.join(__dirname, "ts-require.cjs");

interface PooledWorker {
  worker: Worker;
  /** What the worker loaded, to tell whether it is stale (set when it reports ready). */
  files: LoadedFile[];
  /** closeWorkerPools() generation it belongs to: a worker busy during that call is ended on release. */
  generation: number;
}

/** Idle workers by module path. */
const pools = new Map<string, PooledWorker[]>();
let generation = 0;

function coreCount(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

function isFresh(pw: PooledWorker): boolean {
  return pw.files.every(([f, mtimeMs, size]) => {
    try {
      const s = fs.statSync(f);
      return s.mtimeMs === mtimeMs && s.size === size;
    } catch {
      return false;
    }
  });
}

/** Up to n idle workers of the module's pool; stale ones are ended. */
function takeIdle(modulePath: string, n: number): PooledWorker[] {
  const idle = pools.get(modulePath) ?? [];
  const taken: PooledWorker[] = [];
  while (taken.length < n && idle.length > 0) {
    const pw = idle.pop() as PooledWorker;
    if (isFresh(pw)) taken.push(pw);
    else void pw.worker.terminate();
  }
  return taken;
}

function release(modulePath: string, pw: PooledWorker): void {
  const idle = pools.get(modulePath) ?? [];
  if (pw.generation !== generation || idle.length >= coreCount()) {
    void pw.worker.terminate();
    return;
  }
  pw.worker.unref();
  idle.push(pw);
  pools.set(modulePath, idle);
}

function spawn(modulePath: string): PooledWorker {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: modulePath, hook: HOOK } });
  const pw: PooledWorker = { worker, files: [], generation };
  // Always listened to, so that an idle worker's failure does not throw in the main thread; it leaves the pool.
  worker.on("error", () => undefined);
  worker.on("exit", () => {
    const idle = pools.get(modulePath);
    if (idle?.includes(pw)) idle.splice(idle.indexOf(pw), 1);
  });
  return pw;
}

/** Ends every idle worker of every pool (workers busy in a call end when it returns). */
export async function closeWorkerPools(): Promise<void> {
  generation++;
  const idle = [...pools.values()].flat();
  pools.clear();
  await Promise.all(idle.map((pw) => pw.worker.terminate()));
}

function resolveModule(m: string): string {
  return path.isAbsolute(m) ? m : path.resolve(process.cwd(), m);
}

async function serialMap<T, R>(items: readonly T[], fn: WorkerFn): Promise<R[]> {
  // import(), not require(): under vitest only its own loader can compile a .ts module in-process.
  const m = (await import(resolveModule(fn.module))) as Record<string, unknown>;
  const f = m[fn.name] as (item: T, index: number) => R | Promise<R>;
  if (typeof f !== "function") throw new Error(`parallelMap: export "${fn.name}" of ${fn.module} is not a function`);
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) out.push(await f(items[i], i));
  return out;
}

/**
 * map(items, f) with f = require(fn.module)[fn.name], spread over worker threads (dynamic scheduling: each
 * worker takes the next item when it finishes one). f(item, index) may return a promise.
 *
 * @returns the results in the order of `items`
 * @throws an Error naming the item index and the worker's message when f throws for any item (the call's
 *   workers are ended), or when the module cannot be loaded in the worker
 * @example
 * const curves = await parallelMap([0.5, 1, 1.5], { module: require.resolve("./src/bench/sweep"), name: "gradNormCurve" });
 */
export async function parallelMap<T, R>(items: readonly T[], fn: WorkerFn, opts: ParallelOptions = {}): Promise<R[]> {
  if (!Array.isArray(items)) throw new Error(`parallelMap: items: expected an array, got ${describe(items)}`);
  if (typeof fn !== "object" || fn === null || typeof fn.module !== "string" || typeof fn.name !== "string")
    throw new Error(`parallelMap: fn: expected { module: string, name: string }, got ${JSON.stringify(fn)}`);
  const n = Math.max(1, Math.min(opts.workers ?? coreCount(), items.length));
  if (items.length === 0) return [];
  if (n === 1) return serialMap(items, fn);
  const modulePath = resolveModule(fn.module);
  const t0 = performance.now();
  const reused = takeIdle(modulePath, n);
  const started: PooledWorker[] = [];
  try {
    while (reused.length + started.length < n) started.push(spawn(modulePath));
  } catch (e) {
    for (const pw of started) void pw.worker.terminate();
    for (const pw of reused) release(modulePath, pw);
    (opts.onFallback ?? console.warn)(`parallelMap: worker threads unavailable (${(e as Error).message}); running serially`);
    return serialMap(items, fn);
  }
  const all = [...reused, ...started];
  const startup: WorkerStartup = {
    threadIds: all.map((pw) => pw.worker.threadId),
    started: started.map((pw) => pw.worker.threadId),
    ms: 0,
    compiled: 0,
    typescriptLoaded: false,
  };
  const results: R[] = new Array(items.length);
  const detach: (() => void)[] = [];
  let nextIndex = 0;
  let done = 0;
  let ok = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker) => {
        if (nextIndex < items.length) {
          const index = nextIndex++;
          w.postMessage({ index, item: items[index], name: fn.name });
        }
      };
      for (const pw of all) {
        const w = pw.worker;
        const onMessage = (m: WorkerMessage) => {
          if (m.ready !== undefined) {
            if (m.ready.loadError !== undefined)
              return reject(new Error(`parallelMap: cannot load "${fn.name}" from ${modulePath} in a worker: ${m.ready.loadError}`));
            pw.files = m.ready.files;
            startup.ms = performance.now() - t0;
            startup.compiled += m.ready.compiled;
            startup.typescriptLoaded ||= m.ready.typescriptLoaded;
            return;
          }
          if (m.loadError !== undefined)
            return reject(new Error(`parallelMap: cannot load "${fn.name}" from ${modulePath} in a worker: ${m.loadError}`));
          if (m.error !== undefined)
            return reject(new Error(`parallelMap: ${fn.name}(items[${m.index}]) threw in a worker: ${m.error}\n${m.stack}`));
          results[m.index as number] = m.value as R;
          if (++done === items.length) resolve();
          else feed(w);
        };
        const onError = (e: Error) => reject(new Error(`parallelMap: worker failed: ${e.message}`));
        const onExit = (code: number) => reject(new Error(`parallelMap: a worker exited with code ${code} before the map finished`));
        w.on("message", onMessage).on("error", onError).on("exit", onExit);
        detach.push(() => w.off("message", onMessage).off("error", onError).off("exit", onExit));
        w.ref(); // a pooled worker is unref'ed: while it works for this call, it keeps the process alive
      }
      for (const pw of all) feed(pw.worker);
    });
    ok = true;
  } finally {
    for (const d of detach) d();
    if (ok) for (const pw of all) release(modulePath, pw);
    else await Promise.all(all.map((pw) => pw.worker.terminate()));
  }
  opts.onStartup?.(startup);
  return results;
}
