import { afterEach, describe, expect, it, vi } from "vitest";
import { check } from "../../src/index";
import { identity } from "../../src/core/tensor";
import { spectralRadiusIs } from "../../src/check/spectra";

describe("check (the namespace notebooks call)", () => {
  afterEach(() => vi.restoreAllMocks());
  it("prints the line on stdout, for ✓ and for a hint, and returns nothing", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    // Nothing returned: tslab would display a returned value under the printed line.
    expect(check.spectra.spectralRadiusIs(identity(3), 1)).toBeUndefined();
    expect(check.spectra.spectralRadiusIs(identity(3, 2), 1)).toBeUndefined();
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      spectralRadiusIs(identity(3), 1).message,
      spectralRadiusIs(identity(3, 2), 1).message,
    ]);
    expect(log.mock.calls[0][0]).toMatch(/^✓ /);
    expect(log.mock.calls[1][0]).toMatch(/^✗ /);
  });
  it("has one group per concept, every entry a function", () => {
    expect(Object.keys(check)).toEqual(["gradients", "dynamics", "spectra", "clipping", "lab"]);
    for (const group of Object.values(check)) for (const f of Object.values(group)) expect(typeof f).toBe("function");
  });
});
