/**
 * The readable vanilla RNN and BPTT: one step at a time, exactly as the equations read. This is the teaching
 * version; rnnForward/rnnBackward in ./vanilla compute the same numbers (to rounding) with the per-step work
 * batched into matrix products, and the tests hold the two together to 1e-12.
 *
 *   z_t = Wxh x_t + Whh h_{t−1} + bh,   h_t = φ(z_t),   y_t = Why h_t + by,   t = 1..T
 *
 * Backward (Grosse 2017, §2.1, in matrix form), with ȳ_t = ∂L/∂y_t given:
 *
 *   h̄_t = Whyᵀ ȳ_t + Whhᵀ z̄_{t+1}       (the second term is absent at t = T)
 *   z̄_t = h̄_t ⊙ φ′(z_t)
 *   W̄hh = Σ_t z̄_t h_{t−1}ᵀ,  W̄xh = Σ_t z̄_t x_tᵀ,  b̄h = Σ_t z̄_t,  W̄hy = Σ_t ȳ_t h_tᵀ,  b̄y = Σ_t ȳ_t
 *
 * The vanilla-specific argument checks shared by both versions live here, so that their error messages cannot
 * drift apart; the checks every cell shares are in ./checks.
 */
import { assert, checkAllFinite, checkMat, checkVec, describe, type Vec } from "../core/tensor";
import { activate, activationDerivative, checkActivation, sigmoid, type Activation } from "./activation";
import {
  checkDys,
  checkHiddenTrace,
  checkSequence,
  checkTraceFinite,
  EXPLODE,
  inputSizeFrom,
  outputSizeFrom,
  throwIfNonFinite,
  truncationOf,
} from "./checks";
import type { BackwardOptions, RnnGrads, RnnParams, RnnTrace } from "./vanilla";

/** The sizes (input, hidden, output) of `p`, after checking that its tensors fit together. */
export function rnnSizes(p: RnnParams): { input: number; hidden: number; output: number } {
  assert(typeof p === "object" && p !== null, () => `p: expected RnnParams, got ${describe(p)}`);
  checkActivation("p.activation", p.activation);
  const Whh = checkMat("p.Whh", p.Whh);
  const H = Whh.rows;
  assert(Whh.cols === H, () => `p.Whh: expected a square H×H matrix, got ${Whh.rows}×${Whh.cols}`);
  const I = checkMat("p.Wxh", p.Wxh, H).cols;
  checkVec("p.bh", p.bh, H);
  const O = checkMat("p.Why", p.Why, undefined, H).rows;
  checkVec("p.by", p.by, O);
  return { input: I, hidden: H, output: O };
}

/** @internal What fixes I, for the message when an x_t has another length: "p.Wxh expects inputs of size 2 (p.Wxh is 4×2)". */
export function wxhInputs(p: RnnParams): () => string {
  return inputSizeFrom("p.Wxh", p.Wxh, p.Wxh.cols);
}

/** @internal Throws when a weight or bias holds a NaN or ±Infinity. */
export function checkParamsFinite(p: RnnParams): void {
  for (const k of ["Wxh", "Whh", "Why"] as const) checkAllFinite(`p.${k}`, p[k].data);
  checkAllFinite("p.bh", p.bh);
  checkAllFinite("p.by", p.by);
}

/**
 * Runs the RNN over x_1..x_T from h_0 (zeros when omitted).
 *
 * The readable version of {@link rnnForward} (same contract).
 *
 * @returns hs (h_0..h_T), zs (z_1..z_T) and ys (y_1..y_T)
 * @throws NonFiniteError naming the step where a hidden state overflowed (possible with ReLU or linear units)
 * @example
 * const { ys } = rnnForwardReference(params, [vecFrom([1]), vecFrom([0])]);
 */
export function rnnForwardReference(p: RnnParams, xs: Vec[], h0?: Vec): RnnTrace {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkParamsFinite(p);
  checkSequence(xs, I, true, wxhInputs(p));
  const start = h0 === undefined ? new Float64Array(H) : checkVec("h0", h0, H).slice();
  checkAllFinite("h0", start);
  const { Wxh, Whh, bh, Why, by, activation } = p;
  const T = xs.length;
  const hs: Vec[] = [start];
  const zs: Vec[] = [];
  const ys: Vec[] = [];
  for (let t = 1; t <= T; t++) {
    const x = xs[t - 1];
    const hPrev = hs[t - 1];
    const z = new Float64Array(H);
    const h = new Float64Array(H);
    for (let i = 0; i < H; i++) {
      let s = bh[i];
      const ri = i * I;
      for (let j = 0; j < I; j++) s += Wxh.data[ri + j] * x[j];
      const rh = i * H;
      for (let j = 0; j < H; j++) s += Whh.data[rh + j] * hPrev[j];
      z[i] = s;
      h[i] = activate(activation, s);
    }
    throwIfNonFinite("h_t", h, t, "the forward pass overflowed");
    const y = new Float64Array(O);
    for (let i = 0; i < O; i++) {
      let s = by[i];
      const ro = i * H;
      for (let j = 0; j < H; j++) s += Why.data[ro + j] * h[j];
      y[i] = s;
    }
    zs.push(z);
    hs.push(h);
    ys.push(y);
  }
  return { hs, zs, ys };
}

/**
 * @internal The checks of rnnBackward's arguments; returns the sizes and the truncation length k (T for full
 * BPTT). With finite = false the entries of xs, the trace and dys are not checked for NaN/∞ (see checkSequence):
 * the caller then runs {@link checkBackwardFinite} where it looks at the numbers anyway.
 */
export function checkBackwardArgs(
  p: RnnParams,
  xs: Vec[],
  trace: RnnTrace,
  dys: Vec[],
  opts: BackwardOptions,
  finite = true,
): { I: number; H: number; O: number; T: number; k: number } {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkSequence(xs, I, false, wxhInputs(p));
  const T = xs.length;
  checkHiddenTrace(trace, T, "rnnForward", H);
  checkDys(dys, T, O, false, outputSizeFrom(p.Why));
  const k = truncationOf(opts, T);
  if (finite) checkBackwardFinite(p.activation, xs, trace, dys, I, T, O);
  return { I, H, O, T, k };
}

/**
 * @internal Throws, naming the entry, when xs, the trace or dys hold a NaN or ±Infinity (in that order: the
 * reference and the fast path report the same entry). Their shapes are checked already. Of the trace, what the
 * backward pass reads: hs always, zs for relu only (φ′(z) = [z > 0]; the other units take φ′ from h_t).
 */
export function checkBackwardFinite(act: Activation, xs: Vec[], trace: RnnTrace, dys: Vec[], I: number, T: number, O: number): void {
  checkSequence(xs, I);
  checkTraceFinite("trace.hs", trace.hs, "rnnForward");
  if (act === "relu") checkTraceFinite("trace.zs", trace.zs, "rnnForward");
  checkDys(dys, T, O);
}

/** @internal Zero gradients shaped like the parameters of an I→H→O RNN. */
export function zeroGrads(I: number, H: number, O: number): RnnGrads {
  return {
    Wxh: { rows: H, cols: I, data: new Float64Array(H * I) },
    Whh: { rows: H, cols: H, data: new Float64Array(H * H) },
    bh: new Float64Array(H),
    Why: { rows: O, cols: H, data: new Float64Array(O * H) },
    by: new Float64Array(O),
  };
}

/**
 * The readable version of {@link rnnBackward} (same contract). Exact BPTT: the gradient of a loss L(y_1..y_T) given ∂L/∂y_t for every step.
 *
 * @param trace what {@link rnnForward} returned for the same `p` and `xs`
 * @param dys dys[t − 1] = ∂L/∂y_t (zeros where step t has no loss)
 * @returns grads (shaped like `p`) and dhs, where dhs[t] = ∂L/∂h_t in total for t = 0..T (under truncation,
 *   the sum over the paths that were kept)
 * @throws NonFiniteError naming the step where ∂L/∂h_t overflowed: the gradient exploded past float64
 */
export function rnnBackwardReference(
  p: RnnParams,
  xs: Vec[],
  trace: RnnTrace,
  dys: Vec[],
  opts: BackwardOptions = {},
): { grads: RnnGrads; dhs: Vec[] } {
  const { I, H, O, T, k } = checkBackwardArgs(p, xs, trace, dys, opts);

  const g = zeroGrads(I, H, O);
  const { hs, zs } = trace;
  // Output layer: W̄hy = Σ ȳ_t h_tᵀ, b̄y = Σ ȳ_t (no recurrence, truncation does not apply).
  for (let t = 1; t <= T; t++) {
    const dy = dys[t - 1];
    const h = hs[t];
    for (let i = 0; i < O; i++) {
      const d = dy[i];
      g.by[i] += d;
      if (d === 0) continue;
      const r = i * H;
      for (let j = 0; j < H; j++) g.Why.data[r + j] += d * h[j];
    }
  }
  // ∂L_t/∂h_t through the output layer: Whyᵀ ȳ_t.
  const dhOut: Vec[] = dys.map((dy) => {
    const v = new Float64Array(H);
    for (let i = 0; i < O; i++) {
      const d = dy[i];
      if (d === 0) continue;
      const r = i * H;
      for (let j = 0; j < H; j++) v[j] += p.Why.data[r + j] * d;
    }
    return v;
  });
  const dhs: Vec[] = Array.from({ length: T + 1 }, () => new Float64Array(H));
  const dz = new Float64Array(H);

  // One backward step from h̄_t: z̄_t = h̄_t ⊙ φ′(z_t), accumulate the parameter gradients, return h̄_{t−1}.
  const step = (t: number, dh: Vec, into: Vec): void => {
    const z = zs[t - 1];
    const h = hs[t];
    const hPrev = hs[t - 1];
    const x = xs[t - 1];
    for (let i = 0; i < H; i++) dz[i] = dh[i] * activationDerivative(p.activation, z[i], h[i]);
    for (let i = 0; i < H; i++) {
      const d = dz[i];
      g.bh[i] += d;
      if (d === 0) continue;
      const rh = i * H;
      for (let j = 0; j < H; j++) g.Whh.data[rh + j] += d * hPrev[j];
      const ri = i * I;
      for (let j = 0; j < I; j++) g.Wxh.data[ri + j] += d * x[j];
    }
    for (let i = 0; i < H; i++) {
      const d = dz[i];
      if (d === 0) continue;
      const rh = i * H;
      for (let j = 0; j < H; j++) into[j] += p.Whh.data[rh + j] * d;
    }
  };

  if (k >= T) {
    // Full BPTT: one sweep, h̄_{t−1} = Whyᵀ ȳ_{t−1} + Whhᵀ z̄_t.
    dhs[T].set(dhOut[T - 1]);
    for (let t = T; t >= 1; t--) {
      throwIfNonFinite("dL/dh_t", dhs[t], t, EXPLODE);
      if (t > 1) dhs[t - 1].set(dhOut[t - 2]);
      step(t, dhs[t], dhs[t - 1]);
    }
    throwIfNonFinite("dL/dh_t", dhs[0], 0, EXPLODE);
  } else {
    // Truncated: every loss term s is carried back on its own for k steps (O(T·k·H²) work).
    let carry = new Float64Array(H);
    let next = new Float64Array(H);
    for (let s = T; s >= 1; s--) {
      carry.set(dhOut[s - 1]);
      for (let t = s; t >= Math.max(1, s - k + 1); t--) {
        addInto(dhs[t], carry);
        throwIfNonFinite("dL/dh_t", dhs[t], t, EXPLODE);
        next.fill(0);
        step(t, carry, next);
        [carry, next] = [next, carry];
      }
      const last = Math.max(1, s - k + 1) - 1; // the hidden state reached after k steps: recorded, not carried on
      addInto(dhs[last], carry);
    }
  }
  return { grads: g, dhs };
}

function addInto(a: Vec, b: Vec): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

// ---- Shared internals of the fast paths (./vanilla.ts, ./batch.ts): row views and per-activation loops. ----

/** @internal `rows` consecutive length-n views into `buf` starting at element `off` (no copy). */
export function rowViews(buf: Float64Array, off: number, rows: number, n: number): Vec[] {
  const out: Vec[] = new Array(rows);
  // the constructor, not subarray: the same view at half the cost (no species lookup), T views per trace
  const b = buf.buffer;
  const o = buf.byteOffset + off * 8;
  for (let r = 0; r < rows; r++) out[r] = new Float64Array(b, o + r * n * 8, n);
  return out;
}

/**
 * The vectors `vs` (each of length n) as the rows of one row-major matrix: a view when they already lie
 * back to back in one buffer (as rnnForward's trace does), else a copy. Never written to.
 * @internal
 */
export function stackRows(vs: Vec[], n: number): Float64Array {
  const rows = vs.length;
  const first = vs[0];
  let contiguous = true;
  for (let r = 1; r < rows && contiguous; r++)
    contiguous = vs[r].buffer === first.buffer && vs[r].byteOffset === first.byteOffset + r * n * 8;
  if (contiguous) return new Float64Array(first.buffer, first.byteOffset, rows * n);
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(vs[r], r * n);
  return out;
}

/**
 * h = φ(z) over n entries (z at zOff, h at hOff in `buf`); one loop per activation so that the hot loop has
 * no switch. Returns Σ (h_i − h_i), which is 0 exactly when every h_i is finite (a cheap overflow detector).
 * @internal
 */
export function activateRow(a: Activation, buf: Float64Array, zOff: number, hOff: number, n: number): number {
  let chk = 0;
  switch (a) {
    case "tanh":
      for (let i = 0; i < n; i++) {
        const v = Math.tanh(buf[zOff + i]);
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "relu":
      for (let i = 0; i < n; i++) {
        const z = buf[zOff + i];
        const v = z > 0 ? z : 0;
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = sigmoid(buf[zOff + i]);
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "linear":
      for (let i = 0; i < n; i++) {
        const v = buf[zOff + i];
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
  }
  return chk;
}

/**
 * z̄ = h̄ ⊙ φ′(z) over n entries, written to out[outOff..]; returns Σ (h̄_i − h̄_i), 0 exactly when h̄ is finite.
 * @internal
 */
export function backpropRow(
  a: Activation,
  dh: Float64Array,
  dhOff: number,
  zs: Float64Array,
  zOff: number,
  hs: Float64Array,
  hOff: number,
  out: Float64Array,
  outOff: number,
  n: number,
): number {
  let chk = 0;
  switch (a) {
    case "tanh":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        const h = hs[hOff + i];
        out[outOff + i] = d * (1 - h * h);
        chk += d - d;
      }
      break;
    case "relu":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        out[outOff + i] = zs[zOff + i] > 0 ? d : 0;
        chk += d - d;
      }
      break;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        const h = hs[hOff + i];
        out[outOff + i] = d * (h * (1 - h));
        chk += d - d;
      }
      break;
    case "linear":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        out[outOff + i] = d;
        chk += d - d;
      }
      break;
  }
  return chk;
}

