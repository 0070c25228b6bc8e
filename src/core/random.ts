/**
 * A seeded random generator: the same seed gives the same numbers on every machine.
 *
 * The stream is xoshiro128** (Blackman & Vigna 2018) on 32-bit integer arithmetic, seeded through
 * splitmix32, so it needs no BigInt and no platform-dependent floating point. Uniform doubles take
 * 53 random bits; Gaussians use the Box–Muller transform.
 */
import { assert, checkFiniteNumber, checkInt, checkNonNegative, describe, type Mat, type Vec } from "./tensor";

/** A seeded source of random numbers. Create one with {@link createRng}. */
export interface Rng {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A standard normal sample N(0, 1). */
  normal(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A generator seeded with the integer `seed` (0 ≤ seed < 2³²).
 *
 * @example
 * const rng = createRng(42);
 * rng.normal(); // the same value on every machine
 */
export function createRng(seed: number): Rng {
  assert(
    typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32,
    () => `seed: expected an integer in [0, 2^32), got ${describe(seed)}`,
  );
  const sm = splitmix32(seed);
  let a = sm(), b = sm(), c = sm(), d = sm();
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = null;

  const nextUint32 = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d >>> 0, 11);
    a >>>= 0; b >>>= 0; c >>>= 0;
    return r;
  };
  const uniform = (): number => {
    const hi = nextUint32() >>> 5; // 27 bits
    const lo = nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // Box–Muller: u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  const int = (n: number): number => {
    checkInt("n", n, 1);
    return Math.floor(uniform() * n);
  };
  return { seed, nextUint32, uniform, normal, int };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A vector of n samples from N(0, std²) (std a finite number ≥ 0). */
export function randnVec(rng: Rng, n: number, std = 1): Vec {
  checkInt("n", n);
  checkNonNegative("std", std);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = std * rng.normal();
  return v;
}

/** A rows × cols matrix with entries from N(0, std²) (std a finite number ≥ 0). */
export function randn(rng: Rng, rows: number, cols: number, std = 1): Mat {
  checkInt("rows", rows);
  checkInt("cols", cols);
  checkNonNegative("std", std);
  return { rows, cols, data: randnVec(rng, rows * cols, std) };
}

/** A rows × cols matrix with entries uniform on [lo, hi) (finite, lo ≤ hi). */
export function randUniform(rng: Rng, rows: number, cols: number, lo = 0, hi = 1): Mat {
  checkInt("rows", rows);
  checkInt("cols", cols);
  checkFiniteNumber("lo", lo);
  checkFiniteNumber("hi", hi);
  assert(lo <= hi, () => `hi: expected a number ≥ lo = ${lo}, got ${hi}`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return { rows, cols, data };
}
