/**
 * Latching a bit in a single tanh unit (Bengio, Simard & Frasconi 1994). The unit a ↦ tanh(w a) with
 * self-weight w > 1 has three fixed points: the source 0 (slope w) and two sinks ±x̄ with x̄ = tanh(w x̄).
 * Near a sink one step multiplies a deviation (and a backpropagated gradient) by the contraction factor
 *
 *   λ = w (1 − x̄²) < 1,
 *
 * so the stored sign is robust to noise, and for the same reason gradients from k steps later shrink like λ^k:
 * robust memory and learnable long-range dependencies pull against each other.
 */
import { assert, checkFiniteNumber } from "../core/tensor";
import { fixedPoints, type ClassifiedFixedPoint } from "./fixedpoints";

/**
 * The fixed points of a ↦ tanh(w a), the roots of tanh(w a) = a, with slopes w (1 − a²) and their kinds.
 * They lie in [−1, 1] since |tanh| < 1; the scan covers [−1.5, 1.5].
 * @example tanhUnitFixedPoints(2).map((p) => p.x) // [-0.9575, 0, 0.9575]
 */
export function tanhUnitFixedPoints(w: number): ClassifiedFixedPoint[] {
  checkFiniteNumber("w", w);
  return fixedPoints(
    (a) => Math.tanh(w * a),
    (a) => {
      const t = Math.tanh(w * a);
      return w * (1 - t * t);
    },
    [-1.5, 1.5],
    { gridPoints: 3001 },
  );
}

/** The latching sinks of a tanh unit with self-weight w > 1. */
export interface Latch {
  w: number;
  /** x̄ > 0 with x̄ = tanh(w x̄); the sinks are ±x̄. */
  xBar: number;
  /** λ = w (1 − x̄²) < 1, the factor per step by which deviations and gradients shrink near ±x̄. */
  contraction: number;
  /** Steps for a gradient to shrink by e: −1 / ln λ. */
  memorySteps: number;
}

/**
 * The stable fixed points ±x̄ of a tanh unit with self-weight w > 1 (Bengio et al. 1994), x̄ = tanh(w x̄),
 * and the contraction factor λ = w (1 − x̄²) < 1 there.
 * @example latchingFixedPoint(2) // { xBar: 0.9575, contraction: 0.1664, … }
 */
export function latchingFixedPoint(w: number): Latch {
  checkFiniteNumber("w", w);
  assert(w > 1, () => `w: expected a self-weight > 1 (for w ≤ 1 the only fixed point is 0), got ${w}`);
  const sinks = tanhUnitFixedPoints(w).filter((p) => p.kind === "sink" && p.x > 0);
  assert(sinks.length === 1, () => `latchingFixedPoint: expected one positive sink for w = ${w}, found ${sinks.length}`);
  const { x: xBar, slope: contraction } = sinks[0];
  return { w, xBar, contraction, memorySteps: -1 / Math.log(contraction) };
}
