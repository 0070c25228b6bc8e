import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, vecFrom, type Mat, type Vec } from "../../src/core/tensor";
import { squaredError } from "../../src/rnn/loss";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnGrads } from "../../src/rnn/vanilla";
import {
  adaptiveGradClip,
  clipGradNorm,
  clipGradNormPerTensor,
  clipGradValue,
  totalGradNorm,
  type Grads,
} from "../../src/remedies/clip";

const arr = (t: Mat | Vec): number[] => Array.from(t instanceof Float64Array ? t : t.data);

function snapshot(g: Grads): Record<string, number[]> {
  return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, arr(v)]));
}

/** Deep equality that tells NaN from NaN-free, and −0 from +0 (Object.is per entry). */
function sameEntries(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function rnnGrads(): RnnGrads {
  const rng = createRng(11);
  const p = initRnnParams(rng, { input: 2, hidden: 3, output: 2, activation: "tanh", recurrentStd: 1.5 });
  const xs = Array.from({ length: 5 }, () => randnVec(rng, 2));
  const trace = rnnForward(p, xs);
  const { dys } = squaredError(trace.ys, xs.map(() => randnVec(rng, 2)));
  return rnnBackward(p, xs, trace, dys).grads;
}

describe("clipGradNorm (PyTorch clip_grad_norm_)", () => {
  it("rescales by maxNorm / (total + 1e-6) when the 2-norm over all tensors exceeds maxNorm", () => {
    // ‖(3, 4, 12)‖ = 13 (a Pythagorean quadruple), so scale = 1 / (13 + 1e-6).
    const g = { W: matFrom([[3, 4]]), b: vecFrom([12]) };
    const r = clipGradNorm(g, 1);
    expect(r.totalNorm).toBe(13);
    expect(r.scale).toBe(1 / (13 + 1e-6));
    expect(arr(r.grads.W)).toEqual([3 * r.scale, 4 * r.scale]);
    expect(arr(r.grads.b)).toEqual([12 * r.scale]);
    expect(r.grads.W).toMatchObject({ rows: 1, cols: 2 });
  });

  it("leaves scale exactly 1 when total < maxNorm, and still returns copies", () => {
    const g = { W: matFrom([[0.3, -0.4]]), b: vecFrom([0]) };
    const r = clipGradNorm(g, 1);
    expect(r.scale).toBe(1); // 1 / (0.5 + 1e-6) > 1, clamped to 1
    expect(arr(r.grads.W)).toEqual([0.3, -0.4]);
    expect(r.grads.W.data).not.toBe(g.W.data);
    expect(r.grads.b).not.toBe(g.b);
  });

  it("makes PyTorch's 1e-6 observable: at total = maxNorm the scale is maxNorm / (maxNorm + 1e-6) < 1", () => {
    const r = clipGradNorm({ W: matFrom([[3, 4]]) }, 5);
    expect(r.totalNorm).toBe(5);
    expect(r.scale).toBe(5 / 5.000001);
    expect(r.scale).toBeLessThan(1);
    expect(r.grads.W.data[0]).toBe(3 * (5 / 5.000001));
  });

  it("an all-zero gradient: total 0, scale 1 (maxNorm / 1e-6 is clamped), zeros out", () => {
    const r = clipGradNorm({ W: matFrom([[0, 0], [0, 0]]), b: vecFrom([0]) }, 1);
    expect(r.totalNorm).toBe(0);
    expect(r.scale).toBe(1);
    expect(arr(r.grads.W)).toEqual([0, 0, 0, 0]);
  });

  it("no tensors at all: total 0, scale 1", () => {
    const r = clipGradNorm({}, 1);
    expect(r).toEqual({ grads: {}, totalNorm: 0, scale: 1 });
  });

  it("huge but finite entries (1e300) give their true norm, not an overflow", () => {
    // A single 1e300: the norm is 1e300 exactly; 1e300 + 1e-6 rounds to 1e300.
    const one = clipGradNorm({ W: matFrom([[1e300, 0]]) }, 1);
    expect(one.totalNorm).toBe(1e300);
    expect(one.scale).toBe(1 / 1e300);
    expect(one.grads.W.data[0]).toBeCloseTo(1, 14);
    // Two of them: Σ g² = 2e600 overflows naively; the true norm √2 · 1e300 is representable.
    const two = clipGradNorm({ W: matFrom([[1e300]]), b: vecFrom([-1e300]) }, 2);
    expect(two.totalNorm / (Math.SQRT2 * 1e300)).toBeCloseTo(1, 14);
    expect(Math.hypot(two.grads.W.data[0], two.grads.b[0])).toBeCloseTo(2, 13);
  });

  it("normType Infinity uses max |g|", () => {
    const r = clipGradNorm({ W: matFrom([[3, -7]]), b: vecFrom([5]) }, 2, { normType: Infinity });
    expect(r.totalNorm).toBe(7);
    expect(r.scale).toBe(2 / (7 + 1e-6));
    expect(arr(r.grads.W)).toEqual([3 * r.scale, -7 * r.scale]);
  });

  it("normType 1 sums |g| over all tensors; normType 3 is (Σ|g|³)^(1/3)", () => {
    expect(clipGradNorm({ W: matFrom([[3, -7]]), b: vecFrom([5]) }, 100, { normType: 1 }).totalNorm).toBe(15);
    expect(clipGradNorm({ W: matFrom([[1, -2]]) }, 100, { normType: 3 }).totalNorm).toBeCloseTo(Math.cbrt(9), 14);
    // normType 1 with entries whose sum overflows: scaled to 2e300 instead of Infinity.
    expect(totalGradNorm({ a: vecFrom([1e300, 1e300]) }, 1)).toBeCloseTo(2e300, -286);
  });

  it("total = Infinity (no NaN): scale 0, finite entries become ±0, the ±Infinity entries NaN (as PyTorch)", () => {
    for (const normType of [2, 1, Infinity]) {
      const r = clipGradNorm({ W: matFrom([[1, -2]]), b: vecFrom([Infinity, -Infinity]) }, 1, { normType });
      expect(r.totalNorm).toBe(Infinity);
      expect(r.scale).toBe(0); // min(1, 1 / (∞ + 1e-6)) = 0
      expect(sameEntries(r.grads.W.data, [0, -0])).toBe(true); // −2 · 0 = −0, as in IEEE and torch
      expect(sameEntries(r.grads.b, [NaN, NaN])).toBe(true); // ±∞ · 0 = NaN
    }
  });

  it("total = NaN (a NaN anywhere, even beside an Infinity): scale NaN, every entry NaN", () => {
    for (const normType of [2, 1, 3, Infinity]) {
      const r = clipGradNorm({ W: matFrom([[1, Infinity]]), b: vecFrom([NaN]) }, 1, { normType });
      expect(r.totalNorm).toBeNaN();
      expect(r.scale).toBeNaN();
      expect([...arr(r.grads.W), ...arr(r.grads.b)].every(Number.isNaN)).toBe(true);
    }
  });

  it("errorIfNonfinite names the tensor and entry holding the first NaN/±Infinity", () => {
    const g = { W: matFrom([[1, 2]]), b: vecFrom([0, -Infinity]), c: vecFrom([NaN]) };
    expect(() => clipGradNorm(g, 1, { errorIfNonfinite: true, step: 7 })).toThrow(NonFiniteError);
    try {
      clipGradNorm(g, 1, { errorIfNonfinite: true, step: 7 });
    } catch (e) {
      const err = e as NonFiniteError;
      expect(err.what).toBe("grads.b");
      expect(err.index).toBe(1);
      expect(err.value).toBe(-Infinity);
      expect(err.step).toBe(7);
      expect(err.message).toMatch(/grads\.b.*-Infinity.*step 7/);
    }
    // Finite entries whose norm overflows float64 (1-norm of two 1e308): the error says so.
    expect(() => clipGradNorm({ a: vecFrom([1e308, 1e308]) }, 1, { normType: 1, errorIfNonfinite: true })).toThrow(
      /overflowed/,
    );
    // Finite totals pass through untouched by the check.
    expect(clipGradNorm({ a: vecFrom([3, 4]) }, 1, { errorIfNonfinite: true }).totalNorm).toBe(5);
  });

  it("accepts RnnGrads and returns RnnGrads; total = √(Σ all squares)", () => {
    const grads = rnnGrads();
    const r = clipGradNorm(grads, 0.1);
    const typed: RnnGrads = r.grads; // compiles: the result keeps the input's type
    let ss = 0;
    for (const t of Object.values(grads)) for (const x of arr(t)) ss += x * x;
    expect(r.totalNorm).toBeCloseTo(Math.sqrt(ss), 12);
    expect(totalGradNorm(typed)).toBeCloseTo(Math.min(r.totalNorm, 0.1 * r.totalNorm / (r.totalNorm + 1e-6)), 12);
  });

  it("never mutates its input, in any mode", () => {
    const g = { W: matFrom([[3, NaN], [Infinity, -4]]), b: vecFrom([1e300, -2]) };
    const before = snapshot(g);
    clipGradNorm(g, 1);
    clipGradNorm(g, 1, { normType: Infinity });
    clipGradValue(g, 1);
    clipGradNormPerTensor(g, 1);
    adaptiveGradClip(g, { W: matFrom([[1, 1], [1, 1]]), b: vecFrom([1, 1]) }, 0.1);
    const after = snapshot(g);
    for (const k of Object.keys(before)) expect(sameEntries(after[k], before[k])).toBe(true);
  });

  it("rejects bad thresholds and norm types, naming the argument", () => {
    const g = { a: vecFrom([1]) };
    for (const bad of [0, -1, NaN, Infinity, "1" as unknown as number])
      expect(() => clipGradNorm(g, bad)).toThrow(/maxNorm/);
    expect(() => clipGradNorm(g, 1, { normType: 0 })).toThrow(/opts\.normType/);
    expect(() => clipGradNorm(g, 1, { normType: NaN })).toThrow(/opts\.normType/);
    expect(() => clipGradNorm({ a: [1, 2] as unknown as Vec }, 1)).toThrow(/grads\.a/);
  });
});

describe("clipGradValue (element-wise clamp)", () => {
  it("clamps to [−v, v]; ±Infinity → ±v; NaN stays NaN", () => {
    const r = clipGradValue({ W: matFrom([[-3, 0.5, Infinity]]), b: vecFrom([-Infinity, NaN, 1]) }, 1);
    expect(arr(r.grads.W)).toEqual([-1, 0.5, 1]);
    expect(sameEntries(r.grads.b, [-1, NaN, 1])).toBe(true);
    expect(r.grads.W).toMatchObject({ rows: 1, cols: 3 });
  });

  it("rejects bad clip values, naming the argument", () => {
    for (const bad of [0, -1, NaN]) expect(() => clipGradValue({ a: vecFrom([1]) }, bad)).toThrow(/clipValue/);
  });
});

describe("clipGradNormPerTensor (Keras clipnorm)", () => {
  it("clips each tensor by its own norm, leaving small tensors exactly as they are", () => {
    // ‖(3, 4)‖ = 5 > 1 → (0.6, 0.8); ‖(0.1)‖ < 1 → scale c / max(0.1, 1) = 1 exactly.
    const r = clipGradNormPerTensor({ W: matFrom([[3, 4]]), b: vecFrom([0.1]) }, 1);
    expect(r.grads.W.data[0]).toBeCloseTo(0.6, 15);
    expect(r.grads.W.data[1]).toBeCloseTo(0.8, 15);
    expect(arr(r.grads.b)).toEqual([0.1]);
    expect(r.norms).toEqual({ W: 5, b: 0.1 });
  });

  it("a NaN makes only its own tensor NaN; an Infinity gives 0 for the finite entries, NaN for itself", () => {
    const r = clipGradNormPerTensor({ a: vecFrom([1, NaN]), b: vecFrom([2, Infinity]), c: vecFrom([0.5]) }, 1);
    expect(sameEntries(r.grads.a, [NaN, NaN])).toBe(true);
    expect(sameEntries(r.grads.b, [0, NaN])).toBe(true); // 2 · (1/∞) = 0, ∞ · 0 = NaN
    expect(arr(r.grads.c)).toEqual([0.5]);
  });

  it("rejects a bad maxNorm, naming it", () => {
    expect(() => clipGradNormPerTensor({ a: vecFrom([1]) }, -2)).toThrow(/maxNorm/);
  });
});

describe("adaptiveGradClip (AGC, Optax adaptive_grad_clip)", () => {
  it("clips each ROW of a Mat to clipping · max(‖row of W‖, eps)", () => {
    const params = { W: matFrom([[3, 4], [0, 0]]) };
    const grads = { W: matFrom([[6, 8], [1, 0]]) };
    const r = adaptiveGradClip(grads, params, 0.1);
    // Row 0: max = 0.1 · 5 = 0.5 < ‖(6, 8)‖ = 10 → (6, 8) · 0.05 = (0.3, 0.4).
    // Row 1: zero weights, max = 0.1 · 1e-3 = 1e-4 < 1 → (1e-4, 0).
    expect(r.grads.W.data[0]).toBeCloseTo(0.3, 15);
    expect(r.grads.W.data[1]).toBeCloseTo(0.4, 15);
    expect(r.grads.W.data[2]).toBeCloseTo(1e-4, 18);
    expect(r.grads.W.data[3]).toBe(0);
    expect(r.clippedUnits).toBe(2);
  });

  it("leaves units under the limit exactly unchanged", () => {
    const r = adaptiveGradClip({ W: matFrom([[0.1, 0.2], [5, 5]]) }, { W: matFrom([[3, 4], [1, 0]]) }, 0.1);
    expect(Array.from(r.grads.W.data.subarray(0, 2))).toEqual([0.1, 0.2]); // ‖(0.1,0.2)‖ ≈ 0.22 < 0.5
    expect(r.clippedUnits).toBe(1);
  });

  it("treats a Vec (bias) as ONE unit, with the norm over the whole vector (as Optax and timm do)", () => {
    // Whole vector: ‖w‖ = 1, max = 0.1 > ‖g‖ = 0.0707 → unchanged. Per entry, entry 1 would have been clipped
    // (its weight 0 gives max 1e-4 < 0.05): so this case tells the two readings apart.
    const r = adaptiveGradClip({ b: vecFrom([0.05, 0.05]) }, { b: vecFrom([1, 0]) }, 0.1);
    expect(arr(r.grads.b)).toEqual([0.05, 0.05]);
    const big = adaptiveGradClip({ b: vecFrom([3, 4]) }, { b: vecFrom([1, 0]) }, 0.1);
    expect(big.grads.b[0]).toBeCloseTo(0.06, 15);
    expect(big.grads.b[1]).toBeCloseTo(0.08, 15);
  });

  it("a NaN makes its unit NaN and leaves the other units alone", () => {
    const r = adaptiveGradClip({ W: matFrom([[NaN, 1], [0.01, 0]]) }, { W: matFrom([[1, 1], [1, 1]]) }, 0.1);
    expect(sameEntries(r.grads.W.data, [NaN, NaN, 0.01, 0])).toBe(true);
  });

  it("takes RnnParams as the weights (extra fields ignored) and names bad arguments", () => {
    const rng = createRng(5);
    const p = initRnnParams(rng, { input: 2, hidden: 3, output: 2, activation: "tanh" });
    const grads = rnnGrads();
    const r = adaptiveGradClip(grads, p, 0.01);
    const typed: RnnGrads = r.grads;
    for (let u = 0; u < 3; u++) {
      const row = typed.Whh.data.subarray(u * 3, u * 3 + 3);
      const wRow = p.Whh.data.subarray(u * 3, u * 3 + 3);
      expect(Math.hypot(...row)).toBeLessThanOrEqual(0.01 * Math.max(Math.hypot(...wRow), 1e-3) * (1 + 1e-12));
    }
    expect(() => adaptiveGradClip(grads, p, 0)).toThrow(/clipping/);
    expect(() => adaptiveGradClip(grads, p, 0.1, { eps: -1 })).toThrow(/opts\.eps/);
    expect(() => adaptiveGradClip({ W: matFrom([[1, 2]]) }, { W: matFrom([[1], [2]]) }, 0.1)).toThrow(/params\.W/);
    expect(() => adaptiveGradClip({ W: matFrom([[1, 2]]) }, { W: matFrom([[1, NaN]]) }, 0.1)).toThrow(/params\.W/);
  });
});
