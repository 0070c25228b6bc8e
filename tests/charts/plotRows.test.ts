import { describe, expect, it } from "vitest";
import { classifyValue, seriesRows, valueRange } from "../../src/charts";

describe("valueRange", () => {
  it("ignores non-finite values and, on a log axis, non-positive ones; rounds to decades", () => {
    expect(valueRange([3, 250, Infinity, NaN, 0, -1], true)).toEqual({ lo: 1, hi: 1000 });
  });
  it("rounds linear ranges outwards to nice steps", () => {
    expect(valueRange([-1.3, 1.3], false)).toEqual({ lo: -1.5, hi: 1.5 });
  });
  it("falls back to a default range when nothing is plottable, so the chart still draws", () => {
    expect(valueRange([NaN, Infinity], false)).toEqual({ lo: 0, hi: 1 });
    expect(valueRange([0, 0], true)).toEqual({ lo: 0.1, hi: 10 });
  });
  it("widens a single value (a flat line) to a non-empty range", () => {
    const r = valueRange([5, 5], false);
    expect(r.lo).toBeLessThan(5);
    expect(r.hi).toBeGreaterThan(5);
  });
  it("stays finite for values near the double limits", () => {
    const r = valueRange([1e-320, 1e308], true);
    expect(Number.isFinite(r.lo) && r.lo > 0 && Number.isFinite(r.hi)).toBe(true);
  });
});

describe("classifyValue", () => {
  const r = { lo: 0.01, hi: 100 };
  it("puts +∞ and values above the range at the top, 0/−∞/below at the bottom, NaN apart", () => {
    expect(classifyValue(Infinity, r, true)).toBe("overflow");
    expect(classifyValue(1e3, r, true)).toBe("overflow");
    expect(classifyValue(0, r, true)).toBe("underflow");
    expect(classifyValue(-Infinity, r, false)).toBe("underflow");
    expect(classifyValue(NaN, r, false)).toBe("nan");
    expect(classifyValue(1, r, true)).toBe("ok");
  });
});

describe("seriesRows", () => {
  it("pins off-scale values to the edges, keeps the original as text, and cuts segments at them", () => {
    const rows = seriesRows({ name: "g", x: [0, 1, 2, 3], y: [1, Infinity, 2, NaN] }, { lo: 0, hi: 10 }, false);
    expect(rows.map((r) => r.status)).toEqual(["ok", "overflow", "ok", "nan"]);
    expect(rows.map((r) => r.y)).toEqual([1, 10, 2, 0]);
    expect(rows.map((r) => r.value)).toEqual(["1", "Infinity", "2", "NaN"]);
    expect(rows[0].segment).not.toBe(rows[2].segment);
  });
  it("rejects mismatched lengths and non-finite abscissae with messages naming the series", () => {
    expect(() => seriesRows({ name: "g", x: [0, 1], y: [1] }, { lo: 0, hi: 1 }, false)).toThrow(/"g".*2.*1/);
    expect(() => seriesRows({ name: "g", x: [NaN], y: [1] }, { lo: 0, hi: 1 }, false)).toThrow(/x\[0\]/);
  });
  it("handles an empty series", () => {
    expect(seriesRows({ name: "g", x: [], y: [] }, { lo: 0, hi: 1 }, false)).toEqual([]);
  });
});
