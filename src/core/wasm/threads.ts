/**
 * A second core for the kernels: one worker thread that instantiates the same WebAssembly module on the same
 * shared memory (./simd.ts) and runs one export call while the calling thread runs another, e.g. the two
 * halves of a minibatch, each a whole forward or backward pass over its own sequences:
 *
 *   const [mine, theirs] = pair.run(s.forwardAllCall(half1), () => s.forwardAll(half0));
 *
 * It is synchronous, so that rnnForwardBatch/rnnBackwardBatch keep their contract: the calling thread posts the
 * call into a small shared control block (Atomics.notify), runs its own half, then sleeps on the block
 * (Atomics.wait) until the worker's result is there. No messages, no event loop: the worker is plain
 * JavaScript (no TypeScript to compile), started once, on first use, in ≈ 30–50 ms, and unref()ed so that it
 * never keeps a process alive.
 *
 * When the worker cannot start, or does not take up a call within {@link PICKUP_TIMEOUT_MS} (a worker that
 * failed to boot), the pair runs that call itself, serially, and stops using the worker. When the caller's own
 * half throws, the pair still waits for the worker's half before passing the error on, so that nothing is
 * left writing into the shared memory.
 */
import * as os from "os";
import { isMainThread, Worker } from "worker_threads";
import type { KernelCall, SimdKernels } from "./simd";

/** Two threads on one set of kernels: {@link KernelPair.run} returns [result of mine(), result of the call]. */
export interface KernelPair {
  run(call: KernelCall, mine: () => number): [number, number];
  /** How many calls the worker has run (not counting those the pair ran itself): for tests and the bench. */
  readonly workerCalls: number;
}

/** How long the calling thread waits for the worker to take up a call before doing it itself. */
export const PICKUP_TIMEOUT_MS = 10_000;

// The control block, in Int32 slots: the job counter the caller bumps, the job the worker took up, the job it
// finished, the finished job's status (0 ok, 1 threw) and result, the export's index and its arguments.
const JOB = 0, PICKED = 1, DONE = 2, STATUS = 3, RESULT = 4, FN = 5, ARGC = 6, ARGS = 7, MAX_ARGS = 32;

const WORKER_SOURCE = `
const { workerData } = require("worker_threads");
const ctl = new Int32Array(workerData.ctl);
const ex = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
const names = workerData.names;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${JOB}, seen);
  const job = Atomics.load(ctl, ${JOB});
  if (job === seen) continue;
  seen = job;
  Atomics.store(ctl, ${PICKED}, job);
  let status = 0, result = 0;
  try {
    const args = [];
    for (let i = 0; i < ctl[${ARGC}]; i++) args.push(ctl[${ARGS} + i]);
    result = ex[names[ctl[${FN}]]](...args) | 0;
  } catch (e) {
    status = 1;
  }
  ctl[${STATUS}] = status;
  ctl[${RESULT}] = result;
  Atomics.store(ctl, ${DONE}, job);
  Atomics.notify(ctl, ${DONE});
}
`;

let enabled = true;
let pair: KernelPair | null | undefined;

/**
 * Switches the worker off (false) or back on (true, the default): with it off, callers run everything on
 * the calling thread (for tests, and to compare one core with two).
 */
export function setKernelWorkerEnabled(on: boolean): void {
  enabled = on;
}

/**
 * The kernel pair for these kernels, started on first use; null when it is switched off, when the machine has
 * one core, when worker threads are unavailable, or when called from a worker thread (parallelMap's workers
 * already keep every core busy: a kernel worker each would only oversubscribe them).
 */
export function kernelPair(s: SimdKernels): KernelPair | null {
  if (!enabled) return null;
  if (pair === undefined) pair = startKernelPair(s);
  return pair;
}

/**
 * Starts a new pair (what {@link kernelPair} does once). @internal The options are for tests: another worker
 * source (e.g. one that never answers) and a shorter pick-up timeout.
 */
export function startKernelPair(
  s: SimdKernels,
  opts: { workerSource?: string; pickupTimeoutMs?: number } = {},
): KernelPair | null {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  if (cores < 2 || !isMainThread) return null;
  const pickupTimeoutMs = opts.pickupTimeoutMs ?? PICKUP_TIMEOUT_MS;
  const names = ["rnn_forward_all", "rnn_backward_all"];
  const ctlBuf = new SharedArrayBuffer((ARGS + MAX_ARGS) * 4);
  const ctl = new Int32Array(ctlBuf);
  let worker: Worker;
  try {
    worker = new Worker(opts.workerSource ?? WORKER_SOURCE, {
      eval: true,
      workerData: { ctl: ctlBuf, module: s.shared.module, memory: s.shared.memory, names },
    });
  } catch {
    return null;
  }
  worker.unref();
  let alive = true;
  worker.on("error", () => (alive = false));
  worker.on("exit", () => (alive = false));
  let job = 0;
  let workerCalls = 0;
  /**
   * Waits until the worker has finished `j`: true then; false when it has not even taken the call up after
   * pickupTimeoutMs (it never booted), and is given up for good.
   */
  const waitFor = (j: number): boolean => {
    const t0 = Date.now();
    while (Atomics.load(ctl, DONE) !== j) {
      if (Atomics.load(ctl, PICKED) !== j && Date.now() - t0 > pickupTimeoutMs) {
        alive = false;
        void worker.terminate();
        return false;
      }
      Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 100);
    }
    return true;
  };
  return {
    get workerCalls() {
      return workerCalls;
    },
    run(call: KernelCall, mine: () => number): [number, number] {
      const fn = names.indexOf(call.fn);
      if (!alive || fn < 0 || call.args.length > MAX_ARGS) return [mine(), s.callExport(call)];
      ctl[FN] = fn;
      ctl[ARGC] = call.args.length;
      call.args.forEach((a, i) => (ctl[ARGS + i] = a));
      job = (job + 1) | 0 || 1;
      Atomics.store(ctl, JOB, job);
      Atomics.notify(ctl, JOB);
      let r0: number;
      let finished: boolean;
      try {
        r0 = mine();
      } finally {
        // Sleep until the worker has finished (it notifies) — also when mine() threw, so that no call is still
        // writing into the shared memory when the next one starts.
        finished = waitFor(job);
      }
      if (!finished) return [r0, s.callExport(call)];
      if (ctl[STATUS] !== 0) throw new Error(`kernel worker: ${call.fn} failed (a trap in the WebAssembly kernels)`);
      workerCalls++;
      return [r0, ctl[RESULT]];
    },
  };
}
