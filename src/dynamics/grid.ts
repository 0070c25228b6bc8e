/**
 * Shared plumbing of the dynamics module: evenly spaced grids, interval checks and the scalar-function type.
 */
import { NonFiniteError } from "../core/errors";
import { assert, checkFiniteNumber, checkInt, describe } from "../core/tensor";

/** A real function of one real variable, e.g. a map x ↦ f(x) or its derivative. */
export type ScalarFn = (x: number) => number;

/** A closed interval [lo, hi] with lo < hi. */
export type Interval = readonly [number, number];

/** Checks that `d` is a finite interval [lo, hi] with lo < hi, naming `name` in the error. */
export function checkInterval(name: string, d: unknown): Interval {
  assert(
    Array.isArray(d) && d.length === 2 && Number.isFinite(d[0]) && Number.isFinite(d[1]) && d[0] < d[1],
    () => `${name}: expected a finite interval [lo, hi] with lo < hi, got ${Array.isArray(d) ? `[${d.join(", ")}]` : describe(d)}`,
  );
  return d as unknown as Interval;
}

/** Checks that `f` is a function, naming `name` in the error. */
export function checkFn(name: string, f: unknown): ScalarFn {
  assert(typeof f === "function", () => `${name}: expected a function (x: number) => number, got ${describe(f)}`);
  return f as ScalarFn;
}

/**
 * n evenly spaced points from lo to hi, both included: xᵢ = lo + (hi − lo) i / (n − 1).
 * Computed as lo + (hi − lo)·i/(n − 1) (not by repeated addition), so a symmetric grid with odd n hits 0 exactly.
 * @example linspace(-1, 1, 5) // [-1, -0.5, 0, 0.5, 1]
 */
export function linspace(lo: number, hi: number, n: number): number[] {
  checkFiniteNumber("lo", lo);
  checkFiniteNumber("hi", hi);
  checkInt("n", n, 2);
  assert(lo < hi, () => `lo, hi: expected lo < hi, got lo = ${lo}, hi = ${hi}`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = lo + ((hi - lo) * i) / (n - 1);
  out[n - 1] = hi;
  return out;
}

/** Throws a {@link NonFiniteError} when `v` is NaN or ±Infinity, naming what it is and the step. */
export function checkFiniteAt(what: string, v: number, step: number, detail = ""): number {
  if (!Number.isFinite(v)) throw new NonFiniteError(what, step, v, undefined, detail);
  return v;
}
