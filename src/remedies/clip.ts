/**
 * Gradient clipping: keep one step from jumping off a cliff of the loss surface.
 *
 *   clip by norm (Pascanu et al. 2013, Algorithm 1; Grosse 2017 §3.1):  if ‖g‖ > η then g ← η g / ‖g‖
 *
 * The variants match the frameworks so that numbers agree with PyTorch, Keras and Optax:
 * - {@link clipGradNorm}: PyTorch `clip_grad_norm_` (one global norm over all tensors),
 * - {@link clipGradValue}: PyTorch `clip_grad_value_` / Keras `clipvalue` (element-wise clamp),
 * - {@link clipGradNormPerTensor}: Keras `clipnorm` (each tensor by its own norm),
 * - {@link adaptiveGradClip}: Optax `adaptive_grad_clip` (AGC, Brock et al. 2021; unit-wise, relative to the weights).
 *
 * All of them return new tensors and never touch their input.
 */
import { NonFiniteError } from "../core/errors";
import { assert, checkAllFinite, checkPositive, describe, norm2, tensorData, type Mat, type Vec } from "../core/tensor";
import { checkSameShape, checkTensorFields, withData, type TensorFields } from "./tensors";

/**
 * Named gradients: any object whose fields are all Mat or Vec. `RnnGrads` fits (the clipping functions are
 * generic over `G extends { [K in keyof G]: Mat | Vec }`, because an interface such as `RnnGrads` has no
 * index signature and so is not assignable to this `Record`), and their results keep the input's type.
 */
export type Grads = Record<string, Mat | Vec>;

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** p of the p-norm, p > 0 (default 2); `Infinity` gives max |g|. */
  normType?: number;
  /** Throw a NonFiniteError, naming the tensor and entry, when the total norm is NaN or ±Infinity (default false). */
  errorIfNonfinite?: boolean;
  /** The training step, reported in that error (default 0). */
  step?: number;
}

/** The result of {@link clipGradNorm}. */
export interface ClipGradNormResult<G> {
  /** New gradients, each multiplied by `scale`. */
  grads: G;
  /** The total norm before clipping. */
  totalNorm: number;
  /** min(1, maxNorm / (totalNorm + 1e-6)): 1 exactly when nothing was clipped. */
  scale: number;
}

// The norm of one tensor's entries that is NaN whenever an entry is NaN (like summing |x|^p), ±Infinity
// when an entry is infinite, and otherwise overflow- and underflow-safe.
function pNorm(xs: ArrayLike<number>, p: number): number {
  let m = 0;
  let sawNaN = false;
  for (let i = 0; i < xs.length; i++) {
    const a = Math.abs(xs[i]);
    if (Number.isNaN(a)) sawNaN = true;
    else if (a > m) m = a;
  }
  if (sawNaN) return NaN;
  if (p === Infinity || m === 0 || m === Infinity) return m;
  if (p === 2) return norm2(xs);
  if (p === 1) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += Math.abs(xs[i]);
    if (Number.isFinite(s)) return s;
  }
  // m · (Σ (|x|/m)^p)^(1/p): every term is ≤ 1, so the sum cannot overflow.
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (Math.abs(xs[i]) / m) ** p;
  return m * s ** (1 / p);
}

function checkNormType(x: unknown): number {
  assert(
    typeof x === "number" && (x === Infinity || (Number.isFinite(x) && x > 0)),
    () => `opts.normType: expected a number p > 0 or Infinity, got ${describe(x)}`,
  );
  return x as number;
}

/**
 * The total p-norm of all entries of all tensors, computed as PyTorch does: the p-norm of the per-tensor
 * p-norms (for finite p equal to the p-norm of all entries). NaN if any entry is NaN, else Infinity if any is ±∞.
 *
 * Overflow-safe: for p = 2 it uses {@link norm2}'s scaling, and for other p it factors out max |g|, so huge
 * but finite gradients (say 1e300) give their true norm whenever float64 can represent it (up to ~1.8e308).
 * This differs from PyTorch, whose vector_norm sums |g|^p unscaled (pytorch/pytorch#193006): for p = 2 its
 * sum of squares overflows once the norm passes √(float max), about 1.8e19 in float32 and 1.3e154 in float64,
 * not at the float maximum itself; there PyTorch reports total = ∞ (and zeroes the gradients) where we give
 * the finite norm and rescale.
 *
 * @example totalGradNorm({ W: matFrom([[3, 4]]), b: vecFrom([12]) }) // 13
 */
export function totalGradNorm<G extends TensorFields<G>>(grads: G, normType = 2): number {
  const keys = checkTensorFields("grads", grads);
  const p = checkNormType(normType);
  const rec = grads as unknown as Grads;
  const perTensor = keys.map((k) => pNorm(tensorData(rec[k]), p));
  return pNorm(perTensor, p);
}

/**
 * Clip by global norm, with PyTorch `torch.nn.utils.clip_grad_norm_` semantics exactly:
 *
 *   total = ‖(‖g₁‖_p, …, ‖g_n‖_p)‖_p   (p = ∞: max |g|),   scale = min(1, maxNorm / (total + 1e-6)),   gᵢ ← scale · gᵢ
 *
 * Every tensor is multiplied by `scale`, even when it is 1 (so the result is always a fresh copy). The 1e-6
 * is PyTorch's: at total = maxNorm the scale is maxNorm / (maxNorm + 1e-6), slightly below 1.
 *
 * Non-finite gradients, as PyTorch does them: with `errorIfNonfinite` a NonFiniteError names the tensor and
 * the entry that holds the first NaN/±Infinity (or says the norm itself overflowed). Without it, nothing is
 * checked: total = ∞ gives scale = 0, so finite entries become 0 and ±∞ · 0 = NaN; total = NaN gives
 * scale = NaN and every entry becomes NaN. (A NaN anywhere makes the total NaN, for every p.)
 *
 * The total is computed overflow-safely (see {@link totalGradNorm}): with scaling, float64 represents norms
 * up to ~1.8e308, whereas PyTorch's unscaled float32 sum of squares already overflows at a norm of ~1.8e19
 * (its sum of squares passes 3.4e38). Only in that range do the results differ.
 *
 * @param grads named gradients, e.g. the `RnnGrads` from rnnBackward (not modified)
 * @param maxNorm the threshold η > 0 (Pascanu et al. suggest 0.5–10 × the average gradient norm)
 * @example
 * const { grads: g, totalNorm, scale } = clipGradNorm(rnnBackward(p, xs, tr, dys).grads, 1);
 */
export function clipGradNorm<G extends TensorFields<G>>(
  grads: G,
  maxNorm: number,
  opts: ClipGradNormOptions = {},
): ClipGradNormResult<G> {
  const keys = checkTensorFields("grads", grads);
  checkPositive("maxNorm", maxNorm);
  const p = checkNormType(opts.normType ?? 2);
  const rec = grads as unknown as Grads;
  const totalNorm = totalGradNorm(grads, p);
  if (opts.errorIfNonfinite === true && !Number.isFinite(totalNorm)) {
    const step = opts.step ?? 0;
    for (const k of keys) {
      const d = tensorData(rec[k]);
      for (let i = 0; i < d.length; i++)
        if (!Number.isFinite(d[i]))
          throw new NonFiniteError(`grads.${k}`, step, d[i], i, `clipGradNorm: the total gradient norm is ${totalNorm}`);
    }
    throw new NonFiniteError("the total gradient norm", step, totalNorm, undefined, "clipGradNorm: every entry is finite but their norm overflowed float64");
  }
  // Math.min(1, NaN) is NaN, as torch.clamp(NaN, max=1) is.
  const scale = Math.min(1, maxNorm / (totalNorm + 1e-6));
  const out: Record<string, Mat | Vec> = {};
  for (const k of keys) {
    const d = tensorData(rec[k]);
    const o = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] * scale;
    out[k] = withData(rec[k], o);
  }
  return { grads: out as unknown as G, totalNorm, scale };
}

/**
 * Clip by value, element-wise (PyTorch `clip_grad_value_`, Keras `clipvalue`, tf.js `clipByValue`):
 *
 *   gᵢ ← min(v, max(−v, gᵢ))
 *
 * ±∞ becomes ±v and NaN stays NaN (as torch.clamp does). It changes the gradient's direction, unlike norm clipping.
 * @example clipGradValue({ W: matFrom([[-3, 0.5]]) }, 1).grads.W // [[-1, 0.5]]
 */
export function clipGradValue<G extends TensorFields<G>>(grads: G, clipValue: number): { grads: G } {
  const keys = checkTensorFields("grads", grads);
  const v = checkPositive("clipValue", clipValue);
  const rec = grads as unknown as Grads;
  const out: Record<string, Mat | Vec> = {};
  for (const k of keys) {
    const d = tensorData(rec[k]);
    const o = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.min(v, Math.max(-v, d[i]));
    out[k] = withData(rec[k], o);
  }
  return { grads: out as unknown as G };
}

/**
 * Clip each tensor by its own 2-norm (Keras `clipnorm`, TensorFlow `clip_by_norm`):
 *
 *   gᵢ ← gᵢ · c / max(‖gᵢ‖₂, c)
 *
 * computed as gᵢ · (c / max(‖gᵢ‖, c)) so that huge finite entries do not overflow in the product. A tensor
 * holding NaN becomes all NaN; one holding ±∞ gets 0 for its finite entries and NaN for the infinite ones.
 * Other tensors are unaffected (this is the difference from global clipping).
 *
 * @returns the clipped gradients and each tensor's norm before clipping
 * @example clipGradNormPerTensor({ W: matFrom([[3, 4]]), b: vecFrom([0.1]) }, 1).grads.W // [[0.6, 0.8]]
 */
export function clipGradNormPerTensor<G extends TensorFields<G>>(
  grads: G,
  maxNorm: number,
): { grads: G; norms: { [K in keyof G]: number } } {
  const keys = checkTensorFields("grads", grads);
  const c = checkPositive("maxNorm", maxNorm);
  const rec = grads as unknown as Grads;
  const out: Record<string, Mat | Vec> = {};
  const norms: Record<string, number> = {};
  for (const k of keys) {
    const d = tensorData(rec[k]);
    const n = pNorm(d, 2);
    const s = c / Math.max(n, c); // Math.max(NaN, c) is NaN, as tf.maximum is
    const o = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) o[i] = d[i] * s;
    out[k] = withData(rec[k], o);
    norms[k] = n;
  }
  return { grads: out as unknown as G, norms: norms as { [K in keyof G]: number } };
}

/** Options of {@link adaptiveGradClip}. */
export interface AdaptiveGradClipOptions {
  /** Floor on a unit's weight norm, so zero-initialised units (biases) can still move (default 1e-3, Optax's). */
  eps?: number;
}

/**
 * Adaptive gradient clipping, AGC (Brock, De, Smith & Simonyan 2021; Optax `adaptive_grad_clip(clipping, eps)`):
 * each unit's gradient may be at most `clipping` times that unit's weight norm.
 *
 *   max_u = clipping · max(‖W_u‖₂, eps);   G_u ← G_u · max_u / ‖G_u‖₂   where ‖G_u‖₂ ≥ max_u, else unchanged
 *
 * A unit of a Mat is a ROW: our matrices are (out × in), so row u holds output unit u's incoming weights
 * (Optax's Flax kernels are (in × out) and it takes norms over axis 0: the same units). A Vec (a bias) is one
 * unit as a whole, as Optax and timm treat 1-D parameters (norm over the whole vector). One difference: Optax
 * squeezes a (1 × n) or (n × 1) matrix to a vector first, so e.g. an H×1 Wxh would be one unit there; here a
 * Mat's unit is always a row. Optax's guard max(‖G_u‖, 1e-6) in the division is kept (it cannot engage when
 * max_u > 0 and ‖G_u‖ ≥ max_u). A unit whose gradient holds NaN becomes NaN.
 *
 * @param params the weights, shaped like `grads` (extra fields such as `activation` are ignored); must be finite
 * @param clipping the ratio λ > 0 (Brock et al. use 0.01–0.16)
 * @returns the clipped gradients and how many units were rescaled
 * @example const { grads: g } = adaptiveGradClip(grads, params, 0.05);
 */
export function adaptiveGradClip<G extends TensorFields<G>>(
  grads: G,
  params: TensorFields<G>,
  clipping: number,
  opts: AdaptiveGradClipOptions = {},
): { grads: G; clippedUnits: number } {
  const keys = checkTensorFields("grads", grads);
  const lam = checkPositive("clipping", clipping);
  const eps = checkPositive("opts.eps", opts.eps ?? 1e-3);
  assert(typeof params === "object" && params !== null, () => `params: expected the weights shaped like grads, got ${describe(params)}`);
  const gr = grads as unknown as Grads;
  const pr = params as unknown as Record<string, unknown>;
  const out: Record<string, Mat | Vec> = {};
  let clippedUnits = 0;
  for (const k of keys) {
    checkSameShape(`params.${k}`, pr[k], `grads.${k}`, gr[k]);
    const w = tensorData(pr[k] as Mat | Vec);
    checkAllFinite(`params.${k}`, w);
    const g = tensorData(gr[k]);
    const o = g.slice();
    const t = gr[k];
    const [units, width] = t instanceof Float64Array ? [1, t.length] : [t.rows, t.cols];
    for (let u = 0; u < units; u++) {
      const lo = u * width;
      const gNorm = pNorm(g.subarray(lo, lo + width), 2);
      const maxNorm = lam * Math.max(norm2(w.subarray(lo, lo + width)), eps);
      if (gNorm < maxNorm) continue; // also false for NaN, which then scales to NaN as in Optax
      const s = maxNorm / Math.max(gNorm, 1e-6);
      for (let i = lo; i < lo + width; i++) o[i] = g[i] * s;
      clippedUnits++;
    }
    out[k] = withData(t, o);
  }
  return { grads: out as unknown as G, clippedUnits };
}
