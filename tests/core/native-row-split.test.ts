import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { closeWorkerPools, parallelMap } from "../../src/core/parallel";
import { NonFiniteError } from "../../src/core/errors";
import { nativeKernels } from "../../src/core/native/native";
import { createRng } from "../../src/core/random";
import type { Mat } from "../../src/core/tensor";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";
import { expectClose } from "../rnn/helpers";

// One sequence at H ≥ 128: the native kernels split each step's mat-vec by rows between the main thread and
// the helper (kernels.c, forward_rows/backward_rows), meeting once per step. H = 129 gives unequal halves (65,
// 64); T·H·(I + H + O) ≥ 2²² puts the pass on two threads in the main thread, a short T keeps it on one.
const rng = createRng(41);
const rand = (n: number, scale = 1) => Float64Array.from({ length: n }, () => scale * rng.normal());
const gradList = (g: { Wxh: Mat; Whh: Mat; bh: Float64Array; Why: Mat; by: Float64Array }) => [g.Wxh.data, g.Whh.data, g.bh, g.Why.data, g.by];
const native = nativeKernels() !== null;

afterAll(() => closeWorkerPools());

describe.skipIf(!native)("the native kernels' row-split recurrence (one sequence, H ≥ 128)", () => {
  it("equals the readable reference to 1e-12, on two threads and on one: tanh, relu, linear", () => {
    for (const activation of ["tanh", "relu", "linear"] as const)
      for (const [I, H, O, T, threads] of [[5, 129, 3, 260, 2], [4, 128, 6, 5, 1]]) {
        const p = initRnnParams(createRng(H + T), { input: I, hidden: H, output: O, activation, recurrentStd: 0.8 / Math.sqrt(H) });
        const xs = Array.from({ length: T }, () => rand(I));
        const dys = Array.from({ length: T }, () => rand(O));
        const split0 = nativeKernels()!.helperPasses;
        const tr = rnnForward(p, xs);
        const got = rnnBackward(p, xs, tr, dys);
        expect(nativeKernels()!.helperPasses).toBe(split0 + (threads === 2 ? 2 : 0));
        const want = rnnForwardReference(p, xs);
        want.hs.forEach((h, t) => expectClose(tr.hs[t], h));
        want.ys.forEach((y, t) => expectClose(tr.ys[t], y));
        const ref = rnnBackwardReference(p, xs, want, dys);
        gradList(ref.grads).forEach((g, i) => expectClose(gradList(got.grads)[i], g));
        ref.dhs.forEach((d, t) => expectClose(got.dhs[t], d));
      }
  });

  it("gives the same numbers bit for bit on two threads (main thread) and on one (a parallelMap worker)", async () => {
    const fixture = { module: path.join(__dirname, "parallel-fixture.ts"), name: "nativeSequenceGrads" };
    const { nativeSequenceGrads } = await import("./parallel-fixture");
    const split0 = nativeKernels()!.helperPasses;
    const here = nativeSequenceGrads();
    expect(nativeKernels()!.helperPasses).toBe(split0 + 2);
    const [there] = (await parallelMap([0], fixture, { workers: 1 })) as ReturnType<typeof nativeSequenceGrads>[];
    expect(here.native && there.native).toBe(true);
    expect(there.hT).toEqual(here.hT);
    there.grads.forEach((g, i) => expect(g).toEqual(here.grads[i]));
  });

  const stepOf = (f: () => unknown): number => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteError);
      return (e as NonFiniteError).step;
    }
    return -1;
  };
  const I = 2, H = 129, T = 300; // two threads

  // Each half's overflow: the unit that overflows lies in the first half (rows 0–64) or the second (65–128).
  for (const unit of [3, 100]) {
    it(`a forward overflow in unit ${unit} names the same step as the reference`, () => {
      // relu, Whh = 1e155·I on the diagonal: unit grows by 1e155 per step from x_1, overflowing at step 3
      const p = initRnnParams(createRng(6), { input: I, hidden: H, output: 2, activation: "relu", recurrentStd: 0.1 });
      p.Whh.data.fill(0);
      p.Whh.data[unit * H + unit] = 1e155;
      p.Wxh.data.fill(0);
      p.Wxh.data[unit * I] = 1;
      p.bh.fill(0);
      const xs = Array.from({ length: T }, (_, t) => Float64Array.from({ length: I }, () => (t === 0 ? 1 : 0)));
      const split0 = nativeKernels()!.helperPasses;
      expect(stepOf(() => rnnForward(p, xs))).toBe(3);
      expect(nativeKernels()!.helperPasses).toBe(split0 + 1);
      expect(stepOf(() => rnnForwardReference(p, xs))).toBe(3);
    });

    it(`a backward overflow in unit ${unit} names the same step as the reference`, () => {
      // linear, Whh = 10 on the unit's diagonal: ∂L/∂h grows tenfold per step back from ∂L/∂y_T = 1e300
      const p = initRnnParams(createRng(2), { input: I, hidden: H, output: H, activation: "linear", recurrentStd: 0.1 });
      p.Whh.data.fill(0);
      p.Why.data.fill(0);
      p.Whh.data[unit * H + unit] = 10;
      p.Why.data[unit * H + unit] = 1;
      const xs = Array.from({ length: T }, () => new Float64Array(I));
      const dys = Array.from({ length: T }, (_, t) => {
        const d = new Float64Array(H);
        if (t === T - 1) d[unit] = 1e300;
        return d;
      });
      const want = stepOf(() => rnnBackwardReference(p, xs, rnnForwardReference(p, xs), dys));
      expect(want).toBe(T - 9); // 1e300·10⁹ > 1.8e308
      const split0 = nativeKernels()!.helperPasses;
      expect(stepOf(() => rnnBackward(p, xs, rnnForward(p, xs), dys))).toBe(want);
      expect(nativeKernels()!.helperPasses).toBe(split0 + 2);
    });
  }
});
