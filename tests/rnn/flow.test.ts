import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randnVec } from "../../src/core/random";
import { identity, matFrom, matmul, vecFrom, type Mat } from "../../src/core/tensor";
import { finalLossGradNorms, gradientFlowMatrix, gradNormCurve, jacobianNormByDistance, spectralRadiusSweep } from "../../src/rnn/flow";
import { jacobianProduct } from "../../src/rnn/jacobian";
import { initRnnParams } from "../../src/rnn/params";
import { rnnForward, type RnnParams } from "../../src/rnn/vanilla";

function power(a: Mat, k: number): Mat {
  let p = identity(a.rows);
  for (let i = 0; i < k; i++) p = matmul(p, a);
  return p;
}

describe("gradientFlowMatrix", () => {
  it("holds ‖jacobianProduct(t, s)‖ for s ≥ t, 1 on the diagonal and 0 above it", () => {
    const rng = createRng(3);
    const p = initRnnParams(rng, { input: 2, hidden: 4, output: 1, activation: "tanh", recurrentStd: 0.9 });
    const trace = rnnForward(p, Array.from({ length: 7 }, () => randnVec(rng, 2)));
    const F = gradientFlowMatrix(p, trace);
    expect(F.length).toBe(8);
    for (let s = 0; s <= 7; s++) {
      expect(F[s].length).toBe(8);
      for (let t = 0; t <= 7; t++) {
        // h_s is computed before h_t when s < t, so it cannot depend on it: the derivative is exactly 0.
        if (s < t) expect(F[s][t]).toBe(0);
        else expect(F[s][t]).toBeCloseTo(spectralNorm(jacobianProduct(p, trace, t, s)), 12);
      }
      expect(F[s][s]).toBeCloseTo(1, 12); // ∂h_s/∂h_s = I
    }
  });

  it("is ‖W^(s−t)‖ for a linear RNN, and stops at an earlier T when asked", () => {
    const rng = createRng(4);
    const p = initRnnParams(rng, { input: 1, hidden: 3, output: 1, activation: "linear" });
    const trace = rnnForward(p, Array.from({ length: 6 }, () => randnVec(rng, 1)));
    const F = gradientFlowMatrix(p, trace, 4);
    expect(F.length).toBe(5);
    expect(F[4][1]).toBeCloseTo(spectralNorm(power(p.Whh, 3)), 12);
  });

  it("reports overflow with NonFiniteError", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[1e200]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear",
    };
    // Zero inputs keep h at 0 (finite forward pass), but 1e200 · 1e200 overflows in the product.
    const trace = rnnForward(p, [vecFrom([0]), vecFrom([0]), vecFrom([0])]);
    expect(() => gradientFlowMatrix(p, trace)).toThrow(NonFiniteError);
  });
});

describe("jacobianNormByDistance", () => {
  it("orders ‖∂h_T/∂h_t‖ by T − t; a 1×1 linear RNN gives |w|^d", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[-1.5]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear",
    };
    const { distance, norm } = jacobianNormByDistance(p, rnnForward(p, [vecFrom([1]), vecFrom([0]), vecFrom([2])]));
    expect(distance).toEqual([0, 1, 2, 3]);
    norm.forEach((v, d) => expect(v).toBeCloseTo(1.5 ** d, 12));
  });
});

describe("spectralRadiusSweep", () => {
  it("scales one matrix: linear curves are ‖(ρ/ρ₀ W)^d‖, so ratios between radii are (ρ₁/ρ₂)^d", () => {
    const curves = spectralRadiusSweep({ activation: "linear", hidden: 5, steps: 12, radii: [0.8, 1.2], seed: 7 });
    expect(curves.map((c) => c.param)).toEqual([0.8, 1.2]);
    for (const c of curves) expect(c.x).toEqual(Array.from({ length: 13 }, (_, d) => d));
    // ‖(cW)^d‖ = c^d ‖W^d‖ for the same W, so the ratio of the two curves is (1.2/0.8)^d exactly.
    for (let d = 0; d <= 12; d++) expect(curves[1].y[d] / curves[0].y[d]).toBeCloseTo(1.5 ** d, 8);
    // Gelfand: ‖W^d‖^(1/d) approaches ρ, so at d = 12 the rate is near 1.2 (loosely: a finite d).
    expect(curves[1].y[12] ** (1 / 12)).toBeGreaterThan(1.0);
  });

  it("tanh never exceeds the linear curve of the same matrix (each factor has ‖diag(φ′)‖ ≤ 1)", () => {
    const opts = { hidden: 6, steps: 15, radii: [1.3], seed: 2 } as const;
    const lin = spectralRadiusSweep({ ...opts, activation: "linear" })[0];
    const tanh = spectralRadiusSweep({ ...opts, activation: "tanh" })[0];
    // ‖∏ diag(φ′) W‖ ≤ ‖W‖^d, and saturation makes the tanh curve fall below the linear one.
    for (let d = 0; d <= 15; d++) expect(tanh.y[d]).toBeLessThanOrEqual(lin.y[1] ** d * (1 + 1e-9));
    expect(tanh.y[15]).toBeLessThan(lin.y[15]);
  });

  it("with zero inputs a tanh RNN stays at h = 0 where tanh′ = 1, so it matches the linear one", () => {
    const opts = { hidden: 4, steps: 8, radii: [0.9, 1.1], seed: 5, inputStd: 0 } as const;
    const lin = spectralRadiusSweep({ ...opts, activation: "linear" });
    const tanh = spectralRadiusSweep({ ...opts, activation: "tanh" });
    lin.forEach((c, k) => c.y.forEach((v, d) => expect(tanh[k].y[d]).toBeCloseTo(v, 12)));
  });

  it("rejects an empty list of radii", () => {
    expect(() => spectralRadiusSweep({ activation: "tanh", hidden: 3, steps: 3, radii: [] })).toThrow(/radii/);
  });
});

describe("finalLossGradNorms", () => {
  it("matches |w|^(T−t) |y_T − target| |Why| for a 1×1 linear RNN", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[0.5]]), bh: vecFrom([0]), Why: matFrom([[2]]), by: vecFrom([0]), activation: "linear",
    };
    const xs = [vecFrom([1]), vecFrom([0]), vecFrom([0])];
    // h = 1, 0.5, 0.25; y_3 = 0.5; L = ½(0.5 − 1)², ∂L/∂y_3 = −0.5, ∂L/∂h_3 = −0.5 · 2 = −1, then × 0.5 per step back.
    const norms = finalLossGradNorms(p, xs, [1]);
    expect(norms).toHaveLength(4);
    [0.125, 0.25, 0.5, 1].forEach((v, t) => expect(norms[t]).toBeCloseTo(v, 14));
  });

  it("names the step where the backward pass overflows", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[10]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "tanh",
    };
    // Zero inputs: h stays 0 (tanh′ = 1), ∂L/∂h_t = −10^(T−t); 10^309 overflows float64 at T − t = 309.
    const T = 400;
    const xs = Array.from({ length: T }, () => vecFrom([0]));
    let caught: unknown;
    try {
      finalLossGradNorms(p, xs, [1]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NonFiniteError);
    expect((caught as NonFiniteError).step).toBe(T - 309);
  });
});

describe("gradNormCurve", () => {
  it("T = 2 by hand: ‖∂L/∂h_2‖ = ‖Whyᵀ y_2‖ and ‖∂L/∂h_1‖ = ‖Whhᵀ((1 − h_2²) ⊙ Whyᵀ y_2)‖, L = ½‖y_2‖²", () => {
    const item = { w: 1.3, hidden: 3, steps: 2, seed: 4 };
    const got = gradNormCurve(item);
    // the same network, drawn the way gradNormCurve documents it (N(0, w²/H) recurrent weights, x_t ~ N(0, I))
    const rng = createRng(item.seed);
    const p = initRnnParams(rng, { input: 3, hidden: 3, output: 3, activation: "tanh", recurrentStd: item.w / Math.sqrt(3) });
    const xs = [randnVec(rng, 3), randnVec(rng, 3)];
    // forward and backward with plain loops
    const mv = (m: Mat, v: ArrayLike<number>, bias: ArrayLike<number>) =>
      Array.from({ length: m.rows }, (_, i) => bias[i] + Array.from(v).reduce((a, vj, j) => a + m.data[i * m.cols + j] * vj, 0));
    const mtv = (m: Mat, v: number[]) => Array.from({ length: m.cols }, (_, j) => v.reduce((a, vi, i) => a + m.data[i * m.cols + j] * vi, 0));
    const add = (a: number[], b: number[]) => a.map((x, i) => x + b[i]);
    const h1 = add(mv(p.Wxh, xs[0], p.bh), mv(p.Whh, [0, 0, 0], [0, 0, 0])).map(Math.tanh);
    const h2 = add(mv(p.Wxh, xs[1], p.bh), mv(p.Whh, h1, [0, 0, 0])).map(Math.tanh);
    const y2 = mv(p.Why, h2, p.by);
    const dh2 = mtv(p.Why, y2);
    const dh1 = mtv(p.Whh, dh2.map((d, i) => d * (1 - h2[i] * h2[i])));
    const dz1 = dh1.map((d, i) => d * (1 - h1[i] * h1[i]));
    const dh0 = mtv(p.Whh, dz1);
    const norm = (v: number[]) => Math.hypot(...v);
    expect(got).toHaveLength(3);
    [norm(dh0), norm(dh1), norm(dh2)].forEach((want, t) => expect(got[t]).toBeCloseTo(want, 12));
  });
});

