import { describe, expect, it } from "vitest";
import { matFrom, vecFrom } from "../../src/core/tensor";
import { compareClipModes, gradCosine, normClipper, pascanuThreshold } from "../../src/remedies/clip-compare";

describe("gradCosine", () => {
  it("is ⟨a,b⟩/(‖a‖‖b‖) over all tensors", () => {
    // a = (3, 4, 0), b = (1, 1, 1): 7 / (5 · √3)
    const c = gradCosine({ W: matFrom([[3, 4]]), b: vecFrom([0]) }, { W: matFrom([[1, 1]]), b: vecFrom([1]) });
    expect(c).toBeCloseTo(7 / (5 * Math.sqrt(3)), 14);
  });
  it("is 1 for a positive multiple and −1 for a negative one, even for huge entries", () => {
    const a = { W: matFrom([[1e300, -2e300]]) };
    expect(gradCosine(a, { W: matFrom([[1e-5, -2e-5]]) })).toBeCloseTo(1, 14);
    expect(gradCosine(a, { W: matFrom([[-1, 2]]) })).toBeCloseTo(-1, 14);
  });
  it("is NaN when a gradient is all zeros (no direction)", () => {
    expect(gradCosine({ W: matFrom([[0, 0]]) }, { W: matFrom([[1, 0]]) })).toBeNaN();
  });
});

describe("compareClipModes", () => {
  // g: W = [[3, 4], [0, 0.1]] (norm √25.01), b = [12]; total norm √(25.01 + 144) = √169.01.
  const grads = { W: matFrom([[3, 4], [0, 0.1]]), b: vecFrom([12]) };
  const params = { W: matFrom([[1, 0], [0, 1]]), b: vecFrom([0]) };
  const rows = compareClipModes(grads, params, { norm: 1, value: 1, perTensor: 1, agc: 0.5 });
  const by = Object.fromEntries(rows.map((r) => [r.mode, r]));
  it("norm clipping keeps the direction and lands on the threshold", () => {
    expect(by.norm.normBefore).toBeCloseTo(Math.sqrt(169.01), 12);
    expect(by.norm.normAfter).toBeCloseTo(1 * Math.sqrt(169.01) / (Math.sqrt(169.01) + 1e-6), 12);
    expect(by.norm.cosine).toBeCloseTo(1, 14);
  });
  it("value clipping clamps entries: (1, 1, 0, 0.1, 1)", () => {
    expect(by.value.normAfter).toBeCloseTo(Math.sqrt(3.01), 12);
    expect(by.value.cosine).toBeCloseTo((3 + 4 + 0.01 + 12) / (Math.sqrt(169.01) * Math.sqrt(3.01)), 12);
    expect(by.value.changed).toBe("3 of 5 entries");
  });
  it("per-tensor clipping scales each tensor to norm 1: both tensors over", () => {
    expect(by.perTensor.normAfter).toBeCloseTo(Math.sqrt(2), 12);
    expect(by.perTensor.changed).toBe("2 of 2 tensors");
  });
  it("AGC caps each unit at 0.5·max(‖w_u‖, 1e-3): rows of W at 0.5, b (weight 0) at 5e-4", () => {
    // row 0: ‖(3,4)‖ = 5 > 0.5 → 0.5; row 1: 0.1 < 0.5 → unchanged; b: 12 > 0.5e-3 → 5e-4.
    expect(by.agc.normAfter).toBeCloseTo(Math.sqrt(0.25 + 0.01 + 2.5e-7), 12);
    expect(by.agc.changed).toBe("2 of 3 units");
  });
  it("rejects non-finite gradients, naming the tensor", () => {
    expect(() => compareClipModes({ W: matFrom([[NaN]]) }, { W: matFrom([[1]]) }, { norm: 1, value: 1, perTensor: 1, agc: 1 })).toThrow(/grads\.W/);
  });
});

describe("normClipper", () => {
  it("rescales a long pair to the threshold (PyTorch's 1e-6 included) and leaves a short one", () => {
    const c = normClipper(0.5);
    const [a, b] = c([3, 4]);
    expect(Math.hypot(a, b)).toBeCloseTo((0.5 * 5) / (5 + 1e-6), 14);
    expect(a / b).toBeCloseTo(0.75, 14);
    expect(c([0.3, 0.1])).toEqual([0.3, 0.1]);
  });
  it("rejects a non-positive threshold", () => {
    expect(() => normClipper(0)).toThrow(/maxNorm/);
  });
});

describe("pascanuThreshold", () => {
  it("gives half to ten times the mean of the finite norms", () => {
    const r = pascanuThreshold([1, 2, 3, Infinity, NaN]);
    expect(r).toEqual({ mean: 2, lo: 1, hi: 20, count: 3 });
  });
  it("refuses when no norm is finite", () => {
    expect(() => pascanuThreshold([NaN])).toThrow(/norms/);
  });
});
