/**
 * Iterated functions (Grosse 2017, §2.2). An RNN with no further input computes h(T) = f(f(⋯f(h(1))⋯)),
 * the map f iterated T − 1 times, so its derivative is a product along the orbit (the chain rule):
 *
 *   d f^n/dx (x₀) = f′(x₀) f′(x₁) ⋯ f′(x_{n−1}),   x_{k+1} = f(x_k)
 *
 * A product of n factors is either tiny or huge unless the factors are close to 1: Figure 2's logistic map
 * iterated six times already has regions of steep slope.
 */
import { assert, checkFiniteNumber, checkInt } from "../core/tensor";
import { checkFiniteAt, checkFn, checkInterval, linspace, type Interval, type ScalarFn } from "./grid";

/** A map of one variable with its derivative. */
export interface ScalarMap {
  /** x ↦ f(x). */
  f: ScalarFn;
  /** x ↦ f′(x). */
  fprime: ScalarFn;
}

/**
 * The logistic map f(x) = r x (1 − x), f′(x) = r (1 − 2x) (Grosse 2017, Figure 2 uses r = 3.5 on [0, 1]).
 * @example logisticMap(3.5).f(0.5) // 0.875
 */
export function logisticMap(r: number): ScalarMap {
  checkFiniteNumber("r", r);
  return { f: (x) => r * x * (1 - x), fprime: (x) => r * (1 - 2 * x) };
}

/**
 * The quadratic map f(x) = x² + c, f′(x) = 2x (Grosse 2017, §2.2: the cobweb plot uses c = 0.15).
 * @example quadraticMap(0.15).f(0.6) // 0.51
 */
export function quadraticMap(c: number): ScalarMap {
  checkFiniteNumber("c", c);
  return { f: (x) => x * x + c, fprime: (x) => 2 * x };
}

/**
 * The n-fold composition f^n = f ∘ f ∘ ⋯ ∘ f (f^0 is the identity).
 * @throws NonFiniteError (when the returned function is called) naming the iteration where the orbit overflowed
 * @example iterate((x) => 2 * x, 3)(1) // 8
 */
export function iterate(f: ScalarFn, n: number): ScalarFn {
  checkFn("f", f);
  checkInt("n", n);
  return (x: number): number => {
    let v = x;
    for (let k = 1; k <= n; k++) v = checkFiniteAt("f^k(x)", f(v), k, `iterating from x = ${x}`);
    return v;
  };
}

/** One sample of an iterated map: y = f^n(x) and its derivative dy/dx. */
export interface IteratedSample {
  x: number;
  y: number;
  /** d f^n/dx = ∏_{k=0}^{n−1} f′(x_k) along the orbit from x₀ = x. */
  dydx: number;
}

/**
 * y = f^n(x) and dy/dx on `points` evenly spaced x in `domain`, the derivative by the chain rule along
 * the orbit: dy/dx = f′(x₀) f′(x₁) ⋯ f′(x_{n−1}).
 *
 * @returns rows {x, y, dydx}, x increasing
 * @throws NonFiniteError naming the iteration where an orbit or its derivative overflowed
 * @example
 * const { f, fprime } = logisticMap(3.5);
 * iterateOnGrid(f, fprime, 6, [0, 1], 501) // Grosse's Figure 2, last panel
 */
export function iterateOnGrid(f: ScalarFn, fprime: ScalarFn, n: number, domain: Interval, points: number): IteratedSample[] {
  checkFn("f", f);
  checkFn("fprime", fprime);
  checkInt("n", n);
  const [lo, hi] = checkInterval("domain", domain);
  checkInt("points", points, 2);
  return linspace(lo, hi, points).map((x) => {
    let v = x;
    let d = 1;
    for (let k = 1; k <= n; k++) {
      d = checkFiniteAt("d f^k/dx", d * fprime(v), k, `at x = ${x}`);
      v = checkFiniteAt("f^k(x)", f(v), k, `at x = ${x}`);
    }
    return { x, y: v, dydx: d };
  });
}

/** One panel of Grosse's Figure 2: the logistic map iterated n times. */
export interface IteratedPanel {
  n: number;
  samples: IteratedSample[];
}

/**
 * The data of Grosse (2017), Figure 2: f(x) = r x (1 − x) iterated n = 1, 2, 3 and 6 times on [0, 1]
 * (r = 3.5), with dy/dx at every sample.
 * @example figure2LogisticMap().map((p) => p.n) // [1, 2, 3, 6]
 */
export function figure2LogisticMap(r = 3.5, iterations: readonly number[] = [1, 2, 3, 6], points = 501): IteratedPanel[] {
  const { f, fprime } = logisticMap(r);
  assert(Array.isArray(iterations), () => `iterations: expected an array of integers ≥ 0`);
  return iterations.map((n, i) => ({ n: checkInt(`iterations[${i}]`, n), samples: iterateOnGrid(f, fprime, n, [0, 1], points) }));
}

/** A cobweb plot's data. */
export interface Cobweb {
  /** x₀, x₁ = f(x₀), …, x_n. */
  iterates: number[];
  /**
   * The staircase: (x₀, x₀), then for each k the vertical move to the curve (x_k, x_{k+1}) and the horizontal
   * move to the identity line (x_{k+1}, x_{k+1}); 2n + 1 vertices.
   */
  path: { x: number; y: number }[];
}

/**
 * The cobweb (staircase) of the orbit of x₀ under f: from (x₀, x₀) on the identity line, go vertically to the
 * graph of f, then horizontally back to the identity line, n times. An orbit falling into a sink staircases
 * or spirals towards it (Grosse 2017, §2.2: f(x) = x² + 0.15 from x₀ = 0.6).
 *
 * @throws NonFiniteError naming the iteration where the orbit overflowed (e.g. x² + 0.15 from x₀ > 0.8162)
 * @example cobweb((x) => x * x + 0.15, 0.6, 3).iterates // [0.6, 0.51, 0.4101, 0.3182…]
 */
export function cobweb(f: ScalarFn, x0: number, n: number): Cobweb {
  checkFn("f", f);
  checkFiniteNumber("x0", x0);
  checkInt("n", n);
  const iterates = [x0];
  const path = [{ x: x0, y: x0 }];
  let x = x0;
  for (let k = 1; k <= n; k++) {
    const next = checkFiniteAt("x_k", f(x), k, `the orbit from x0 = ${x0} overflowed`);
    path.push({ x, y: next }, { x: next, y: next });
    iterates.push(next);
    x = next;
  }
  return { iterates, path };
}
