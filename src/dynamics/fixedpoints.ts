/**
 * Fixed points x* = f(x*) of a map of one variable, and their stability (Grosse 2017, §2.2):
 *
 *   sink (attractor)    |f′(x*)| < 1: nearby iterates are pulled in, the Jacobian of many steps → 0 (vanishing)
 *   source (repeller)   |f′(x*)| > 1: nearby iterates are pushed away, small differences grow (exploding)
 *   neutral             |f′(x*)| = 1: the linearisation does not decide
 */
import { assert, checkFiniteNumber, checkInt, describe } from "../core/tensor";
import { checkFn, checkInterval, linspace, type Interval, type ScalarFn } from "./grid";

/** How a fixed point behaves under iteration, from the slope f′(x*). */
export type FixedPointKind = "sink" | "source" | "neutral";

/**
 * A fixed point with its slope and stability. Has the `{x, stable}` fields that the charts' fixed-point
 * markers read, so it can be passed to them as it is.
 */
export interface ClassifiedFixedPoint {
  /** x* with f(x*) = x*. */
  x: number;
  /** f′(x*): the factor by which one step multiplies a small deviation (and a backpropagated gradient). */
  slope: number;
  kind: FixedPointKind;
  /** kind === "sink". */
  stable: boolean;
}

/** Options of {@link fixedPoints}. */
export interface FixedPointOptions {
  /** Points of the scanning grid (default 2001). Roots closer together than the grid spacing can be missed. */
  gridPoints?: number;
  /** Bisection stops when the bracket is narrower than this (default 1e-14) or cannot shrink in float64. */
  tol?: number;
  /** |f′| within this distance of 1 counts as neutral (default 1e-9). */
  neutralTol?: number;
}

/**
 * The kind of a fixed point with slope f′(x*): sink when |f′| < 1, source when |f′| > 1, neutral when
 * ||f′| − 1| ≤ neutralTol.
 * @example classifySlope(0.5) // "sink"
 */
export function classifySlope(slope: number, neutralTol = 1e-9): FixedPointKind {
  checkFiniteNumber("slope", slope);
  const a = Math.abs(slope);
  if (Math.abs(a - 1) <= neutralTol) return "neutral";
  return a < 1 ? "sink" : "source";
}

/**
 * A root of g in [a, b] where g(a) and g(b) have opposite signs, by bisection: 52 halvings take any float64
 * bracket down to adjacent numbers, so this is exact to the last bit that the sign of g can resolve.
 */
export function bisectRoot(g: ScalarFn, a: number, b: number, tol = 1e-14): number {
  checkFn("g", g);
  checkFiniteNumber("a", a);
  checkFiniteNumber("b", b);
  let ga = g(a);
  const gb = g(b);
  assert(
    Number.isFinite(ga) && Number.isFinite(gb) && ga * gb <= 0,
    () => `bisectRoot: expected g(a), g(b) of opposite signs, got g(${a}) = ${ga}, g(${b}) = ${gb}`,
  );
  if (ga === 0) return a;
  if (gb === 0) return b;
  let lo = a;
  let hi = b;
  for (let k = 0; k < 200 && Math.abs(hi - lo) > tol; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    const gm = g(mid);
    if (gm === 0) return mid;
    if (gm * ga < 0) hi = mid;
    else {
      lo = mid;
      ga = gm;
    }
  }
  return lo + (hi - lo) / 2;
}

/**
 * The fixed points of f in `domain`: the roots of g(x) = f(x) − x, found by scanning a grid for sign changes
 * (and exact zeros at grid points), each refined by bisection to 1e-14, then classified by |f′(x*)|.
 *
 * A root where g touches 0 without changing sign (a tangent, i.e. exactly at a saddle-node bifurcation) is
 * not found: its slope is exactly 1 and a perturbation of f either removes it or splits it in two.
 *
 * @param fprime the derivative f′, used only to classify
 * @returns the fixed points in increasing order
 * @example
 * fixedPoints((x) => x * x + 0.15, (x) => 2 * x, [0, 1])
 * // [{x: 0.1838, slope: 0.3675, kind: "sink"}, {x: 0.8162, slope: 1.6325, kind: "source"}]
 */
export function fixedPoints(f: ScalarFn, fprime: ScalarFn, domain: Interval, opts: FixedPointOptions = {}): ClassifiedFixedPoint[] {
  checkFn("f", f);
  checkFn("fprime", fprime);
  const [lo, hi] = checkInterval("domain", domain);
  const n = checkInt("opts.gridPoints", opts.gridPoints ?? 2001, 2);
  const tol = checkFiniteNumber("opts.tol", opts.tol ?? 1e-14);
  const neutralTol = checkFiniteNumber("opts.neutralTol", opts.neutralTol ?? 1e-9);
  const g = (x: number): number => f(x) - x;
  const xs = linspace(lo, hi, n);
  const gs = xs.map((x, i) => {
    const v = g(x);
    assert(Number.isFinite(v), () => `f: expected finite values on the domain, got f(${x}) = ${f(x)} at grid point ${i}`);
    return v;
  });
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    if (gs[i] === 0) roots.push(xs[i]);
    else if (i + 1 < n && gs[i] * gs[i + 1] < 0) roots.push(bisectRoot(g, xs[i], xs[i + 1], tol));
  }
  return roots.map((x) => {
    const slope = fprime(x);
    assert(Number.isFinite(slope), () => `fprime: expected a finite slope at the fixed point ${x}, got ${describe(slope)}`);
    const kind = classifySlope(slope, neutralTol);
    return { x, slope, kind, stable: kind === "sink" };
  });
}
