import { describe, expect, it } from "vitest";
import { clippedByNorm, observedNorms, threshold } from "../../src/check/clipping";
import { vecFrom } from "../../src/core/tensor";
import { clipGradNorm, clipGradValue } from "../../src/remedies/clip";
import type { CompareRow } from "../../src/train/compare";

describe("check.clipping", () => {
  const g = { a: vecFrom([3, 0]), b: vecFrom([0, 4]) }; // global norm 5
  it("clippedByNorm: ✓ for clipGradNorm's output, hints for value clipping and for no clipping", () => {
    expect(clippedByNorm(g, clipGradNorm(g, 1).grads, 1).ok).toBe(true);
    expect(clippedByNorm(g, clipGradNorm(g, 10).grads, 10).ok).toBe(true); // under η: unchanged
    expect(clippedByNorm(g, g, 1).message).toMatch(/not scaled down enough/);
    // Clipping each entry to [−0.5, 0.5] gives norm 0.71 ≤ 1 but another direction.
    expect(clippedByNorm(g, clipGradValue(g, 0.5).grads, 1).message).toMatch(/points elsewhere/);
    expect(clippedByNorm(g, { a: vecFrom([0.3, 0]), b: vecFrom([0, 0.4]) }, 1).message).toMatch(/exactly η, not below/);
  });
  it("threshold: ✓ inside [0.5, 10] × the mean norm, hints below and above", () => {
    const norms = [1, 2, 3, Infinity]; // mean of the finite ones: 2
    expect(threshold(1, norms).ok).toBe(true);
    expect(threshold(20, norms).ok).toBe(true);
    expect(threshold(0.9, norms).message).toMatch(/below Pascanu et al\.'s band/);
    expect(threshold(21, norms).message).toMatch(/above Pascanu et al\.'s band/);
  });
  it("observedNorms: the run's gradNorm per step", () => {
    const row = { name: "clipped", history: [{ step: 1, gradNorm: 2 }, { step: 2, gradNorm: 3 }] } as unknown as CompareRow;
    expect(observedNorms([2, 3], row).ok).toBe(true);
    expect(observedNorms([2], row).message).toMatch(/1 norms, but the run "clipped" recorded 2/);
    expect(observedNorms([2, 4], row).message).toMatch(/norm 1 is 4/);
  });
});
