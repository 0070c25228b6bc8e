import { describe, expect, it } from "vitest";
import {
  eigenvalues,
  qr,
  scaleToSpectralNorm,
  scaleToSpectralRadius,
  singularValues,
  spectralNorm,
  spectralRadius,
} from "../../src/core/linalg";
import { createRng, randn } from "../../src/core/random";
import { identity, matFrom, matmul, transpose, zeros, type Mat } from "../../src/core/tensor";

function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

describe("singularValues", () => {
  it("of a diagonal matrix are the absolute diagonal entries, sorted", () => {
    expect(Array.from(singularValues(matFrom([[3, 0, 0], [0, -5, 0], [0, 0, 1]])))).toEqual([5, 3, 1]);
  });

  it("agree with the eigenvalues of AᵀA for wide and tall random matrices", () => {
    const rng = createRng(3);
    for (const [r, c] of [[4, 7], [7, 4], [1, 5], [6, 6]]) {
      const a = randn(rng, r, c);
      const s = singularValues(a);
      expect(s.length).toBe(Math.min(r, c));
      // σᵢ² are the largest eigenvalues of the symmetric matrix AAᵀ (or AᵀA): compare the sums of
      // squares (trace) and of fourth powers (trace of the square).
      const g = r <= c ? matmul(a, transpose(a)) : matmul(transpose(a), a);
      const tr = Array.from({ length: g.rows }, (_, i) => g.data[i * g.cols + i]).reduce((x, y) => x + y, 0);
      const g2 = matmul(g, g);
      const tr2 = Array.from({ length: g2.rows }, (_, i) => g2.data[i * g2.cols + i]).reduce((x, y) => x + y, 0);
      expect(s.reduce((x, y) => x + y * y, 0)).toBeCloseTo(tr, 10);
      expect(s.reduce((x, y) => x + y ** 4, 0)).toBeCloseTo(tr2, 8);
    }
  });

  it("handles 1×1 and empty matrices", () => {
    expect(Array.from(singularValues(matFrom([[-2.5]])))).toEqual([2.5]);
    expect(singularValues(zeros(0, 3)).length).toBe(0);
    expect(spectralNorm(zeros(0, 0))).toBe(0);
  });

  it("reports non-finite entries by name", () => {
    expect(() => singularValues(matFrom([[1, NaN]]))).toThrow(/a\.data: expected finite numbers, got NaN at index 1/);
  });
});

describe("eigenvalues and spectralRadius", () => {
  it("finds the complex pair ±2i of a scaled rotation, so ρ = 2 while the real parts are 0", () => {
    const ev = eigenvalues(matFrom([[0, -2], [2, 0]]));
    expect(ev.map((e) => Math.abs(e.im)).sort()).toEqual([2, 2]);
    expect(spectralRadius(matFrom([[0, -2], [2, 0]]))).toBeCloseTo(2, 14);
  });

  it("can be far below the spectral norm for a non-normal matrix", () => {
    // A nilpotent Jordan block: all eigenvalues 0, yet it stretches e₂ by 10.
    const a = matFrom([[0, 10], [0, 0]]);
    expect(spectralRadius(a)).toBe(0);
    expect(spectralNorm(a)).toBeCloseTo(10, 12);
  });

  it("scales with the matrix and returns for huge and tiny entries (JAMA alone loops near 1e189)", () => {
    const a = randn(createRng(9), 16, 16);
    const rho = spectralRadius(a);
    for (const s of [1e189, 1e300, 1e-300]) {
      expect(spectralRadius({ ...a, data: a.data.map((v) => v * s) }) / (rho * s)).toBeCloseTo(1, 12);
    }
    expect(eigenvalues(zeros(3, 3))).toEqual([{ re: 0, im: 0 }, { re: 0, im: 0 }, { re: 0, im: 0 }]);
  });

  it("handles the dynamic range of a diverged weight matrix (entries 1e195 beside entries ~1)", () => {
    // Upper-triangular, so the eigenvalues are the diagonal: 3e195, 2e195 and 1 (entries 195 decades apart).
    const a = matFrom([[3e195, 1e195, 7], [0, 2e195, 5], [0, 0, 1]]);
    const ev = eigenvalues(a).map((e) => Math.hypot(e.re, e.im));
    expect(ev[0] / 3e195).toBeCloseTo(1, 12);
    expect(ev[1] / 2e195).toBeCloseTo(1, 12);
    // The eigenvalue 1 is below 1e-30 of the largest entry: it is lost to the normalisation, as it would be
    // to any backward-stable algorithm (its error bound is 1e-16 · ‖A‖ ≈ 1e179).
    expect(ev[2]).toBeLessThan(1e-16 * 3e195);
    expect(spectralNorm(a) / 3e195).toBeGreaterThan(1);
  });

  it("rejects non-square matrices", () => {
    expect(() => spectralRadius(zeros(2, 3))).toThrow(/a: expected a square matrix, got 2×3/);
  });
});

describe("qr", () => {
  it("factors A = QR with orthonormal Q and upper-triangular R with a non-negative diagonal", () => {
    const a = randn(createRng(5), 6, 4);
    const { q, r } = qr(a);
    expect(maxAbsDiff(matmul(q, r), a)).toBeLessThan(1e-12);
    expect(maxAbsDiff(matmul(transpose(q), q), identity(4))).toBeLessThan(1e-12);
    for (let i = 0; i < 4; i++) {
      expect(r.data[i * 4 + i]).toBeGreaterThanOrEqual(0);
      for (let j = 0; j < i; j++) expect(r.data[i * 4 + j]).toBe(0);
    }
  });

  it("rejects wide matrices", () => {
    expect(() => qr(zeros(2, 3))).toThrow(/rows ≥ cols/);
  });
});

describe("scaleToSpectralRadius / scaleToSpectralNorm", () => {
  it("reach the target exactly (to 1e-12) and leave the input alone", () => {
    const w = randn(createRng(9), 12, 12);
    const before = w.data.slice();
    for (const rho of [0.5, 0.95, 1, 3]) expect(Math.abs(spectralRadius(scaleToSpectralRadius(w, rho)) - rho)).toBeLessThan(1e-12);
    for (const s of [0.5, 4]) expect(Math.abs(spectralNorm(scaleToSpectralNorm(w, s)) - s)).toBeLessThan(1e-12);
    expect(w.data).toEqual(before);
    const rect = randn(createRng(10), 3, 7);
    expect(spectralNorm(scaleToSpectralNorm(rect, 2))).toBeCloseTo(2, 12);
  });

  it("error when the radius is 0 (all zeros, or nilpotent) and on bad arguments", () => {
    expect(() => scaleToSpectralRadius(zeros(3, 3), 1)).toThrow(/w: its spectral radius is 0/);
    expect(() => scaleToSpectralRadius(matFrom([[0, 1], [0, 0]]), 1)).toThrow(/spectral radius is 0/); // nilpotent
    expect(() => scaleToSpectralRadius(randn(createRng(0), 2, 3), 1)).toThrow(/w: expected a square/);
    expect(() => scaleToSpectralRadius(randn(createRng(0), 2, 2), -1)).toThrow(/rho/);
    expect(() => scaleToSpectralNorm(zeros(2, 3), 1)).toThrow(/w: its spectral norm is 0/);
  });
});
