/**
 * The vanilla RNN's forward pass and full BPTT in compiled kernels — the native ones (../core/native, OpenBLAS)
 * where they are built, else the WebAssembly SIMD ones (../core/wasm/simd), which take the same calls — one code for
 * one sequence (rnnForward/rnnBackward, B = 1) and a minibatch (rnnForwardBatch/rnnBackwardBatch): each step's
 * data is a B×size block, each pass one kernel call. The native kernels split a large pass over two threads
 * themselves; the WebAssembly ones run on this thread.
 *
 * Internal to src/rnn: not part of the public face (src/index.ts).
 */
import { putTransposed, SIMD_ACTIVATION, simdKernels, type BackwardAllArgs, type ForwardAllArgs } from "../core/wasm/simd";
import { nativeKernels, type NativeKernels } from "../core/native/native";
import type { Activation } from "./activation";
import { EXPLODE, throwIfNonFinite } from "./checks";
import type { RnnGrads, RnnParams } from "./vanilla-shared";

/**
 * The kernels' code for φ ({@link SIMD_ACTIVATION}), or null for sigmoid, which the kernels do not have: a
 * sigmoid RNN runs on the JavaScript path.
 */
export function kernelKind(a: Activation): number | null {
  return a === "sigmoid" ? null : SIMD_ACTIVATION[a];
}

/** A pass's kernels: their memory and checks (s), and the two whole passes, writing into `out` when direct. */
interface PassKernels {
  s: Pick<NativeKernels, "reserve" | "nonfinite">;
  direct: NativeKernels | null;
  forwardAll(a: ForwardAllArgs, out: Float64Array): number;
  backwardAll(a: BackwardAllArgs, out: Float64Array): number;
}

/**
 * What runs a pass: the native kernels (OpenBLAS) wherever they are built — faster at every size the bench
 * measures, from one sequence at H = 16 up — else the WebAssembly SIMD kernels; null when neither is available
 * (the JavaScript path). `direct`: the native kernels write the results straight into the caller's buffer.
 */
function kernelsOf(): PassKernels | null {
  const native = nativeKernels();
  if (native !== null)
    return { s: native, direct: native, forwardAll: (a, out) => native.forwardAll(a, out), backwardAll: (a, out) => native.backwardAll(a, out) };
  const simd = simdKernels();
  if (simd === null) return null;
  return { s: simd, direct: null, forwardAll: (a) => simd.forwardAll(a), backwardAll: (a) => simd.backwardAll(a) };
}

/** Copies the `count` blocks ms (each B×cols) back to back into v from position off. */
function putBlocks(v: Float64Array, off: number, ms: Float64Array[], count: number, len: number): void {
  for (let t = 0; t < count; t++) v.set(ms[t], off + t * len);
}

/**
 * The whole forward pass of B sequences in the kernels, for rnnForward (B = 1, xs[t] = x_t) and
 * rnnForwardBatch (xs[t] = the B×I block X_t): X, Wxh(ᵀ), Whh(ᵀ), Why(ᵀ) and the biases copied in once; the trace
 * computed there by forwardAll and copied out once into one buffer [H_0..H_T | Z_1..Z_T | Y_1..Y_T],
 * B×size blocks (the native kernels write it there themselves). Null (nothing done) when no kernels are
 * available or φ is sigmoid.
 *
 * @param recheck called when the inputs hold a NaN or ∞ (found where they are copied in): the caller's own
 *   check, which throws the error that names the entry
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
  const T = xs.length;
  const plan = kind === null ? null : kernelsOf();
  if (plan === null || kind === null) return null;
  const { s, direct } = plan;
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const out = new Float64Array(yOff + T * B * O);
  // the weights, X, then H_0..H_T, Z, Y (the trace straight in `out` when the kernels take it)
  const wxt = 0;
  const w = wxt + I * H;
  const wyt = w + H * H;
  const bh = wyt + H * O;
  const by = bh + H;
  const x = by + O;
  const h = direct !== null ? 0 : x + T * B * I;
  const z = direct !== null ? zOff : h + (T + 1) * BH;
  const y = direct !== null ? yOff : z + T * BH;
  const end = direct !== null ? x + T * B * I : y + T * B * O;
  const a: ForwardAllArgs = { T, B, I, H, O, kind, x, wxt, w, wyt, bh, by, h, z, y };
  const v = s.reserve(end);
  if (v === null) return null;
  if (direct !== null) {
    // the native forwardAll reads Wxh and Why as they are (dgemm transposes them as it packs them)
    v.set(p.Wxh.data, wxt);
    v.set(p.Why.data, wyt);
  } else {
    putTransposed(v, wxt, H, I, p.Wxh.data);
    putTransposed(v, wyt, O, H, p.Why.data);
  }
  if (B === 1) v.set(p.Whh.data, w); // forwardAll takes Whh for one sequence (mat-vecs), Whhᵀ for more
  else putTransposed(v, w, H, H, p.Whh.data);
  v.set(p.bh, bh);
  v.set(p.by, by);
  putBlocks(v, x, xs, T, B * I);
  if (s.nonfinite(T * B * I, x)) recheck();
  const hb = direct !== null ? out : v;
  if (h0 !== undefined) hb.set(h0, h);
  else if (direct === null) v.fill(0, h, h + BH);
  const t = plan.forwardAll(a, out);
  if (direct === null) out.set(v.subarray(h, y + T * B * O)); // H_0..H_T, Z, Y lie back to back as in `out`
  // the first step where some sequence's H_t overflowed
  if (t >= 0) throwIfNonFinite("h_t", out.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
  return out;
}

/**
 * Full BPTT of B sequences in the kernels, for rnnBackward (B = 1) and rnnBackwardBatch (B×size blocks per
 * step, as for {@link forwardPassKernels}): H_0..H_T, X, Ȳ (and Z for relu), Why and Whh(ᵀ) copied in once;
 * BPTT and the weight gradients computed there by backwardAll into gradient sums, then the sums written into g
 * (the caller's fresh gradients: what g held is replaced) and H̄_0..H̄_T copied out (returned; the native kernels write them there themselves). Null (nothing
 * done) when no kernels are available or φ is sigmoid.
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
  const T = xs.length;
  const plan = kind === null ? null : kernelsOf();
  if (plan === null || kind === null) return null;
  const { s, direct } = plan;
  const BH = B * H;
  const out = new Float64Array((T + 1) * BH);
  const relu = kind === SIMD_ACTIVATION.relu;
  // Why, Whh(ᵀ), X, Ȳ, H_0..H_T, H̄_0..H̄_T (straight in `out` when the kernels take it), Z̄, the gradient sums
  // in the order of RnnGrads' tensors, and Z (for relu only)
  const wy = 0;
  const w = wy + O * H;
  const x = w + H * H;
  const dy = x + T * B * I;
  const h = dy + T * B * O;
  const dh = direct !== null ? 0 : h + (T + 1) * BH;
  const dz = h + (T + 1) * BH * (direct !== null ? 1 : 2);
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
  const t = plan.backwardAll(a, out);
  if (direct === null) out.set(v.subarray(dh, dh + (T + 1) * BH));
  // the first step, going backwards, where some sequence's H̄_t overflowed
  if (t >= 0) throwIfNonFinite("dL/dh_t", out.subarray(t * BH, (t + 1) * BH), t, EXPLODE);
  const sums: [Float64Array, number][] = [[g.Why.data, gy], [g.Whh.data, gh], [g.Wxh.data, gx], [g.bh, gbh], [g.by, gby]];
  for (const [dst, o] of sums) dst.set(v.subarray(o, o + dst.length));
  return out;
}
