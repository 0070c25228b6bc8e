/**
 * The argument checks every recurrent cell shares (vanilla, its readable reference, the minibatch version, LSTM,
 * GRU and the Jacobians): the input sequence, the trace, ∂L/∂y_t, the truncation length and the step index, and
 * the non-finite detector that names the step where a forward or backward pass overflowed. One home, so that the
 * cells' error messages cannot drift apart.
 *
 * Internal to src/rnn: not part of the public face (src/index.ts).
 */
import { NonFiniteError } from "../core/errors";
import { assert, checkAllFinite, checkInt, checkVec, describe, firstNonFinite, type Mat, type Vec } from "../core/tensor";

/** Options of every cell's backward pass (rnnBackward, rnnBackwardBatch, lstmBackward, gruBackward). */
export interface BackwardOptions {
  /**
   * Truncated BPTT: each backward path from a loss term stops after k steps. The loss at step s then reaches
   * the parameters through z_s..z_{s−k+1} only and the hidden states h_s..h_{s−k}. Full BPTT when omitted;
   * k ≥ T gives exactly the full gradient.
   */
  truncate?: number;
}

/**
 * Checks x_1..x_T: a non-empty array of finite vectors of length I.
 * @param finite false to check the shapes only: for a caller that checks finiteness itself, faster, where it
 *   copies the numbers anyway (the SIMD paths, in the kernels' memory), and calls again with true to throw
 *   the error that names the entry when that check fails
 * @param sizeFrom says which weights fix I, for the message when a vector's length is not I: e.g.
 *   "p.Wxh expects inputs of size 2 (p.Wxh is 4×2)" (built only then)
 */
export function checkSequence(xs: unknown, I: number, finite = true, sizeFrom?: () => string): Vec[] {
  assert(Array.isArray(xs), () => `xs: expected an array of input vectors x_1..x_T, got ${describe(xs)}`);
  assert(xs.length > 0, () => `xs: expected at least one time step, got an empty sequence`);
  checkRows("xs", xs, I, finite, sizeFrom);
  return xs as Vec[];
}

/** Checks dys[t − 1] = ∂L/∂y_t: T finite vectors of length O (`finite` and `sizeFrom` as in {@link checkSequence}). */
export function checkDys(dys: unknown, T: number, O: number, finite = true, sizeFrom?: () => string): Vec[] {
  assert(Array.isArray(dys), () => `dys: expected an array of T = ${T} vectors ∂L/∂y_t, got ${describe(dys)}`);
  assert(dys.length === T, () => `dys: expected T = ${T} vectors ∂L/∂y_t, got ${dys.length}`);
  checkRows("dys", dys, O, finite, sizeFrom);
  return dys as Vec[];
}

/**
 * Checks that every vs[t] is a Float64Array of length n, finite unless `finite` is false, naming `${name}[t]`
 * (and, for a wrong length, what `sizeFrom` says fixes n) on failure. The names are built only for the failing
 * row: on the hot path (every forward and backward pass) this is a plain loop.
 */
function checkRows(name: string, vs: unknown[], n: number, finite: boolean, sizeFrom?: () => string): void {
  for (let t = 0; t < vs.length; t++) {
    const v = vs[t];
    if (v instanceof Float64Array && v.length === n && (!finite || firstNonFinite(v) < 0)) continue;
    if (sizeFrom !== undefined && v instanceof Float64Array && v.length !== n)
      throw new Error(`${name}[${t}]: has length ${v.length}, but ${sizeFrom()}`);
    checkVec(`${name}[${t}]`, v, n);
    checkAllFinite(`${name}[${t}]`, v as Vec);
  }
}

/**
 * Checks that a trace's rows hold finite numbers. A forward pass never returns a NaN or ±Infinity (it throws at
 * the step where a state overflows), so one found here was put into the trace afterwards; a backward pass
 * through it would report the NaN as an exploding gradient (or, through relu's z > 0, drop it silently).
 * Backward passes check the rows they read (vanilla: hs, and zs for relu only, which takes φ′ from z_t).
 * Each row is a vector or a B×H matrix (then the entry is also named by sequence b and unit i).
 * @param name "trace.hs", "trace.zs", "trace.cs", "trace.fs", …: the states hs and cs hold steps 0..T (row t is
 *   step t), every other array steps 1..T (row t − 1 is step t)
 */
export function checkTraceFinite(name: `trace.${string}`, rows: readonly (Vec | Mat)[], fn: string): void {
  const symbol = name.slice("trace.".length, -1); // "hs" → h
  const first = symbol === "h" || symbol === "c" ? 0 : 1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const data = row instanceof Float64Array ? row : row.data;
    const i = firstNonFinite(data);
    if (i < 0) continue;
    const t = r + first;
    const where = row instanceof Float64Array ? `index ${i}` : `index ${i} (sequence ${Math.floor(i / row.cols)}, unit ${i % row.cols})`;
    throw new Error(
      `${name}[${r}] (${symbol}_${t}, step ${t}): expected finite numbers, got ${data[i]} at ${where}: ` +
        `the trace holds a non-finite number, which ${fn} never returns (was the trace changed after ${fn} made it?)`,
    );
  }
}

/**
 * Checks that the named arrays of a gated cell's trace hold Float64Arrays of length H with finite entries: what
 * its backward pass reads (lengths already checked by {@link checkTrace}).
 */
export function checkTraceRows(trace: object, fn: string, names: readonly string[], H: number): void {
  for (const name of names) {
    const rows = (trace as { [name: string]: unknown[] })[name]!;
    rows.forEach((row, r) => checkVec(`trace.${name}[${r}]`, row, H));
    checkTraceFinite(`trace.${name}`, rows as Vec[], fn);
  }
}

/**
 * Which weights fix the input size I, for the message when an x_t has another length (built only then): e.g.
 * inputSizeFrom("p.Wxh", p.Wxh, 2)() = "p.Wxh expects inputs of size 2 (p.Wxh is 4×2)".
 * @param layout how I sits in W's shape, when W.cols is not I (the gated cells' [Wx | Wh])
 */
export function inputSizeFrom(name: string, W: Mat, I: number, layout?: string): () => string {
  return () => `${name} expects inputs of size ${I} (${name} is ${W.rows}×${W.cols}${layout === undefined ? "" : `: ${layout}`})`;
}

/** Which weights fix the output size O, for the message when a ∂L/∂y_t has another length (as {@link inputSizeFrom}). */
export function outputSizeFrom(Why: Mat): () => string {
  return () => `p.Why gives outputs y_t of size ${Why.rows} (p.Why is ${Why.rows}×${Why.cols})`;
}

/** Checks that each named array of a gated cell's trace (made by `fn`) has the expected length. */
export function checkTrace(trace: unknown, fn: string, lengths: { [name: string]: number }): void {
  assert(typeof trace === "object" && trace !== null, () => `trace: expected the trace returned by ${fn}, got ${describe(trace)}`);
  const tr = trace as { [name: string]: unknown };
  for (const [name, n] of Object.entries(lengths)) {
    const a = tr[name];
    assert(Array.isArray(a), () => `trace.${name}: expected an array (from ${fn}), got ${describe(a)}`);
    assert(a.length === n, () => `trace.${name}: expected length ${n}, got ${a.length} (was the trace made from these xs?)`);
  }
}

/**
 * Checks a vanilla RNN's trace {hs, zs, ys} (made by `fn`, for T steps): hs has T + 1 entries and zs has T; with
 * H given, each entry is a Float64Array of length H (the minibatch version checks its matrices itself).
 */
export function checkHiddenTrace(trace: unknown, T: number, fn: string, H?: number): void {
  const tr = trace as { hs?: unknown; zs?: unknown } | null;
  assert(
    typeof tr === "object" && tr !== null && Array.isArray(tr.hs) && Array.isArray(tr.zs),
    () => `trace: expected the {hs, zs, ys} returned by ${fn}, got ${describe(trace)}`,
  );
  const hs = tr.hs as unknown[];
  const zs = tr.zs as unknown[];
  assert(
    hs.length === T + 1 && zs.length === T,
    () => `trace: expected hs of length T + 1 = ${T + 1} and zs of length T = ${T}, got ${hs.length} and ${zs.length}`,
  );
  if (H !== undefined) {
    checkRows("trace.hs", hs, H, false);
    checkRows("trace.zs", zs, H, false);
  }
}

/** The truncation length k of `opts` (T, i.e. full BPTT, when omitted). */
export function truncationOf(opts: BackwardOptions, T: number): number {
  assert(typeof opts === "object" && opts !== null, () => `opts: expected an object, got ${describe(opts)}`);
  return opts.truncate === undefined ? T : checkInt("opts.truncate", opts.truncate, 1);
}

/** Checks that `t` is a whole number in [lo, hi], naming `name`. */
export function checkStepIn(name: string, t: number, lo: number, hi: number): number {
  checkInt(name, t);
  assert(t >= lo && t <= hi, () => `${name}: expected a step in [${lo}, ${hi}], got ${t}`);
  return t;
}

/** The detail of the NonFiniteError every backward pass throws when ∂L/∂h_t (or a gated cell's state) overflows. */
export const EXPLODE = "the gradient exploded past float64 in the backward pass";

/** Throws a {@link NonFiniteError} naming `what` and `step` when `v` holds a NaN or ±Infinity. */
export function throwIfNonFinite(what: string, v: ArrayLike<number>, step: number, detail: string): void {
  const i = firstNonFinite(v);
  if (i >= 0) throw new NonFiniteError(what, step, v[i], i, detail);
}
