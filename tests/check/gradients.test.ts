import { describe, expect, it } from "vitest";
import { overflowDistance, overflowLength, peakWeight, stepsToFactor } from "../../src/check/gradients";
import { univariateGradient } from "../../src/dynamics/univariate";

describe("check.gradients", () => {
  it("stepsToFactor: ✓ at ln 10 / |ln ρ| rounded up (±1), a hint that says which way otherwise", () => {
    for (const rho of [0.95, 1.05, 0.5, -1.3]) {
      const n = Math.ceil(Math.log(10) / Math.abs(Math.log(Math.abs(rho)))); // the first n with |ρ|^n past 10×
      for (const k of [n - 1, n, n + 1]) expect(stepsToFactor(k, rho).ok, `ρ = ${rho}, n = ${k}`).toBe(true);
      expect(stepsToFactor(n - 3, rho).message).toMatch(/takes more steps/);
      expect(stepsToFactor(n + 3, rho).message).toMatch(/takes fewer steps/);
    }
    expect(stepsToFactor(10, 1).message).toMatch(/never changes/);
    expect(stepsToFactor(2.5, 0.9).message).toMatch(/whole number/);
  });

  it("overflowLength: ✓ within ±2 of the first T with w^(T−1) past float64's largest number", () => {
    // Independent of the library: w^(T−1) overflows to Infinity from T − 1 = ⌈ln(MAX) / ln w⌉ on (or one earlier, rounding).
    const w = 1.1;
    let T = 1;
    while (Number.isFinite(w ** T)) T++; // w^T = ∞ first: the forward state h(T + 1) = w^T overflows
    const truth = T + 1;
    for (const k of [truth - 2, truth, truth + 2]) expect(overflowLength(k, w).ok, `T = ${k}`).toBe(true);
    expect(overflowLength(truth - 3, w).message).toMatch(/comes later/);
    expect(overflowLength(truth + 3, w).message).toMatch(/comes earlier/);
    expect(overflowLength(NaN, w).message).toMatch(/expected a whole number/);
  });

  it("overflowDistance: ✓ within ±2 of the first d with w^d = ∞ (notebook 00: 10^309 for w = 10, 2^1024 for w = 2)", () => {
    for (const [w, truth] of [[10, 309], [2, 1024]]) {
      expect(w ** (truth - 1)).toBeLessThan(Infinity);
      expect(w ** truth).toBe(Infinity);
      for (const k of [truth - 2, truth, truth + 2]) expect(overflowDistance(k, w).ok, `w = ${w}, d = ${k}`).toBe(true);
      expect(overflowDistance(truth - 3, w).message).toMatch(/comes later/);
      expect(overflowDistance(truth + 3, w).message).toMatch(/comes earlier/);
    }
  });

  it("peakWeight: ✓ at the argmax of a fine scan, hints up or down away from it", () => {
    let best = 0;
    let arg = 0;
    for (let w = 0.9; w <= 1.2; w += 0.001) {
      const g = Math.abs(univariateGradient(w, "tanh", 50, [1]).dhTdh1);
      if (g > best) [best, arg] = [g, w];
    }
    expect(peakWeight(arg).ok).toBe(true);
    expect(peakWeight(arg + 0.05).message).toMatch(/move w down/);
    expect(peakWeight(arg - 0.05).message).toMatch(/move w up/);
    expect(peakWeight(arg - 0.05).message).not.toContain(arg.toPrecision(3)); // the hint does not give the answer
  });
});
