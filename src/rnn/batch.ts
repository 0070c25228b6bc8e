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
 * in the kernels (inputs and weights copied in once, the trace or the gradients copied out once, the activation
 * in the kernels too); a large batch is split in two halves of sequences that run at once on two cores (the
 * kernel worker of ../core/wasm/threads), each half's weight gradients summed at the end. Otherwise (no SIMD,
 * or sigmoid units) the JavaScript kernels do it all.
 */
import { gemmAdd, gemmTNAdd, transposeData, colSumAdd } from "../core/kernels";
import {
  putTransposed,
  SIMD_ACTIVATION,
  simdKernels,
  type BackwardAllArgs,
  type ForwardAllArgs,
  type KernelCall,
  type SimdKernels,
} from "../core/wasm/simd";
import { kernelPair, type KernelPair } from "../core/wasm/threads";
import { assert, checkAllFinite, checkMat, describe, type Mat } from "../core/tensor";
import { checkHiddenTrace, throwIfNonFinite } from "./checks";
import { rnnSizes, simdKind, type RnnGrads, type RnnParams } from "./vanilla";
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
 */
function checkBatchSeq(name: string, ms: unknown, cols: number, B?: number, finite = true): Mat[] {
  assert(Array.isArray(ms), () => `${name}: expected an array of T matrices (one per step), got ${describe(ms)}`);
  assert(ms.length > 0, () => `${name}: expected at least one time step, got an empty sequence`);
  const rows = B ?? checkMat(`${name}[0]`, ms[0]).rows;
  ms.forEach((m, t) => {
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
  checkParamsFinite(p);
  checkBatchSeq("xs", xs, I, undefined, false); // finiteness: in the kernels' memory, or below
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
    checkBatchSeq("xs", xs, I);
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
  checkBatchSeq("xs", xs, I, undefined, false); // finiteness of xs and dys: in the kernels' memory, or below
  const B = xs[0].rows;
  const T = xs.length;
  checkHiddenTrace(trace, T, "rnnForwardBatch");
  trace.hs.forEach((m, t) => checkMat(`trace.hs[${t}]`, m, B, H));
  trace.zs.forEach((m, t) => checkMat(`trace.zs[${t}]`, m, B, H));
  assert(Array.isArray(dys) && dys.length === T, () => `dys: expected T = ${T} matrices ∂L/∂Y_t, got ${describe(dys)}`);
  checkBatchSeq("dys", dys, O, B, false);

  const BH = B * H;
  const g = zeroGrads(I, H, O);
  const fast = backwardBatchSimd(p, xs, trace, dys, g, B, I, H, O);
  if (fast !== null) return { grads: g, dhs: matViews(fast, 0, T + 1, B, H) };
  checkBatchSeq("xs", xs, I);
  checkBatchSeq("dys", dys, O, B);
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

/** The rows [b0, b0 + n) of the batch that one thread runs: its own sequences, as a sub-batch of n. */
interface Part {
  b0: number;
  n: number;
}

/**
 * The batch in one part, or in two (this thread and the kernel worker, ../core/wasm/threads) when there is
 * enough work for a second core to pay: at least 4 sequences and T·B·H·(I + H + O) ≥ 2²² multiply-adds
 * (≈ 0.5 ms on one core; below that the hand-over costs more than it saves). This thread's part is the
 * smaller (≈ 44%): it also copies every operand in and the results out, part of it while the worker computes.
 */
function partsOf(s: SimdKernels, B: number, T: number, I: number, H: number, O: number): { pair: KernelPair | null; parts: Part[] } {
  const pair = B >= 4 && T * B * H * (I + H + O) >= 1 << 22 ? kernelPair(s) : null;
  if (pair === null) return { pair, parts: [{ b0: 0, n: B }] };
  const n0 = Math.max(2, Math.round(0.44 * B));
  return { pair, parts: [{ b0: 0, n: n0 }, { b0: n0, n: B - n0 }] };
}

/**
 * Runs each part's kernel call with its copies: for one part, copy in, run, copy out; for two, part 1 is
 * copied in and handed to the worker first, then this thread copies part 0 in, runs it and copies it out
 * while the worker computes, and copies part 1 out last. Returns each part's result (a step or −1).
 */
function runParts<A>(
  pair: KernelPair | null,
  args: A[],
  copyIn: (k: number) => void,
  here: (a: A) => number,
  call: (a: A) => KernelCall,
  copyOut: (k: number) => void,
): number[] {
  const one = (k: number): number => {
    copyIn(k);
    const r = here(args[k]);
    copyOut(k);
    return r;
  };
  if (pair === null || args.length === 1) return args.map((_, k) => one(k));
  copyIn(1);
  const steps = pair.run(call(args[1]), () => one(0));
  copyOut(1);
  return steps;
}

/**
 * Copies rows [b0, b0 + n) of each of the `count` matrices ms (B×cols) back to back into v from position off:
 * a part's sub-batch, step after step.
 */
function putPart(v: Float64Array, off: number, ms: Mat[], count: number, q: Part, cols: number): void {
  const from = q.b0 * cols;
  const len = q.n * cols;
  for (let t = 0; t < count; t++) v.set(ms[t].data.subarray(from, from + len), off + t * len);
}

/** The inverse of {@link putPart} into one row-major buffer: block t of the part goes to rows b0.. of step t. */
function takePart(out: Float64Array, outOff: number, v: Float64Array, off: number, count: number, q: Part, B: number, cols: number): void {
  const len = q.n * cols;
  for (let t = 0; t < count; t++) out.set(v.subarray(off + t * len, off + (t + 1) * len), outOff + (t * B + q.b0) * cols);
}

/**
 * rnnForwardBatch's whole pass in the SIMD kernels: X, Wxhᵀ, Whh(ᵀ), Whyᵀ and the biases copied in once; each
 * part's trace (H_0..H_T, Z, Y of its sequences) computed there by forwardAll — the two parts at once on two
 * cores when the batch is large enough — and copied out once into one buffer laid out as the trace. Null
 * (nothing done) when SIMD is unavailable or φ is sigmoid.
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
  const kind = simdKind(p.activation);
  if (s === null || kind === null) return null;
  const T = xs.length;
  const { pair, parts } = partsOf(s, B, T, I, H, O);
  // shared weights, then each part's X, H_0..H_T, Z, Y
  const wxt = 0;
  const w = wxt + I * H;
  const wyt = w + H * H;
  const bh = wyt + H * O;
  const by = bh + H;
  let end = by + O;
  const args: ForwardAllArgs[] = parts.map((q) => {
    const x = end;
    const h = x + T * q.n * I;
    const z = h + (T + 1) * q.n * H;
    const y = z + T * q.n * H;
    end = y + T * q.n * O;
    return { T, B: q.n, I, H, O, kind, x, wxt, w, wyt, bh, by, h, z, y };
  });
  const v = s.reserve(end);
  if (v === null) return null;
  putTransposed(v, wxt, H, I, p.Wxh.data);
  if (B === 1) v.set(p.Whh.data, w); // forwardAll takes Whh for one sequence (mat-vecs), Whhᵀ for more
  else putTransposed(v, w, H, H, p.Whh.data);
  putTransposed(v, wyt, O, H, p.Why.data);
  v.set(p.bh, bh);
  v.set(p.by, by);
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const out = new Float64Array(yOff + T * B * O);
  const copyIn = (k: number): void => {
    const [q, a] = [parts[k], args[k]];
    putPart(v, a.x, xs, T, q, I);
    if (s.nonfinite(T * q.n * I, a.x)) checkBatchSeq("xs", xs, I); // throws, naming the entry
    if (h0 !== undefined) v.set(h0.data.subarray(q.b0 * H, (q.b0 + q.n) * H), a.h);
    else v.fill(0, a.h, a.h + q.n * H);
  };
  const copyOut = (k: number): void => {
    const [q, a] = [parts[k], args[k]];
    takePart(out, 0, v, a.h, T + 1, q, B, H);
    takePart(out, zOff, v, a.z, T, q, B, H);
    takePart(out, yOff, v, a.y, T, q, B, O);
  };
  const steps = runParts(pair, args, copyIn, (a) => s.forwardAll(a), (a) => s.forwardAllCall(a), copyOut);
  const bad = steps.filter((t) => t >= 0);
  if (bad.length > 0) {
    const t = Math.min(...bad); // the first step where some sequence's H_t overflowed
    throwIfNonFinite("h_t", out.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
  }
  return out;
}

/**
 * rnnBackwardBatch in the SIMD kernels: each part's H_0..H_T, X, Ȳ (and Z for relu) and the shared Why, Whh(ᵀ)
 * copied in once; each part's BPTT and weight gradients computed there by backwardAll into its own gradient
 * sums — the two parts at once on two cores when the batch is large enough — then the sums added into g and
 * H̄_0..H̄_T copied out (returned). Null (nothing done) when SIMD is unavailable or φ is sigmoid.
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
  const kind = simdKind(p.activation);
  if (s === null || kind === null) return null;
  const T = xs.length;
  const { pair, parts } = partsOf(s, B, T, I, H, O);
  const wy = 0;
  const w = wy + O * H;
  let end = w + H * H;
  const relu = kind === SIMD_ACTIVATION.relu;
  const args: BackwardAllArgs[] = parts.map((q) => {
    const x = end;
    const dy = x + T * q.n * I;
    const h = dy + T * q.n * O;
    const dh = h + (T + 1) * q.n * H;
    const dz = dh + (T + 1) * q.n * H;
    const gy = dz + T * q.n * H; // this part's gradient sums, in the order of RnnGrads' tensors
    const gh = gy + O * H;
    const gx = gh + H * H;
    const gbh = gx + H * I;
    const gby = gbh + H;
    const z = gby + O; // Z, for relu only
    end = z + (relu ? T * q.n * H : 0);
    return { T, B: q.n, I, H, O, kind, x, dy, h, z, wy, w, dh, dz, gx, gh, gy, gbh, gby };
  });
  const v = s.reserve(end);
  if (v === null) return null;
  v.set(p.Why.data, wy);
  if (B === 1) putTransposed(v, w, H, H, p.Whh.data); // backwardAll takes Whhᵀ for one sequence, Whh for more
  else v.set(p.Whh.data, w);
  const BH = B * H;
  const out = new Float64Array((T + 1) * BH);
  const copyIn = (k: number): void => {
    const [q, a] = [parts[k], args[k]];
    putPart(v, a.x, xs, T, q, I);
    putPart(v, a.dy, dys, T, q, O);
    if (s.nonfinite(T * q.n * I, a.x) || s.nonfinite(T * q.n * O, a.dy)) {
      checkBatchSeq("xs", xs, I); // one of them throws, naming the entry
      checkBatchSeq("dys", dys, O, B);
    }
    putPart(v, a.h, trace.hs, T + 1, q, H);
    if (relu) putPart(v, a.z, trace.zs, T, q, H);
    v.fill(0, a.gy, a.gby + O);
  };
  const copyOut = (k: number): void => takePart(out, 0, v, args[k].dh, T + 1, parts[k], B, H);
  const steps = runParts(pair, args, copyIn, (a) => s.backwardAll(a), (a) => s.backwardAllCall(a), copyOut);
  const bad = steps.filter((t) => t >= 0);
  if (bad.length > 0) {
    const t = Math.max(...bad); // the first step, going backwards, where some sequence's H̄_t overflowed
    throwIfNonFinite("dL/dh_t", out.subarray(t * BH, (t + 1) * BH), t, EXPLODE);
  }
  const sums: [Float64Array, (a: BackwardAllArgs) => number][] = [
    [g.Why.data, (a) => a.gy],
    [g.Whh.data, (a) => a.gh],
    [g.Wxh.data, (a) => a.gx],
    [g.bh, (a) => a.gbh],
    [g.by, (a) => a.gby],
  ];
  for (const [dst, at] of sums)
    for (const a of args) {
      const o = at(a);
      for (let i = 0; i < dst.length; i++) dst[i] += v[o + i];
    }
  return out;
}
