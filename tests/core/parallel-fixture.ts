/** Worker functions for parallel.test.ts: they report where they ran. */
import { threadId } from "worker_threads";
import { nativeKernels } from "../../src/core/native/native";
import { createRng, randnVec } from "../../src/core/random";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";

/** The id of the thread that ran it (0 in the main thread): tells which worker took an item. */
export function threadIdOf(): number {
  return threadId;
}

/** Throws on this file's line that says so: the test reads the line number from the source. */
export function alwaysThrows(): never {
  throw new Error("thrown by the fixture"); // THROW LINE
}

/**
 * A minibatch's gradients (and its last hidden states) through the native kernels, from fixed data: the main
 * thread may split the pass over two threads, a worker runs both parts itself; the numbers must not differ.
 */
export function nativeBatchGrads(): { native: boolean; grads: Float64Array[]; hT: Float64Array } {
  const B = 7, I = 24, H = 40, O = 8, T = 240; // T·B·H·(I + H + O) ≈ 4.8e6: split on the main thread
  const rng = createRng(21);
  const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
  const xs = Array.from({ length: T }, () => ({ rows: B, cols: I, data: randnVec(rng, B * I) }));
  const dys = Array.from({ length: T }, () => ({ rows: B, cols: O, data: randnVec(rng, B * O) }));
  const tr = rnnForwardBatch(p, xs);
  const { grads } = rnnBackwardBatch(p, xs, tr, dys);
  return { native: nativeKernels() !== null, grads: [grads.Wxh.data, grads.Whh.data, grads.bh, grads.Why.data, grads.by], hT: tr.hs[T].data.slice() };
}

/**
 * One sequence's gradients (and its last hidden state) through the native kernels at H = 129: the recurrence's
 * mat-vecs split by rows, on two threads in the main thread, one after the other in a worker; the same numbers.
 */
export function nativeSequenceGrads(): { native: boolean; grads: Float64Array[]; hT: Float64Array } {
  const I = 5, H = 129, O = 3, T = 260; // T·H·(I + H + O) ≈ 4.6e6: on two threads in the main thread
  const rng = createRng(22);
  const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
  const xs = Array.from({ length: T }, () => randnVec(rng, I));
  const dys = Array.from({ length: T }, () => randnVec(rng, O));
  const tr = rnnForward(p, xs);
  const { grads } = rnnBackward(p, xs, tr, dys);
  return { native: nativeKernels() !== null, grads: [grads.Wxh.data, grads.Whh.data, grads.bh, grads.Why.data, grads.by], hT: tr.hs[T].slice() };
}
