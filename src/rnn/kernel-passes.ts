/**
 * The vanilla RNN's forward pass and full BPTT in compiled kernels — the native ones (../core/native, OpenBLAS)
 * where they are built, else the WebAssembly SIMD ones (../core/wasm/simd) — one code for one sequence
 * (rnnForward/rnnBackward, B = 1) and a minibatch (rnnForwardBatch/rnnBackwardBatch): each step's data is a
 * B×size block, each pass one kernel call. The native kernels take the caller's arrays as they are (the weights,
 * the trace, the gradients; inputs copied only when their rows do not lie back to back) and split a large pass
 * over two threads themselves; the WebAssembly ones take copies in their memory and run on this thread.
 *
 * Internal to src/rnn: not part of the public face (src/index.ts).
 */
import { putTransposed, SIMD_ACTIVATION, simdKernels, type BackwardAllArgs, type ForwardAllArgs } from "../core/wasm/simd";
import { nativeKernels, type NativeKernels } from "../core/native/native";
import type { Activation } from "./activation";
import { EXPLODE, throwIfNonFinite } from "./checks";
import { contiguousRows } from "./rows";
import type { RnnGrads, RnnParams } from "./vanilla-shared";

/**
 * The kernels' code for φ ({@link SIMD_ACTIVATION}), or null for sigmoid, which the kernels do not have: a
 * sigmoid RNN runs on the JavaScript path.
 */
export function kernelKind(a: Activation): number | null {
  return a === "sigmoid" ? null : SIMD_ACTIVATION[a];
}

/** Copies the `count` blocks ms (each B×cols) back to back into v from position off. */
function putBlocks(v: Float64Array, off: number, ms: Float64Array[], count: number, len: number): void {
  for (let t = 0; t < count; t++) v.set(ms[t], off + t * len);
}

/**
 * The `count` blocks ms (each of length len) as one matrix for the native kernels: a view when they lie back to
 * back already (a trace from the forward pass), else copied into mem from `at.off` (which moves past them).
 */
function blocksIn(ms: Float64Array[], len: number, mem: Float64Array, at: { off: number }): Float64Array {
  const view = contiguousRows(ms, len);
  if (view !== null) return view;
  const v = mem.subarray(at.off, at.off + ms.length * len);
  putBlocks(v, 0, ms, ms.length, len);
  at.off += ms.length * len;
  return v;
}

/** True when some weight or bias of p holds a NaN or ±∞ (the native kernels' vectorised check). */
function paramsNonfinite(k: NativeKernels, p: RnnParams): boolean {
  return k.nonfinite(p.Wxh.data) || k.nonfinite(p.Whh.data) || k.nonfinite(p.Why.data) || k.nonfinite(p.bh) || k.nonfinite(p.by);
}

/**
 * The whole forward pass of B sequences in the kernels, for rnnForward (B = 1, xs[t] = x_t) and
 * rnnForwardBatch (xs[t] = the B×I block X_t), into one new buffer [H_0..H_T | Z_1..Z_T | Y_1..Y_T] of B×size
 * blocks: the native kernels read the weights and X where they lie and write the trace there; the WebAssembly
 * ones take copies (Wxhᵀ, Whh(ᵀ), Whyᵀ, X) in their memory, and the trace is copied out. The weights and X are
 * checked for NaN/∞ by the kernels. Null (nothing done) when no kernels are available or φ is sigmoid.
 *
 * @param recheck called when the weights or the inputs hold a NaN or ∞: the caller's own checks, which throw
 *   the error that names the entry
 * @throws NonFiniteError naming the first step where some H_t overflowed
 */
export function forwardPassKernels(
  p: RnnParams,
  xs: Float64Array[],
  h0: Float64Array | undefined,
  B: number,
  I: number,
  H: number,
  O: number,
  recheck: () => void,
): Float64Array | null {
  const kind = kernelKind(p.activation);
  if (kind === null) return null;
  const T = xs.length;
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const native = nativeKernels();
  let out: Float64Array | null;
  if (native !== null) {
    const mem = native.reserve(T * B * I);
    if (mem === null) return null;
    const x = blocksIn(xs, B * I, mem, { off: 0 });
    if (paramsNonfinite(native, p) || native.nonfinite(x)) recheck();
    out = new Float64Array(yOff + T * B * O);
    if (h0 !== undefined) out.set(h0, 0);
    const h = out.subarray(0, zOff), z = out.subarray(zOff, yOff), y = out.subarray(yOff);
    const t = native.forwardAll({ T, B, I, H, O, kind, x, wxh: p.Wxh.data, whh: p.Whh.data, why: p.Why.data, bh: p.bh, by: p.by, h, z, y });
    if (t >= 0) throwIfNonFinite("h_t", out.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
    return out;
  }
  const s = simdKernels();
  if (s === null) return null;
  // Wxhᵀ, Whh(ᵀ), Whyᵀ, the biases, X, then H_0..H_T, Z, Y
  const wxt = 0;
  const w = wxt + I * H;
  const wyt = w + H * H;
  const bh = wyt + H * O;
  const by = bh + H;
  const x = by + O;
  const h = x + T * B * I;
  const z = h + (T + 1) * BH;
  const y = z + T * BH;
  const a: ForwardAllArgs = { T, B, I, H, O, kind, x, wxt, w, wyt, bh, by, h, z, y };
  const v = s.reserve(y + T * B * O);
  if (v === null) return null;
  putTransposed(v, wxt, H, I, p.Wxh.data);
  putTransposed(v, wyt, O, H, p.Why.data);
  if (B === 1) v.set(p.Whh.data, w); // forwardAll takes Whh for one sequence (mat-vecs), Whhᵀ for more
  else putTransposed(v, w, H, H, p.Whh.data);
  v.set(p.bh, bh);
  v.set(p.by, by);
  putBlocks(v, x, xs, T, B * I);
  if (s.nonfinite(x - wxt, wxt) || s.nonfinite(T * B * I, x)) recheck();
  if (h0 !== undefined) v.set(h0, h);
  else v.fill(0, h, h + BH);
  const t = s.forwardAll(a);
  out = v.slice(h, y + T * B * O); // H_0..H_T, Z, Y lie back to back as in `out`
  // the first step where some sequence's H_t overflowed
  if (t >= 0) throwIfNonFinite("h_t", out.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
  return out;
}

/**
 * Full BPTT of B sequences in the kernels, for rnnBackward (B = 1) and rnnBackwardBatch (B×size blocks per
 * step, as for {@link forwardPassKernels}), the weight gradients ACCUMULATED into g (the caller's fresh zeros)
 * and H̄_0..H̄_T returned in one new buffer. The native kernels read Why, Whh, the trace, X and Ȳ where they lie
 * (X and Ȳ copied into their memory when their rows are not back to back) and write g and H̄ in place; the
 * WebAssembly ones take copies in their memory, and the results are copied out. Null (nothing done) when no
 * kernels are available or φ is sigmoid.
 *
 * @param recheck called when xs, hs, dys (or, for relu, zs: the other units do not read them) hold a NaN or ∞:
 *   the caller's own checks, which throw naming the entry (a NaN put into a trace would otherwise come out as
 *   an exploding gradient)
 * @throws NonFiniteError naming the first step, going backwards, where some H̄_t overflowed
 */
export function backwardPassKernels(
  p: RnnParams,
  xs: Float64Array[],
  hs: Float64Array[],
  zs: Float64Array[],
  dys: Float64Array[],
  g: RnnGrads,
  B: number,
  I: number,
  H: number,
  O: number,
  recheck: () => void,
): Float64Array | null {
  const kind = kernelKind(p.activation);
  if (kind === null) return null;
  const T = xs.length;
  const BH = B * H;
  const relu = kind === SIMD_ACTIVATION.relu;
  const native = nativeKernels();
  if (native !== null) {
    // the memory: Z̄, then whichever of X, Ȳ, H, Z do not lie back to back already
    const mem = native.reserve(T * BH + T * B * (I + O) + (T + 1) * BH + (relu ? T * BH : 0));
    if (mem === null) return null;
    const at = { off: T * BH };
    const x = blocksIn(xs, B * I, mem, at);
    const dy = blocksIn(dys, B * O, mem, at);
    const h = blocksIn(hs, BH, mem, at);
    const z = relu ? blocksIn(zs, BH, mem, at) : new Float64Array(0);
    if (native.nonfinite(x) || native.nonfinite(dy) || native.nonfinite(h) || (relu && native.nonfinite(z))) recheck();
    const out = new Float64Array((T + 1) * BH);
    const dz = mem.subarray(0, T * BH);
    const gx = g.Wxh.data, gh = g.Whh.data, gy = g.Why.data, gbh = g.bh, gby = g.by;
    const t = native.backwardAll({ T, B, I, H, O, kind, x, dy, h, z, why: p.Why.data, whh: p.Whh.data, dh: out, dz, gx, gh, gy, gbh, gby });
    if (t >= 0) throwIfNonFinite("dL/dh_t", out.subarray(t * BH, (t + 1) * BH), t, EXPLODE);
    return out;
  }
  const s = simdKernels();
  if (s === null) return null;
  // Why, Whh(ᵀ), X, Ȳ, H_0..H_T, H̄_0..H̄_T, Z̄, the gradient sums in the order of RnnGrads' tensors, and Z (for
  // relu only)
  const wy = 0;
  const w = wy + O * H;
  const x = w + H * H;
  const dy = x + T * B * I;
  const h = dy + T * B * O;
  const dh = h + (T + 1) * BH;
  const dz = dh + (T + 1) * BH;
  const gy = dz + T * BH;
  const gh = gy + O * H;
  const gx = gh + H * H;
  const gbh = gx + H * I;
  const gby = gbh + H;
  const z = gby + O;
  const end = z + (relu ? T * BH : 0);
  const a: BackwardAllArgs = { T, B, I, H, O, kind, x, dy, h, z, wy, w, dh, dz, gx, gh, gy, gbh, gby };
  const v = s.reserve(end);
  if (v === null) return null;
  v.set(p.Why.data, wy);
  if (B === 1) putTransposed(v, w, H, H, p.Whh.data); // backwardAll takes Whhᵀ for one sequence, Whh for more
  else v.set(p.Whh.data, w);
  putBlocks(v, x, xs, T, B * I);
  putBlocks(v, dy, dys, T, B * O);
  putBlocks(v, h, hs, T + 1, BH);
  if (relu) putBlocks(v, z, zs, T, BH);
  const bad =
    s.nonfinite(T * B * I, x) || s.nonfinite(T * B * O, dy) || s.nonfinite((T + 1) * BH, h) || (relu && s.nonfinite(T * BH, z));
  if (bad) recheck();
  v.fill(0, gy, gby + O);
  const t = s.backwardAll(a);
  const out = v.slice(dh, dh + (T + 1) * BH);
  // the first step, going backwards, where some sequence's H̄_t overflowed
  if (t >= 0) throwIfNonFinite("dL/dh_t", out.subarray(t * BH, (t + 1) * BH), t, EXPLODE);
  const sums: [Float64Array, number][] = [[g.Why.data, gy], [g.Whh.data, gh], [g.Wxh.data, gx], [g.bh, gbh], [g.by, gby]];
  for (const [dst, o] of sums) dst.set(v.subarray(o, o + dst.length));
  return out;
}
