/**
 * Checks for the iterated-map exercises (notebooks 02 and 04): when an orbit above the source escapes, the slope
 * of Figure 3's network at a point, and the width of the bistable interval of x ↦ w σ(x) + b. Each recomputes the
 * quantity with the library (cobweb, BPTT through Figure 3's network, the saddle-node formula).
 */
import { NonFiniteError } from "../core/errors";
import { saddleNodeBifurcations } from "../dynamics/bifurcation";
import { figure3Network } from "../dynamics/figure3";
import { cobweb, quadraticMap } from "../dynamics/iterated";
import { hint, pass, shortestFailing, type CheckResult } from "./result";

/** `n` is the iteration (±1) at which the orbit of x² + c from x0 overflows float64 (cobweb's NonFiniteError). */
export function escapeIteration(n: number, x0: number, c = 0.15): CheckResult {
  const { f } = quadraticMap(c);
  const fails = (k: number) => {
    try {
      cobweb(f, x0, k);
      return false;
    } catch (e) {
      if (e instanceof NonFiniteError) return true;
      throw e;
    }
  };
  return shortestFailing(n, fails, { tol: 1, min: 1, unit: "iterations" });
}

/** `slope` is dy/dx of Figure 3's network at x (default w = 2, 4 steps) within 1% (computed by BPTT). */
export function figure3Slope(slope: number, x: number, opts: { w?: number; steps?: number } = {}): CheckResult {
  if (!Number.isFinite(slope)) return hint(`expected a number for dy/dx, got ${slope}`);
  const truth = figure3Network(x, opts).dydx;
  if (Math.abs(slope - truth) <= 0.01 * Math.abs(truth)) return pass(`dy/dx at x = ${x} is ${truth.toPrecision(4)}: your ${slope} is within 1%`);
  return hint(`your dy/dx is ${slope > truth ? "too large" : "too small"}: multiply the one-step slopes w·tanh′(z) along the orbit from x = ${x}`);
}

/** `width` is b₁ − b₂, the length of the interval of b with two stable fixed points, for weight w > 4 (within 1e−3). */
export function bistableWidth(width: number, w: number): CheckResult {
  if (!Number.isFinite(width)) return hint(`expected a number for the width, got ${width}`);
  const [b1, b2] = saddleNodeBifurcations(w).map((s) => s.b);
  const truth = b1 - b2;
  if (Math.abs(width - truth) <= 1e-3) return pass(`w = ${w}: the bistable interval has width ${truth.toPrecision(4)}`);
  return hint(`width ${width} is ${width > truth ? "too wide" : "too narrow"}: the ends are where w σ′(x) = 1 (the saddle-node bifurcations)`);
}
