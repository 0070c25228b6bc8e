/**
 * What the gated cells (LSTM, GRU) share: input checks, the output layer y_t = Why h_t + by and its backward
 * step, and the BPTT sweep (full or truncated) that drives a cell's one-step backward function.
 *
 * Internal to src/rnn: notebooks use lstm.ts and gru.ts.
 */
import { NonFiniteError } from "../core/errors";
import { assert, checkAllFinite, checkInt, checkVec, describe, firstNonFinite, type Mat, type Vec } from "../core/tensor";
import type { BackwardOptions } from "./vanilla";

/** Checks x_1..x_T: a non-empty array of finite vectors of length I. */
export function checkSequence(xs: unknown, I: number): Vec[] {
  assert(Array.isArray(xs), () => `xs: expected an array of input vectors x_1..x_T, got ${describe(xs)}`);
  assert(xs.length > 0, () => `xs: expected at least one time step, got an empty sequence`);
  xs.forEach((x, t) => {
    checkVec(`xs[${t}]`, x, I);
    checkAllFinite(`xs[${t}]`, x as Vec);
  });
  return xs as Vec[];
}

/** Checks dys[t − 1] = ∂L/∂y_t: T finite vectors of length O. */
export function checkDys(dys: unknown, T: number, O: number): Vec[] {
  assert(Array.isArray(dys), () => `dys: expected an array of T = ${T} vectors ∂L/∂y_t, got ${describe(dys)}`);
  assert(dys.length === T, () => `dys: expected T = ${T} vectors ∂L/∂y_t, got ${dys.length}`);
  dys.forEach((d, t) => {
    checkVec(`dys[${t}]`, d, O);
    checkAllFinite(`dys[${t}]`, d as Vec);
  });
  return dys as Vec[];
}

/** Checks that each named array of a trace has the expected length. */
export function checkTrace(trace: unknown, fn: string, lengths: { [name: string]: number }): void {
  assert(typeof trace === "object" && trace !== null, () => `trace: expected the trace returned by ${fn}, got ${describe(trace)}`);
  const tr = trace as { [name: string]: unknown };
  for (const [name, n] of Object.entries(lengths)) {
    const a = tr[name];
    assert(Array.isArray(a), () => `trace.${name}: expected an array (from ${fn}), got ${describe(a)}`);
    assert(a.length === n, () => `trace.${name}: expected length ${n}, got ${a.length} (was the trace made from these xs?)`);
  }
}

/** The truncation length k of `opts` (T, i.e. full BPTT, when omitted). */
export function truncationOf(opts: BackwardOptions, T: number): number {
  assert(typeof opts === "object" && opts !== null, () => `opts: expected an object, got ${describe(opts)}`);
  return opts.truncate === undefined ? T : checkInt("opts.truncate", opts.truncate, 1);
}

/** Throws a {@link NonFiniteError} naming `what` and `step` when `v` holds a NaN or ±Infinity. */
export function throwIfNonFinite(what: string, v: ArrayLike<number>, step: number, detail: string): void {
  const i = firstNonFinite(v);
  if (i >= 0) throw new NonFiniteError(what, step, v[i], i, detail);
}

/** y = Why h + by. */
export function outputOf(Why: Mat, by: Vec, h: Vec): Vec {
  const H = Why.cols;
  const y = by.slice();
  for (let i = 0; i < Why.rows; i++) {
    let s = y[i];
    const r = i * H;
    for (let j = 0; j < H; j++) s += Why.data[r + j] * h[j];
    y[i] = s;
  }
  return y;
}

/**
 * The output layer's backward pass: W̄hy += Σ_t ȳ_t h_tᵀ, b̄y += Σ_t ȳ_t (into gWhy, gby), and returns
 * Whyᵀ ȳ_t for t = 1..T, the part of ∂L/∂h_t that comes straight from y_t.
 */
export function outputBackward(Why: Mat, hs: Vec[], dys: Vec[], gWhy: Mat, gby: Vec): Vec[] {
  const O = Why.rows;
  const H = Why.cols;
  return dys.map((dy, t) => {
    const h = hs[t + 1];
    const v = new Float64Array(H);
    for (let i = 0; i < O; i++) {
      const d = dy[i];
      gby[i] += d;
      if (d === 0) continue;
      const r = i * H;
      for (let j = 0; j < H; j++) {
        gWhy.data[r + j] += d * h[j];
        v[j] += Why.data[r + j] * d;
      }
    }
    return v;
  });
}

/**
 * One backward step of a cell at time t. `carry` holds ∂L/∂(state_t) along the paths that reach the state from
 * later steps and from y_t (part 0 is h_t; an LSTM's part 1 is c_t). The step may complete `carry` in place
 * (an LSTM adds the path c_t → h_t to ∂L/∂c_t), must accumulate its parameter gradients, and adds ∂L/∂(state_{t−1})
 * through this step into `into`.
 */
export type CellBackwardStep = (t: number, carry: Vec[], into: Vec[]) => void;

/**
 * BPTT over T steps for a cell whose state has parts of the given sizes, with `dhOut[t − 1]` = Whyᵀ ȳ_t.
 * With k ≥ T one backward sweep (full BPTT). With k < T, the same meaning as {@link rnnBackward}'s truncation:
 * each loss term s is carried back on its own through the cells s..s−k+1 and stops at the state s−k
 * (O(T·k) steps).
 *
 * @returns totals[part][t] = ∂L/∂(part of state_t) for t = 0..T (under truncation, summed over kept paths)
 * @throws NonFiniteError naming the part (`names`) and the step where the gradient overflowed
 */
export function backwardThroughTime(
  T: number,
  k: number,
  sizes: number[],
  names: string[],
  dhOut: Vec[],
  step: CellBackwardStep,
): Vec[][] {
  const detail = "the gradient exploded past float64 in the backward pass";
  const totals = sizes.map((n) => Array.from({ length: T + 1 }, () => new Float64Array(n)));
  const check = (t: number) => totals.forEach((part, j) => throwIfNonFinite(names[j], part[t], t, detail));
  if (k >= T) {
    totals[0][T].set(dhOut[T - 1]);
    for (let t = T; t >= 1; t--) {
      if (t > 1) totals[0][t - 1].set(dhOut[t - 2]);
      step(
        t,
        totals.map((part) => part[t]),
        totals.map((part) => part[t - 1]),
      );
      check(t);
    }
  } else {
    let carry = sizes.map((n) => new Float64Array(n));
    let next = sizes.map((n) => new Float64Array(n));
    for (let s = T; s >= 1; s--) {
      if (firstNonZero(dhOut[s - 1]) < 0) continue; // no loss at step s: nothing to carry back
      carry.forEach((v) => v.fill(0));
      carry[0].set(dhOut[s - 1]);
      const lo = Math.max(1, s - k + 1);
      for (let t = s; t >= lo; t--) {
        next.forEach((v) => v.fill(0));
        step(t, carry, next);
        carry.forEach((v, j) => addInto(totals[j][t], v));
        check(t);
        [carry, next] = [next, carry];
      }
      // The state reached after k steps: recorded, not carried on.
      carry.forEach((v, j) => addInto(totals[j][lo - 1], v));
    }
  }
  check(0);
  return totals;
}

function addInto(a: Vec, b: Vec): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

function firstNonZero(v: Vec): number {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return i;
  return -1;
}

/** Checks that `t` is a whole number in [lo, hi], naming `name`. */
export function checkStepIn(name: string, t: number, lo: number, hi: number): number {
  checkInt(name, t);
  assert(t >= lo && t <= hi, () => `${name}: expected a step in [${lo}, ${hi}], got ${t}`);
  return t;
}

/** ‖diag(d)‖₂ = max |dᵢ| (0 for an empty vector; NaN if an entry is NaN, as Math.max propagates it). */
export function diagonalNorm(d: Vec): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]));
  return m;
}
