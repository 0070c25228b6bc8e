import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { sigmoid } from "../../src/rnn/activation";
import { PASCANU_2013 } from "../../src/sources";
import {
  CLIFF_DEMO,
  descentPath,
  linearRecurrenceDerivatives,
  lossSurface,
  pascanuCliffLoss,
} from "../../src/dynamics/landscape";

const fig = PASCANU_2013.figure6Cliff;

/** E(w, b) written out from the paper's definition, for central differences. */
function energy(w: number, b: number): number {
  let x = fig.x0;
  for (let t = 1; t <= fig.steps; t++) x = w * sigmoid(x) + b;
  return (sigmoid(x) - fig.target) ** 2;
}

/** A clip by norm written here (the library's lives in remedies and must not be a dependency of dynamics). */
const clip = (eta: number) => (g: [number, number]): [number, number] => {
  const n = Math.hypot(g[0], g[1]);
  return n > eta ? [(g[0] * eta) / n, (g[1] * eta) / n] : g;
};

describe("pascanuCliffLoss (Pascanu Fig. 6)", () => {
  it("defaults are the paper's set-up and the loss matches the definition", () => {
    for (const [w, b] of [[4, -2], [6, -3.2], [1, 0.5]]) expect(pascanuCliffLoss(w, b).loss).toBe(energy(w, b));
  });

  it("the BPTT gradient matches central differences, on and off the wall", () => {
    const eps = 1e-6;
    for (const [w, b] of [[4.25, -2.5], [4.144, -2.098], [6, -3.235], [7, 1], [3, -1]]) {
      const { grad } = pascanuCliffLoss(w, b);
      const gw = (energy(w + eps, b) - energy(w - eps, b)) / (2 * eps);
      const gb = (energy(w, b + eps) - energy(w, b - eps)) / (2 * eps);
      expect(Math.abs(grad[0] - gw)).toBeLessThan(1e-6 * Math.max(1, Math.abs(gw)));
      expect(Math.abs(grad[1] - gb)).toBeLessThan(1e-6 * Math.max(1, Math.abs(gb)));
    }
  });

  it("T = 1 reduces to the closed form ∂E/∂b = 2 (σ(x₁) − t) σ′(x₁)", () => {
    const { grad, xT } = pascanuCliffLoss(2, 0.3, { steps: 1 });
    const s = sigmoid(xT);
    expect(grad[1]).toBeCloseTo(2 * (s - 0.7) * s * (1 - s), 15);
    expect(grad[0]).toBeCloseTo(grad[1] * sigmoid(0.5), 15);
  });
});

describe("lossSurface", () => {
  it("loss[j][i] = fn(w[i], b[j]) and rows carry the same values", () => {
    const s = lossSurface((w, b) => 10 * w + b, [0, 1], [0, 2], [3, 2]);
    expect(s.w).toEqual([0, 0.5, 1]);
    expect(s.b).toEqual([0, 2]);
    expect(s.loss).toEqual([[0, 5, 10], [2, 7, 12]]);
    expect(s.rows).toHaveLength(6);
    expect(s.rows[4]).toEqual({ w: 0.5, b: 2, loss: 7 });
  });

  it("the chosen ranges contain the wall: a jump of the loss between neighbouring cells", () => {
    const s = lossSurface((w, b) => pascanuCliffLoss(w, b).loss, CLIFF_DEMO.wRange, CLIFF_DEMO.bRange, 41);
    let jump = 0;
    for (const row of s.loss) for (let i = 1; i < row.length; i++) jump = Math.max(jump, Math.abs(row[i] - row[i - 1]));
    expect(jump).toBeGreaterThan(0.25); // plateau ≈ 0.4 next to the valley ≈ 0
  });
});

describe("descentPath over the cliff: unclipped jumps, clipped does not", () => {
  const f = (w: number, b: number) => pascanuCliffLoss(w, b);
  const { start, lr, steps, clipThreshold } = CLIFF_DEMO;
  const plain = descentPath(f, start, lr, steps);
  const clipped = descentPath(f, start, lr, steps, clip(clipThreshold));

  it("plain gradient descent takes one huge step and leaves the chart's w–b window", () => {
    const longest = Math.max(...plain.map((r) => r.stepLength));
    expect(longest).toBeGreaterThan(5);
    const end = plain[plain.length - 1];
    expect(end.b).toBeGreaterThan(3); // far up the b axis, on the flat far plateau
    expect(end.gradNorm).toBeLessThan(1e-3);
  });

  it("the clipped path never steps further than lr · η and ends in the valley", () => {
    for (const r of clipped) expect(r.stepLength).toBeLessThanOrEqual(lr * clipThreshold + 1e-12);
    expect(clipped[clipped.length - 1].loss).toBeLessThan(0.05);
    expect(clipped.some((r) => r.gradNorm > 5)).toBe(true); // it did hit the wall
  });

  it("rows are the iterates: θ_{k+1} = θ_k − lr · g_k", () => {
    for (let k = 0; k < plain.length - 1; k++) {
      const { grad } = f(plain[k].w, plain[k].b);
      expect(plain[k + 1].w).toBeCloseTo(plain[k].w - lr * grad[0], 12);
      expect(plain[k + 1].b).toBeCloseTo(plain[k].b - lr * grad[1], 12);
    }
    expect(plain).toHaveLength(steps + 1);
    expect(plain[steps].stepLength).toBe(0);
  });

  it("a diverging path is reported with its step; bad arguments are named", () => {
    const quad = (w: number, b: number) => ({ loss: w * w + b * b, grad: [2 * w, 2 * b] as [number, number] });
    expect(() => descentPath(quad, [1, 1], 1e10, 100)).toThrow(NonFiniteError);
    expect(() => descentPath(quad, [NaN, 1], 0.1, 1)).toThrow(/start: expected a finite pair/);
    expect(descentPath(quad, [1, 1], 0.25, 1)[1]).toMatchObject({ w: 0.5, b: 0.5 });
  });
});

describe("linear recurrence x_t = w x_{t−1}: curvature grows with the gradient", () => {
  const xt = (w: number, x0: number, t: number) => {
    let x = x0;
    for (let k = 0; k < t; k++) x *= w;
    return x;
  };

  it("∂x_t/∂w = t x₀ w^(t−1) and ∂²x_t/∂w² = t (t − 1) x₀ w^(t−2), against finite differences", () => {
    for (const [w, x0, t] of [[1.1, 0.5, 20], [0.9, 2, 10], [1.02, -1, 50]]) {
      const d = linearRecurrenceDerivatives(w, x0, t);
      const h = 1e-4;
      const h1 = 1e-6; // central-difference error ≈ t² h² / 6 relative: small steps for the first derivative
      const d1 = (xt(w + h1, x0, t) - xt(w - h1, x0, t)) / (2 * h1);
      const d2 = (xt(w + h, x0, t) - 2 * xt(w, x0, t) + xt(w - h, x0, t)) / (h * h);
      expect(d.x).toBeCloseTo(xt(w, x0, t), 12);
      expect(Math.abs(d.dx_dw - d1) / Math.abs(d1)).toBeLessThan(1e-6);
      expect(Math.abs(d.d2x_dw2 - d2) / Math.abs(d2)).toBeLessThan(1e-4);
      expect(d.d2x_dw2 / d.dx_dw).toBeCloseTo((t - 1) / w, 10);
    }
  });

  it("t = 0 and t = 1 have no w-dependence / no curvature", () => {
    expect(linearRecurrenceDerivatives(2, 3, 0)).toEqual({ x: 3, dx_dw: 0, d2x_dw2: 0 });
    expect(linearRecurrenceDerivatives(2, 3, 1)).toEqual({ x: 6, dx_dw: 3, d2x_dw2: 0 });
  });
});
