import { describe, expect, it } from "vitest";
import { GROSSE_2017 } from "../../src/sources";
import { figure3Annotations, figure3Left, figure3Network, figure3Right } from "../../src/dynamics/figure3";
import { latchingFixedPoint, tanhUnitFixedPoints } from "../../src/dynamics/latching";

const fig = GROSSE_2017.figure3;

/** The figure's definition written out: h(1) = tanh(x), h(t) = tanh(2 h(t−1)), t = 2..5. */
function byDefinition(x: number): { y: number; dydx: number; hs: number[] } {
  const hs = [Math.tanh(fig.inputWeight * x)];
  let dydx = fig.inputWeight * (1 - hs[0] ** 2);
  for (let t = 2; t <= fig.recurrentSteps + 1; t++) {
    const h = Math.tanh(fig.recurrentWeight * hs[hs.length - 1]);
    dydx *= fig.recurrentWeight * (1 - h * h);
    hs.push(h);
  }
  return { y: fig.outputWeight * hs[hs.length - 1], dydx, hs };
}

describe("Grosse Figure 3, left panel", () => {
  const left = figure3Left({}, fig.leftPanelRange as [number, number]);

  it("fixed points of tanh(2a) = a: 0 (source, slope 2) and ±0.9575 (sinks) to the printed 4 decimals", () => {
    const fps = left.fixedPoints;
    expect(fps.map((p) => p.kind)).toEqual(["sink", "source", "sink"]);
    expect(fps[1].x).toBe(0);
    expect(fps[1].slope).toBe(2);
    expect(fps[2].x).toBeCloseTo(0.9575, 4);
    expect(fps[0].x).toBe(-fps[2].x);
    for (const p of fps) expect(Math.tanh(2 * p.x)).toBeCloseTo(p.x, 14);
  });

  it("sink slope w (1 − x̄²) = 0.1664; the source prints 0.167, which is 6e-4 away (a rounding slip)", () => {
    const s = left.fixedPoints[2].slope;
    expect(s).toBeCloseTo(2 * (1 - left.fixedPoints[2].x ** 2), 14);
    expect(Math.abs(s - fig.fixedPoints[1].slope)).toBeLessThan(1e-3);
    expect(s).toBeCloseTo(0.1664, 4);
  });

  it("step and identity rows cover [−1.3, 1.3]", () => {
    expect(left.step[0]).toEqual({ x: -1.3, y: Math.tanh(-2.6) });
    expect(left.step[left.step.length - 1].x).toBe(1.3);
    expect(left.identity).toEqual([{ x: -1.3, y: -1.3 }, { x: 1.3, y: 1.3 }]);
  });
});

describe("Grosse Figure 3, right panel (dy/dx by BPTT through rnnForward/rnnBackward)", () => {
  const rows = figure3Right();

  it("five hidden states, four recurrent steps: matches the figure's definition", () => {
    const s = figure3Network(0.37);
    const d = byDefinition(0.37);
    expect(s.hs).toHaveLength(5);
    // the fast path's tanh is the SIMD kernels' own, within a few ulps of Math.tanh (tests/core/wasm-recurrence)
    expect(s.hs[0]).toBeCloseTo(Math.tanh(0.37), 15);
    for (let t = 0; t < 5; t++) expect(s.hs[t]).toBeCloseTo(d.hs[t], 15);
    expect(s.y).toBeCloseTo(d.y, 15);
  });

  it("dy/dx(0) = 1 · 2⁴ = 16 exactly (tanh′(0) = 1 at every step)", () => {
    const explode = figure3Annotations()[0];
    expect(explode.label).toBe("explode");
    expect(Math.abs(explode.dydx - fig.annotations[1].dydx!)).toBeLessThan(1e-12);
  });

  it("BPTT derivative agrees with the chain rule and with central differences across the grid", () => {
    const eps = 1e-6;
    for (const r of rows) {
      const d = byDefinition(r.x);
      expect(Math.abs(r.dydx - d.dydx)).toBeLessThan(1e-12 * Math.max(1, Math.abs(d.dydx)));
      const fd = (byDefinition(r.x + eps).y - byDefinition(r.x - eps).y) / (2 * eps);
      expect(Math.abs(r.dydx - fd)).toBeLessThan(1e-7);
    }
  });

  it("plateaus near ±0.96 and a vanishing slope at x = −0.9", () => {
    expect(rows[0].y).toBeCloseTo(-fig.plateau, 2);
    expect(rows[rows.length - 1].y).toBeCloseTo(fig.plateau, 2);
    const vanish = figure3Annotations()[1];
    expect(vanish.x).toBe(fig.annotations[0].x);
    expect(Math.abs(vanish.dydx)).toBeLessThan(16 / 1000);
    expect(vanish.dydx).toBeCloseTo(byDefinition(-0.9).dydx, 15);
  });

  it("other weights and step counts: dy/dx(0) = w^steps", () => {
    expect(figure3Network(0, { w: 1.5, steps: 6 }).dydx).toBeCloseTo(1.5 ** 6, 12);
    expect(figure3Network(0, { steps: 0 }).hs).toHaveLength(1);
  });
});

describe("latching (Bengio et al. 1994)", () => {
  it("w > 1: sinks ±x̄ with x̄ = tanh(w x̄) and contraction w (1 − x̄²) < 1", () => {
    for (const w of [1.05, 1.5, 2, 4, 10]) {
      const l = latchingFixedPoint(w);
      expect(Math.abs(Math.tanh(w * l.xBar) - l.xBar)).toBeLessThan(1e-14);
      // λ is computed as w (1 − tanh²(w x̄)); at w = 10, 1 − x̄² ≈ 8e-9 loses digits to cancellation, so compare absolutely.
      expect(Math.abs(l.contraction - w * (1 - l.xBar ** 2))).toBeLessThan(1e-13);
      expect(l.contraction).toBeLessThan(1);
      expect(l.contraction).toBeGreaterThan(0);
    }
  });

  it("the contraction is strongest (smallest λ) for large w: a firmer latch forgets gradients faster", () => {
    expect(latchingFixedPoint(4).contraction).toBeLessThan(latchingFixedPoint(1.5).contraction);
  });

  it("w ≤ 1: only the fixed point 0, and latchingFixedPoint refuses", () => {
    expect(tanhUnitFixedPoints(0.8)).toEqual([{ x: 0, slope: 0.8, kind: "sink", stable: true }]);
    expect(tanhUnitFixedPoints(1).map((p) => p.kind)).toEqual(["neutral"]);
    expect(() => latchingFixedPoint(1)).toThrow(/w: expected a self-weight > 1/);
  });
});
