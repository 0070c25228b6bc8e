/**
 * What the gated cells (LSTM, GRU) share: the output layer y_t = Why h_t + by and its backward step, and the
 * BPTT sweep (full or truncated) that drives a cell's one-step backward function. Their argument checks are in
 * ./checks, shared with the vanilla RNN.
 *
 * Internal to src/rnn: notebooks use lstm.ts and gru.ts.
 */
import { randn, type Rng } from "../core/random";
import { checkNonNegative, type Mat, type Vec } from "../core/tensor";
import { EXPLODE, throwIfNonFinite } from "./checks";

/** The standard deviations a gated cell's initialiser accepts; each defaults to LeCun's 1/√fan-in. */
export interface GateStdOptions {
  /** σ of W's input columns (default 1/√(I + H), the gates' fan-in). */
  inputStd?: number;
  /** σ of W's recurrent columns (default 1/√(I + H)). */
  recurrentStd?: number;
  /** σ of Why (default 1/√H). */
  outputStd?: number;
}

/**
 * A gated cell's Gaussian weights: W = [Wx | Wh] ({@link stackedGateWeights}) then Why (O×H), drawn from `rng`
 * in that order, with the σs of `o` (checked finite and ≥ 0) or their LeCun defaults.
 */
export function gatedWeights(rng: Rng, gates: number, I: number, H: number, O: number, o: GateStdOptions): { W: Mat; Why: Mat } {
  const std = (name: string, v: number | undefined, fanIn: number) =>
    v === undefined ? 1 / Math.sqrt(fanIn) : checkNonNegative(name, v);
  const inputStd = std("inputStd", o.inputStd, I + H);
  const recurrentStd = std("recurrentStd", o.recurrentStd, I + H);
  const W = stackedGateWeights(rng, gates, I, H, inputStd, recurrentStd);
  const Why = randn(rng, O, H, std("outputStd", o.outputStd, H));
  return { W, Why };
}

/**
 * A gated cell's stacked weights W = [Wx | Wh]: (gates·H) × (I + H), Wx ~ N(0, inputStd²) in the first I columns,
 * Wh ~ N(0, recurrentStd²) in the last H. All of Wx is drawn from `rng` before Wh (each row-major), so a seeded
 * initialisation gives the same numbers as drawing the two blocks separately.
 */
export function stackedGateWeights(
  rng: Rng,
  gates: number,
  I: number,
  H: number,
  inputStd: number,
  recurrentStd: number,
): Mat {
  const rows = gates * H;
  const Wx = randn(rng, rows, I, inputStd);
  const Wh = randn(rng, rows, H, recurrentStd);
  const W: Mat = { rows, cols: I + H, data: new Float64Array(rows * (I + H)) };
  for (let r = 0; r < rows; r++) {
    W.data.set(Wx.data.subarray(r * I, (r + 1) * I), r * (I + H));
    W.data.set(Wh.data.subarray(r * H, (r + 1) * H), r * (I + H) + I);
  }
  return W;
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
  const totals = sizes.map((n) => Array.from({ length: T + 1 }, () => new Float64Array(n)));
  const check = (t: number) => totals.forEach((part, j) => throwIfNonFinite(names[j], part[t], t, EXPLODE));
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

/** ‖diag(d)‖₂ = max |dᵢ| (0 for an empty vector; NaN if an entry is NaN, as Math.max propagates it). */
export function diagonalNorm(d: Vec): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]));
  return m;
}
