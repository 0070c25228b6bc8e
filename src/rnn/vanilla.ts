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
 * The forward pass and full BPTT are each one call into compiled kernels (./kernel-passes): weights and inputs
 * checked for NaN/∞ there, the recurrence run there with its activation (the kernels' own tanh, within 4 ulps of
 * Math.tanh: results agree with the reference's to ~1e-15, not bit for bit), the trace or the gradients written
 * once. The kernels are the native ones (OpenBLAS, ../core/native: they read and write the arrays where they
 * lie) where setup could build them, else the WebAssembly SIMD ones (../core/wasm/simd, f64x2, 3–4× the scalar
 * JavaScript: operands copied into their memory and out). Sigmoid
 * units, and the truncated BPTT's outer loop, stay in JavaScript (under truncation the carried mat-vecs run in
 * the WebAssembly kernels with Whhᵀ resident). Without either set of kernels the JavaScript ones do it all.
 */
import { colSumAdd, gemvAdd, transposeData } from "../core/kernels";
import { checkAllFinite, checkVec, type Vec } from "../core/tensor";
import { gemmAddFast, gemmTNAddFast, putTransposed, simdKernels } from "../core/wasm/simd";
import { checkSequence, EXPLODE, throwIfNonFinite } from "./checks";
import { backwardPassKernels, forwardPassKernels } from "./kernel-passes";
import { activateRow, backpropRow, rowViews, stackRows } from "./rows";
import {
  checkBackwardArgs,
  checkBackwardFinite,
  checkParamsFinite,
  rnnSizes,
  wxhInputs,
  zeroGrads,
  type BackwardOptions,
  type RnnGrads,
  type RnnParams,
  type RnnTrace,
} from "./vanilla-shared";

export { rnnSizes, type BackwardOptions, type RnnGrads, type RnnParams, type RnnTrace };

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
  checkSequence(xs, I, false, wxhInputs(p)); // finiteness of p and xs: by the kernels (forwardPassKernels) or below
  if (h0 !== undefined) checkVec("h0", h0, H);
  if (h0 !== undefined) checkAllFinite("h0", h0);
  const { Wxh, Whh, bh, Why, by, activation } = p;
  const T = xs.length;
  const zOff = (T + 1) * H;
  const yOff = zOff + T * H;
  const checkFinite = (): void => {
    checkParamsFinite(p);
    checkSequence(xs, I);
  };
  const fast = forwardPassKernels(p, xs, h0, 1, I, H, O, checkFinite);
  if (fast !== null)
    return { hs: rowViews(fast, 0, T + 1, H), zs: rowViews(fast, zOff, T, H), ys: rowViews(fast, yOff, T, O) };
  checkFinite();
  const buf = new Float64Array(yOff + T * O);
  if (h0 !== undefined) buf.set(h0, 0);

  // Input projection for every step: Z = X Wxhᵀ + bh (one T×I by I×H product).
  for (let t = 0; t < T; t++) buf.set(bh, zOff + t * H);
  gemmAddFast(T, H, I, stackRows(xs, I), 0, transposeData(H, I, Wxh.data), 0, buf, zOff);

  const W = Whh.data;
  for (let t = 1; t <= T; t++) {
    const z = zOff + (t - 1) * H;
    gemvAdd(H, H, W, 0, buf, (t - 1) * H, buf, z);
    if (activateRow(activation, buf, z, t * H, H) !== 0)
      throwIfNonFinite("h_t", buf.subarray(t * H, (t + 1) * H), t, "the forward pass overflowed");
  }

  // Outputs for every step: Y = H_{1..T} Whyᵀ + by.
  for (let t = 0; t < T; t++) buf.set(by, yOff + t * O);
  gemmAddFast(T, O, H, buf, H, transposeData(O, H, Why.data), 0, buf, yOff);

  return { hs: rowViews(buf, 0, T + 1, H), zs: rowViews(buf, zOff, T, H), ys: rowViews(buf, yOff, T, O) };
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
  // finiteness of xs, the trace and dys: in the kernels' memory (backwardPassKernels) or just below
  const { I, H, O, T, k } = checkBackwardArgs(p, xs, trace, dys, opts, false);
  const act = p.activation;
  const g = zeroGrads(I, H, O);
  if (k >= T) {
    const fast = backwardPassKernels(p, xs, trace.hs, trace.zs, dys, g, 1, I, H, O, () =>
      checkBackwardFinite(act, xs, trace, dys, I, T, O), // throws, naming the entry
    );
    if (fast !== null) return { grads: g, dhs: rowViews(fast, 0, T + 1, H) };
  }
  const hs = stackRows(trace.hs, H); // rows h_0..h_T
  const zs = stackRows(trace.zs, H); // rows z_1..z_T
  checkBackwardFinite(act, xs, trace, dys, I, T, O);
  const X = stackRows(xs, I);
  const DY = stackRows(dys, O);

  // Output layer (no recurrence, truncation does not apply): W̄hy = Ȳᵀ H_{1..T}, b̄y = Σ ȳ_t.
  gemmTNAddFast(O, H, T, DY, 0, hs, H, g.Why.data, 0);
  colSumAdd(T, O, DY, 0, g.by);

  const dh = new Float64Array((T + 1) * H); // row t = ∂L/∂h_t
  const DZ = new Float64Array(T * H); // row t − 1 = z̄_t (summed over the kept paths under truncation)
  if (k >= T) {
    const WhhT = transposeData(H, H, p.Whh.data);
    gemmAddFast(T, H, O, DY, 0, p.Why.data, 0, dh, H); // rows 1..T start as Whyᵀ ȳ_t
    for (let t = T; t >= 1; t--) {
      const r = (t - 1) * H;
      if (backpropRow(act, dh, t * H, zs, r, hs, t * H, DZ, r, H) !== 0)
        throwIfNonFinite("dL/dh_t", dh.subarray(t * H, (t + 1) * H), t, EXPLODE);
      gemvAdd(H, H, WhhT, 0, DZ, r, dh, r);
    }
    throwIfNonFinite("dL/dh_t", dh.subarray(0, H), 0, EXPLODE);
  } else {
    const dhOut = new Float64Array(T * H);
    gemmAddFast(T, H, O, DY, 0, p.Why.data, 0, dhOut, 0);
    // w = [Whhᵀ | carry | next | z̄]: in the SIMD kernels' memory when available (the carried mat-vecs
    // Whhᵀ z̄ then run there, Whhᵀ copied in once), else a JavaScript buffer for gemvAdd.
    const simd = simdKernels();
    const sv = simd === null ? null : simd.reserve(H * H + 3 * H);
    const w = sv ?? new Float64Array(H * H + 3 * H);
    putTransposed(w, 0, H, H, p.Whh.data);
    let carry = H * H;
    let next = carry + H;
    const dz = next + H;
    for (let s = T; s >= 1; s--) {
      w.set(dhOut.subarray((s - 1) * H, s * H), carry);
      const lo = Math.max(1, s - k + 1);
      for (let t = s; t >= lo; t--) {
        const o = t * H;
        let chk = 0;
        for (let i = 0; i < H; i++) {
          const v = dh[o + i] + w[carry + i];
          dh[o + i] = v;
          chk += v - v;
        }
        if (chk !== 0) throwIfNonFinite("dL/dh_t", dh.subarray(o, o + H), t, EXPLODE);
        const r = (t - 1) * H;
        backpropRow(act, w, carry, zs, r, hs, o, w, dz, H);
        for (let i = 0; i < H; i++) DZ[r + i] += w[dz + i];
        w.fill(0, next, next + H);
        if (simd !== null && sv !== null) simd.gemv(H, H, 0, dz, next);
        else gemvAdd(H, H, w, 0, w, dz, w, next);
        const tmp = carry;
        carry = next;
        next = tmp;
      }
      const last = (lo - 1) * H; // the hidden state reached after k steps: recorded, not carried on
      for (let i = 0; i < H; i++) dh[last + i] += w[carry + i];
    }
  }

  // Weight gradients over all steps at once: W̄hh = Z̄ᵀ H_{0..T−1}, W̄xh = Z̄ᵀ X, b̄h = Σ z̄_t.
  gemmTNAddFast(H, H, T, DZ, 0, hs, 0, g.Whh.data, 0);
  gemmTNAddFast(H, I, T, DZ, 0, X, 0, g.Wxh.data, 0);
  colSumAdd(T, H, DZ, 0, g.bh);
  return { grads: g, dhs: rowViews(dh, 0, T + 1, H) };
}
