/** Worker functions for parallel.test.ts: they report where they ran. */
import { threadId } from "worker_threads";
import { simdKernels } from "../../src/core/wasm/simd";
import { kernelPair } from "../../src/core/wasm/threads";

/** The id of the thread that ran it (0 in the main thread): tells which worker took an item. */
export function threadIdOf(): number {
  return threadId;
}

/** Throws on this file's line that says so: the test reads the line number from the source. */
export function alwaysThrows(): never {
  throw new Error("thrown by the fixture"); // THROW LINE
}

/** Whether this thread may start a kernel worker (../../src/core/wasm/threads): not from a worker thread. */
export function hasKernelPair(): boolean {
  const s = simdKernels();
  return s !== null && kernelPair(s) !== null;
}
