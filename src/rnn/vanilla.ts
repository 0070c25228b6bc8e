/**
 * The vanilla RNN and its exact backpropagation through time (BPTT), full and truncated.
 *
 *   z_t = Wxh x_t + Whh h_{t−1} + bh,   h_t = φ(z_t),   y_t = Why h_t + by,   t = 1..T
 *
 * Backward (Grosse 2017, §2.1, in matrix form), with ȳ_t = ∂L/∂y_t given:
 *
 *   h̄_t = Whyᵀ ȳ_t + Whhᵀ z̄_{t+1}       (the second term is absent at t = T)
 *   z̄_t = h̄_t ⊙ φ′(z_t)
 *   W̄hh = Σ_t z̄_t h_{t−1}ᵀ,  W̄xh = Σ_t z̄_t x_tᵀ,  b̄h = Σ_t z̄_t,  W̄hy = Σ_t ȳ_t h_tᵀ,  b̄y = Σ_t ȳ_t
 *
 * The backward pass is linear in h̄: it multiplies by diag(φ′(z_t)) Whhᵀ once per step, which is why
 * gradients explode or vanish geometrically with distance.
 *
 * This is the fast path; ./vanilla-reference.ts has the same maths one step at a time, as the equations read.
 * Only the two recurrences (h_{t−1} → h_t and h̄_t → h̄_{t−1}) are inherently sequential: everything else is one
 * matrix product over all T steps stacked as rows — the input projection X Wxhᵀ, the outputs H Whyᵀ,
 * Ȳ Why, and the weight gradients Z̄ᵀ H_prev, Z̄ᵀ X, Ȳᵀ H — computed by the register-blocked kernels of
 * ../core/kernels. The trace's vectors are views into one Float64Array per pass (no per-step allocation).
 *
 * Where WebAssembly SIMD is available (../core/wasm/simd), the products run as f64x2 kernels, 3–4× the scalar
 * JavaScript at every H measured (16–256), and each recurrence runs with Whh (or Whhᵀ) and the trace resident
 * in the kernels' memory: per step one SIMD mat-vec plus the activation in JavaScript (Math.tanh, so results
 * match the reference's), with O(T·H) copying in and out per pass. Otherwise the JavaScript kernels do it all.
 */
import { colSumAdd, gemvAdd, transposeData } from "../core/kernels";
import { gemmAddFast, gemmTNAddFast, simdKernels } from "../core/wasm/simd";
import { type Mat, type Vec } from "../core/tensor";
import { type Activation } from "./activation";
import {
  activateRow,
  backpropRow,
  checkBackwardArgs,
  checkParamsFinite,
  rnnSizes,
  rowViews,
  stackRows,
  zeroGrads,
} from "./vanilla-reference";
import { checkSequence, throwIfNonFinite } from "./checks";
import { checkAllFinite, checkVec } from "../core/tensor";

export { rnnSizes };

/** The parameters of a vanilla RNN with input size I, hidden size H and output size O. */
export interface RnnParams {
  /** H×I input-to-hidden weights. */
  Wxh: Mat;
  /** H×H recurrent weights. */
  Whh: Mat;
  /** Hidden bias, length H. */
  bh: Vec;
  /** O×H hidden-to-output weights. */
  Why: Mat;
  /** Output bias, length O. */
  by: Vec;
  /** The recurrent nonlinearity φ. */
  activation: Activation;
}

/** The gradients of a loss with respect to every tensor of {@link RnnParams}, shaped alike. */
export interface RnnGrads {
  Wxh: Mat;
  Whh: Mat;
  bh: Vec;
  Why: Mat;
  by: Vec;
}

/** What the forward pass keeps for the backward pass. */
export interface RnnTrace {
  /** h_0..h_T (T + 1 entries). */
  hs: Vec[];
  /** Pre-activations z_1..z_T (zs[t − 1] = z_t). */
  zs: Vec[];
  /** Outputs y_1..y_T (ys[t − 1] = y_t). */
  ys: Vec[];
}

/** Options of {@link rnnBackward}. */
export interface BackwardOptions {
  /**
   * Truncated BPTT: each backward path from a loss term stops after k steps. The loss at step s then reaches
   * the parameters through z_s..z_{s−k+1} only and the hidden states h_s..h_{s−k}. Full BPTT when omitted;
   * k ≥ T gives exactly the full gradient.
   */
  truncate?: number;
}

/**
 * Runs the RNN over x_1..x_T from h_0 (zeros when omitted).
 *
 * Z = X Wxhᵀ + bh for all steps at once, then z_t += Whh h_{t−1} and h_t = φ(z_t) step by step, then
 * Y = H Whyᵀ + by for all steps at once. hs, zs and ys are views into one Float64Array.
 *
 * @returns hs (h_0..h_T), zs (z_1..z_T) and ys (y_1..y_T)
 * @throws NonFiniteError naming the step where a hidden state overflowed (possible with ReLU or linear units)
 * @example
 * const { ys } = rnnForward(params, [vecFrom([1]), vecFrom([0])]);
 */
export function rnnForward(p: RnnParams, xs: Vec[], h0?: Vec): RnnTrace {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkParamsFinite(p);
  checkSequence(xs, I);
  if (h0 !== undefined) checkVec("h0", h0, H);
  if (h0 !== undefined) checkAllFinite("h0", h0);
  const { Wxh, Whh, bh, Why, by, activation } = p;
  const T = xs.length;
  const zOff = (T + 1) * H;
  const yOff = zOff + T * H;
  const buf = new Float64Array(yOff + T * O);
  if (h0 !== undefined) buf.set(h0, 0);

  // Input projection for every step: Z = X Wxhᵀ + bh (one T×I by I×H product).
  for (let t = 0; t < T; t++) buf.set(bh, zOff + t * H);
  gemmAddFast(T, H, I, stackRows(xs, I), 0, transposeData(H, I, Wxh.data), 0, buf, zOff);

  if (!forwardRecurrenceSimd(activation, Whh.data, buf, H, T)) {
    const W = Whh.data;
    for (let t = 1; t <= T; t++) {
      const z = zOff + (t - 1) * H;
      gemvAdd(H, H, W, 0, buf, (t - 1) * H, buf, z);
      if (activateRow(activation, buf, z, t * H, H) !== 0)
        throwIfNonFinite("h_t", buf.subarray(t * H, (t + 1) * H), t, "the forward pass overflowed");
    }
  }

  // Outputs for every step: Y = H_{1..T} Whyᵀ + by.
  for (let t = 0; t < T; t++) buf.set(by, yOff + t * O);
  gemmAddFast(T, O, H, buf, H, transposeData(O, H, Why.data), 0, buf, yOff);

  return { hs: rowViews(buf, 0, T + 1, H), zs: rowViews(buf, zOff, T, H), ys: rowViews(buf, yOff, T, O) };
}

/**
 * The forward recurrence z_t += Whh h_{t−1}, h_t = φ(z_t) for t = 1..T on buf = [h_0..h_T | z_1..z_T | …] (z_t
 * already holding Wxh x_t + bh), in the SIMD kernels' memory: Whh and those 2T + 1 rows are copied in once,
 * the T mat-vecs run there, and the rows are copied back. False (nothing done) when SIMD is unavailable.
 */
function forwardRecurrenceSimd(act: Activation, W: Float64Array, buf: Float64Array, H: number, T: number): boolean {
  const s = simdKernels();
  const n = (2 * T + 1) * H;
  const v = s === null ? null : s.reserve(H * H + n);
  if (s === null || v === null) return false;
  const h0 = H * H; // h_t at h0 + t·H, z_t at z0 + (t − 1)·H
  const z0 = h0 + (T + 1) * H;
  v.set(W, 0);
  v.set(buf.subarray(0, n), h0);
  for (let t = 1; t <= T; t++) {
    const z = z0 + (t - 1) * H;
    const h = h0 + t * H;
    s.gemv(H, H, 0, h - H, z);
    if (activateRow(act, v, z, h, H) !== 0)
      throwIfNonFinite("h_t", v.subarray(h, h + H), t, "the forward pass overflowed");
  }
  buf.set(v.subarray(h0, h0 + n), 0);
  return true;
}

/**
 * Full BPTT's recurrence on dh (rows h̄_0..h̄_T, rows 1..T holding Whyᵀ ȳ_t) and DZ (rows z̄_1..z̄_T): for t = T..1,
 * z̄_t = h̄_t ⊙ φ′(z_t) and h̄_{t−1} += Whhᵀ z̄_t, with Whhᵀ, dh and DZ resident in the SIMD kernels' memory
 * (copied in once and back once). False (nothing done) when SIMD is unavailable.
 */
function backwardRecurrenceSimd(
  act: Activation,
  WT: Float64Array,
  dh: Float64Array,
  DZ: Float64Array,
  zs: Float64Array,
  hs: Float64Array,
  H: number,
  T: number,
  explode: string,
): boolean {
  const s = simdKernels();
  const v = s === null ? null : s.reserve(H * H + (2 * T + 1) * H);
  if (s === null || v === null) return false;
  const d0 = H * H; // h̄_t at d0 + t·H, z̄_t at g0 + (t − 1)·H
  const g0 = d0 + (T + 1) * H;
  v.set(WT, 0);
  v.set(dh, d0);
  v.fill(0, g0, g0 + T * H);
  for (let t = T; t >= 1; t--) {
    const r = (t - 1) * H;
    if (backpropRow(act, v, d0 + t * H, zs, r, hs, t * H, v, g0 + r, H) !== 0)
      throwIfNonFinite("dL/dh_t", v.subarray(d0 + t * H, d0 + (t + 1) * H), t, explode);
    s.gemv(H, H, 0, g0 + r, d0 + r);
  }
  dh.set(v.subarray(d0, d0 + (T + 1) * H));
  DZ.set(v.subarray(g0, g0 + T * H));
  return true;
}

/**
 * Exact BPTT: the gradient of a loss L(y_1..y_T) given ∂L/∂y_t for every step.
 *
 * Only h̄_{t−1} = Whyᵀ ȳ_{t−1} + Whhᵀ z̄_t runs step by step; Whyᵀ ȳ_t for all t is one product Ȳ Why, and the
 * weight gradients are products over all steps at once: W̄hh = Z̄ᵀ H_{0..T−1}, W̄xh = Z̄ᵀ X, W̄hy = Ȳᵀ H_{1..T}
 * (rows = steps). Under truncation every loss term is carried back on its own for k steps, O(T·k·H²); the
 * z̄_t of all the carried paths are summed first (the gradients are linear in z̄), so the weight gradients are
 * still one product each.
 *
 * @param trace what {@link rnnForward} returned for the same `p` and `xs`
 * @param dys dys[t − 1] = ∂L/∂y_t (zeros where step t has no loss)
 * @returns grads (shaped like `p`) and dhs, where dhs[t] = ∂L/∂h_t in total for t = 0..T (under truncation,
 *   the sum over the paths that were kept)
 * @throws NonFiniteError naming the step where ∂L/∂h_t overflowed: the gradient exploded past float64
 * @example
 * const trace = rnnForward(params, xs);
 * const { grads } = rnnBackward(params, xs, trace, squaredError(trace.ys, targets).dys);
 */
export function rnnBackward(
  p: RnnParams,
  xs: Vec[],
  trace: RnnTrace,
  dys: Vec[],
  opts: BackwardOptions = {},
): { grads: RnnGrads; dhs: Vec[] } {
  const { I, H, O, T, k } = checkBackwardArgs(p, xs, trace, dys, opts);
  const act = p.activation;
  const hs = stackRows(trace.hs, H); // rows h_0..h_T
  const zs = stackRows(trace.zs, H); // rows z_1..z_T
  const X = stackRows(xs, I);
  const DY = stackRows(dys, O);
  const g = zeroGrads(I, H, O);
  const WhhT = transposeData(H, H, p.Whh.data);
  const explode = "the gradient exploded past float64 in the backward pass";

  // Output layer (no recurrence, truncation does not apply): W̄hy = Ȳᵀ H_{1..T}, b̄y = Σ ȳ_t.
  gemmTNAddFast(O, H, T, DY, 0, hs, H, g.Why.data, 0);
  colSumAdd(T, O, DY, 0, g.by);

  const dh = new Float64Array((T + 1) * H); // row t = ∂L/∂h_t
  const DZ = new Float64Array(T * H); // row t − 1 = z̄_t (summed over the kept paths under truncation)
  if (k >= T) {
    gemmAddFast(T, H, O, DY, 0, p.Why.data, 0, dh, H); // rows 1..T start as Whyᵀ ȳ_t
    if (!backwardRecurrenceSimd(act, WhhT, dh, DZ, zs, hs, H, T, explode))
      for (let t = T; t >= 1; t--) {
        const r = (t - 1) * H;
        if (backpropRow(act, dh, t * H, zs, r, hs, t * H, DZ, r, H) !== 0)
          throwIfNonFinite("dL/dh_t", dh.subarray(t * H, (t + 1) * H), t, explode);
        gemvAdd(H, H, WhhT, 0, DZ, r, dh, r);
      }
    throwIfNonFinite("dL/dh_t", dh.subarray(0, H), 0, explode);
  } else {
    const dhOut = new Float64Array(T * H);
    gemmAddFast(T, H, O, DY, 0, p.Why.data, 0, dhOut, 0);
    let carry = new Float64Array(H);
    let next = new Float64Array(H);
    const dz = new Float64Array(H);
    for (let s = T; s >= 1; s--) {
      carry.set(dhOut.subarray((s - 1) * H, s * H));
      const lo = Math.max(1, s - k + 1);
      for (let t = s; t >= lo; t--) {
        const o = t * H;
        let chk = 0;
        for (let i = 0; i < H; i++) {
          const v = dh[o + i] + carry[i];
          dh[o + i] = v;
          chk += v - v;
        }
        if (chk !== 0) throwIfNonFinite("dL/dh_t", dh.subarray(o, o + H), t, explode);
        const r = (t - 1) * H;
        backpropRow(act, carry, 0, zs, r, hs, o, dz, 0, H);
        for (let i = 0; i < H; i++) DZ[r + i] += dz[i];
        next.fill(0);
        gemvAdd(H, H, WhhT, 0, dz, 0, next, 0);
        const tmp = carry;
        carry = next;
        next = tmp;
      }
      const last = (lo - 1) * H; // the hidden state reached after k steps: recorded, not carried on
      for (let i = 0; i < H; i++) dh[last + i] += carry[i];
    }
  }

  // Weight gradients over all steps at once: W̄hh = Z̄ᵀ H_{0..T−1}, W̄xh = Z̄ᵀ X, b̄h = Σ z̄_t.
  gemmTNAddFast(H, H, T, DZ, 0, hs, 0, g.Whh.data, 0);
  gemmTNAddFast(H, I, T, DZ, 0, X, 0, g.Wxh.data, 0);
  colSumAdd(T, H, DZ, 0, g.bh);
  return { grads: g, dhs: rowViews(dh, 0, T + 1, H) };
}
