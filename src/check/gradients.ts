/**
 * Checks for the univariate exercises (notebooks 00 and 01): how many steps a gradient needs to change by a
 * factor, how far back a gradient overflows, where a linear unit overflows, and which weight makes a tanh unit's
 * gradient over T steps largest.
 * Each computes ∂h(T)/∂h(1) with the library's univariate RNN (Grosse 2017, §2.1) at the answer and beside it.
 */
import { NonFiniteError } from "../core/errors";
import { matFrom, vecFrom } from "../core/tensor";
import { univariateGradient } from "../dynamics/univariate";
import type { Activation } from "../rnn/activation";
import { finalLossGradNorms } from "../rnn/flow";
import { hint, pass, shortestFailing, type CheckResult } from "./result";

/** ∂h(n+1)/∂h(1) = w^n for a linear unit: the factor after n steps. */
const linearFactor = (w: number, n: number) => univariateGradient(w, "linear", n + 1).dhTdh1;

/**
 * `steps` is the number of steps after which a linear gradient with per-step factor ρ has first shrunk or grown
 * by `factor` (within ±1 step): |ρ|^steps passes the factor, |ρ|^(steps − 2) does not.
 * @example stepsToFactor(45, 0.95) // ✓ (notebook 00: ln 10 / |ln ρ|)
 */
export function stepsToFactor(steps: number, rho: number, factor = 10): CheckResult {
  if (!Number.isInteger(steps) || steps < 1) return hint(`expected a whole number of steps ≥ 1, got ${steps}`);
  if (Math.abs(rho) === 1 || rho === 0) return hint(`ρ = ${rho}: the gradient never changes by a factor; pick 0 < |ρ| ≠ 1`);
  const grows = Math.abs(rho) > 1;
  // The change after n steps, as a factor ≥ 1 whichever way it goes.
  const change = (n: number) => Math.abs(linearFactor(rho, n)) ** (grows ? 1 : -1);
  const way = grows ? "grown" : "shrunk";
  if (change(steps + 1) < factor)
    return hint(`after ${steps} steps the gradient has ${way} by a factor ${change(steps).toPrecision(3)}, short of ${factor}: it takes more steps`);
  if (steps >= 2 && change(steps - 2) >= factor)
    return hint(`after ${steps - 2} steps it has already ${way} by ${change(steps - 2).toPrecision(3)} ≥ ${factor}: it takes fewer steps`);
  return pass(`after ${steps} steps the gradient has ${way} by a factor ${change(steps).toPrecision(3)} (ρ = ${rho}): about ${factor}×`);
}

/**
 * `T` is the shortest sequence (within ±2) for which a linear unit with weight w overflows float64 (the library
 * throws NonFiniteError): notebook 01's "when does 1.1^(T−1) pass 10^308".
 */
export function overflowLength(T: number, w: number): CheckResult {
  return shortestFailing(T, (n) => overflows(() => univariateGradient(w, "linear", n)), { tol: 2, min: 1, unit: "T" });
}

/**
 * `w` makes the gradient ∂h(T)/∂h(1) of a unit (tanh by default) with first input x1 the largest, within `tol`:
 * no weight on a grid of step tol over w ± 10 tol gives a larger gradient, except within tol of w.
 */
export function peakWeight(w: number, opts: { T?: number; x1?: number; activation?: Activation; tol?: number } = {}): CheckResult {
  const { T = 50, x1 = 1, activation = "tanh", tol = 0.01 } = opts;
  if (!Number.isFinite(w)) return hint(`expected a finite weight, got ${w}`);
  const grad = (v: number) => Math.abs(univariateGradient(v, activation, T, [x1]).dhTdh1);
  const here = grad(w);
  let best = w;
  for (let k = -10; k <= 10; k++) {
    const v = w + k * tol; // w − 10 tol … w + 10 tol in steps of tol
    if (grad(v) > grad(best)) best = v;
  }
  if (best > w + tol) return hint(`a slightly larger w gives a larger gradient than ${here.toPrecision(4)}: move w up`);
  if (best < w - tol) return hint(`a slightly smaller w gives a larger gradient than ${here.toPrecision(4)}: move w down`);
  return pass(`w = ${w} gives the largest |∂h(${T})/∂h(1)| = ${here.toPrecision(4)} within ±${tol} (${activation}, x1 = ${x1})`);
}

/** Throws NonFiniteError from `f` → true; no error → false; any other error is passed on. */
function overflows(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (e instanceof NonFiniteError) return true;
    throw e;
  }
}

/**
 * `d` is how many steps back from the end (±2) the gradient of notebook 00's overflow cell first overflows: one
 * tanh unit with recurrent weight w, zero inputs and L = ½(y_T − 1)² (finalLossGradNorms), so that ∂L/∂h_{T−d}
 * = w^d: the shortest T whose backward pass throws NonFiniteError.
 */
export function overflowDistance(d: number, w: number): CheckResult {
  const oneUnit = { Wxh: matFrom([[1]]), Whh: matFrom([[w]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "tanh" as const };
  const fails = (T: number) => overflows(() => finalLossGradNorms(oneUnit, Array.from({ length: T }, () => vecFrom([0])), [1]));
  return shortestFailing(d, fails, { tol: 2, min: 1, unit: "distance T − t" });
}
