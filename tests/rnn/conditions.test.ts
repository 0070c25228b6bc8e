import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randn, randnVec } from "../../src/core/random";
import { matFrom, scaleMat, vecFrom, zeros } from "../../src/core/tensor";
import { matrixPowerNorms, pascanuBound, pascanuConditions } from "../../src/rnn/conditions";
import { initRnnParams } from "../../src/rnn/params";
import { rnnForward } from "../../src/rnn/vanilla";

/** σ₁ of a 2×2 matrix in closed form: σ₁² = (‖A‖_F² + √(‖A‖_F⁴ − 4 det²)) / 2 (independent of the SVD). */
function sigma1of2x2(a: number, b: number, c: number, d: number): number {
  const f = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  return Math.sqrt((f + Math.sqrt(Math.max(0, f * f - 4 * det * det))) / 2);
}

describe("pascanuConditions", () => {
  it("compares λ₁ = σ₁ (not ρ) with 1/γ: a non-normal matrix with ρ < 1 can have λ₁ > 1", () => {
    const W = matFrom([[0.9, 2], [0, 0.9]]);
    const c = pascanuConditions(W, "tanh");
    expect(c.spectralRadius).toBeCloseTo(0.9, 10); // triangular: eigenvalues on the diagonal
    expect(c.lambda1).toBeCloseTo(sigma1of2x2(0.9, 2, 0, 0.9), 12);
    expect(c.gamma).toBe(1);
    expect(c.vanishingGuaranteed).toBe(false);
    expect(c.explodingPossible).toBe(true);
  });

  it("uses γ = 1/4 for the sigmoid: λ₁ = 3 still guarantees vanishing", () => {
    const rng = createRng(1);
    const W = randn(rng, 5, 5);
    const s = spectralNorm(W);
    const c = pascanuConditions(scaleMat(W, 3 / s), "sigmoid");
    expect(c.threshold).toBe(4);
    expect(c.factorBound).toBeCloseTo(0.75, 12);
    expect(c.vanishingGuaranteed).toBe(true);
    expect(c.explodingPossible).toBe(false);
  });

  it("rejects a non-square matrix and an unknown activation", () => {
    expect(() => pascanuConditions(zeros(2, 3), "tanh")).toThrow(/square/);
    expect(() => pascanuConditions(zeros(2, 2), "softsign" as never)).toThrow(/activation/);
  });
});

describe("pascanuBound", () => {
  it("never lets ‖∂h_T/∂h_t‖ exceed (γλ₁)^(T−t), for tanh and sigmoid runs", () => {
    for (const activation of ["tanh", "sigmoid"] as const) {
      const rng = createRng(9);
      const p = initRnnParams(rng, { input: 2, hidden: 6, output: 1, activation, recurrentStd: 0.7 });
      const rows = pascanuBound(p, rnnForward(p, Array.from({ length: 20 }, () => randnVec(rng, 2))));
      expect(rows).toHaveLength(21);
      expect(rows[0]).toEqual({ distance: 0, norm: expect.closeTo(1, 12), bound: 1 });
      for (const r of rows) expect(r.norm).toBeLessThanOrEqual(r.bound * (1 + 1e-10));
    }
  });

  it("is tight for a 1×1 linear RNN: |w|^d on both sides", () => {
    const p = initRnnParams(createRng(0), { input: 1, hidden: 1, output: 1, activation: "linear", recurrent: matFrom([[-1.2]]) });
    const rows = pascanuBound(p, rnnForward(p, [vecFrom([1]), vecFrom([1]), vecFrom([1])]));
    rows.forEach((r) => {
      expect(r.norm).toBeCloseTo(1.2 ** r.distance, 12);
      expect(r.bound).toBeCloseTo(1.2 ** r.distance, 12);
    });
  });
});

describe("matrixPowerNorms", () => {
  it("shows transient growth of the Jordan-like block [[a, b], [0, a]] against its closed form", () => {
    // W^k = [[a^k, k b a^(k−1)], [0, a^k]] (induction), so ‖W^k‖ has a closed form through sigma1of2x2.
    const a = 0.9;
    const b = 2;
    const norms = matrixPowerNorms(matFrom([[a, b], [0, a]]), 40);
    expect(norms).toHaveLength(41);
    expect(norms[0]).toBe(1);
    for (let k = 1; k <= 40; k++) expect(norms[k]).toBeCloseTo(sigma1of2x2(a ** k, k * b * a ** (k - 1), 0, a ** k), 10);
    const peak = norms.indexOf(Math.max(...norms));
    expect(peak).toBeGreaterThan(5); // grows for several steps although ρ = 0.9 …
    expect(norms[40]).toBeLessThan(norms[peak]); // … and then decays
  });

  it("handles k = 0, the 0×0 matrix and overflow", () => {
    expect(matrixPowerNorms(matFrom([[5]]), 0)).toEqual([1]);
    expect(matrixPowerNorms(zeros(0, 0), 2)).toEqual([0, 0, 0]);
    expect(() => matrixPowerNorms(matFrom([[1e200]]), 3)).toThrow(NonFiniteError);
  });
});
