/**
 * Parameter sweeps on every core: `parallelMap(items, { module, name })` calls the function exported as `name`
 * by `module` on each item, in worker threads, and returns the results in the order of `items`.
 *
 * Why a module path and not a closure: a worker is a separate V8 isolate, so it must load the function itself.
 * TypeScript modules are loaded in the worker through ts-node's transpile-only register (resolved from this
 * project), so the same call works under ts-node, vitest and tslab; a compiled `.js` module needs nothing.
 * Items and results cross by structured clone (numbers, arrays, Float64Array, plain objects).
 */
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";

/** Where the function to map lives: an absolute module path (or one relative to the cwd) and its export name. */
export interface WorkerFn {
  module: string;
  name: string;
}

/** Options of {@link parallelMap}. */
export interface ParallelOptions {
  /** Number of workers (default: the number of cores, at most the number of items). 1 runs serially in-process. */
  workers?: number;
  /** Called with a message when workers are unavailable and the map runs serially instead (default console.warn). */
  onFallback?: (message: string) => void;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("worker_threads");
if (workerData.register) require(workerData.register);
let fn;
try {
  fn = require(workerData.module)[workerData.name];
  if (typeof fn !== "function") throw new Error("export " + JSON.stringify(workerData.name) + " of " + workerData.module + " is not a function");
} catch (e) {
  parentPort.postMessage({ loadError: String(e && e.stack || e) });
}
parentPort.on("message", async (m) => {
  try {
    const value = await fn(m.item, m.index);
    parentPort.postMessage({ index: m.index, value });
  } catch (e) {
    parentPort.postMessage({ index: m.index, error: String(e && e.message || e), stack: String(e && e.stack || "") });
  }
});
`;

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
 * @throws an Error naming the item index and the worker's message when f throws for any item (the other
 *   workers are stopped), or when the module cannot be loaded in the worker
 * @example
 * const curves = await parallelMap([0.5, 1, 1.5], { module: require.resolve("./src/bench/sweep"), name: "gradNormCurve" });
 */
export async function parallelMap<T, R>(items: readonly T[], fn: WorkerFn, opts: ParallelOptions = {}): Promise<R[]> {
  if (!Array.isArray(items)) throw new Error(`parallelMap: items: expected an array, got ${typeof items}`);
  if (typeof fn !== "object" || fn === null || typeof fn.module !== "string" || typeof fn.name !== "string")
    throw new Error(`parallelMap: fn: expected { module: string, name: string }, got ${JSON.stringify(fn)}`);
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const n = Math.max(1, Math.min(opts.workers ?? cores, items.length));
  if (items.length === 0) return [];
  if (n === 1) return serialMap(items, fn);
  const modulePath = resolveModule(fn.module);
  let register: string | undefined;
  if (/\.tsx?$/.test(modulePath) || !/\.(c?js)$/.test(modulePath)) {
    try {
      register = require.resolve("ts-node/register/transpile-only", { paths: [path.dirname(modulePath), __dirname] });
    } catch {
      register = undefined; // a .js module or a runtime that already handles TS in workers
    }
  }
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < n; w++)
      workers.push(
        new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module: modulePath, name: fn.name, register },
          env: { ...process.env, TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? path.resolve(__dirname, "../../tsconfig.json") },
        }),
      );
  } catch (e) {
    for (const w of workers) void w.terminate();
    (opts.onFallback ?? console.warn)(`parallelMap: worker threads unavailable (${(e as Error).message}); running serially`);
    return serialMap(items, fn);
  }
  const results: R[] = new Array(items.length);
  let nextIndex = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker) => {
        if (nextIndex < items.length) {
          const index = nextIndex++;
          w.postMessage({ index, item: items[index] });
        }
      };
      for (const w of workers) {
        w.on("message", (m: { index?: number; value?: R; error?: string; stack?: string; loadError?: string }) => {
          if (m.loadError !== undefined)
            return reject(new Error(`parallelMap: cannot load "${fn.name}" from ${modulePath} in a worker: ${m.loadError}`));
          if (m.error !== undefined)
            return reject(new Error(`parallelMap: ${fn.name}(items[${m.index}]) threw in a worker: ${m.error}\n${m.stack}`));
          results[m.index as number] = m.value as R;
          if (++done === items.length) resolve();
          else feed(w);
        });
        w.on("error", (e) => reject(new Error(`parallelMap: worker failed: ${e.message}`)));
        w.on("exit", (code) => {
          if (done < items.length && code !== 0) reject(new Error(`parallelMap: a worker exited with code ${code}`));
        });
      }
      for (const w of workers) feed(w);
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
