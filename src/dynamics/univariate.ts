/**
 * The univariate RNN of Grosse (2017), §2.1, where backprop through time is a product of numbers:
 *
 *   z(t) = w h(t−1) + x(t) (+ b),   h(t) = φ(z(t)),   h(0) = 0
 *   backward:  h̄(t) = z̄(t+1) w,   z̄(t) = h̄(t) φ′(z(t))
 *   so  ∂h(T)/∂h(1) = w^(T−1) φ′(z(2)) φ′(z(3)) ⋯ φ′(z(T))
 *
 * Linear φ: ∂h(T)/∂h(1) = w^(T−1), which explodes for |w| > 1 and vanishes for |w| < 1. With a nonlinear φ
 * every factor is scaled by φ′ ≤ 1 (tanh), so w = 1 is no longer the boundary.
 */
import { assert, checkFiniteNumber, checkInt, describe } from "../core/tensor";
import { activate, activationDerivative, checkActivation, type Activation } from "../rnn/activation";
import { checkFiniteAt } from "./grid";

/** A forward pass of the univariate RNN: index t − 1 holds step t. */
export interface UnivariateTrace {
  /** z(1)..z(T). */
  z: Float64Array;
  /** h(1)..h(T). */
  h: Float64Array;
}

function checkInputs(inputs: unknown, T: number): ArrayLike<number> {
  assert(
    inputs instanceof Float64Array || Array.isArray(inputs),
    () => `inputs: expected an array of numbers x(1), x(2), …, got ${describe(inputs)}`,
  );
  const xs = inputs as ArrayLike<number>;
  assert(xs.length <= T, () => `inputs: expected at most T = ${T} inputs, got ${xs.length}`);
  for (let i = 0; i < xs.length; i++) checkFiniteNumber(`inputs[${i}]`, xs[i]);
  return xs;
}

/**
 * Runs z(t) = w h(t−1) + x(t) + b, h(t) = φ(z(t)) from h(0) = 0 for t = 1..T. Inputs after the last one
 * given are 0 (the figures feed one input at step 1 and let the recurrence run).
 *
 * @param inputs x(1), x(2), … (at most T of them)
 * @param bias b, added to every pre-activation (default 0)
 * @throws NonFiniteError naming the step where h overflowed (linear or ReLU units with |w| > 1)
 * @example univariateForward(2, "tanh", [0.5], 5).h[4] // h(5) of Grosse's Figure 3 at x = 0.5
 */
export function univariateForward(w: number, activation: Activation, inputs: ArrayLike<number>, T: number, bias = 0): UnivariateTrace {
  checkFiniteNumber("w", w);
  checkActivation("activation", activation);
  checkInt("T", T, 1);
  const xs = checkInputs(inputs, T);
  checkFiniteNumber("bias", bias);
  const z = new Float64Array(T);
  const h = new Float64Array(T);
  let prev = 0;
  for (let t = 1; t <= T; t++) {
    const zt = w * prev + (t <= xs.length ? xs[t - 1] : 0) + bias;
    z[t - 1] = zt;
    prev = h[t - 1] = checkFiniteAt("h(t)", activate(activation, zt), t, "the forward pass overflowed");
  }
  return { z, h };
}

/** ∂h(T)/∂h(1) of the univariate RNN, three ways. */
export interface UnivariateGradient {
  /** ∂h(T)/∂h(1) by the backward recursion h̄(t) = z̄(t+1) w, z̄(t) = h̄(t) φ′(z(t)) from h̄(T) = 1. */
  dhTdh1: number;
  /** The same as the explicit product w^(T−1) ∏_{t=2}^{T} φ′(z(t)). */
  product: number;
  /** w^(T−1): the closed form, equal to the other two when φ is linear. */
  linearClosedForm: number;
  /** h̄(t) = ∂h(T)/∂h(t) for t = 1..T (index t − 1); h̄(T) = 1. */
  hBar: Float64Array;
  /** The forward pass the factors φ′(z(t)) come from. */
  trace: UnivariateTrace;
}

/**
 * ∂h(T)/∂h(1) for the univariate RNN (Grosse 2017, §2.1), by the backward recursion
 *
 *   h̄(T) = 1,   z̄(t) = h̄(t) φ′(z(t)),   h̄(t−1) = z̄(t) w   ⇒   h̄(1) = w^(T−1) ∏_{t=2}^{T} φ′(z(t)),
 *
 * returned beside the explicit product and the linear closed form w^(T−1).
 *
 * @param inputs x(1), x(2), … (default [1]: one input at step 1, then none); they set z(t) and so φ′(z(t))
 * @throws NonFiniteError naming the step where the forward pass or the gradient overflowed
 * @example univariateGradient(1.1, "linear", 50).dhTdh1 // 1.1^49 ≈ 106.7
 */
export function univariateGradient(w: number, activation: Activation, T: number, inputs: ArrayLike<number> = [1]): UnivariateGradient {
  const trace = univariateForward(w, activation, inputs, T);
  const hBar = new Float64Array(T);
  hBar[T - 1] = 1;
  for (let t = T; t >= 2; t--) {
    const zBar = hBar[t - 1] * activationDerivative(activation, trace.z[t - 1], trace.h[t - 1]);
    hBar[t - 2] = checkFiniteAt("h̄(t)", zBar * w, t - 1, "the gradient exploded past float64");
  }
  let product = w ** (T - 1);
  for (let t = 2; t <= T; t++) product *= activationDerivative(activation, trace.z[t - 1], trace.h[t - 1]);
  return { dhTdh1: hBar[0], product, linearClosedForm: linearGradientClosedForm(w, T), hBar, trace };
}

/**
 * ∂h(T)/∂h(1) = w^(T−1) for the linear univariate RNN (Grosse 2017, §2.1).
 * @example linearGradientClosedForm(0.9, 50) // 0.9^49 ≈ 0.00573
 */
export function linearGradientClosedForm(w: number, T: number): number {
  checkFiniteNumber("w", w);
  checkInt("T", T, 1);
  return w ** (T - 1);
}

/** One of Grosse's worked numbers with both candidate exponents. */
export interface WorkedExampleRow {
  w: number;
  T: number;
  /** The number printed in the notes. */
  printed: number;
  /** w^T: what the notes actually print (117.4 for w = 1.1, 0.00515 for w = 0.9 at T = 50). */
  wPowT: number;
  /** w^(T−1) = ∂h(T)/∂h(1) by the formula (106.7 and 0.00573): T hidden states are T − 1 recurrent steps. */
  wPowTMinus1: number;
}

/**
 * Grosse's worked example (§2.1, linear activation, T = 50): the printed numbers equal w^50, while the formula
 * ∂h(T)/∂h(1) = w^(T−1) gives w^49. They differ by one factor of w, i.e. by counting T steps instead of the
 * T − 1 recurrent steps between h(1) and h(T).
 * @example grosseWorkedExample([{ w: 1.1, printed: 117.4 }], 50)[0].wPowTMinus1 // 106.7…
 */
export function grosseWorkedExample(cases: readonly { w: number; printed: number }[], T: number): WorkedExampleRow[] {
  checkInt("T", T, 1);
  assert(Array.isArray(cases), () => `cases: expected an array of {w, printed}, got ${describe(cases)}`);
  return cases.map((c, i) => ({
    w: checkFiniteNumber(`cases[${i}].w`, c.w),
    T,
    printed: checkFiniteNumber(`cases[${i}].printed`, c.printed),
    wPowT: c.w ** T,
    wPowTMinus1: linearGradientClosedForm(c.w, T),
  }));
}

/** One point of |∂h(T)/∂h(1)| against T. */
export interface GradientVsTRow {
  T: number;
  w: number;
  activation: Activation;
  /** ∂h(T)/∂h(1) (signed). */
  gradient: number;
  /** |∂h(T)/∂h(1)|, for a log-scale chart. */
  absGradient: number;
}

/**
 * |∂h(T)/∂h(1)| against T = 1..Tmax for every w and activation (a chart of linear vs tanh): linear units
 * follow |w|^(T−1) exactly; tanh units with the same w settle near a fixed point h* where each factor is
 * w (1 − h*²), so w = 1.1 vanishes too.
 *
 * @param inputs x(1), x(2), … (default [1]); with all inputs 0 a tanh unit stays at h = 0 where φ′ = 1 and
 *   behaves exactly like the linear one
 * @returns rows in the order activation, w, T
 * @example gradientAgainstT([0.9, 1.1], ["linear", "tanh"], 50)
 */
export function gradientAgainstT(
  ws: readonly number[],
  activations: readonly Activation[],
  Tmax: number,
  inputs: ArrayLike<number> = [1],
): GradientVsTRow[] {
  assert(Array.isArray(ws) && ws.length > 0, () => `ws: expected a non-empty array of weights, got ${describe(ws)}`);
  assert(
    Array.isArray(activations) && activations.length > 0,
    () => `activations: expected a non-empty array of activations, got ${describe(activations)}`,
  );
  checkInt("Tmax", Tmax, 1);
  const rows: GradientVsTRow[] = [];
  for (const activation of activations) {
    for (const w of ws) {
      // One backward sweep from h(Tmax) gives h̄(t) = ∂h(Tmax)/∂h(t), not ∂h(T)/∂h(1) for each T: run per T.
      for (let T = 1; T <= Tmax; T++) {
        const gradient = univariateGradient(w, activation, T, Array.from(inputs).slice(0, T)).dhTdh1;
        rows.push({ T, w, activation, gradient, absGradient: Math.abs(gradient) });
      }
    }
  }
  return rows;
}
