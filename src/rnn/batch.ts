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
 * over all T·B rows. The forward pass and the BPTT run whole in compiled kernels (./kernel-passes): the native
 * ones on OpenBLAS where setup built them (../core/native: the products over all rows and the recurrence's
 * sequences split over two threads, each half's weight gradients summed at the end), else the WebAssembly SIMD
 * ones (../core/wasm/simd, on this thread). Otherwise (no kernels, or sigmoid units) the JavaScript kernels do
 * it all. Truncated BPTT runs the sequences one by one through rnnBackward.
 */
import { gemmAdd, gemmTNAdd, transposeData, colSumAdd } from "../core/kernels";
import { assert, checkAllFinite, checkMat, describe, type Mat } from "../core/tensor";
import { NonFiniteError } from "../core/errors";
import { checkHiddenTrace, checkTraceFinite, EXPLODE, outputSizeFrom, throwIfNonFinite, truncationOf } from "./checks";
import { backwardPassKernels, forwardPassKernels } from "./kernel-passes";
import { rnnBackward, rnnSizes, type BackwardOptions, type RnnGrads, type RnnParams } from "./vanilla";
import { activateRow, backpropRow } from "./rows";
import { checkParamsFinite, wxhInputs, zeroGrads } from "./vanilla-shared";

/** What {@link rnnForwardBatch} keeps: hs = H_0..H_T, zs = Z_1..Z_T, ys = Y_1..Y_T (each B × size). */
export interface RnnBatchTrace {
  hs: Mat[];
  zs: Mat[];
  ys: Mat[];
}

function matViews(buf: Float64Array, off: number, count: number, rows: number, cols: number): Mat[] {
  const out: Mat[] = new Array(count);
  const n = rows * cols;
  const b = buf.buffer;
  const o = buf.byteOffset + off * 8;
  for (let t = 0; t < count; t++) out[t] = { rows, cols, data: new Float64Array(b, o + t * n * 8, n) };
  return out;
}

function stackMats(ms: Mat[], n: number): Float64Array {
  const out = new Float64Array(ms.length * n);
  for (let t = 0; t < ms.length; t++) out.set(ms[t].data, t * n);
  return out;
}

/**
 * Checks that ms is a non-empty array of rows×cols matrices (rows = B, or ms[0]'s), finite unless `finite` is
 * false (then the caller checks finiteness itself, where it copies the numbers, and calls again to throw).
 * `sizeFrom` says which weights fix cols, for the message when a matrix has other columns (built only then).
 */
function checkBatchSeq(name: string, ms: unknown, cols: number, B?: number, finite = true, sizeFrom?: () => string): Mat[] {
  assert(Array.isArray(ms), () => `${name}: expected an array of T matrices (one per step), got ${describe(ms)}`);
  assert(ms.length > 0, () => `${name}: expected at least one time step, got an empty sequence`);
  const rows = B ?? checkMat(`${name}[0]`, ms[0]).rows;
  ms.forEach((m, t) => {
    const c = checkMat(`${name}[${t}]`, m).cols;
    if (sizeFrom !== undefined && c !== cols) throw new Error(`${name}[${t}]: has ${c} columns (vectors of size ${c}), but ${sizeFrom()}`);
    checkMat(`${name}[${t}]`, m, rows, cols);
    if (finite) checkAllFinite(`${name}[${t}]`, (m as Mat).data);
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
  checkBatchSeq("xs", xs, I, undefined, false, wxhInputs(p)); // finiteness of p and xs: by the kernels, or below
  const B = xs[0].rows;
  const T = xs.length;
  if (h0 !== undefined) {
    checkMat("h0", h0, B, H);
    checkAllFinite("h0", h0.data);
  }
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const checkFinite = (): void => {
    checkParamsFinite(p);
    checkBatchSeq("xs", xs, I);
  };
  const fast = forwardPassKernels(p, xs.map((m) => m.data), h0?.data, B, I, H, O, checkFinite);
  const buf = fast ?? new Float64Array(yOff + T * B * O);
  if (fast === null) {
    checkFinite();
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
 * BPTT for the batch: the gradients summed over the B sequences, given dys[t − 1] = ∂L/∂Y_t (B×O). Full BPTT,
 * or truncated with `opts.truncate` = k < T as in {@link rnnBackward}: then each sequence runs through
 * rnnBackward's truncated pass on its own (O(B·T·k·H²)) and the results are summed (gradients) and stacked (dhs).
 *
 * @returns grads (shaped like `p`, summed over the batch) and dhs[t] = ∂L/∂H_t (B×H) for t = 0..T
 * @throws NonFiniteError naming the step where ∂L/∂H_t overflowed (entry index = b·H + i)
 * @example
 * const tr = rnnForwardBatch(p, xs);
 * const { grads } = rnnBackwardBatch(p, xs, tr, tr.ys.map((y, t) => minus(y, targets[t])));
 */
export function rnnBackwardBatch(
  p: RnnParams,
  xs: Mat[],
  trace: RnnBatchTrace,
  dys: Mat[],
  opts: BackwardOptions = {},
): { grads: RnnGrads; dhs: Mat[] } {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  // finiteness of xs, the trace and dys: in the kernels' memory, or below
  checkBatchSeq("xs", xs, I, undefined, false, wxhInputs(p));
  const B = xs[0].rows;
  const T = xs.length;
  checkHiddenTrace(trace, T, "rnnForwardBatch");
  trace.hs.forEach((m, t) => checkMat(`trace.hs[${t}]`, m, B, H));
  trace.zs.forEach((m, t) => checkMat(`trace.zs[${t}]`, m, B, H));
  assert(Array.isArray(dys) && dys.length === T, () => `dys: expected T = ${T} matrices ∂L/∂Y_t, got ${describe(dys)}`);
  checkBatchSeq("dys", dys, O, B, false, outputSizeFrom(p.Why));
  const k = truncationOf(opts, T);
  const checkFinite = (): void => {
    checkBatchSeq("xs", xs, I); // throws, naming the entry
    checkTraceFinite("trace.hs", trace.hs, "rnnForwardBatch");
    if (p.activation === "relu") checkTraceFinite("trace.zs", trace.zs, "rnnForwardBatch"); // only relu reads zs
    checkBatchSeq("dys", dys, O, B);
  };

  const BH = B * H;
  const g = zeroGrads(I, H, O);
  if (k < T) {
    checkFinite();
    return truncatedBySequence(p, xs, trace, dys, k, g, B, H);
  }
  const data = (ms: Mat[]) => ms.map((m) => m.data);
  const fast = backwardPassKernels(p, data(xs), data(trace.hs), data(trace.zs), data(dys), g, B, I, H, O, checkFinite);
  if (fast !== null) return { grads: g, dhs: matViews(fast, 0, T + 1, B, H) };
  checkFinite();
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

/**
 * Truncated BPTT of the batch, one sequence at a time through rnnBackward (its row b of every matrix, as views):
 * the gradients summed into g, each sequence's ∂L/∂h_t put into row b of dhs[t].
 */
function truncatedBySequence(
  p: RnnParams,
  xs: Mat[],
  trace: RnnBatchTrace,
  dys: Mat[],
  k: number,
  g: RnnGrads,
  B: number,
  H: number,
): { grads: RnnGrads; dhs: Mat[] } {
  const T = xs.length;
  const rowsOf = (ms: Mat[], b: number) => ms.map((m) => m.data.subarray(b * m.cols, (b + 1) * m.cols));
  const dh = new Float64Array((T + 1) * B * H);
  const sums: [Float64Array, (r: RnnGrads) => Float64Array][] = [
    [g.Wxh.data, (r) => r.Wxh.data],
    [g.Whh.data, (r) => r.Whh.data],
    [g.bh, (r) => r.bh],
    [g.Why.data, (r) => r.Why.data],
    [g.by, (r) => r.by],
  ];
  for (let b = 0; b < B; b++) {
    let one: { grads: RnnGrads; dhs: Float64Array[] };
    try {
      const tr = { hs: rowsOf(trace.hs, b), zs: rowsOf(trace.zs, b), ys: [] }; // the backward pass reads no ys
      one = rnnBackward(p, rowsOf(xs, b), tr, rowsOf(dys, b), { truncate: k });
    } catch (e) {
      // name the entry as the batch does (b·H + i), not as sequence b alone does
      if (e instanceof NonFiniteError && e.index !== undefined) throw new NonFiniteError(e.what, e.step, e.value, b * H + e.index, EXPLODE);
      throw e;
    }
    for (const [dst, of] of sums) {
      const src = of(one.grads);
      for (let i = 0; i < dst.length; i++) dst[i] += src[i];
    }
    for (let t = 0; t <= T; t++) dh.set(one.dhs[t], (t * B + b) * H);
  }
  return { grads: g, dhs: matViews(dh, 0, T + 1, B, H) };
}
