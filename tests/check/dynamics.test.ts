import { describe, expect, it } from "vitest";
import { bistableWidth, escapeIteration, figure3Slope } from "../../src/check/dynamics";
import { figure3Network } from "../../src/dynamics/figure3";

describe("check.dynamics", () => {
  it("escapeIteration: ✓ within ±1 of the first iterate of x² + 0.15 that is ∞ (iterated by hand)", () => {
    let x = 0.82;
    let n = 0;
    while (Number.isFinite(x)) [x, n] = [x * x + 0.15, n + 1];
    for (const k of [n - 1, n, n + 1]) expect(escapeIteration(k, 0.82).ok, `n = ${k}`).toBe(true);
    expect(escapeIteration(n - 2, 0.82).message).toMatch(/comes later/);
    expect(escapeIteration(n + 2, 0.82).message).toMatch(/comes earlier/);
  });
  it("figure3Slope: ✓ within 1% of a central difference of the network's output", () => {
    const e = 1e-6;
    const fd = (figure3Network(0.05 + e).y - figure3Network(0.05 - e).y) / (2 * e);
    expect(figure3Slope(fd, 0.05).ok).toBe(true);
    expect(figure3Slope(16, 0.05).message).toMatch(/too large/);
    expect(figure3Slope(NaN, 0.05).message).toMatch(/expected a number/); // a placeholder not yet filled in
  });
  it("bistableWidth: ✓ for b₁ − b₂ from w σ′(x) = 1 solved by hand", () => {
    const w = 8;
    const b = (s: number) => Math.log(s / (1 - s)) - w * s; // b = x − w σ(x) where σ(x) = s
    const r = Math.sqrt(1 - 4 / w);
    const width = b((1 - r) / 2) - b((1 + r) / 2);
    expect(bistableWidth(width, w).ok).toBe(true);
    expect(bistableWidth(width * 1.1, w).message).toMatch(/too wide/);
    expect(bistableWidth(NaN, w).message).toMatch(/expected a number/);
  });
});
