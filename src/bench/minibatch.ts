/**
 * The bench's minibatch training step — forward, ∂L/∂Y = Y − targets (squared error), full BPTT, clip the global
 * norm, SGD — on B = 32 sequences, H = 128, T = 100, with its data (the numpy peer gets the same numbers).
 *
 * Run as a script (`ts-node minibatch.ts [budget ms] [wasm]`), it times the step in its own process as the
 * library runs it (the native kernels where built) — with `wasm`, also on the WebAssembly kernels (what runs
 * where the native ones are not built) — and prints the medians as JSON ({@link MinibatchTimes}).
 */
import { nativeKernels, setNativeEnabled } from "../core/native/native";
import { createRng, randnVec } from "../core/random";
import type { Mat } from "../core/tensor";
import { rnnBackwardBatch, rnnForwardBatch } from "../rnn/batch";
import { cloneRnnParams, initRnnParams } from "../rnn/params";
import type { RnnGrads, RnnParams } from "../rnn/vanilla";
import { timeIt } from "./timing";

export const MINIBATCH = { B: 32, H: 128, T: 100, lr: 1e-3, clip: 1 } as const;

/** What the script prints: median ms per step on each set of kernels. */
export interface MinibatchTimes {
  ours: number;
  kernels: "native" | "WebAssembly";
  wasm?: number;
}

/** The step's parameters, inputs and targets (seeded: the same numbers in every process). */
export function minibatchCase(): { p: RnnParams; xs: Mat[]; targets: Mat[] } {
  const { B, H, T } = MINIBATCH;
  const rng = createRng(77);
  const p = initRnnParams(rng, { input: H, hidden: H, output: H, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
  const xs: Mat[] = Array.from({ length: T }, () => ({ rows: B, cols: H, data: randnVec(rng, B * H) }));
  const targets: Mat[] = Array.from({ length: T }, () => ({ rows: B, cols: H, data: randnVec(rng, B * H) }));
  return { p, xs, targets };
}

/** The gradients' arrays, in RnnGrads' order. */
export const flatGrads = (g: RnnGrads): Float64Array[] => [g.Wxh.data, g.Whh.data, g.bh, g.Why.data, g.by];

/** One training step on p (updated in place); returns the gradients before clipping. */
export function batchStep(p: RnnParams, xs: Mat[], targets: Mat[], lr: number, clip: number): RnnGrads {
  const tr = rnnForwardBatch(p, xs);
  // Ȳ = Y − targets into one buffer (as numpy's `Ys - targets`), one B×O view per step
  const n = tr.ys[0].data.length;
  const buf = new Float64Array(tr.ys.length * n);
  const dys = tr.ys.map((y, t) => {
    const yd = y.data, td = targets[t].data, d = buf.subarray(t * n, (t + 1) * n);
    for (let i = 0; i < n; i++) d[i] = yd[i] - td[i];
    return { rows: y.rows, cols: y.cols, data: d };
  });
  const { grads } = rnnBackwardBatch(p, xs, tr, dys);
  let ss = 0;
  for (const g of flatGrads(grads)) for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  const norm = Math.sqrt(ss);
  const scale = norm > clip ? clip / norm : 1;
  const ps = [p.Wxh.data, p.Whh.data, p.bh, p.Why.data, p.by];
  flatGrads(grads).forEach((g, k) => {
    const w = ps[k];
    for (let i = 0; i < g.length; i++) w[i] -= lr * scale * g[i];
  });
  return grads;
}

if (require.main === module) {
  const budget = Number(process.argv[2] ?? 1500);
  const { p, xs, targets } = minibatchCase();
  const work = cloneRnnParams(p);
  const stepMs = () => timeIt(() => batchStep(work, xs, targets, MINIBATCH.lr, MINIBATCH.clip), budget, 5, 120);
  const times: MinibatchTimes = { ours: stepMs(), kernels: nativeKernels() !== null ? "native" : "WebAssembly" };
  if (process.argv[3] === "wasm") {
    setNativeEnabled(false);
    times.wasm = stepMs();
  }
  console.log(JSON.stringify(times));
}
