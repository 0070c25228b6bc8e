import { describe, expect, it } from "vitest";
import { createRng, randn, randnVec, randUniform } from "../../src/core/random";

// An independent xoshiro128** (Blackman & Vigna) on Uint32Array, whose stores wrap modulo 2^32 by
// themselves, seeded through splitmix32 the same way: it must give the same stream as createRng.
function referenceStream(seed: number, n: number): number[] {
  const u = new Uint32Array(1);
  const mix = new Uint32Array([seed]);
  const next32 = () => {
    mix[0] += 0x9e3779b9;
    u[0] = mix[0];
    u[0] = Math.imul(u[0] ^ (u[0] >>> 16), 0x85ebca6b);
    u[0] = Math.imul(u[0] ^ (u[0] >>> 13), 0xc2b2ae35);
    u[0] = u[0] ^ (u[0] >>> 16);
    return u[0];
  };
  const s = new Uint32Array([next32(), next32(), next32(), next32()]);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Uint32Array([Math.imul(rotl(new Uint32Array([Math.imul(s[1], 5)])[0], 7), 9)])[0];
    const t = new Uint32Array([s[1] << 9])[0];
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    out.push(r);
  }
  return out;
}

describe("createRng", () => {
  it("produces the xoshiro128** stream of an independent implementation", () => {
    for (const seed of [0, 1, 42, 2 ** 32 - 1]) {
      const rng = createRng(seed);
      expect(Array.from({ length: 1000 }, () => rng.nextUint32())).toEqual(referenceStream(seed, 1000));
    }
  });

  it("is deterministic: the same seed gives the same numbers, another seed different ones", () => {
    const a = randn(createRng(7), 5, 5).data;
    const b = randn(createRng(7), 5, 5).data;
    const c = randn(createRng(8), 5, 5).data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("draws uniforms in [0, 1) and standard normals with the right moments", () => {
    const rng = createRng(123);
    const n = 200_000;
    let sum = 0, sq = 0, min = 1, max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; allow about 4 of them.
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.013);
  });

  it("rejects seeds that are not 32-bit unsigned integers, naming the argument", () => {
    expect(() => createRng(-1)).toThrow(/seed: expected an integer in \[0, 2\^32\), got -1/);
    expect(() => createRng(1.5)).toThrow(/seed/);
    expect(() => createRng(NaN)).toThrow(/seed/);
  });
});

describe("randn, randnVec and randUniform check their scale", () => {
  it("refuse a NaN, infinite or negative std instead of returning NaN or flipped samples, naming std", () => {
    const rng = createRng(1);
    expect(() => randn(rng, 1, 2, NaN)).toThrow("std: expected a finite number ≥ 0, got NaN");
    expect(() => randn(rng, 1, 2, Infinity)).toThrow("std: expected a finite number ≥ 0, got Infinity");
    expect(() => randnVec(rng, 2, -0.5)).toThrow("std: expected a finite number ≥ 0, got -0.5");
    expect(() => randnVec(rng, 2, "1" as unknown as number)).toThrow('std: expected a finite number ≥ 0, got "1"');
    // std = 0 is a legitimate degenerate case: every sample is exactly 0.
    expect(randn(createRng(2), 2, 2, 0).data.every((v) => v === 0)).toBe(true);
  });

  it("randUniform refuses non-finite bounds and hi < lo, naming the bound", () => {
    const rng = createRng(1);
    expect(() => randUniform(rng, 1, 2, NaN, 1)).toThrow("lo: expected a finite number, got NaN");
    expect(() => randUniform(rng, 1, 2, 0, Infinity)).toThrow("hi: expected a finite number, got Infinity");
    expect(() => randUniform(rng, 1, 2, 1, -1)).toThrow("hi: expected a number ≥ lo = 1, got -1");
    // lo = hi is the constant matrix.
    expect(Array.from(randUniform(createRng(2), 1, 3, 0.5, 0.5).data)).toEqual([0.5, 0.5, 0.5]);
  });
});
