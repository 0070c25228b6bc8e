import { describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import type { Mat, Vec } from "../../src/core/tensor";
import { ACTIVATIONS } from "../../src/rnn/activation";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";
import { expectClose } from "./helpers";

const rowOf = (m: Mat, b: number): Vec => m.data.subarray(b * m.cols, (b + 1) * m.cols);

describe("rnnForwardBatch/rnnBackwardBatch equal the per-sequence rnnForward/rnnBackward", () => {
  for (const act of ACTIVATIONS)
    for (const [B, I, H, O, T] of [[1, 1, 1, 1, 1], [3, 2, 5, 3, 6], [5, 4, 9, 2, 11]])
      it(`${act}, B=${B} I=${I} H=${H} O=${O} T=${T}`, () => {
        const rng = createRng(B * 100 + H + T);
        const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: act, recurrentStd: 0.9 / Math.sqrt(H) });
        p.bh.forEach((_, i) => (p.bh[i] = 0.1 * rng.normal()));
        const mat = (rows: number, cols: number): Mat => ({ rows, cols, data: randnVec(rng, rows * cols) });
        const xs = Array.from({ length: T }, () => mat(B, I));
        const dys = Array.from({ length: T }, () => mat(B, O));
        const h0 = mat(B, H);
        const tr = rnnForwardBatch(p, xs, h0);
        const { grads, dhs } = rnnBackwardBatch(p, xs, tr, dys);
        // The batch gradient is the sum of the per-sequence gradients (an independent computation per row b).
        const sum = { Wxh: new Float64Array(H * I), Whh: new Float64Array(H * H), bh: new Float64Array(H), Why: new Float64Array(O * H), by: new Float64Array(O) };
        for (let b = 0; b < B; b++) {
          const xb = xs.map((m) => rowOf(m, b).slice());
          const one = rnnForward(p, xb, rowOf(h0, b).slice());
          one.hs.forEach((h, t) => expectClose(rowOf(tr.hs[t], b), h));
          one.ys.forEach((y, t) => expectClose(rowOf(tr.ys[t], b), y));
          const back = rnnBackward(p, xb, one, dys.map((m) => rowOf(m, b).slice()));
          back.dhs.forEach((d, t) => expectClose(rowOf(dhs[t], b), d));
          for (const k of ["Wxh", "Whh", "Why"] as const) back.grads[k].data.forEach((v, i) => (sum[k][i] += v));
          back.grads.bh.forEach((v, i) => (sum.bh[i] += v));
          back.grads.by.forEach((v, i) => (sum.by[i] += v));
        }
        for (const k of ["Wxh", "Whh", "Why"] as const) expectClose(grads[k].data, sum[k]);
        expectClose(grads.bh, sum.bh);
        expectClose(grads.by, sum.by);
      });

  it("checks its arguments and names them", () => {
    const p = initRnnParams(createRng(1), { input: 2, hidden: 3, output: 1, activation: "tanh" });
    const m = (rows: number, cols: number): Mat => ({ rows, cols, data: new Float64Array(rows * cols) });
    expect(() => rnnForwardBatch(p, [])).toThrow(/xs: expected at least one time step/);
    expect(() => rnnForwardBatch(p, [m(2, 2), m(3, 2)])).toThrow(/xs\[1\]: expected shape 2×2, got 3×2/);
    expect(() => rnnForwardBatch(p, [m(2, 2)], m(2, 2))).toThrow(/h0: expected shape 2×3, got 2×2/);
    const tr = rnnForwardBatch(p, [m(2, 2)]);
    expect(() => rnnBackwardBatch(p, [m(2, 2)], tr, [m(2, 2)])).toThrow(/dys\[0\]: expected shape 2×1, got 2×2/);
  });
});
