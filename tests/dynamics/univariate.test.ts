import { describe, expect, it } from "vitest";
import { matFrom, vecFrom, type Vec } from "../../src/core/tensor";
import { NonFiniteError } from "../../src/core/errors";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import type { Activation } from "../../src/rnn/activation";
import { GROSSE_2017 } from "../../src/sources";
import {
  gradientAgainstT,
  grosseWorkedExample,
  linearGradientClosedForm,
  univariateForward,
  univariateGradient,
} from "../../src/dynamics/univariate";

/** ∂h(T)/∂h(1) through the general vanilla RNN with 1×1 matrices: an independent implementation. */
function viaVanilla(w: number, activation: Activation, T: number, inputs: number[]): number {
  const p: RnnParams = { Wxh: matFrom([[1]]), Whh: matFrom([[w]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation };
  const xs: Vec[] = Array.from({ length: T }, (_, t) => vecFrom([inputs[t] ?? 0]));
  const trace = rnnForward(p, xs);
  const dys = Array.from({ length: T }, (_, t) => vecFrom([t === T - 1 ? 1 : 0]));
  return rnnBackward(p, xs, trace, dys).dhs[1][0];
}

describe("Grosse's worked example (§2.1, linear, T = 50)", () => {
  const ex = GROSSE_2017.univariateWorkedExample;
  const rows = grosseWorkedExample(ex.cases, ex.T);

  it("the printed numbers are w^T, to the precision printed", () => {
    for (const r of rows) {
      const digits = r.printed > 1 ? 1 : 5; // 117.4 has 1 decimal, 0.00515 has 5
      expect(Math.abs(r.wPowT - r.printed)).toBeLessThanOrEqual(0.5 * 10 ** -digits);
    }
  });

  it("the formula w^(T−1) gives 106.7 and 0.00573, one factor of w less", () => {
    expect(rows[0].wPowTMinus1).toBeCloseTo(106.7, 1);
    expect(rows[1].wPowTMinus1).toBeCloseTo(0.00573, 5);
    for (const r of rows) expect(r.wPowT / r.wPowTMinus1).toBeCloseTo(r.w, 12);
  });

  it("the backward recursion on a linear unit reproduces w^(T−1)", () => {
    for (const c of ex.cases) {
      const g = univariateGradient(c.w, "linear", ex.T);
      expect(g.dhTdh1).toBeCloseTo(linearGradientClosedForm(c.w, ex.T), 10);
      expect(g.dhTdh1 / c.w ** (ex.T - 1)).toBeCloseTo(1, 12);
    }
  });
});

describe("univariateGradient", () => {
  it("agrees with rnnForward/rnnBackward on 1×1 matrices for every activation", () => {
    const inputs = [0.7, -0.3, 0.2];
    for (const act of ["tanh", "sigmoid", "relu", "linear"] as Activation[]) {
      for (const w of [0.5, 1.1, 2, -1.3]) {
        const g = univariateGradient(w, act, 12, inputs);
        const ref = viaVanilla(w, act, 12, inputs);
        expect(Math.abs(g.dhTdh1 - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
        expect(Math.abs(g.product - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
      }
    }
  });

  it("matches central differences of h(T) in h(1)", () => {
    // Perturb h(1) by perturbing x(1) through φ: run from h(1) directly by a local loop.
    const w = 1.7;
    const T = 8;
    const hT = (h1: number) => {
      let h = h1;
      for (let t = 2; t <= T; t++) h = Math.tanh(w * h);
      return h;
    };
    const g = univariateGradient(w, "tanh", T, [0.4]);
    const h1 = Math.tanh(0.4);
    const eps = 1e-6;
    expect(g.dhTdh1).toBeCloseTo((hT(h1 + eps) - hT(h1 - eps)) / (2 * eps), 7);
  });

  it("T = 1 gives 1 (no step between h(1) and itself); zero inputs make tanh behave linearly (φ′(0) = 1)", () => {
    expect(univariateGradient(3, "tanh", 1).dhTdh1).toBe(1);
    expect(univariateGradient(1.1, "tanh", 30, [0]).dhTdh1).toBeCloseTo(1.1 ** 29, 10);
  });

  it("bias enters every pre-activation", () => {
    const { z } = univariateForward(2, "linear", [1], 3, 0.5);
    expect(Array.from(z)).toEqual([1.5, 2 * 1.5 + 0.5, 2 * 3.5 + 0.5]);
  });

  it("reports overflow with the step, and bad arguments by name", () => {
    expect(() => univariateGradient(1e200, "linear", 5)).toThrow(NonFiniteError);
    expect(() => univariateGradient(NaN, "tanh", 5)).toThrow(/w: expected a finite number/);
    expect(() => univariateGradient(1, "tanh", 0)).toThrow(/T: expected an integer ≥ 1/);
    expect(() => univariateGradient(1, "tanh", 2, [1, 2, 3])).toThrow(/inputs: expected at most T = 2/);
    expect(() => univariateGradient(1, "cosh" as Activation, 2)).toThrow(/activation/);
  });
});

describe("gradientAgainstT", () => {
  const rows = gradientAgainstT([0.9, 1.1], ["linear", "tanh"], 50);

  it("linear rows follow |w|^(T−1)", () => {
    for (const r of rows.filter((r) => r.activation === "linear")) expect(r.absGradient / Math.abs(r.w) ** (r.T - 1)).toBeCloseTo(1, 12);
  });

  it("tanh with w = 1.1 vanishes: at the sink h*, w (1 − h*²) < 1", () => {
    const tanh11 = rows.filter((r) => r.activation === "tanh" && r.w === 1.1);
    expect(tanh11).toHaveLength(50);
    expect(tanh11[49].absGradient).toBeLessThan(1e-2);
    expect(tanh11[49].absGradient).toBeLessThan(tanh11[10].absGradient);
  });
});
