import { afterEach, describe, expect, it } from "vitest";
import { setNativeEnabled } from "../../src/core/native/native";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, vecFrom, type Mat, type Vec } from "../../src/core/tensor";
import { setSimdEnabled } from "../../src/core/wasm/simd";
import { ACTIVATIONS, type Activation } from "../../src/rnn/activation";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";
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
    // Columns that do not fit the weights: the message names the weights and their shape.
    expect(() => rnnBackwardBatch(p, [m(2, 2)], tr, [m(2, 2)])).toThrow("dys[0]: has 2 columns (vectors of size 2), but p.Why gives outputs y_t of size 1 (p.Why is 1×3)");
    expect(() => rnnForwardBatch(p, [m(2, 3)])).toThrow("xs[0]: has 3 columns (vectors of size 3), but p.Wxh expects inputs of size 2 (p.Wxh is 3×2)");
    expect(() => rnnBackwardBatch(p, [m(2, 2)], tr, [m(2, 1)], { truncate: 0 })).toThrow("opts.truncate: expected an integer ≥ 1, got 0");
  });
});

// Every backend the batch can take (sigmoid and truncation run in JavaScript whatever is switched on).
const BACKENDS: [string, () => void][] = [
  ["native", () => {}],
  ["WebAssembly", () => setNativeEnabled(false)],
  ["JavaScript", () => (setNativeEnabled(false), setSimdEnabled(false))],
];

function batchProblem(seed: number, act: Activation, B: number, I: number, H: number, O: number, T: number) {
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: act, recurrentStd: 1.2 / Math.sqrt(H) });
  p.bh.forEach((_, i) => (p.bh[i] = 0.1 * rng.normal()));
  const mat = (rows: number, cols: number): Mat => ({ rows, cols, data: randnVec(rng, rows * cols) });
  return { p, xs: Array.from({ length: T }, () => mat(B, I)), dys: Array.from({ length: T }, () => mat(B, O)) };
}

describe("rnnBackwardBatch with opts.truncate equals the per-sequence truncated BPTT, summed", () => {
  afterEach(() => (setNativeEnabled(true), setSimdEnabled(true)));
  for (const act of ["tanh", "relu", "sigmoid"] as const)
    for (const [backend, use] of BACKENDS)
      it(`${act}, ${backend}`, () => {
        use();
        const [B, I, H, O, T, k] = [3, 2, 4, 2, 7, 3];
        const { p, xs, dys } = batchProblem(31, act, B, I, H, O, T);
        const tr = rnnForwardBatch(p, xs);
        const { grads, dhs } = rnnBackwardBatch(p, xs, tr, dys, { truncate: k });
        const full = rnnBackwardBatch(p, xs, tr, dys);
        // Checked against the readable reference, one sequence at a time (an independent computation per row b).
        const sum = { Wxh: new Float64Array(H * I), Whh: new Float64Array(H * H), bh: new Float64Array(H), Why: new Float64Array(O * H), by: new Float64Array(O) };
        for (let b = 0; b < B; b++) {
          const xb = xs.map((m) => rowOf(m, b).slice());
          const one = rnnBackwardReference(p, xb, rnnForwardReference(p, xb), dys.map((m) => rowOf(m, b).slice()), { truncate: k });
          one.dhs.forEach((d, t) => expectClose(rowOf(dhs[t], b), d));
          for (const key of ["Wxh", "Whh", "Why"] as const) one.grads[key].data.forEach((v, i) => (sum[key][i] += v));
          one.grads.bh.forEach((v, i) => (sum.bh[i] += v));
          one.grads.by.forEach((v, i) => (sum.by[i] += v));
        }
        for (const key of ["Wxh", "Whh", "Why"] as const) expectClose(grads[key].data, sum[key]);
        expectClose(grads.bh, sum.bh);
        expectClose(grads.by, sum.by);
        // Truncation changes the gradient here (so the option is not ignored), and k ≥ T is full BPTT.
        expect(Math.max(...grads.Whh.data.map((v, i) => Math.abs(v - full.grads.Whh.data[i])))).toBeGreaterThan(1e-6);
        const kT = rnnBackwardBatch(p, xs, tr, dys, { truncate: T });
        expectClose(kT.grads.Whh.data, full.grads.Whh.data);
        expect(dhs).toHaveLength(T + 1);
        expect(dhs[0]).toMatchObject({ rows: B, cols: H });
      });

  it("names the batch entry (b·H + i) where a truncated pass overflows, as the full pass does", () => {
    // H = 1, Whh = 1e30, zero inputs (tanh′ = 1): only sequence 1 has a loss; ∂L/∂h carried from step 13
    // passes float64's 1.8e308 after 11 steps, at step 2, within k = 12 steps.
    const p: RnnParams = { Wxh: matFrom([[1]]), Whh: matFrom([[1e30]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "tanh" };
    const T = 13;
    const xs = Array.from({ length: T }, () => matFrom([[0], [0]]));
    const dys = Array.from({ length: T }, () => matFrom([[0], [1]]));
    const tr = rnnForwardBatch(p, xs);
    expect(() => rnnBackwardBatch(p, xs, tr, dys)).toThrow(/dL\/dh_t became Infinity at step 2 \(entry 1\)/);
    expect(() => rnnBackwardBatch(p, xs, tr, dys, { truncate: 12 })).toThrow(/dL\/dh_t became Infinity at step 2 \(entry 1\)/);
  });
});

describe("a batch trace holding a NaN or ∞ is refused, naming the row, the step and the sequence", () => {
  afterEach(() => (setNativeEnabled(true), setSimdEnabled(true)));
  const cause = "the trace holds a non-finite number, which rnnForwardBatch never returns (was the trace changed after rnnForwardBatch made it?)";
  for (const act of ["tanh", "relu", "sigmoid"] as const)
    for (const [backend, use] of BACKENDS)
      for (const truncate of [undefined, 2])
        it(`${act}, ${backend}${truncate ? `, truncate ${truncate}` : ""}`, () => {
          use();
          const { p, xs, dys } = batchProblem(41, act, 2, 2, 4, 1, 4);
          const hs = rnnForwardBatch(p, xs);
          hs.hs[2].data[5] = NaN; // sequence 1, unit 1
          expect(() => rnnBackwardBatch(p, xs, hs, dys, { truncate })).toThrow(
            `trace.hs[2] (h_2, step 2): expected finite numbers, got NaN at index 5 (sequence 1, unit 1): ${cause}`,
          );
          if (act !== "relu") return; // only relu reads zs (φ′ = [z > 0])
          const zs = rnnForwardBatch(p, xs);
          zs.zs[3].data[2] = Infinity; // sequence 0, unit 2 at step 4
          expect(() => rnnBackwardBatch(p, xs, zs, dys, { truncate })).toThrow(
            `trace.zs[3] (z_4, step 4): expected finite numbers, got Infinity at index 2 (sequence 0, unit 2): ${cause}`,
          );
        });
});
