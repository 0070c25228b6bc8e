import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randn } from "../../src/core/random";
import { matFrom, matmul, zeros } from "../../src/core/tensor";
import { residualProductNorms } from "../../src/rnn/residual";

describe("residualProductNorms", () => {
  it("1×1: (1 + εa)^d and (εa)^d (independent closed form)", () => {
    const a = 0.8;
    const eps = 0.5;
    const r = residualProductNorms(Array.from({ length: 10 }, () => matFrom([[a]])), eps);
    expect(r.depth).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    r.depth.forEach((d) => {
      expect(r.residual[d]).toBeCloseTo((1 + eps * a) ** d, 12);
      expect(r.plain[d]).toBeCloseTo((eps * a) ** d, 12);
    });
  });

  it("zero block Jacobians: the residual product is I (norm 1), the plain product 0", () => {
    const r = residualProductNorms([zeros(3, 3), zeros(3, 3)], 1);
    expect(r.residual).toEqual([1, 1, 1]);
    expect(r.plain).toEqual([1, 0, 0]);
  });

  it("multiplies in backprop order, top block leftmost (non-commuting blocks)", () => {
    // A_1 A_0 = [[0, 1], [0, 0]] (norm 1) but A_0 A_1 = 0: the d = 2 plain product must be A_1 A_0.
    const A0 = matFrom([[0, 1], [0, 0]]);
    const A1 = matFrom([[1, 0], [0, 0]]);
    expect(spectralNorm(matmul(A0, A1))).toBe(0);
    const r = residualProductNorms([A0, A1], 1);
    expect(r.plain[2]).toBeCloseTo(1, 12);
    // (I + A_1)(I + A_0) = [[2, 2], [0, 1]], whose largest singular value is √((9 + √65)/2).
    expect(r.residual[2]).toBeCloseTo(Math.sqrt((9 + Math.sqrt(65)) / 2), 12);
  });

  it("random small blocks: the plain product vanishes, the residual one stays of order 1", () => {
    const rng = createRng(3);
    const As = Array.from({ length: 30 }, () => randn(rng, 8, 8, 1 / Math.sqrt(8)));
    const r = residualProductNorms(As, 0.2);
    expect(r.plain[30]).toBeLessThan(1e-10);
    expect(r.residual[30]).toBeGreaterThan(0.1);
    expect(r.residual[30]).toBeLessThan(100);
  });

  it("no blocks: only depth 0; does not mutate the blocks", () => {
    expect(residualProductNorms([], 1)).toEqual({ depth: [0], residual: [0], plain: [0] });
    const A = matFrom([[2]]);
    residualProductNorms([A], 0.5);
    expect(A.data[0]).toBe(2);
  });

  it("rejects mismatched shapes and non-finite ε, and names the depth of an overflow", () => {
    expect(() => residualProductNorms([zeros(2, 2), zeros(3, 3)], 1)).toThrow(/As\[1\]/);
    expect(() => residualProductNorms([zeros(2, 2)], Number.NaN)).toThrow(/eps/);
    const big = Array.from({ length: 400 }, () => matFrom([[1e3]]));
    expect(() => residualProductNorms(big, 1)).toThrow(NonFiniteError);
  });
});
