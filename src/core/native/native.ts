/**
 * The native kernels: ./kernels.c on OpenBLAS, built by ./build.cjs (setup's step 5), with the interface of the
 * WebAssembly kernels' whole passes (../wasm/simd): the caller lays the operands out in one Float64Array memory
 * ({@link NativeKernels.reserve}) and passes positions in it, in doubles; forwardAll/backwardAll take the same
 * arguments as SimdKernels' (plus, optionally, a second memory for the results) and give the same results up to
 * the rounding of BLAS's summation order.
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
import type { BackwardAllArgs, ForwardAllArgs } from "../wasm/simd";

/** The native kernels, in doubles, on a memory of their own (a Float64Array). */
export interface NativeKernels {
  /**
   * A memory of at least n doubles (a new, larger one when n exceeds the current one: take the view once, after
   * reserving everything the computation needs), or null when that much cannot be allocated.
   */
  reserve(n: number): Float64Array | null;
  /** True when some of the n doubles from position p is NaN or ±∞. */
  nonfinite(n: number, p: number): boolean;
  /** h[i] = φ(z[i]) for i < n, φ by kind (../wasm/simd's SIMD_ACTIVATION); true when some h[i] is not finite. */
  act(kind: number, n: number, z: number, h: number): boolean;
  /** y += A x, `reps` times, by OpenBLAS's dgemv (A m×n row-major at a, x at x, y at y): the bench's mat-vec. */
  gemv(m: number, n: number, a: number, x: number, y: number, reps: number): void;
  /**
   * The whole forward pass, as SimdKernels.forwardAll (the same arguments and layout), except that wxt and wyt
   * hold Wxh and Why as they are, not transposed (OpenBLAS's dgemm reads them transposed, so no copy has to),
   * and that with `out` given, H_0..H_T, Z and Y are positions in out: the trace written straight into the
   * caller's buffer.
   */
  forwardAll(p: ForwardAllArgs, out?: Float64Array): number;
  /**
   * Full BPTT, exactly as SimdKernels.backwardAll (gradients accumulated; the same arguments and layout), except
   * that with `out` given, H̄_0..H̄_T is a position in out.
   */
  backwardAll(p: BackwardAllArgs, out?: Float64Array): number;
  /** How many passes have run on two threads in this process (the main thread's, large enough): for tests. */
  readonly helperPasses: number;
  /**
   * What OpenBLAS picked here: its kernel family (e.g. "Cooperlake"), build configuration and thread count (1:
   * the passes split their work over passThreads threads themselves, 2 unless the machine has one core).
   */
  readonly blas: { core: string; config: string; threads: number; passThreads: number };
}

interface Addon {
  forwardAll(mem: Float64Array, out: Float64Array, ...args: number[]): number;
  backwardAll(mem: Float64Array, out: Float64Array, ...args: number[]): number;
  nonfinite(mem: Float64Array, n: number, p: number): boolean;
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
    nonfinite: (n, p) => ex.nonfinite(mem, n, p),
    act: (kind, n, z, h) => ex.act(mem, kind, n, z, h),
    gemv: (m, n, a, x, y, reps) => ex.gemv(mem, m, n, a, x, y, reps),
    forwardAll: (p, out = mem) =>
      ex.forwardAll(mem, out, p.T, p.B, p.I, p.H, p.O, p.kind, p.x, p.wxt, p.w, p.wyt, p.bh, p.by, p.h, p.z, p.y, helper),
    backwardAll: (p, out = mem) =>
      ex.backwardAll(mem, out, p.T, p.B, p.I, p.H, p.O, p.kind, p.x, p.dy, p.h, p.z, p.wy, p.w, p.dh, p.dz, p.gx, p.gh, p.gy, p.gbh, p.gby, helper),
    get helperPasses() {
      return ex.helperPasses();
    },
    blas: ex.info(),
  };
  return { kernels, status: "" };
}
