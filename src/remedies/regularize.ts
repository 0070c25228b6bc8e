/**
 * Weight regularization: penalties that add to the loss and its gradient, and updates applied to the
 * weights directly (decoupled weight decay, the max-norm constraint).
 *
 * Which tensors: by default the weight matrices only (every Mat), biases excluded, as is usual; pass
 * `{ include: ["Whh"] }` to choose. None of these functions modifies its input.
 */
import { assert, checkAllFinite, checkNonNegative, checkPositive, cloneMat, describe, isMat, norm2, tensorData, type Mat, type Vec } from "../core/tensor";
import type { Grads } from "./clip";
import { checkSameShape, checkTensorFields, selectTensors, withData, type TensorFields } from "./tensors";

/** Which tensors a regularizer applies to. */
export interface RegularizerOptions {
  /** Names of the tensors to regularize (default: every Mat, i.e. the weight matrices, not the biases). */
  include?: readonly string[];
}

/** A penalty's value and the gradients with the penalty's gradient added. */
export interface PenaltyResult<G> {
  /** The penalty, to add to the loss. */
  penalty: number;
  /** New gradients: the input `grads` plus ∂penalty/∂W on the selected tensors (the others copied). */
  grads: G;
}

function penalize<G extends TensorFields<G>>(
  params: TensorFields<G>,
  grads: G,
  lambda: number,
  opts: RegularizerOptions,
  value: (w: Float64Array) => number,
  slope: (w: number) => number,
): PenaltyResult<G> {
  const keys = checkTensorFields("grads", grads);
  const lam = checkNonNegative("lambda", lambda);
  const chosen = selectTensors("grads", grads, opts.include);
  const gr = grads as unknown as Grads;
  const pr = params as unknown as Record<string, unknown>;
  const out: Record<string, Mat | Vec> = {};
  const parts: number[] = [];
  for (const k of keys) {
    const g = tensorData(gr[k]);
    const o = g.slice();
    if (chosen.has(k)) {
      checkSameShape(`params.${k}`, pr[k], `grads.${k}`, gr[k]);
      const w = tensorData(pr[k] as Mat | Vec);
      checkAllFinite(`params.${k}`, w);
      parts.push(value(w));
      for (let i = 0; i < o.length; i++) o[i] += lam * slope(w[i]);
    }
    out[k] = withData(gr[k], o);
  }
  return { penalty: lam * parts.reduce((a, b) => a + b, 0), grads: out as unknown as G };
}

/**
 * The L2 penalty (weight decay in its coupled form, "ridge"):
 *
 *   R = (λ/2) Σ_W ‖W‖²_F,   ∂R/∂W = λ W
 *
 * For plain SGD this equals decoupled weight decay with wd = λ; with Adam it does not (Loshchilov & Hutter
 * 2019), see {@link decoupledWeightDecay}.
 *
 * @param params the weights (e.g. RnnParams; fields that are not tensors are ignored)
 * @param grads the loss gradient, shaped like params (e.g. RnnGrads)
 * @param lambda λ ≥ 0
 * @example
 * const { penalty, grads: g } = l2Penalty(p, grads, 1e-4);   // loss += penalty; use g
 */
export function l2Penalty<G extends TensorFields<G>>(
  params: TensorFields<G>,
  grads: G,
  lambda: number,
  opts: RegularizerOptions = {},
): PenaltyResult<G> {
  // ‖W‖² through the scaled norm2, so the penalty overflows only when it really exceeds float64.
  return penalize(params, grads, lambda, opts, (w) => norm2(w) ** 2 / 2, (w) => w);
}

/**
 * The L1 penalty ("lasso"):
 *
 *   R = λ Σ_W ‖W‖₁ = λ Σ |wᵢⱼ|,   ∂R/∂W = λ sign(W)   (the subgradient 0 at wᵢⱼ = 0)
 *
 * @example const { penalty, grads: g } = l1Penalty(p, grads, 1e-5);
 */
export function l1Penalty<G extends TensorFields<G>>(
  params: TensorFields<G>,
  grads: G,
  lambda: number,
  opts: RegularizerOptions = {},
): PenaltyResult<G> {
  return penalize(
    params,
    grads,
    lambda,
    opts,
    (w) => w.reduce((s, x) => s + Math.abs(x), 0),
    (w) => (w > 0 ? 1 : w < 0 ? -1 : 0),
  );
}

// A copy of `params` in which every selected tensor is transformed by `f` and every other tensor is cloned;
// non-tensor fields (e.g. `activation`) are carried over.
function mapParams<P extends object>(params: P, opts: RegularizerOptions, f: (t: Mat | Vec, name: string) => Mat | Vec): P {
  assert(
    typeof params === "object" && params !== null && !Array.isArray(params),
    () => `params: expected an object of named tensors (e.g. RnnParams), got ${describe(params)}`,
  );
  const chosen = selectTensors("params", params, opts.include);
  const rec = params as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(rec)) {
    const v = rec[k];
    if (v instanceof Float64Array || isMat(v)) {
      checkAllFinite(`params.${k}`, tensorData(v));
      out[k] = chosen.has(k) ? f(v, k) : v instanceof Float64Array ? v.slice() : cloneMat(v);
    } else out[k] = v;
  }
  return out as P;
}

/**
 * Decoupled weight decay (Loshchilov & Hutter 2019, "AdamW"; PyTorch AdamW's `param.mul_(1 − lr·wd)`):
 *
 *   p ← p − lr · wd · p = (1 − lr · wd) p
 *
 * applied to the weights themselves, outside any optimizer's moment estimates: call it once per step next to
 * the optimizer update. Returns new params (non-tensor fields carried over, unselected tensors copied).
 *
 * @param lr the learning rate, > 0
 * @param weightDecay wd ≥ 0
 * @example p = decoupledWeightDecay(p, 0.01, 1e-2);
 */
export function decoupledWeightDecay<P extends object>(
  params: P,
  lr: number,
  weightDecay: number,
  opts: RegularizerOptions = {},
): P {
  const factor = 1 - checkPositive("lr", lr) * checkNonNegative("weightDecay", weightDecay);
  return mapParams(params, opts, (t) => withData(t, tensorData(t).map((x) => x * factor)));
}

/**
 * The max-norm constraint (Keras `MaxNorm(max_value)`; Srivastava et al. 2014): after every update, cap the
 * 2-norm of each unit's incoming weights at c:
 *
 *   w_u ← w_u · c / ‖w_u‖₂   where ‖w_u‖₂ > c, else unchanged
 *
 * A unit is a ROW of our (out × in) matrices (row u of Whh = the weights into hidden unit u; Keras's Dense
 * kernels are (in × out) and it uses axis 0: the same units). A selected Vec is one unit. Keras computes
 * w · min(‖w‖, c) / (ε + ‖w‖) with ε = 1e-7, which also shrinks rows below the cap by a factor ‖w‖/(‖w‖ + ε);
 * here rows at or below the cap are left exactly as they are.
 *
 * @example p = maxNormConstraint(p, 3);   // every row of Wxh, Whh, Why now has norm ≤ 3
 */
export function maxNormConstraint<P extends object>(params: P, maxValue: number, opts: RegularizerOptions = {}): P {
  const c = checkPositive("maxValue", maxValue);
  return mapParams(params, opts, (t) => {
    const d = tensorData(t);
    const o = d.slice();
    const [units, width] = t instanceof Float64Array ? [1, t.length] : [t.rows, t.cols];
    for (let u = 0; u < units; u++) {
      const lo = u * width;
      const n = norm2(d.subarray(lo, lo + width));
      if (n > c) for (let i = lo; i < lo + width; i++) o[i] = d[i] * (c / n);
    }
    return withData(t, o);
  });
}
