/**
 * The gated recurrent unit (GRU, Cho et al. 2014), its exact BPTT (full and truncated) and its hidden-state
 * Jacobians. This is PyTorch's formulation (torch.nn.GRU), where the reset gate multiplies W_hn h + b_hn AFTER
 * the matrix product (Cho et al.'s original applies r to h before it). For t = 1..T:
 *
 *   r_t = σ(W_r [x_t; h_{t−1}] + b_r)
 *   z_t = σ(W_z [x_t; h_{t−1}] + b_z)
 *   n_t = tanh(W_nx x_t + b_n + r_t ⊙ (W_nh h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 *   y_t = Why h_t + by
 *
 * W is 3H × (I + H): row blocks r, z, n (PyTorch's order), columns [x | h]. b (3H) holds b_r, b_z, b_n and
 * bhn (H) is b_hn. From PyTorch: W = [weight_ih_l0 | weight_hh_l0], b = bias_ih_l0 + bias_hh_l0 on the r and z
 * blocks and bias_ih_l0 on the n block, bhn = the n block of bias_hh_l0.
 *
 * Backward, with h̄_t = ∂L/∂h_t in total and u_t = W_nh h_{t−1} + b_hn:
 *
 *   n̄ = h̄_t ⊙ (1 − z),  z̄ = h̄_t ⊙ (h_{t−1} − n),  h̄_{t−1} += h̄_t ⊙ z      (the direct path: diag(z))
 *   ā_n = n̄ ⊙ (1 − n²),  ū = ā_n ⊙ r,  ā_r = ā_n ⊙ u ⊙ r(1−r),  ā_z = z̄ ⊙ z(1−z)
 *   W̄_[r,z] += ā_[r,z] [x; h_{t−1}]ᵀ,  W̄_nx += ā_n xᵀ,  W̄_nh += ū h_{t−1}ᵀ,  b̄ += [ā_r; ā_z; ā_n],  b̄_hn += ū
 *   h̄_{t−1} += W_rhᵀ ā_r + W_zhᵀ ā_z + W_nhᵀ ū  (+ Whyᵀ ȳ_{t−1})
 */
import { spectralNorm } from "../core/linalg";
import type { Rng } from "../core/random";
import {
  assert,
  checkAllFinite,
  checkFiniteNumber,
  checkInt,
  checkMat,
  checkVec,
  cloneMat,
  describe,
  identity,
  matmul,
  type Mat,
  type Vec,
} from "../core/tensor";
import { sigmoid } from "./activation";
import { checkDys, checkSequence, checkStepIn, checkTrace, checkTraceRows, inputSizeFrom, outputSizeFrom, throwIfNonFinite, truncationOf, type BackwardOptions } from "./checks";
import { backwardThroughTime, diagonalNorm, outputBackward, outputOf, gatedWeights, type GateStdOptions } from "./gated";

/** The parameters of a GRU with input size I, hidden size H and output size O. */
export interface GruParams {
  /** 3H × (I + H) gate weights: row blocks r, z, n; columns [x | h]. */
  W: Mat;
  /** Biases b_r, b_z, b_n (3H). */
  b: Vec;
  /** b_hn (H): the bias inside the reset gate's product r ⊙ (W_nh h + b_hn). */
  bhn: Vec;
  /** O×H hidden-to-output weights. */
  Why: Mat;
  /** Output bias, length O. */
  by: Vec;
}

/** The gradients of a loss with respect to every tensor of {@link GruParams}, shaped alike. */
export interface GruGrads {
  W: Mat;
  b: Vec;
  bhn: Vec;
  Why: Mat;
  by: Vec;
}

/** What {@link gruForward} keeps for the backward pass. Gate arrays: entry t − 1 is step t. */
export interface GruTrace {
  /** h_0..h_T (T + 1 entries). */
  hs: Vec[];
  /** Outputs y_1..y_T. */
  ys: Vec[];
  /** Reset gates r_1..r_T. */
  rs: Vec[];
  /** Update gates z_1..z_T (gates, not pre-activations as in the vanilla RnnTrace). */
  zs: Vec[];
  /** Candidates n_1..n_T. */
  ns: Vec[];
  /** u_t = W_nh h_{t−1} + b_hn, the term the reset gate scales. */
  us: Vec[];
}

/** The sizes (input, hidden, output) of `p`, after checking that its tensors fit together. */
export function gruSizes(p: GruParams): { input: number; hidden: number; output: number } {
  assert(typeof p === "object" && p !== null, () => `p: expected GruParams {W, b, bhn, Why, by}, got ${describe(p)}`);
  const Why = checkMat("p.Why", p.Why);
  const O = Why.rows;
  const H = Why.cols;
  assert(H >= 1, () => `p.Why: expected O×H with H ≥ 1 hidden units, got ${Why.rows}×${Why.cols}`);
  const W = checkMat("p.W", p.W);
  assert(
    W.rows === 3 * H && W.cols > H,
    () => `p.W: expected 3H × (I + H) = ${3 * H}×(I + ${H}) with I ≥ 1 (H = ${H} from p.Why), got ${W.rows}×${W.cols}`,
  );
  checkVec("p.b", p.b, 3 * H);
  checkVec("p.bhn", p.bhn, H);
  checkVec("p.by", p.by, O);
  return { input: W.cols - H, hidden: H, output: O };
}

function checkParamsFinite(p: GruParams): void {
  checkAllFinite("p.W", p.W.data);
  checkAllFinite("p.b", p.b);
  checkAllFinite("p.bhn", p.bhn);
  checkAllFinite("p.Why", p.Why.data);
  checkAllFinite("p.by", p.by);
}

/** Sizes and options of {@link initGruParams}. */
export interface GruInitOptions extends GateStdOptions {
  input: number;
  hidden: number;
  output: number;
  /** Initial b_z (default 0); positive values start the unit copying h_{t−1} forward (z ≈ 1). */
  updateBias?: number;
}

/**
 * Gaussian GRU parameters, biases 0 except b_z = updateBias, drawn from `rng` in the order W's input columns,
 * W's recurrent columns, Why.
 * @example const p = initGruParams(createRng(0), { input: 1, hidden: 8, output: 1 });
 */
export function initGruParams(rng: Rng, o: GruInitOptions): GruParams {
  const I = checkInt("input", o.input, 1);
  const H = checkInt("hidden", o.hidden, 1);
  const O = checkInt("output", o.output, 1);
  const updateBias = o.updateBias === undefined ? 0 : checkFiniteNumber("updateBias", o.updateBias);
  const { W, Why } = gatedWeights(rng, 3, I, H, O, o);
  const b = new Float64Array(3 * H);
  b.fill(updateBias, H, 2 * H);
  return { W, b, bhn: new Float64Array(H), Why, by: new Float64Array(O) };
}

/** A deep copy of `p`. */
export function cloneGruParams(p: GruParams): GruParams {
  return { W: cloneMat(p.W), b: p.b.slice(), bhn: p.bhn.slice(), Why: cloneMat(p.Why), by: p.by.slice() };
}

/**
 * Runs the GRU over x_1..x_T from h_0 (zeros when omitted).
 *
 * @returns hs (h_0..h_T), ys and the gates r, z, n with u = W_nh h + b_hn (T entries each)
 * @throws NonFiniteError naming the step where a pre-activation or an output overflowed (only with huge weights:
 *   h_t is a convex combination of n_t ∈ (−1, 1) and h_{t−1})
 * @example
 * const { hs, ys } = gruForward(params, [vecFrom([1]), vecFrom([0])]);
 */
export function gruForward(p: GruParams, xs: Vec[], h0?: Vec): GruTrace {
  const { input: I, hidden: H } = gruSizes(p);
  checkParamsFinite(p);
  checkSequence(xs, I, true, inputSizeFrom("p.W", p.W, I, `3H × (I + H) with H = ${H}`));
  const start = h0 === undefined ? new Float64Array(H) : checkVec("h0", h0, H).slice();
  checkAllFinite("h0", start);
  const { W, b, bhn } = p;
  const cols = I + H;
  const T = xs.length;
  const tr: GruTrace = { hs: [start], ys: [], rs: [], zs: [], ns: [], us: [] };
  const ax = new Float64Array(3 * H); // b + W_x x
  const ah = new Float64Array(3 * H); // W_h h_{t−1}
  for (let t = 1; t <= T; t++) {
    const x = xs[t - 1];
    const hPrev = tr.hs[t - 1];
    for (let q = 0; q < 3 * H; q++) {
      let sx = b[q];
      let sh = 0;
      const o = q * cols;
      for (let j = 0; j < I; j++) sx += W.data[o + j] * x[j];
      for (let j = 0; j < H; j++) sh += W.data[o + I + j] * hPrev[j];
      ax[q] = sx;
      ah[q] = sh;
    }
    throwIfNonFinite("gate pre-activations W_x x_t + b", ax, t, "the forward pass overflowed");
    throwIfNonFinite("gate pre-activations W_h h_{t−1}", ah, t, "the forward pass overflowed");
    const r = new Float64Array(H);
    const z = new Float64Array(H);
    const n = new Float64Array(H);
    const u = new Float64Array(H);
    const h = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      r[j] = sigmoid(ax[j] + ah[j]);
      z[j] = sigmoid(ax[H + j] + ah[H + j]);
      u[j] = ah[2 * H + j] + bhn[j];
      n[j] = Math.tanh(ax[2 * H + j] + r[j] * u[j]);
      h[j] = (1 - z[j]) * n[j] + z[j] * hPrev[j];
    }
    throwIfNonFinite("h_t", h, t, "the forward pass overflowed");
    const y = outputOf(p.Why, p.by, h);
    throwIfNonFinite("y_t", y, t, "the output layer overflowed");
    tr.rs.push(r);
    tr.zs.push(z);
    tr.ns.push(n);
    tr.us.push(u);
    tr.hs.push(h);
    tr.ys.push(y);
  }
  return tr;
}

// Step t's gates r, z, n, u and the state h_{t−1} it read (the gate arrays hold step t at index t − 1, hs at t).
function gruStep(trace: GruTrace, t: number): { r: Vec; z: Vec; n: Vec; u: Vec; hPrev: Vec } {
  return { r: trace.rs[t - 1], z: trace.zs[t - 1], n: trace.ns[t - 1], u: trace.us[t - 1], hPrev: trace.hs[t - 1] };
}

function checkGruTrace(trace: GruTrace, T: number): void {
  checkTrace(trace, "gruForward", { hs: T + 1, ys: T, rs: T, zs: T, ns: T, us: T });
}

/**
 * Exact BPTT for the GRU, given ∂L/∂y_t for every step (formulas in this file's header).
 *
 * @param trace what {@link gruForward} returned for the same `p` and `xs`
 * @param dys dys[t − 1] = ∂L/∂y_t (zeros where step t has no loss)
 * @param opts `truncate: k` with the meaning of {@link rnnBackward}'s: each loss term's backward path stops after
 *   k steps, at h_{s−k}; k ≥ T is full BPTT
 * @returns grads (shaped like `p`) and dhs[t] = ∂L/∂h_t in total for t = 0..T (under truncation, summed over the
 *   kept paths)
 * @throws NonFiniteError naming the step where ∂L/∂h_t overflowed
 * @example
 * const trace = gruForward(p, xs);
 * const { grads, dhs } = gruBackward(p, xs, trace, softmaxCrossEntropy(trace.ys, labels).dys);
 */
export function gruBackward(
  p: GruParams,
  xs: Vec[],
  trace: GruTrace,
  dys: Vec[],
  opts: BackwardOptions = {},
): { grads: GruGrads; dhs: Vec[] } {
  const { input: I, hidden: H, output: O } = gruSizes(p);
  checkSequence(xs, I, true, inputSizeFrom("p.W", p.W, I, `3H × (I + H) with H = ${H}`));
  const T = xs.length;
  checkGruTrace(trace, T);
  checkTraceRows(trace, "gruForward", ["hs", "rs", "zs", "ns", "us"], H); // a NaN put there would come out as an exploding gradient, or not at all
  checkDys(dys, T, O, true, outputSizeFrom(p.Why));
  const k = truncationOf(opts, T);
  const cols = I + H;
  const g: GruGrads = {
    W: { rows: 3 * H, cols, data: new Float64Array(3 * H * cols) },
    b: new Float64Array(3 * H),
    bhn: new Float64Array(H),
    Why: { rows: O, cols: H, data: new Float64Array(O * H) },
    by: new Float64Array(O),
  };
  const dhOut = outputBackward(p.Why, trace.hs, dys, g.Why, g.by);
  const dax = new Float64Array(3 * H); // ∂L/∂(W_x x + b) per block
  const dah = new Float64Array(3 * H); // ∂L/∂(W_h h_{t−1}) per block: equal to dax except in the n block (ū)
  const W = p.W.data;

  const step = (t: number, [dh]: Vec[], [dhPrev]: Vec[]): void => {
    const { r, z, n, u, hPrev } = gruStep(trace, t);
    for (let j = 0; j < H; j++) {
      const dan = dh[j] * (1 - z[j]) * (1 - n[j] * n[j]);
      const dz = dh[j] * (hPrev[j] - n[j]);
      dax[j] = dah[j] = dan * u[j] * r[j] * (1 - r[j]);
      dax[H + j] = dah[H + j] = dz * z[j] * (1 - z[j]);
      dax[2 * H + j] = dan;
      dah[2 * H + j] = dan * r[j];
      g.bhn[j] += dan * r[j];
      dhPrev[j] += dh[j] * z[j];
    }
    const x = xs[t - 1];
    for (let q = 0; q < 3 * H; q++) {
      const dx = dax[q];
      const dhq = dah[q];
      g.b[q] += dx;
      const row = q * cols;
      if (dx !== 0) for (let j = 0; j < I; j++) g.W.data[row + j] += dx * x[j];
      if (dhq === 0) continue;
      for (let j = 0; j < H; j++) {
        g.W.data[row + I + j] += dhq * hPrev[j];
        dhPrev[j] += W[row + I + j] * dhq;
      }
    }
  };
  const [dhs] = backwardThroughTime(T, k, [H], ["dL/dh_t"], dhOut, step);
  return { grads: g, dhs };
}

/**
 * The one-step Jacobian ∂h_t/∂h_{t−1} of the GRU, for t = 1..T:
 *
 *   ∂h_t/∂h_{t−1} = diag(z) + diag((h_{t−1} − n) ⊙ z(1−z)) W_zh
 *                   + diag((1 − z) ⊙ (1 − n²)) [diag(u ⊙ r(1−r)) W_rh + diag(r) W_nh]
 *
 * The first term is the direct (leaky-integrator) path; with z ≈ 1 it is ≈ I, like the LSTM's carousel.
 */
export function gruStepJacobian(p: GruParams, trace: GruTrace, t: number): Mat {
  const { input: I, hidden: H } = gruSizes(p);
  const T = trace.ys.length;
  checkGruTrace(trace, T);
  checkStepIn("t", t, 1, T);
  const cols = I + H;
  const J: Mat = { rows: H, cols: H, data: new Float64Array(H * H) };
  const { r, z, n, u, hPrev } = gruStep(trace, t);
  const W = p.W.data;
  for (let q = 0; q < H; q++) {
    const kz = (hPrev[q] - n[q]) * z[q] * (1 - z[q]);
    const kn = (1 - z[q]) * (1 - n[q] * n[q]);
    const kr = kn * u[q] * r[q] * (1 - r[q]);
    const knh = kn * r[q];
    const rowR = q * cols + I;
    const rowZ = (H + q) * cols + I;
    const rowN = (2 * H + q) * cols + I;
    for (let j = 0; j < H; j++) J.data[q * H + j] = kz * W[rowZ + j] + kr * W[rowR + j] + knh * W[rowN + j];
    J.data[q * H + q] += z[q];
  }
  return J;
}

/** The Jacobian products of {@link gruJacobianProducts}, each indexed by the earlier step t = 0..T. */
export interface GruJacobianProducts {
  /** ∂h_T/∂h_t (H×H). */
  hidden: Mat[];
  /** The direct path alone, ∏_{s=t+1}^{T} diag(z_s), as its diagonal (ones at t = T). */
  direct: Vec[];
}

/**
 * Every product ∂h_T/∂h_t for t = 0..T, built backwards from I by P_{t−1} = P_t ∂h_t/∂h_{t−1}
 * ({@link gruStepJacobian}), and the direct-path product ∏ diag(z_s).
 * @throws NonFiniteError when a product overflows, naming the step t
 */
export function gruJacobianProducts(p: GruParams, trace: GruTrace, T = trace.ys.length): GruJacobianProducts {
  const { hidden: H } = gruSizes(p);
  checkStepIn("T", T, 0, trace.ys.length);
  const hidden: Mat[] = new Array(T + 1);
  const direct: Vec[] = new Array(T + 1);
  hidden[T] = identity(H);
  direct[T] = new Float64Array(H).fill(1);
  for (let t = T; t >= 1; t--) {
    hidden[t - 1] = matmul(hidden[t], gruStepJacobian(p, trace, t));
    throwIfNonFinite("∂h_T/∂h_t", hidden[t - 1].data, t - 1, "the Jacobian product overflowed");
    const z = trace.zs[t - 1];
    direct[t - 1] = direct[t].map((v, j) => v * z[j]);
  }
  return { hidden, direct };
}

/** Spectral norms of the GRU's Jacobian products at one earlier step t. */
export interface GruJacobianNorms {
  step: number;
  /** T − t. */
  distance: number;
  /** ‖∂h_T/∂h_t‖₂. */
  hidden: number;
  /** ‖∏ diag(z_s)‖₂ = max_j ∏_s z_s[j]. */
  direct: number;
}

/**
 * The spectral norms of {@link gruJacobianProducts} for every t = 0..T, to plot against distance T − t.
 * @example gruJacobianNorms(p, gruForward(p, xs)).map((n) => [n.distance, n.hidden])
 */
export function gruJacobianNorms(p: GruParams, trace: GruTrace, T = trace.ys.length): GruJacobianNorms[] {
  const { hidden, direct } = gruJacobianProducts(p, trace, T);
  return hidden.map((P, t) => ({ step: t, distance: T - t, hidden: spectralNorm(P), direct: diagonalNorm(direct[t]) }));
}
