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
 * The argument checks both versions share live in ./vanilla-shared (so that their error messages cannot drift
 * apart); the checks every cell shares are in ./checks.
 */
import { checkAllFinite, checkVec, type Vec } from "../core/tensor";
import { activate, activationDerivative } from "./activation";
import { checkSequence, EXPLODE, throwIfNonFinite } from "./checks";
import {
  checkBackwardArgs,
  checkParamsFinite,
  rnnSizes,
  wxhInputs,
  zeroGrads,
  type BackwardOptions,
  type RnnGrads,
  type RnnParams,
  type RnnTrace,
} from "./vanilla-shared";

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

