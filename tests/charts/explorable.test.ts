import { describe, expect, it } from "vitest";
import { cleanParam, sweepChart } from "../../src/charts/explorable";
import { dataRows, shownTooltips } from "./helpers";

interface SweepParam {
  name: string;
  value: number;
  bind: { input: string; min?: number; max?: number; step?: number; options?: number[] };
}
const paramOf = (spec: unknown): SweepParam => (spec as { params: SweepParam[] }).params[0];

// 0, 0.1, …, 1 as a loop computes them: 0.30000000000000004, 0.6000000000000001, 0.7000000000000001 among them.
const raw = Array.from({ length: 11 }, (_, i) => i * 0.1);
const clean = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const curves = raw.map((p) => ({ param: p, x: [0, 1, 2], y: [1, p, p * p] }));

describe("sweepChart's slider", () => {
  it("shows clean values: range, step, start and curve names have no floating-point residue", () => {
    expect(raw.filter((p, i) => p !== clean[i]).length).toBeGreaterThan(0); // the input really is dirty
    const spec = sweepChart({ paramName: "w", curves, initial: 0.3 });
    const p = paramOf(spec);
    expect(p.bind).toMatchObject({ input: "range", min: 0, max: 1, step: 0.1 });
    expect(p.value).toBe(0.3);
    const rows = dataRows(spec);
    expect([...new Set(rows.map((r) => r.param))].sort((a, b) => Number(a) - Number(b))).toEqual(clean);
    // Each curve's name (kept in its segment id, "w = 0.3#0") is as clean as its value.
    const names = [...new Set(rows.filter((r) => "segment" in r).map((r) => String(r.segment).split("#")[0]))];
    expect(names).toEqual(clean.map((p) => `w = ${p}`));
  });

  it("steps by the clean spacing where the raw differences are not (1.9 − 1.8 = 0.09999999999999987)", () => {
    const radii = Array.from({ length: 16 }, (_, i) => +(0.5 + 0.1 * i).toFixed(1));
    expect(Math.min(...radii.slice(1).map((r, i) => r - radii[i]))).not.toBe(0.1);
    const p = paramOf(sweepChart({ paramName: "rho", curves: radii.map((r) => ({ param: r, x: [0, 1], y: [1, r] })) }));
    expect(p.bind).toMatchObject({ min: 0.5, max: 2, step: 0.1 });
  });

  it("selects exactly one curve at every slider position, as a browser steps it (min + k·step in decimal)", async () => {
    const spec = sweepChart({ paramName: "w", xTitle: "x", yTitle: "y", curves, showAllCurves: false });
    for (let k = 0; k <= 10; k++) {
      const position = Number((0 + k * 0.1).toFixed(10));
      const shown = new Set((await shownTooltips(spec, { w: position })).map((t) => t.w));
      expect(shown, `slider at ${position}`).toEqual(new Set([String(clean[k])]));
    }
  });

  it("names the curves cleanly in a drop-down for uneven values", () => {
    const uneven = [0.1 * 3, 0.9, 0.1 * 12].map((p) => ({ param: p, x: [0], y: [p] }));
    const p = paramOf(sweepChart({ paramName: "w", curves: uneven }));
    expect(p.bind).toMatchObject({ input: "select", options: [0.3, 0.9, 1.2] });
  });

  it("rejects values that are equal to 12 digits", () => {
    expect(() => sweepChart({ paramName: "w", curves: [1, 1 + 1e-14].map((p) => ({ param: p, x: [0], y: [1] })) })).toThrow(/same parameter to 12 digits/);
  });
});

describe("cleanParam", () => {
  it("rounds to 12 significant digits", () => {
    expect(cleanParam(0.1 * 3)).toBe(0.3);
    expect(cleanParam(1.9 - 1.8)).toBe(0.1);
    expect(cleanParam(123456.7890123456)).toBe(123456.789012);
    expect(cleanParam(-2.5e-20)).toBe(-2.5e-20);
  });
});
