import { describe, expect, it } from "vitest";
import { matFrom, vecFrom, type Mat } from "../../src/core/tensor";
import type { TensorMap } from "../../src/rnn/gradcheck";
import { compareWeightDecay } from "../../src/train/decay-compare";

const params: TensorMap = { W: matFrom([[2, -0.5], [0.01, 1]]), b: vecFrom([3]) };
const data = (m: TensorMap) => (m.W as Mat).data;

describe("compareWeightDecay", () => {
  it("with a zero data gradient: SGD and AdamW multiply W by (1 − lr·λ) per step, biases untouched", () => {
    const zero = () => ({ W: matFrom([[0, 0], [0, 0]]), b: vecFrom([0]) });
    const r = compareWeightDecay(params, { lr: 0.1, lambda: 0.5, steps: 3, gradFn: zero });
    const f = (1 - 0.05) ** 3;
    for (const s of ["sgd + L2", "sgd + decoupled", "adamw"] as const) {
      data(r[s]).forEach((x, i) => expect(x).toBeCloseTo((params.W as Mat).data[i] * f, 12));
      expect((r[s].b as Float64Array)[0]).toBe(3);
    }
  });
  it("Adam + L2 with a zero data gradient moves every weight by ≈ lr per step whatever its size (Adam normalises λw)", () => {
    const zero = () => ({ W: matFrom([[0, 0], [0, 0]]), b: vecFrom([0]) });
    const r = compareWeightDecay(params, { lr: 0.001, lambda: 0.5, steps: 1, gradFn: zero });
    // First Adam step: lr · ĝ/(|ĝ| + ε) = lr · sign(w) (up to ε = 1e-8 relative to |λw| ≥ 0.005).
    data(r["adam + L2"]).forEach((x, i) => {
      const w = (params.W as Mat).data[i];
      expect(x).toBeCloseTo(w - 0.001 * Math.sign(w), 8);
    });
  });
  it("SGD + L2 equals SGD + decoupled decay with a real (weight-dependent) gradient; Adam + L2 differs from AdamW", () => {
    // Gradient of ½‖W − A‖² with A = [[1, 1], [1, 1]]: g = W − A, so the path depends on the weights.
    const gradFn = (m: TensorMap) => ({ W: { rows: 2, cols: 2, data: data(m).map((x) => x - 1) }, b: vecFrom([0]) });
    const r = compareWeightDecay(params, { lr: 0.05, lambda: 0.3, steps: 10, gradFn });
    data(r["sgd + L2"]).forEach((x, i) => expect(x).toBeCloseTo(data(r["sgd + decoupled"])[i], 13));
    const diff = Math.max(...data(r["adam + L2"]).map((x, i) => Math.abs(x - data(r.adamw)[i])));
    expect(diff).toBeGreaterThan(1e-3);
    // and the caller's weights are untouched
    expect(Array.from(data(params))).toEqual([2, -0.5, 0.01, 1]);
  });
  it("checks its arguments", () => {
    expect(() => compareWeightDecay(params, { lr: 0.1, lambda: -1, steps: 1, gradFn: () => params })).toThrow(/lambda/);
    expect(() => compareWeightDecay(params, { lr: 0.1, lambda: 1, steps: 1, gradFn: () => params, include: ["X"] })).toThrow(/include/);
  });
});
