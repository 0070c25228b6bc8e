import { describe, expect, it } from "vitest";
import { maxNorm, orthogonal, spectralNormIs, spectralRadiusIs } from "../../src/check/spectra";
import { scaleToSpectralNorm, scaleToSpectralRadius } from "../../src/core/linalg";
import { createRng, randn } from "../../src/core/random";
import { matFrom, zeros } from "../../src/core/tensor";
import { orthogonal as orthogonalInit } from "../../src/remedies/init";

describe("check.spectra", () => {
  const W = randn(createRng(1), 8, 8, 1 / Math.sqrt(8));
  it("spectralRadiusIs / spectralNormIs: ✓ within 1e−6, and which way it is off", () => {
    expect(spectralRadiusIs(scaleToSpectralRadius(W, 1), 1).ok).toBe(true);
    expect(spectralNormIs(scaleToSpectralNorm(W, 1), 1).ok).toBe(true);
    // ρ ≤ σ₁, with equality only for normal matrices: a Gaussian W scaled to ρ = 1 has σ₁ > 1.
    expect(spectralNormIs(scaleToSpectralRadius(W, 1), 1).message).toMatch(/too large/);
    expect(spectralRadiusIs(scaleToSpectralRadius(W, 1 - 1e-5), 1).message).toMatch(/too small/);
    expect(spectralRadiusIs(zeros(2, 3), 1).message).toMatch(/square matrix, got 2×3/);
  });
  it("orthogonal: ✓ for the QR init, a hint for a Gaussian matrix at ρ = 1", () => {
    expect(orthogonal(orthogonalInit(createRng(2), 8, 8)).ok).toBe(true);
    expect(orthogonal(scaleToSpectralRadius(W, 1)).message).toMatch(/not orthogonal/);
  });
  it("maxNorm: every row norm ≤ c", () => {
    expect(maxNorm(matFrom([[0.6, 0.8], [0.1, 0]]), 1).ok).toBe(true);
    expect(maxNorm(matFrom([[0.6, 0.8001], [0, 0]]), 1).message).toMatch(/row of W has norm 1\.000/);
  });
});
