import { describe, expect, it } from "vitest";
import { TOOLTIP_FORMAT, tooltipNumber } from "../../src/charts/theme";

describe("tooltipNumber", () => {
  it("writes numbers as d3-format's TOOLTIP_FORMAT does in Vega's tooltips: 4 significant digits, no trailing zeros", () => {
    expect(TOOLTIP_FORMAT).toBe(".4~g");
    // Expected strings are d3-format 3.1's output for ".4~g" (the version vega 5.33 formats with).
    const cases: [number, string][] = [
      [0.0007260795065528367, "0.0007261"],
      [0.30000000000000004, "0.3"],
      [3.14159, "3.142"],
      [100, "100"], // a zero before the point is significant: not trimmed
      [1234, "1234"],
      [12345, "1.235e+4"],
      [123456789, "1.235e+8"],
      [1e-300, "1e-300"], // "1.000e-300" trimmed
      [-2.656, "−2.656"], // d3's minus sign U+2212
      [0, "0"],
    ];
    for (const [v, text] of cases) expect(tooltipNumber(v), String(v)).toBe(text);
  });
  it("writes non-finite values as JavaScript does, so off-scale markers say what they stand for", () => {
    expect([Infinity, -Infinity, NaN].map(tooltipNumber)).toEqual(["Infinity", "-Infinity", "NaN"]);
  });
});
