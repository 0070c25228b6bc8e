import { afterEach, describe, expect, it, vi } from "vitest";
import { check } from "../../src/index";
import { identity } from "../../src/core/tensor";

describe("check (the namespace notebooks call)", () => {
  afterEach(() => vi.restoreAllMocks());
  it("prints the line on stdout and returns the result, for ✓ and for a hint", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const ok = check.spectra.spectralRadiusIs(identity(3), 1);
    const off = check.spectra.spectralRadiusIs(identity(3, 2), 1);
    expect(ok.ok).toBe(true);
    expect(off.ok).toBe(false);
    expect(log.mock.calls.map((c) => c[0])).toEqual([ok.message, off.message]);
    expect(ok.message.startsWith("✓ ")).toBe(true);
    expect(off.message.startsWith("✗ ")).toBe(true);
  });
  it("has one group per concept, every entry a function", () => {
    expect(Object.keys(check)).toEqual(["gradients", "dynamics", "spectra", "clipping", "lab"]);
    for (const group of Object.values(check)) for (const f of Object.values(group)) expect(typeof f).toBe("function");
  });
});
