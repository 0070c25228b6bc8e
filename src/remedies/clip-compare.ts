/**
 * The four clipping modes side by side on the same gradients, and the small pieces a notebook needs to
 * explain them: the cosine between a clipped gradient and the original, a norm clipper for a two-parameter
 * descent path, and Pascanu et al.'s rule of thumb for the threshold.
 */
import { assert, checkAllFinite, checkPositive, tensorData, vecFrom, type Mat, type Vec } from "../core/tensor";
import { adaptiveGradClip, clipGradNorm, clipGradNormPerTensor, clipGradValue, totalGradNorm } from "./clip";
import { checkTensorFields, type TensorFields } from "./tensors";
import { PASCANU_2013 } from "../sources";

/**
 * The cosine of the angle between two gradients, each flattened into one vector over all tensors:
 *
 *   cos ∠(g, g′) = ⟨g, g′⟩ / (‖g‖ ‖g′‖)
 *
 * 1 when the direction is kept (norm clipping), below 1 when it changed (value clipping, per-tensor, AGC).
 * NaN when either gradient is all zeros (no direction).
 * @example gradCosine({ W: matFrom([[3, 4]]) }, { W: matFrom([[1, 1]]) }) // 7 / (5 √2) ≈ 0.990
 */
export function gradCosine<G extends TensorFields<G>>(a: G, b: G): number {
  const keys = checkTensorFields("a", a);
  checkTensorFields("b", b);
  const ra = a as unknown as Record<string, Mat | Vec>;
  const rb = b as unknown as Record<string, Mat | Vec>;
  // Divide by the global norms first, so that huge but finite gradients do not overflow the inner product.
  const na = totalGradNorm(a);
  const nb = totalGradNorm(b);
  let cos = 0;
  for (const k of keys) {
    const x = tensorData(ra[k]);
    assert(rb[k] !== undefined && tensorData(rb[k]).length === x.length, () => `b.${k}: expected ${x.length} entries like a.${k}`);
    const y = tensorData(rb[k]);
    for (let i = 0; i < x.length; i++) cos += (x[i] / na) * (y[i] / nb);
  }
  return cos;
}

/** Thresholds of the four modes for {@link compareClipModes}. */
export interface ClipThresholds {
  /** Global max norm η (PyTorch clip_grad_norm_, Keras global_clipnorm). */
  norm: number;
  /** Element-wise bound v (PyTorch clip_grad_value_, Keras clipvalue). */
  value: number;
  /** Per-tensor max norm (Keras clipnorm). */
  perTensor: number;
  /** AGC ratio λ (Optax adaptive_grad_clip). */
  agc: number;
}

/** One row of the comparison table. */
export interface ClipModeRow {
  mode: "norm" | "value" | "perTensor" | "agc";
  /** The framework call with the same semantics. */
  framework: string;
  threshold: number;
  /** ‖g‖₂ over all tensors before and after. */
  normBefore: number;
  normAfter: number;
  /** cos ∠(clipped, original): 1 means the direction was kept. */
  cosine: number;
  /** What was rescaled or clamped: "scale 0.0123", "17 of 305 entries", "2 of 5 tensors", "16 of 33 units". */
  changed: string;
}

/**
 * Clips the same gradients four ways (clipGradNorm, clipGradValue, clipGradNormPerTensor, adaptiveGradClip)
 * and reports, for each, the norm after and the cosine to the original gradient.
 *
 * @param params the weights, needed by AGC (its limit is λ · max(‖W_unit‖, 1e-3) per unit)
 * @example console.table(compareClipModes(grads, params, { norm: 1, value: 0.1, perTensor: 1, agc: 0.05 }))
 */
export function compareClipModes<G extends TensorFields<G>>(grads: G, params: TensorFields<G>, t: ClipThresholds): ClipModeRow[] {
  const keys = checkTensorFields("grads", grads);
  const rec = grads as unknown as Record<string, Mat | Vec>;
  for (const k of keys) checkAllFinite(`grads.${k}`, tensorData(rec[k]));
  const before = totalGradNorm(grads);
  const entries = keys.reduce((s, k) => s + tensorData(rec[k]).length, 0);
  const row = (mode: ClipModeRow["mode"], framework: string, threshold: number, g: G, changed: string): ClipModeRow => ({
    mode,
    framework,
    threshold,
    normBefore: before,
    normAfter: totalGradNorm(g),
    cosine: gradCosine(grads, g),
    changed,
  });
  const n = clipGradNorm(grads, checkPositive("t.norm", t.norm));
  const v = clipGradValue(grads, checkPositive("t.value", t.value));
  const clamped = keys.reduce((s, k) => s + tensorData(rec[k]).filter((x) => Math.abs(x) > t.value).length, 0);
  const pt = clipGradNormPerTensor(grads, checkPositive("t.perTensor", t.perTensor));
  const over = Object.values(pt.norms as Record<string, number>).filter((x) => x > t.perTensor).length;
  const a = adaptiveGradClip(grads, params, checkPositive("t.agc", t.agc));
  const units = keys.reduce((s, k) => s + (rec[k] instanceof Float64Array ? 1 : (rec[k] as Mat).rows), 0);
  return [
    row("norm", "torch clip_grad_norm_ / Keras global_clipnorm", t.norm, n.grads, `scale ${n.scale.toPrecision(4)}`),
    row("value", "torch clip_grad_value_ / Keras clipvalue", t.value, v.grads, `${clamped} of ${entries} entries`),
    row("perTensor", "Keras clipnorm / tf.clip_by_norm", t.perTensor, pt.grads, `${over} of ${keys.length} tensors`),
    row("agc", "Optax adaptive_grad_clip", t.agc, a.grads, `${a.clippedUnits} of ${units} units`),
  ];
}

/**
 * Pascanu et al.'s Algorithm 1 for a two-parameter gradient, built on {@link clipGradNorm} (so with PyTorch's
 * scale min(1, η / (‖g‖ + 1e-6))): the `transform` to pass to descentPath.
 * @example descentPath((w, b) => pascanuCliffLoss(w, b), start, 1, 12, normClipper(0.5))
 */
export function normClipper(maxNorm: number): (g: [number, number]) => [number, number] {
  checkPositive("maxNorm", maxNorm);
  return (g) => {
    const c = clipGradNorm({ g: vecFrom(g) }, maxNorm).grads.g;
    return [c[0], c[1]];
  };
}

/** Pascanu et al.'s threshold heuristic applied to observed gradient norms. */
export interface ThresholdHeuristic {
  /** The mean of the finite observed norms. */
  mean: number;
  /** 0.5 × mean and 10 × mean: "half to ten times the average norm". */
  lo: number;
  hi: number;
  /** How many norms went into the mean. */
  count: number;
}

/**
 * Pascanu, Mikolov & Bengio (2013), §3.2: a good clipping threshold lies between half and ten times the
 * average gradient norm observed over a number of updates:
 *
 *   η ∈ [0.5 · mean‖g‖, 10 · mean‖g‖]
 *
 * Non-finite norms are ignored (they say the run has already diverged, not what a typical step is).
 * @example pascanuThreshold(history.map((r) => r.gradNorm)) // { mean, lo, hi, count }
 */
export function pascanuThreshold(norms: readonly number[]): ThresholdHeuristic {
  assert(Array.isArray(norms), () => `norms: expected an array of gradient norms`);
  const ok = norms.filter((x) => Number.isFinite(x));
  assert(ok.length > 0, () => `norms: expected at least one finite gradient norm, got ${norms.length} values, none finite`);
  const mean = ok.reduce((s, x) => s + x, 0) / ok.length;
  const [lo, hi] = PASCANU_2013.algorithm1.thresholdHeuristicRange;
  return { mean, lo: lo * mean, hi: hi * mean, count: ok.length };
}
