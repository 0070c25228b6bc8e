/**
 * The vanilla RNN over a minibatch of B sequences at once, with the batch as the rows of matrices:
 *
 *   Z_t = X_t Wxhᵀ + H_{t−1} Whhᵀ + 1 bhᵀ,   H_t = φ(Z_t),   Y_t = H_t Whyᵀ + 1 byᵀ        (X_t is B×I, H_t B×H)
 *
 *   H̄_{t−1} = Ȳ_{t−1} Why + Z̄_t Whh,   Z̄_t = H̄_t ⊙ φ′(Z_t),
 *   W̄hh = Σ_t Z̄_tᵀ H_{t−1},  W̄xh = Σ_t Z̄_tᵀ X_t,  b̄h = Σ_t Z̄_tᵀ 1,  W̄hy = Σ_t Ȳ_tᵀ H_t,  b̄y = Σ_t Ȳ_tᵀ 1
 *
 * Row b of every matrix is sequence b run through {@link rnnForward}/{@link rnnBackward}; the gradients are
 * the SUM over the batch (divide by B for the mean). Per step the recurrence is a B×H by H×H product, so the
 * register-blocked matmul does the work; the input projection, outputs and weight gradients are single products
 * over all T·B rows. With WebAssembly SIMD available (../core/wasm/simd), the forward pass and the BPTT run whole
 * in the kernels' memory as f64x2 products (inputs and weights copied in once, the trace or the gradients
 * copied out once, the activation in JavaScript between the per-step products); otherwise the JavaScript
 * kernels do it all.
 */
import { gemmAdd, gemmTNAdd, transposeData, colSumAdd } from "../core/kernels";
import { putTransposed, simdKernels } from "../core/wasm/simd";
import { assert, checkAllFinite, checkMat, describe, type Mat } from "../core/tensor";
import { checkHiddenTrace, throwIfNonFinite } from "./checks";
import { rnnSizes, type RnnGrads, type RnnParams } from "./vanilla";
import { activateRow, backpropRow, checkParamsFinite, zeroGrads } from "./vanilla-reference";

/** What {@link rnnForwardBatch} keeps: hs = H_0..H_T, zs = Z_1..Z_T, ys = Y_1..Y_T (each B × size). */
export interface RnnBatchTrace {
  hs: Mat[];
  zs: Mat[];
  ys: Mat[];
}

function matViews(buf: Float64Array, off: number, count: number, rows: number, cols: number): Mat[] {
  const out: Mat[] = new Array(count);
  const n = rows * cols;
  for (let t = 0; t < count; t++) out[t] = { rows, cols, data: buf.subarray(off + t * n, off + (t + 1) * n) };
  return out;
}

function stackMats(ms: Mat[], n: number): Float64Array {
  const out = new Float64Array(ms.length * n);
  for (let t = 0; t < ms.length; t++) out.set(ms[t].data, t * n);
  return out;
}

function checkBatchSeq(name: string, ms: unknown, cols: number, B?: number): Mat[] {
  assert(Array.isArray(ms), () => `${name}: expected an array of T matrices (one per step), got ${describe(ms)}`);
  assert(ms.length > 0, () => `${name}: expected at least one time step, got an empty sequence`);
  const rows = B ?? checkMat(`${name}[0]`, ms[0]).rows;
  ms.forEach((m, t) => {
    checkMat(`${name}[${t}]`, m, rows, cols);
    checkAllFinite(`${name}[${t}]`, (m as Mat).data);
  });
  return ms as Mat[];
}

/**
 * Runs B sequences at once: xs[t − 1] is the B×I matrix whose row b is x_t of sequence b.
 *
 * @param h0 B×H initial states (zeros when omitted)
 * @returns the trace, with every matrix a view into one Float64Array
 * @throws NonFiniteError naming the step where a hidden state overflowed (entry index = b·H + i)
 * @example
 * const tr = rnnForwardBatch(p, [matFrom([[1], [0]]), matFrom([[0], [1]])]); // B = 2, T = 2, I = 1
 */
export function rnnForwardBatch(p: RnnParams, xs: Mat[], h0?: Mat): RnnBatchTrace {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkParamsFinite(p);
  checkBatchSeq("xs", xs, I);
  const B = xs[0].rows;
  const T = xs.length;
  if (h0 !== undefined) {
    checkMat("h0", h0, B, H);
    checkAllFinite("h0", h0.data);
  }
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const fast = forwardBatchSimd(p, xs, h0, B, I, H, O);
  const buf = fast ?? new Float64Array(yOff + T * B * O);
  if (fast === null) {
    if (h0 !== undefined) buf.set(h0.data, 0);
    for (let r = 0; r < T * B; r++) buf.set(p.bh, zOff + r * H);
    gemmAdd(T * B, H, I, stackMats(xs, B * I), 0, transposeData(H, I, p.Wxh.data), 0, buf, zOff);
    const WhhT = transposeData(H, H, p.Whh.data);
    for (let t = 1; t <= T; t++) {
      const z = zOff + (t - 1) * BH;
      gemmAdd(B, H, H, buf, (t - 1) * BH, WhhT, 0, buf, z);
      if (activateRow(p.activation, buf, z, t * BH, BH) !== 0)
        throwIfNonFinite("h_t", buf.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
    }
    for (let r = 0; r < T * B; r++) buf.set(p.by, yOff + r * O);
    gemmAdd(T * B, O, H, buf, BH, transposeData(O, H, p.Why.data), 0, buf, yOff);
  }
  return {
    hs: matViews(buf, 0, T + 1, B, H),
    zs: matViews(buf, zOff, T, B, H),
    ys: matViews(buf, yOff, T, B, O),
  };
}

/**
 * Full BPTT for the batch: the gradients summed over the B sequences, given dys[t − 1] = ∂L/∂Y_t (B×O).
 *
 * @returns grads (shaped like `p`, summed over the batch) and dhs[t] = ∂L/∂H_t (B×H) for t = 0..T
 * @throws NonFiniteError naming the step where ∂L/∂H_t overflowed
 * @example
 * const tr = rnnForwardBatch(p, xs);
 * const { grads } = rnnBackwardBatch(p, xs, tr, tr.ys.map((y, t) => minus(y, targets[t])));
 */
export function rnnBackwardBatch(
  p: RnnParams,
  xs: Mat[],
  trace: RnnBatchTrace,
  dys: Mat[],
): { grads: RnnGrads; dhs: Mat[] } {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkBatchSeq("xs", xs, I);
  const B = xs[0].rows;
  const T = xs.length;
  checkHiddenTrace(trace, T, "rnnForwardBatch");
  trace.hs.forEach((m, t) => checkMat(`trace.hs[${t}]`, m, B, H));
  trace.zs.forEach((m, t) => checkMat(`trace.zs[${t}]`, m, B, H));
  assert(Array.isArray(dys) && dys.length === T, () => `dys: expected T = ${T} matrices ∂L/∂Y_t, got ${describe(dys)}`);
  checkBatchSeq("dys", dys, O, B);

  const BH = B * H;
  const g = zeroGrads(I, H, O);
  const fast = backwardBatchSimd(p, xs, trace, dys, g, B, I, H, O);
  if (fast !== null) return { grads: g, dhs: matViews(fast, 0, T + 1, B, H) };
  const hs = stackMats(trace.hs, BH);
  const zs = stackMats(trace.zs, BH);
  const X = stackMats(xs, B * I);
  const DY = stackMats(dys, B * O);
  gemmTNAdd(O, H, T * B, DY, 0, hs, BH, g.Why.data, 0);
  colSumAdd(T * B, O, DY, 0, g.by);

  const dh = new Float64Array((T + 1) * BH);
  const DZ = new Float64Array(T * BH);
  gemmAdd(T * B, H, O, DY, 0, p.Why.data, 0, dh, BH);
  for (let t = T; t >= 1; t--) {
    const r = (t - 1) * BH;
    if (backpropRow(p.activation, dh, t * BH, zs, r, hs, t * BH, DZ, r, BH) !== 0)
      throwIfNonFinite("dL/dh_t", dh.subarray(t * BH, (t + 1) * BH), t, EXPLODE);
    gemmAdd(B, H, H, DZ, r, p.Whh.data, 0, dh, r); // H̄_{t−1} += Z̄_t Whh
  }
  throwIfNonFinite("dL/dh_t", dh.subarray(0, BH), 0, EXPLODE);
  gemmTNAdd(H, H, T * B, DZ, 0, hs, 0, g.Whh.data, 0);
  gemmTNAdd(H, I, T * B, DZ, 0, X, 0, g.Wxh.data, 0);
  colSumAdd(T * B, H, DZ, 0, g.bh);
  return { grads: g, dhs: matViews(dh, 0, T + 1, B, H) };
}

const EXPLODE = "the gradient exploded past float64 in the backward pass";

/**
 * rnnForwardBatch's whole pass in the SIMD kernels' memory: the trace [H_0..H_T | Z_1..Z_T | Y_1..Y_T] is
 * computed there from X, Wxhᵀ, Whhᵀ and Whyᵀ copied in once (Z = X Wxhᵀ + bh and Y = H Whyᵀ + by over all T·B
 * rows, Z_t += H_{t−1} Whhᵀ and H_t = φ(Z_t) per step) and copied out once. Null when SIMD is unavailable.
 */
function forwardBatchSimd(
  p: RnnParams,
  xs: Mat[],
  h0: Mat | undefined,
  B: number,
  I: number,
  H: number,
  O: number,
): Float64Array | null {
  const s = simdKernels();
  const T = xs.length;
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const n = yOff + T * B * O;
  const pX = n;
  const pWx = pX + T * B * I;
  const pW = pWx + I * H;
  const pWy = pW + H * H;
  const v = s === null ? null : s.reserve(pWy + H * O);
  if (s === null || v === null) return null;
  if (h0 !== undefined) v.set(h0.data, 0);
  else v.fill(0, 0, BH);
  for (let t = 0; t < T; t++) v.set(xs[t].data, pX + t * B * I);
  putTransposed(v, pWx, H, I, p.Wxh.data);
  putTransposed(v, pW, H, H, p.Whh.data);
  putTransposed(v, pWy, O, H, p.Why.data);
  for (let r = 0; r < T * B; r++) v.set(p.bh, zOff + r * H);
  s.gemm(T * B, H, I, pX, I, 1, pWx, zOff);
  for (let t = 1; t <= T; t++) {
    const z = zOff + (t - 1) * BH;
    s.gemm(B, H, H, (t - 1) * BH, H, 1, pW, z); // Z_t += H_{t−1} Whhᵀ
    if (activateRow(p.activation, v, z, t * BH, BH) !== 0)
      throwIfNonFinite("h_t", v.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
  }
  for (let r = 0; r < T * B; r++) v.set(p.by, yOff + r * O);
  s.gemm(T * B, O, H, BH, H, 1, pWy, yOff);
  return v.slice(0, n);
}

/**
 * rnnBackwardBatch in the SIMD kernels' memory: H_{0..T}, X, Ȳ, Why and Whh copied in once; Ȳ Why, the steps
 * H̄_{t−1} += Z̄_t Whh (Z̄_t = H̄_t ⊙ φ′(Z_t) in JavaScript) and the weight gradients over all T·B rows computed
 * there; the gradients (into g) and H̄_0..H̄_T (returned) copied out. Null when SIMD is unavailable.
 */
function backwardBatchSimd(
  p: RnnParams,
  xs: Mat[],
  trace: RnnBatchTrace,
  dys: Mat[],
  g: RnnGrads,
  B: number,
  I: number,
  H: number,
  O: number,
): Float64Array | null {
  const s = simdKernels();
  const T = xs.length;
  const BH = B * H;
  const pDh = 0; // H̄_t at pDh + t·BH
  const pDz = pDh + (T + 1) * BH; // Z̄_t at pDz + (t − 1)·BH
  const pH = pDz + T * BH;
  const pX = pH + (T + 1) * BH;
  const pDy = pX + T * B * I;
  const pWy = pDy + T * B * O;
  const pW = pWy + O * H;
  const pGy = pW + H * H;
  const pGh = pGy + O * H;
  const pGx = pGh + H * H;
  const v = s === null ? null : s.reserve(pGx + H * I);
  if (s === null || v === null) return null;
  for (let t = 0; t <= T; t++) v.set(trace.hs[t].data, pH + t * BH);
  for (let t = 0; t < T; t++) {
    v.set(xs[t].data, pX + t * B * I);
    v.set(dys[t].data, pDy + t * B * O);
  }
  v.set(p.Why.data, pWy);
  v.set(p.Whh.data, pW);
  v.fill(0, pGy, pGx + H * I);
  v.fill(0, pDh, pDz);
  s.gemm(O, H, T * B, pDy, 1, O, pH + BH, pGy); // W̄hy = Σ_t Ȳ_tᵀ H_t
  colSumAdd(T * B, O, v, pDy, g.by);
  s.gemm(T * B, H, O, pDy, O, 1, pWy, pDh + BH); // H̄_t starts as Ȳ_t Why
  for (let t = T; t >= 1; t--) {
    const d = pDh + t * BH;
    const z = pDz + (t - 1) * BH;
    if (backpropRow(p.activation, v, d, trace.zs[t - 1].data, 0, v, pH + t * BH, v, z, BH) !== 0)
      throwIfNonFinite("dL/dh_t", v.subarray(d, d + BH), t, EXPLODE);
    s.gemm(B, H, H, z, H, 1, pW, d - BH); // H̄_{t−1} += Z̄_t Whh
  }
  throwIfNonFinite("dL/dh_t", v.subarray(pDh, pDh + BH), 0, EXPLODE);
  s.gemm(H, H, T * B, pDz, 1, H, pH, pGh); // W̄hh = Σ_t Z̄_tᵀ H_{t−1}
  s.gemm(H, I, T * B, pDz, 1, H, pX, pGx); // W̄xh = Σ_t Z̄_tᵀ X_t
  colSumAdd(T * B, H, v, pDz, g.bh);
  g.Why.data.set(v.subarray(pGy, pGy + O * H));
  g.Whh.data.set(v.subarray(pGh, pGh + H * H));
  g.Wxh.data.set(v.subarray(pGx, pGx + H * I));
  return v.slice(pDh, pDz);
}
