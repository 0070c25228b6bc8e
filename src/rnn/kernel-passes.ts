/**
 * The vanilla RNN's forward pass and full BPTT in compiled kernels — the native ones (../core/native, OpenBLAS)
 * where they are built, else the WebAssembly SIMD ones (../core/wasm/simd), which take the same calls — one code for
 * one sequence (rnnForward/rnnBackward, B = 1) and a minibatch (rnnForwardBatch/rnnBackwardBatch): each step's
 * data is a B×size block, each pass one kernel call per part of the batch. A large pass uses both cores: the native
 * kernels split it over two threads themselves; on the SIMD kernels a large batch runs in two parts at once, the
 * second on the kernel worker (../core/wasm/threads).
 *
 * Internal to src/rnn: not part of the public face (src/index.ts).
 */
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

/** The rows [b0, b0 + n) of the batch that one thread runs: its own sequences, as a sub-batch of n. */
interface Part {
  b0: number;
  n: number;
}

/** What runs whole passes: the WebAssembly SIMD kernels (../core/wasm/simd) or the native ones (../core/native). */
type PassKernels = Pick<SimdKernels, "reserve" | "nonfinite" | "forwardAll" | "backwardAll">;

/**
 * Who runs a pass, and on which sequences: the native kernels (OpenBLAS; they split a large pass over two threads
 * themselves) wherever they are built — they are faster at every size the bench measures, from one sequence at
 * H = 16 up; otherwise the SIMD kernels, the batch in one part or in two (this thread and the kernel
 * worker, ../core/wasm/threads) when there is enough work for a second core to pay: at least 4 sequences and
 * T·B·H·(I + H + O) ≥ 2²² multiply-adds (≈ 0.5 ms on one core; below that the hand-over costs more than it
 * saves). This thread's part is then the smaller (≈ 44%): it also copies every operand in and the results out,
 * part of it while the worker computes. Null when neither set of kernels is available (the JavaScript path).
 */
interface Plan {
  s: PassKernels;
  parts: Part[];
  /** When the batch is split over two cores (then in two parts): the kernel worker, and the SIMD kernels it runs. */
  worker: { pair: KernelPair; simd: SimdKernels } | null;
  /** The native kernels, when they run the pass (in one part): they write the results straight into the caller's buffer. */
  direct: NativeKernels | null;
}

function planOf(B: number, T: number, I: number, H: number, O: number): Plan | null {
  const native = nativeKernels();
  if (native !== null) return { s: native, parts: [{ b0: 0, n: B }], worker: null, direct: native };
  const simd = simdKernels();
  if (simd === null) return null;
  const pair = B >= 4 && T * B * H * (I + H + O) >= 1 << 22 ? kernelPair(simd) : null;
  if (pair === null) return { s: simd, parts: [{ b0: 0, n: B }], worker: null, direct: null };
  const n0 = Math.max(2, Math.round(0.44 * B));
  return { s: simd, parts: [{ b0: 0, n: n0 }, { b0: n0, n: B - n0 }], worker: { pair, simd }, direct: null };
}

/**
 * Runs a pass by its plan, with its copies: for one part, copy in, run, copy out; for two, part 1 is copied in
 * and handed to the kernel worker first, then this thread copies part 0 in, runs it and copies it out while the
 * worker computes, and copies part 1 out last. Returns each part's result (a step or −1).
 */
function runParts<A>(
  plan: Plan,
  args: A[],
  copyIn: (k: number) => void,
  here: (s: PassKernels, a: A) => number,
  call: (s: SimdKernels, a: A) => KernelCall,
  copyOut: (k: number) => void,
): number[] {
  const one = (k: number): number => {
    copyIn(k);
    const r = here(plan.s, args[k]);
    copyOut(k);
    return r;
  };
  if (plan.worker === null) return args.map((_, k) => one(k));
  copyIn(1);
  const steps = plan.worker.pair.run(call(plan.worker.simd, args[1]), () => one(0));
  copyOut(1);
  return steps;
}

/**
 * Copies rows [b0, b0 + n) of each of the `count` B×cols blocks ms back to back into v from position off: a
 * part's sub-batch, step after step (the whole block when the part is the whole batch).
 */
function putPart(v: Float64Array, off: number, ms: Float64Array[], count: number, q: Part, cols: number): void {
  const from = q.b0 * cols;
  const len = q.n * cols;
  const whole = ms.length > 0 && ms[0].length === len;
  for (let t = 0; t < count; t++) v.set(whole ? ms[t] : ms[t].subarray(from, from + len), off + t * len);
}

/**
 * The inverse of {@link putPart} into one row-major buffer: block t of the part goes to rows b0.. of step t (one
 * copy of all the blocks when the part is the whole batch: the two layouts are then the same).
 */
function takePart(out: Float64Array, outOff: number, v: Float64Array, off: number, count: number, q: Part, B: number, cols: number): void {
  const len = q.n * cols;
  if (q.n === B) out.set(v.subarray(off, off + count * len), outOff);
  else for (let t = 0; t < count; t++) out.set(v.subarray(off + t * len, off + (t + 1) * len), outOff + (t * B + q.b0) * cols);
}

/**
 * The whole forward pass of B sequences in the kernels, for rnnForward (B = 1, xs[t] = x_t) and
 * rnnForwardBatch (xs[t] = the B×I block X_t): X, Wxhᵀ, Whh(ᵀ), Whyᵀ and the biases copied in once; each
 * part's trace (H_0..H_T, Z, Y of its sequences) computed there by forwardAll — the two parts at once on two
 * cores when the batch is large enough — and copied out once into one buffer [H_0..H_T | Z_1..Z_T | Y_1..Y_T],
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
  const plan = kind === null ? null : planOf(B, T, I, H, O);
  if (plan === null || kind === null) return null;
  const { s, parts, direct } = plan;
  const BH = B * H;
  const zOff = (T + 1) * BH;
  const yOff = zOff + T * BH;
  const out = new Float64Array(yOff + T * B * O);
  // shared weights, then each part's X, H_0..H_T, Z, Y (the trace straight in `out` when the kernels take it)
  const wxt = 0;
  const w = wxt + I * H;
  const wyt = w + H * H;
  const bh = wyt + H * O;
  const by = bh + H;
  let end = by + O;
  const args: ForwardAllArgs[] = parts.map((q) => {
    const x = end;
    end = x + T * q.n * I;
    if (direct !== null) return { T, B: q.n, I, H, O, kind, x, wxt, w, wyt, bh, by, h: 0, z: zOff, y: yOff };
    const h = end;
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
  const hb = direct !== null ? out : v;
  const copyIn = (k: number): void => {
    const [q, a] = [parts[k], args[k]];
    putPart(v, a.x, xs, T, q, I);
    if (s.nonfinite(T * q.n * I, a.x)) recheck();
    if (h0 !== undefined) hb.set(h0.subarray(q.b0 * H, (q.b0 + q.n) * H), a.h);
    else if (direct === null) v.fill(0, a.h, a.h + q.n * H);
  };
  const copyOut = (k: number): void => {
    if (direct !== null) return;
    const [q, a] = [parts[k], args[k]];
    takePart(out, 0, v, a.h, T + 1, q, B, H);
    takePart(out, zOff, v, a.z, T, q, B, H);
    takePart(out, yOff, v, a.y, T, q, B, O);
  };
  const here = (k: PassKernels, a: ForwardAllArgs): number => (direct !== null ? direct.forwardAll(a, out) : k.forwardAll(a));
  const steps = runParts(plan, args, copyIn, here, (k, a) => k.forwardAllCall(a), copyOut);
  const bad = steps.filter((t) => t >= 0);
  if (bad.length > 0) {
    const t = Math.min(...bad); // the first step where some sequence's H_t overflowed
    throwIfNonFinite("h_t", out.subarray(t * BH, (t + 1) * BH), t, "the forward pass overflowed");
  }
  return out;
}

/**
 * Full BPTT of B sequences in the kernels, for rnnBackward (B = 1) and rnnBackwardBatch (B×size blocks per
 * step, as for {@link forwardPassKernels}): each part's H_0..H_T, X, Ȳ (and Z for relu) and the shared Why, Whh(ᵀ)
 * copied in once; each part's BPTT and weight gradients computed there by backwardAll into its own gradient
 * sums — the two parts at once on two cores when the batch is large enough — then the sums added into g (zeros
 * on entry) and H̄_0..H̄_T copied out (returned; the native kernels write them there themselves). Null (nothing
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
  const plan = kind === null ? null : planOf(B, T, I, H, O);
  if (plan === null || kind === null) return null;
  const { s, parts, direct } = plan;
  const BH = B * H;
  const out = new Float64Array((T + 1) * BH);
  const wy = 0;
  const w = wy + O * H;
  let end = w + H * H;
  const relu = kind === SIMD_ACTIVATION.relu;
  // H̄_0..H̄_T straight in `out` when the kernels take it
  const args: BackwardAllArgs[] = parts.map((q) => {
    const x = end;
    const dy = x + T * q.n * I;
    const h = dy + T * q.n * O;
    const dh = direct !== null ? 0 : h + (T + 1) * q.n * H;
    const dz = h + (T + 1) * q.n * H * (direct !== null ? 1 : 2);
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
  const copyIn = (k: number): void => {
    const [q, a] = [parts[k], args[k]];
    putPart(v, a.x, xs, T, q, I);
    putPart(v, a.dy, dys, T, q, O);
    putPart(v, a.h, hs, T + 1, q, H);
    if (relu) putPart(v, a.z, zs, T, q, H);
    const n = q.n;
    const bad =
      s.nonfinite(T * n * I, a.x) || s.nonfinite(T * n * O, a.dy) || s.nonfinite((T + 1) * n * H, a.h) || (relu && s.nonfinite(T * n * H, a.z));
    if (bad) recheck();
    v.fill(0, a.gy, a.gby + O);
  };
  const copyOut = (k: number): void => {
    if (direct === null) takePart(out, 0, v, args[k].dh, T + 1, parts[k], B, H);
  };
  const here = (k: PassKernels, a: BackwardAllArgs): number => (direct !== null ? direct.backwardAll(a, out) : k.backwardAll(a));
  const steps = runParts(plan, args, copyIn, here, (k, a) => k.backwardAllCall(a), copyOut);
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
