/**
 * Why they stay (issue 17): they are the fast path where the native kernels are not built (no C compiler or
 * OpenBLAS): 2.3–8× the JavaScript kernels for a pass at H = 64–256; and with the native kernels, truncated
 * BPTT (notebook 07) runs its carried mat-vecs here: 1.7–3.6× the JavaScript kernels at H = 16–128, k = 20.
 *
 * The WebAssembly SIMD (f64x2) kernels of ./kernels.wat, loaded synchronously from ./kernels-generated.ts.
 *
 * The kernels compute on their own linear memory, so callers lay their operands out in it: {@link
 * SimdKernels.reserve} grows the memory once to the size needed and returns a Float64Array view of it, and the
 * kernels take positions in that view (in doubles). The memory is one scratch area shared by every caller and
 * laid out from position 0 by each: use it for one computation at a time, copy results out before the next.
 * It is a shared memory (a SharedArrayBuffer underneath) because kernels.wat declares it so: a kernel worker once
 * ran a second instance on it (the halves of a minibatch on two cores, for when the native kernels are not built;
 * removed in issue 17: no tutorial runs a minibatch).
 *
 * Where SIMD is unavailable (an engine without WebAssembly SIMD or threads, or {@link setSimdEnabled}(false)),
 * {@link simdKernels} returns null and callers use the JavaScript kernels of ../kernels.ts.
 */
import { gemmAdd, gemmTNAdd } from "../kernels";
import { KERNELS_WASM_BASE64 } from "./kernels-generated";

/** The kernels, in doubles (the .wat works in bytes). */
export interface SimdKernels {
  /**
   * A view of the first n doubles of the kernels' memory, growing it if needed, or null when it cannot grow
   * that far (2 GiB, the maximum the shared memory declares; callers then take the JavaScript path). Growing
   * detaches every earlier view: take the view once, after reserving everything the computation needs. The
   * memory never shrinks.
   */
  reserve(n: number): Float64Array | null;
  /** y += A x: y[i] += Σ_j A[a + i·n + j] x[x + j] for i < m, j < n (positions in the view). */
  gemv(m: number, n: number, a: number, x: number, y: number): void;
  /**
   * C += A B with C M×N at c and B K×N at b (row-major), A(i, k) at a + i·sai + k·sak: sai = K, sak = 1 for A
   * row-major M×K; sai = 1, sak = M for Aᵀ where A is row-major K×M.
   */
  gemm(M: number, N: number, K: number, a: number, sai: number, sak: number, b: number, c: number): void;
  /**
   * h[i] = φ(z[i]) for i < n, φ by kind ({@link SIMD_ACTIVATION}); true when some h[i] is not finite. tanh is the
   * kernels' own (e / (e + 2) with e = expm1(2|x|)), within a few ulps of Math.tanh.
   */
  act(kind: number, n: number, z: number, h: number): boolean;
  /** True when some of the n doubles from position p is NaN or ±∞ (a vectorised check of copied-in operands). */
  nonfinite(n: number, p: number): boolean;
  /**
   * The whole forward pass of B sequences (B = 1: one): Z = X Wxhᵀ + 1 bhᵀ, then Z_t += H_{t−1} Whhᵀ and
   * H_t = φ(Z_t) for t = 1..T (the recurrence, without a return to JavaScript), then Y = H_{1..T} Whyᵀ + 1 byᵀ.
   * Positions of X (T·B×I), Wxhᵀ, w = Whh when B = 1 (mat-vecs) or Whhᵀ when B > 1 (matrix products), Whyᵀ, bh, by,
   * and of H_0..H_T (H_0 set by the caller), Z and Y (written). Returns the first step whose H_t is not finite
   * (stopping there, Y not computed), or −1.
   */
  forwardAll(p: ForwardAllArgs): number;
  /**
   * Full BPTT of B sequences, ACCUMULATING into the gradients at gx, gh, gy, gbh, gby: W̄hy += Ȳᵀ H_{1..T},
   * b̄y += Ȳᵀ1, H̄_t = Ȳ_t Why, then for t = T..1 Z̄_t = H̄_t ⊙ φ′(Z_t) and H̄_{t−1} += Z̄_t Whh (w = Whhᵀ when B = 1,
   * Whh when B > 1; Z read for relu, H for tanh), then W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X, b̄h += Z̄ᵀ1. H̄_0..H̄_T
   * written at dh, Z̄ at dz. Returns the first step (T down to 0) whose H̄_t is not finite (stopping there), or −1.
   */
  backwardAll(p: BackwardAllArgs): number;
}

/** Sizes, activation kind and positions (in doubles) of {@link SimdKernels.forwardAll}. */
export interface ForwardAllArgs {
  T: number; B: number; I: number; H: number; O: number; kind: number;
  x: number; wxt: number; w: number; wyt: number; bh: number; by: number; h: number; z: number; y: number;
}
/** Sizes, activation kind and positions (in doubles) of {@link SimdKernels.backwardAll}. */
export interface BackwardAllArgs {
  T: number; B: number; I: number; H: number; O: number; kind: number;
  x: number; dy: number; h: number; z: number; wy: number; w: number; dh: number; dz: number;
  gx: number; gh: number; gy: number; gbh: number; gby: number;
}
const forwardArgs = (p: ForwardAllArgs): number[] => [
  p.T, p.B, p.I, p.H, p.O, p.kind,
  ...[p.x, p.wxt, p.w, p.wyt, p.bh, p.by, p.h, p.z, p.y].map((q) => q * 8),
];
const backwardArgs = (p: BackwardAllArgs): number[] => [
  p.T, p.B, p.I, p.H, p.O, p.kind,
  ...[p.x, p.dy, p.h, p.z, p.wy, p.w, p.dh, p.dz, p.gx, p.gh, p.gy, p.gbh, p.gby].map((q) => q * 8),
];

/** The activation kinds of the kernels' fused recurrence (sigmoid has none: its callers stay in JavaScript). */
export const SIMD_ACTIVATION = { linear: 0, tanh: 1, relu: 2 } as const;

/** A WebAssembly.Memory (the project's lib settings do not declare the WebAssembly global). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface KernelExports {
  gemv(m: number, n: number, a: number, x: number, y: number): void;
  gemm(M: number, N: number, K: number, a: number, sai: number, sak: number, b: number, c: number): void;
  act(kind: number, n: number, z: number, h: number): number;
  nonfinite(n: number, p: number): number;
  [name: string]: (...args: number[]) => number | void;
}
/** The part of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** Pages of the shared memory at most (2 GiB), as declared by kernels.wat's import. */
const MAX_PAGES = 32768;

let enabled = true;
let loaded: SimdKernels | null | undefined;

/**
 * Switches the SIMD kernels off (false) or back on (true, the default), as if the engine lacked WebAssembly
 * SIMD: for testing the JavaScript fallback and for comparing the two.
 */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

/** The SIMD kernels, or null when WebAssembly SIMD is unavailable or switched off ({@link setSimdEnabled}). */
export function simdKernels(): SimdKernels | null {
  if (!enabled) return null;
  if (loaded === undefined) loaded = load();
  return loaded;
}

function load(): SimdKernels | null {
  const wa = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wa === undefined) return null;
  const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, "base64"));
  if (!wa.validate(bytes)) return null; // an engine without SIMD (or threads) rejects the module
  let mem: WasmMemory;
  try {
    mem = new wa.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  } catch {
    return null; // no shared memory here (e.g. a browser page that is not cross-origin isolated)
  }
  const module = new wa.Module(bytes);
  const ex = new wa.Instance(module, { env: { memory: mem } }).exports as KernelExports;
  let view = new Float64Array(mem.buffer);
  return {
    reserve(n: number): Float64Array | null {
      if (n > view.length) {
        const pages = Math.ceil((n * 8 - mem.buffer.byteLength) / 65536);
        try {
          mem.grow(pages);
        } catch {
          return null;
        }
        view = new Float64Array(mem.buffer);
      } else if (view.buffer !== mem.buffer) view = new Float64Array(mem.buffer);
      return view;
    },
    gemv: (m, n, a, x, y) => ex.gemv(m, n, a * 8, x * 8, y * 8),
    gemm: (M, N, K, a, sai, sak, b, c) => ex.gemm(M, N, K, a * 8, sai * 8, sak * 8, b * 8, c * 8),
    act: (kind, n, z, h) => ex.act(kind, n, z * 8, h * 8) !== 0,
    nonfinite: (n, p) => ex.nonfinite(n, p * 8) !== 0,
    forwardAll: (p) => ex.rnn_forward_all(...forwardArgs(p)) as number,
    backwardAll: (p) => ex.rnn_backward_all(...backwardArgs(p)) as number,
  };
}

/**
 * C += A B exactly as {@link gemmAdd} of ../kernels (A M×K, B K×N, C M×N, row-major, at the given offsets),
 * computed by the SIMD kernel when available: the three blocks are copied into the kernels' memory and C back,
 * O(MK + KN + MN) copying against 2MNK flops. Falls back to the JavaScript kernel.
 * @example gemmAddFast(1, 1, 2, Float64Array.of(1, 2), 0, Float64Array.of(3, 4), 0, c, 0) // c[0] += 11
 */
export function gemmAddFast(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
): void {
  copyInGemm(false, M, N, K, a, aOff, b, bOff, c, cOff);
}

/**
 * C += Aᵀ B exactly as {@link gemmTNAdd} of ../kernels (A K×M, B K×N, C M×N, row-major): Σ_k a_k b_kᵀ, by the
 * SIMD kernel when available (operands copied in, C copied back), else by the JavaScript kernel.
 * @example gemmTNAddFast(2, 1, 1, Float64Array.of(1, 2), 0, Float64Array.of(3), 0, c, 0) // c += [[3], [6]]
 */
export function gemmTNAddFast(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
): void {
  copyInGemm(true, M, N, K, a, aOff, b, bOff, c, cOff);
}

/**
 * The shared body of {@link gemmAddFast} (A row-major M×K) and {@link gemmTNAddFast} (A row-major K×M, used as
 * Aᵀ): copy the three blocks into the kernels' memory, multiply with A's strides, copy C back; or fall back.
 */
function copyInGemm(
  transposedA: boolean,
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
): void {
  const s = simdKernels();
  const v = s === null || M * N * K === 0 ? null : s.reserve(M * K + K * N + M * N);
  if (s === null || v === null) {
    (transposedA ? gemmTNAdd : gemmAdd)(M, N, K, a, aOff, b, bOff, c, cOff);
    return;
  }
  const pb = M * K;
  const pc = pb + K * N;
  v.set(a.subarray(aOff, aOff + M * K), 0);
  v.set(b.subarray(bOff, bOff + K * N), pb);
  v.set(c.subarray(cOff, cOff + M * N), pc);
  // A(i, k) at i·sai + k·sak: (K, 1) for row-major M×K, (1, M) for the transpose of row-major K×M.
  if (transposedA) s.gemm(M, N, K, 0, 1, M, pb, pc);
  else s.gemm(M, N, K, 0, K, 1, pb, pc);
  c.set(v.subarray(pc, pc + M * N), cOff);
}

/**
 * Writes Aᵀ into v from position off (cols×rows, row-major) for the rows×cols row-major A: transposed operands
 * go straight into the kernels' memory without a temporary.
 */
export function putTransposed(v: Float64Array, off: number, rows: number, cols: number, a: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) v[off + j * rows + i] = a[o + j];
  }
}
