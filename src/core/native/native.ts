/**
 * The native kernels: ./kernels.c on OpenBLAS, built by ./build.cjs (setup's step 5): the WebAssembly kernels'
 * whole passes (../wasm/simd), the same maths and results up to the rounding of BLAS's summation order, but each
 * operand the caller's own Float64Array — the weights, the trace, the gradients read and written where they lie,
 * Whh as it is for every pass — instead of positions in one memory the operands are copied into (at H = 256
 * those copies and transposes were ≈ 1 ms of a 4.8 ms forward + BPTT).
 *
 * What they are for: every vanilla RNN pass (../../rnn/kernel-passes), one sequence or a minibatch; OpenBLAS runs
 * the matrix products 2–3× faster per core than WebAssembly's 2-wide vectors can, and a large pass is split over
 * two threads. On the main thread the second one is the kernels' helper thread (one per process); in a worker
 * thread (parallelMap's, which already keep every core busy) both parts run on that thread — the same split, so
 * the same numbers bit for bit.
 *
 * {@link nativeKernels} is null — and the WebAssembly kernels do the work — when the addon is not built (no C
 * compiler or OpenBLAS; setup says why), cannot load, or is switched off ({@link setNativeEnabled}).
 * {@link nativeStatus} says which.
 */
import * as fs from "fs";
import * as path from "path";
import { isMainThread } from "worker_threads";

/** The operands of {@link NativeKernels.forwardAll}: row-major, B×size blocks per step, the weights as they are. */
export interface NativeForward {
  T: number; B: number; I: number; H: number; O: number;
  /** ../wasm/simd's SIMD_ACTIVATION */
  kind: number;
  x: Float64Array; wxh: Float64Array; whh: Float64Array; why: Float64Array; bh: Float64Array; by: Float64Array;
  /** H_0..H_T ((T + 1)·B·H; H_0 read, the rest written), Z (T·B·H) and Y (T·B·O), written */
  h: Float64Array; z: Float64Array; y: Float64Array;
}

/** The operands of {@link NativeKernels.backwardAll}. */
export interface NativeBackward {
  T: number; B: number; I: number; H: number; O: number; kind: number;
  /** X, Ȳ, H_0..H_T; Z for relu only (it may be empty for tanh and linear) */
  x: Float64Array; dy: Float64Array; h: Float64Array; z: Float64Array;
  why: Float64Array; whh: Float64Array;
  /** H̄_0..H̄_T ((T + 1)·B·H), written; Z̄ (T·B·H), scratch */
  dh: Float64Array; dz: Float64Array;
  /** the gradients W̄xh (H×I), W̄hh, W̄hy (O×H), b̄h, b̄y: ACCUMULATED into */
  gx: Float64Array; gh: Float64Array; gy: Float64Array; gbh: Float64Array; gby: Float64Array;
}

/** The native kernels. */
export interface NativeKernels {
  /**
   * A memory of at least n doubles (a new, larger one when n exceeds the current one: take the view once, after
   * reserving everything the computation needs), or null when that much cannot be allocated: scratch for a
   * pass, and the operands of act and gemv.
   */
  reserve(n: number): Float64Array | null;
  /** True when some entry of `a` (any Float64Array) is NaN or ±∞. */
  nonfinite(a: Float64Array): boolean;
  /** h[i] = φ(z[i]) for i < n, φ by kind (../wasm/simd's SIMD_ACTIVATION), in the memory; true when some h[i] is not finite. */
  act(kind: number, n: number, z: number, h: number): boolean;
  /** y += A x, `reps` times, by OpenBLAS's dgemv (A m×n row-major at a, x at x, y at y, in the memory): the bench's mat-vec. */
  gemv(m: number, n: number, a: number, x: number, y: number, reps: number): void;
  /**
   * The whole forward pass: Z = X Wxhᵀ + 1 bhᵀ, Z_t += H_{t−1} Whhᵀ, H_t = φ(Z_t), Y = H_{1..T} Whyᵀ + 1 byᵀ. Returns
   * the first step whose H_t is not finite (Y then not computed), or −1. Throws a RangeError naming an operand
   * too short for the sizes.
   */
  forwardAll(p: NativeForward): number;
  /**
   * Full BPTT: W̄hy += Ȳᵀ H_{1..T}, b̄y += Ȳᵀ1, H̄_t = Ȳ_t Why, then for t = T..1 Z̄_t = H̄_t ⊙ φ′(Z_t) and
   * H̄_{t−1} += Z̄_t Whh, then W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X, b̄h += Z̄ᵀ1. Returns the first step (T down to
   * 0) whose H̄_t is not finite (stopping there), or −1.
   */
  backwardAll(p: NativeBackward): number;
  /**
   * How many passes in this process were offered to the helper thread (the main thread's, large enough), which
   * joins each one it wakes up in time for: for tests.
   */
  readonly helperPasses: number;
  /**
   * What OpenBLAS picked here: its kernel family (e.g. "Cooperlake"), build configuration and thread count (1:
   * the passes split their work over passThreads threads themselves, 2 unless the machine has one core).
   */
  readonly blas: { core: string; config: string; threads: number; passThreads: number };
}

interface Addon {
  forwardAll(...args: (Float64Array | number)[]): number;
  backwardAll(...args: (Float64Array | number)[]): number;
  nonfinite(a: Float64Array): boolean;
  act(mem: Float64Array, kind: number, n: number, z: number, h: number): boolean;
  gemv(mem: Float64Array, m: number, n: number, a: number, x: number, y: number, reps: number): void;
  info(): { core: string; config: string; threads: number; passThreads: number };
  helperPasses(): number;
}

let enabled = true;
let loaded: { kernels: NativeKernels | null; status: string } | undefined;

/**
 * Switches the native kernels off (false) or back on (true, the default), as if they were not built: for
 * testing the WebAssembly path on a machine that has both, and for comparing the two.
 */
export function setNativeEnabled(on: boolean): void {
  enabled = on;
}

/** The native kernels, or null (then the WebAssembly kernels do the work): see {@link nativeStatus} for why. */
export function nativeKernels(): NativeKernels | null {
  if (!enabled) return null;
  return (loaded ??= load()).kernels;
}

/**
 * One line on the native kernels: which OpenBLAS they run on, or why they are not in use (for the bench, the
 * README's instructions and a curious reader).
 */
export function nativeStatus(): string {
  if (!enabled) return "switched off (setNativeEnabled(false))";
  const { kernels, status } = (loaded ??= load());
  if (kernels === null) return status;
  const { config, core, passThreads } = kernels.blas;
  return `OpenBLAS ${config.split(" ")[1] ?? "?"} (${core} kernels); a large pass on ${passThreads} thread${passThreads > 1 ? "s" : ""}`;
}

function load(): { kernels: NativeKernels | null; status: string } {
  // build.cjs is plain JS (setup runs it before any TypeScript tooling): the one place that knows the path
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { addonPath } = require("./build.cjs") as { addonPath(): string };
  const file = addonPath();
  if (!fs.existsSync(file)) {
    const dir = path.dirname(file);
    const older = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^kernels-.*\.node$/.test(f));
    const why = older ? "not built for the current kernels.c, which changed since the last build" : "not built";
    return { kernels: null, status: `${why} (npm run setup builds them; it says why it cannot)` };
  }
  const m = { exports: {} as Addon };
  try {
    process.dlopen(m, file);
  } catch (e) {
    return { kernels: null, status: `cannot load ${file}: ${(e as Error).message}` };
  }
  const ex = m.exports;
  const helper = isMainThread ? 1 : 0; // the kernels' helper thread is one per process: the main thread's
  let mem = new Float64Array(0);
  const kernels: NativeKernels = {
    reserve(n: number): Float64Array | null {
      if (n > mem.length) {
        try {
          mem = new Float64Array(Math.max(n, Math.ceil(mem.length * 1.25)));
        } catch {
          return null;
        }
      }
      return mem;
    },
    nonfinite: (a) => ex.nonfinite(a),
    act: (kind, n, z, h) => ex.act(mem, kind, n, z, h),
    gemv: (m, n, a, x, y, reps) => ex.gemv(mem, m, n, a, x, y, reps),
    forwardAll: (p) =>
      ex.forwardAll(p.x, p.wxh, p.whh, p.why, p.bh, p.by, p.h, p.z, p.y, p.T, p.B, p.I, p.H, p.O, p.kind, helper),
    backwardAll: (p) =>
      ex.backwardAll(p.x, p.dy, p.h, p.z, p.why, p.whh, p.dh, p.dz, p.gx, p.gh, p.gy, p.gbh, p.gby, p.T, p.B, p.I, p.H, p.O, p.kind, helper),
    get helperPasses() {
      return ex.helperPasses();
    },
    blas: ex.info(),
  };
  return { kernels, status: "" };
}
