import { describe, expect, it } from "vitest";
import { matFrom, vecFrom, type Vec } from "../../src/core/tensor";
import { rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import { GROSSE_2017 } from "../../src/sources";
import { FIGURE4_DESIGN, figure4Curves, figure4ExampleLoss, figure4Inputs } from "../../src/dynamics/figure4";

const maxSecondDifference = (a: readonly number[]) => {
  let m = 0;
  for (let i = 1; i < a.length - 1; i++) m = Math.max(m, Math.abs(a[i - 1] - 2 * a[i] + a[i + 1]));
  return m;
};
const maxJump = (a: readonly number[]) => {
  let m = 0;
  for (let i = 1; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - a[i - 1]));
  return m;
};

/** Our Figure 4 network through the general vanilla RNN (bias bh = b at every step): independent of univariateForward. */
function lossViaVanilla(x: number, b: number): number {
  const d = FIGURE4_DESIGN;
  const p: RnnParams = {
    Wxh: matFrom([[d.inputWeight]]),
    Whh: matFrom([[d.recurrentWeight]]),
    bh: vecFrom([b]),
    Why: matFrom([[1]]),
    by: vecFrom([0]),
    activation: "tanh",
  };
  const xs: Vec[] = Array.from({ length: d.hiddenStates }, (_, t) => vecFrom([t === 0 ? x : 0]));
  const y = rnnForward(p, xs).ys[d.hiddenStates - 1][0];
  return (y - Math.tanh(d.targetGain * x)) ** 2;
}

describe("Figure 4 (our design: the notes leave network and inputs unspecified)", () => {
  const curves = figure4Curves();

  it("uses the notes' b range and example count", () => {
    expect(FIGURE4_DESIGN.bRange).toEqual(GROSSE_2017.figure4LossCliff.bRange);
    expect(FIGURE4_DESIGN.examples).toBe(GROSSE_2017.figure4LossCliff.examplesAveraged);
    expect(curves.b[0]).toBe(-1);
    expect(curves.b[curves.b.length - 1]).toBe(1);
  });

  it("per-example loss agrees with the same network built from rnnForward", () => {
    for (const x of [-1.2, -0.1, 0.4, 2]) for (const b of [-0.7, 0, 0.33]) expect(figure4ExampleLoss(x, b)).toBeCloseTo(lossViaVanilla(x, b), 14);
  });

  it("the average is the mean of the per-example losses", () => {
    const xs = figure4Inputs();
    const k = 57;
    const mean = xs.reduce((s, x) => s + figure4ExampleLoss(x, curves.b[k]), 0) / xs.length;
    expect(curves.averaged[k]).toBeCloseTo(mean, 12);
  });

  it("individual curves have cliffs; the averaged curve is smooth", () => {
    expect(curves.individual).toHaveLength(5);
    const indD2 = curves.individual.map((c) => maxSecondDifference(c.loss));
    const avgD2 = maxSecondDifference(curves.averaged);
    for (const d2 of indD2) expect(d2).toBeGreaterThan(10 * avgD2);
    for (const c of curves.individual) expect(maxJump(c.loss)).toBeGreaterThan(0.1);
    expect(maxJump(curves.averaged)).toBeLessThan(0.05);
  });

  it("the averaged minimum sits near b = 0 (the set-up is symmetric); its value is ours, not the notes' 0.13", () => {
    expect(Math.abs(curves.minimum.b)).toBeLessThanOrEqual(0.05);
    expect(curves.minimum.loss).toBe(Math.min(...curves.averaged));
    // The documented value (≈ 0.115), within 0.01: it depends on our target tanh(2x), so it is not the source's.
    expect(Math.abs(curves.minimum.loss - 0.115)).toBeLessThan(0.01);
    expect(Math.abs(curves.minimum.loss - GROSSE_2017.figure4LossCliff.averagedMinimum.loss)).toBeLessThan(0.03);
  });

  it("is deterministic and validates its arguments", () => {
    expect(figure4Inputs(3)).toEqual(figure4Inputs(3));
    expect(() => figure4Curves(201, 2000)).toThrow(/individuals: expected at most 1000/);
  });
});
