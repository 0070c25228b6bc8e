import { describe, expect, it } from "vitest";
import { spectralNorm, spectralRadius } from "../../src/core/linalg";
import { createRng } from "../../src/core/random";
import { matmul, transpose, type Mat } from "../../src/core/tensor";
import { initRnnParams } from "../../src/rnn/params";
import {
  initRnn,
  orthogonal,
  sparseRecurrent,
  xavierNormal,
  xavierUniform,
} from "../../src/remedies/init";

/** max |A − c·I| over all entries. */
function distToScaledIdentity(a: Mat, c: number): number {
  let m = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) m = Math.max(m, Math.abs(a.data[i * a.cols + j] - (i === j ? c : 0)));
  return m;
}

function variance(xs: Float64Array): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
}

describe("orthogonal", () => {
  it("square: QᵀQ = QQᵀ = I to 1e-12", () => {
    const q = orthogonal(createRng(1), 16, 16);
    expect(distToScaledIdentity(matmul(transpose(q), q), 1)).toBeLessThan(1e-12);
    expect(distToScaledIdentity(matmul(q, transpose(q)), 1)).toBeLessThan(1e-12);
  });

  it("tall: orthonormal columns (WᵀW = gain² I); wide: orthonormal rows (WWᵀ = gain² I)", () => {
    const tall = orthogonal(createRng(2), 9, 4, 2);
    expect([tall.rows, tall.cols]).toEqual([9, 4]);
    expect(distToScaledIdentity(matmul(transpose(tall), tall), 4)).toBeLessThan(1e-12);
    const wide = orthogonal(createRng(3), 3, 8, 0.5);
    expect([wide.rows, wide.cols]).toEqual([3, 8]);
    expect(distToScaledIdentity(matmul(wide, transpose(wide)), 0.25)).toBeLessThan(1e-12);
  });

  it("every singular value of a square one is the gain", () => {
    expect(spectralNorm(orthogonal(createRng(4), 10, 10, 1.3))).toBeCloseTo(1.3, 12);
  });

  it("is reproducible from the seed and differs between seeds", () => {
    expect(orthogonal(createRng(5), 6, 6).data).toEqual(orthogonal(createRng(5), 6, 6).data);
    expect(orthogonal(createRng(5), 6, 6).data).not.toEqual(orthogonal(createRng(6), 6, 6).data);
  });

  it("names bad arguments", () => {
    expect(() => orthogonal(createRng(0), 0, 3)).toThrow(/rows/);
    expect(() => orthogonal(createRng(0), 3, 3, 0)).toThrow(/gain/);
  });
});

describe("xavier", () => {
  it("normal: sample variance ≈ 2 / (n_in + n_out)", () => {
    // 60,000 samples: the sample variance's relative standard error is √(2/60000) ≈ 0.6%; allow 3%.
    const w = xavierNormal(createRng(7), 200, 300);
    expect(variance(w.data) / (2 / 500)).toBeGreaterThan(0.97);
    expect(variance(w.data) / (2 / 500)).toBeLessThan(1.03);
  });

  it("uniform: entries in (−a, a) with a = √(6 / (n_in + n_out)), variance a²/3 = 2 / (n_in + n_out)", () => {
    const w = xavierUniform(createRng(8), 200, 300);
    const a = Math.sqrt(6 / 500);
    expect(w.data.every((x) => Math.abs(x) <= a)).toBe(true);
    expect(variance(w.data) / (2 / 500)).toBeGreaterThan(0.97);
    expect(variance(w.data) / (2 / 500)).toBeLessThan(1.03);
    expect(xavierUniform(createRng(8), 3, 4).data).toEqual(xavierUniform(createRng(8), 3, 4).data);
  });
});

describe("sparseRecurrent", () => {
  const nonzerosPerRow = (w: Mat) =>
    Array.from({ length: w.rows }, (_, u) => w.data.subarray(u * w.cols, (u + 1) * w.cols).filter((x) => x !== 0).length);

  it("Pascanu's smart tanh: exactly 15 nonzeros per row and spectral radius 0.95", () => {
    const w = sparseRecurrent(createRng(11), 50);
    expect(nonzerosPerRow(w).every((n) => n === 15)).toBe(true);
    expect(Math.abs(spectralRadius(w) - 0.95)).toBeLessThan(1e-12);
  });

  it("k and ρ as given; k = n is dense; reproducible", () => {
    const w = sparseRecurrent(createRng(12), 8, { k: 3, spectralRadius: 1.2 });
    expect(nonzerosPerRow(w)).toEqual(Array(8).fill(3));
    expect(Math.abs(spectralRadius(w) - 1.2)).toBeLessThan(1e-12);
    expect(nonzerosPerRow(sparseRecurrent(createRng(13), 5, { k: 5 }))).toEqual(Array(5).fill(5));
    expect(sparseRecurrent(createRng(14), 20).data).toEqual(sparseRecurrent(createRng(14), 20).data);
    expect(nonzerosPerRow(sparseRecurrent(createRng(15), 6))).toEqual(Array(6).fill(6)); // default k = min(15, n)
  });

  it("names bad arguments", () => {
    expect(() => sparseRecurrent(createRng(0), 4, { k: 5 })).toThrow(/opts\.k/);
    expect(() => sparseRecurrent(createRng(0), 4, { k: 0 })).toThrow(/opts\.k/);
    expect(() => sparseRecurrent(createRng(0), 4, { spectralRadius: 0 })).toThrow(/opts\.spectralRadius/);
  });
});

describe("initRnn", () => {
  const sizes = { input: 3, hidden: 10, output: 2 } as const;

  it('"gaussian" is exactly initRnnParams with the same seed', () => {
    const a = initRnn(createRng(20), { ...sizes, activation: "tanh", recurrent: "gaussian", recurrentStd: 0.1 });
    const b = initRnnParams(createRng(20), { ...sizes, activation: "tanh", recurrentStd: 0.1 });
    expect(a).toEqual(b);
  });

  it('"identity" (IRNN): Whh = scale · I exactly, zero biases, ReLU kept', () => {
    const p = initRnn(createRng(21), { ...sizes, activation: "relu", recurrent: "identity" });
    expect(distToScaledIdentity(p.Whh, 1)).toBe(0);
    expect(p.activation).toBe("relu");
    expect(Array.from(p.bh).every((x) => x === 0)).toBe(true);
    const s = initRnn(createRng(21), { ...sizes, activation: "relu", recurrent: "identity", identityScale: 0.01 });
    expect(distToScaledIdentity(s.Whh, 0.01)).toBe(0);
  });

  it('"orthogonal", "sparse", "xavier" and a spectral radius for any scheme', () => {
    const o = initRnn(createRng(22), { ...sizes, activation: "tanh", recurrent: "orthogonal", gain: 1.1 });
    expect(distToScaledIdentity(matmul(transpose(o.Whh), o.Whh), 1.21)).toBeLessThan(1e-12);
    const sp = initRnn(createRng(23), { ...sizes, hidden: 20, activation: "tanh", recurrent: "sparse" });
    expect(Math.abs(spectralRadius(sp.Whh) - 0.95)).toBeLessThan(1e-12);
    const g = initRnn(createRng(24), { ...sizes, activation: "tanh", recurrent: "gaussian", spectralRadius: 1.5 });
    expect(Math.abs(spectralRadius(g.Whh) - 1.5)).toBeLessThan(1e-12);
    const x = initRnn(createRng(25), { ...sizes, activation: "tanh", recurrent: "xavier", spectralRadius: 0.9 });
    expect(Math.abs(spectralRadius(x.Whh) - 0.9)).toBeLessThan(1e-12);
    expect(initRnn(createRng(26), { ...sizes, activation: "tanh", recurrent: "sparse" })).toEqual(
      initRnn(createRng(26), { ...sizes, activation: "tanh", recurrent: "sparse" }),
    );
  });

  it("names bad arguments", () => {
    expect(() => initRnn(createRng(0), { ...sizes, activation: "tanh", recurrent: "he" as "gaussian" })).toThrow(/opts\.recurrent/);
    expect(() => initRnn(createRng(0), { ...sizes, activation: "tanh", recurrent: "sparse", k: 11 })).toThrow(/opts\.k/);
    expect(() => initRnn(createRng(0), { ...sizes, activation: "tanh", recurrent: "orthogonal", spectralRadius: -1 })).toThrow(
      /opts\.spectralRadius/,
    );
  });
});
