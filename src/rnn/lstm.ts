/**
 * The long short-term memory (LSTM) cell, its exact BPTT (full and truncated) and its state Jacobians.
 *
 * Forward (Grosse 2017 §3.4; Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al. 2000), t = 1..T:
 *
 *   [i_t; f_t; o_t; g_t] = [σ; σ; σ; tanh](W [x_t; h_{t−1}] + b)
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 *   h_t = o_t ⊙ tanh(c_t)
 *   y_t = Why h_t + by
 *
 * W is 4H × (I + H): its row blocks are the gates in the order i, f, o, g (rows 0..H−1 are i, H..2H−1 are f, …),
 * its first I columns multiply x_t and the last H multiply h_{t−1}. (PyTorch stores the order i, f, g, o.)
 *
 * Backward, with h̄_t = ∂L/∂h_t and c̄_t = ∂L/∂c_t (totals), ā = ∂L/∂(W [x; h] + b):
 *
 *   c̄_t  = c̄_t(from c_{t+1}) + h̄_t ⊙ o_t ⊙ (1 − tanh² c_t)
 *   ō_t = h̄_t ⊙ tanh c_t,  ī_t = c̄_t ⊙ g_t,  f̄_t = c̄_t ⊙ c_{t−1},  ḡ_t = c̄_t ⊙ i_t
 *   ā = [ī ⊙ i(1−i); f̄ ⊙ f(1−f); ō ⊙ o(1−o); ḡ ⊙ (1−g²)]
 *   W̄ += ā [x_t; h_{t−1}]ᵀ,  b̄ += ā,  h̄_{t−1} += W_hᵀ ā (+ Whyᵀ ȳ_{t−1}),  c̄_{t−1} (from c_t) = c̄_t ⊙ f_t
 *
 * The last line is the "constant error carousel": along c the gradient is only multiplied by the forget gate,
 * with no weight matrix and no squashing derivative, so with f ≈ 1 it neither explodes nor vanishes.
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

/** The parameters of an LSTM with input size I, hidden size H and output size O. */
export interface LstmParams {
  /** 4H × (I + H) gate weights: row blocks i, f, o, g; columns [x | h]. */
  W: Mat;
  /** Gate biases, length 4H, in the same block order i, f, o, g. */
  b: Vec;
  /** O×H hidden-to-output weights. */
  Why: Mat;
  /** Output bias, length O. */
  by: Vec;
}

/** The gradients of a loss with respect to every tensor of {@link LstmParams}, shaped alike. */
export interface LstmGrads {
  W: Mat;
  b: Vec;
  Why: Mat;
  by: Vec;
}

/** The state an LSTM carries from step to step: the hidden state h and the cell state c. */
export interface LstmState {
  h: Vec;
  c: Vec;
}

/** What {@link lstmForward} keeps for the backward pass and the Jacobians. Gate arrays: entry t − 1 is step t. */
export interface LstmTrace {
  /** h_0..h_T (T + 1 entries). */
  hs: Vec[];
  /** c_0..c_T (T + 1 entries). */
  cs: Vec[];
  /** Outputs y_1..y_T. */
  ys: Vec[];
  /** Input gates i_1..i_T. */
  is: Vec[];
  /** Forget gates f_1..f_T. */
  fs: Vec[];
  /** Output gates o_1..o_T. */
  os: Vec[];
  /** Candidate cell values g_1..g_T. */
  gs: Vec[];
}

/** The sizes (input, hidden, output) of `p`, after checking that its tensors fit together. */
export function lstmSizes(p: LstmParams): { input: number; hidden: number; output: number } {
  assert(typeof p === "object" && p !== null, () => `p: expected LstmParams {W, b, Why, by}, got ${describe(p)}`);
  const Why = checkMat("p.Why", p.Why);
  const O = Why.rows;
  const H = Why.cols;
  assert(H >= 1, () => `p.Why: expected O×H with H ≥ 1 hidden units, got ${Why.rows}×${Why.cols}`);
  const W = checkMat("p.W", p.W);
  assert(
    W.rows === 4 * H && W.cols > H,
    () => `p.W: expected 4H × (I + H) = ${4 * H}×(I + ${H}) with I ≥ 1 (H = ${H} from p.Why), got ${W.rows}×${W.cols}`,
  );
  checkVec("p.b", p.b, 4 * H);
  checkVec("p.by", p.by, O);
  return { input: W.cols - H, hidden: H, output: O };
}

function checkParamsFinite(p: LstmParams): void {
  checkAllFinite("p.W", p.W.data);
  checkAllFinite("p.b", p.b);
  checkAllFinite("p.Why", p.Why.data);
  checkAllFinite("p.by", p.by);
}

/** Sizes and options of {@link initLstmParams}. */
export interface LstmInitOptions extends GateStdOptions {
  input: number;
  hidden: number;
  output: number;
  /**
   * Initial bias of the forget gate (default 1: Gers et al. 2000 start it positive, Jozefowicz et al. 2015
   * recommend 1), so that σ(b_f) ≈ 0.73 and the cell remembers from the start.
   */
  forgetBias?: number;
}

/**
 * Gaussian LSTM parameters: biases 0 except the forget block (= forgetBias), drawn from `rng` in the order
 * W's input columns, W's recurrent columns, Why.
 * @example const p = initLstmParams(createRng(0), { input: 1, hidden: 8, output: 1, forgetBias: 1 });
 */
export function initLstmParams(rng: Rng, o: LstmInitOptions): LstmParams {
  const I = checkInt("input", o.input, 1);
  const H = checkInt("hidden", o.hidden, 1);
  const O = checkInt("output", o.output, 1);
  const forgetBias = o.forgetBias === undefined ? 1 : checkFiniteNumber("forgetBias", o.forgetBias);
  const { W, Why } = gatedWeights(rng, 4, I, H, O, o);
  const b = new Float64Array(4 * H);
  b.fill(forgetBias, H, 2 * H);
  return { W, b, Why, by: new Float64Array(O) };
}

/** A deep copy of `p`. */
export function cloneLstmParams(p: LstmParams): LstmParams {
  return { W: cloneMat(p.W), b: p.b.slice(), Why: cloneMat(p.Why), by: p.by.slice() };
}

/**
 * Runs the LSTM over x_1..x_T from (h_0, c_0) (zeros where omitted).
 *
 * @returns hs, cs (T + 1 entries each), ys and the gates i, f, o, g (T entries each)
 * @throws NonFiniteError naming the step where a pre-activation or an output overflowed (only with huge weights:
 *   h is bounded by 1 and |c_t| ≤ |c_{t−1}| + 1)
 * @example
 * const { hs, cs } = lstmForward(params, [vecFrom([1]), vecFrom([0])], { c: vecFrom([0.5]) });
 */
export function lstmForward(p: LstmParams, xs: Vec[], state0: Partial<LstmState> = {}): LstmTrace {
  const { input: I, hidden: H } = lstmSizes(p);
  checkParamsFinite(p);
  checkSequence(xs, I, true, inputSizeFrom("p.W", p.W, I, `4H × (I + H) with H = ${H}`));
  assert(typeof state0 === "object" && state0 !== null, () => `state0: expected {h?, c?}, got ${describe(state0)}`);
  const h0 = state0.h === undefined ? new Float64Array(H) : checkVec("state0.h", state0.h, H).slice();
  const c0 = state0.c === undefined ? new Float64Array(H) : checkVec("state0.c", state0.c, H).slice();
  checkAllFinite("state0.h", h0);
  checkAllFinite("state0.c", c0);
  const { W, b } = p;
  const cols = I + H;
  const T = xs.length;
  const tr: LstmTrace = { hs: [h0], cs: [c0], ys: [], is: [], fs: [], os: [], gs: [] };
  const a = new Float64Array(4 * H);
  for (let t = 1; t <= T; t++) {
    const x = xs[t - 1];
    const hPrev = tr.hs[t - 1];
    const cPrev = tr.cs[t - 1];
    for (let r = 0; r < 4 * H; r++) {
      let s = b[r];
      const o = r * cols;
      for (let j = 0; j < I; j++) s += W.data[o + j] * x[j];
      for (let j = 0; j < H; j++) s += W.data[o + I + j] * hPrev[j];
      a[r] = s;
    }
    throwIfNonFinite("gate pre-activations W[x_t; h_{t−1}] + b", a, t, "the forward pass overflowed");
    const i = new Float64Array(H);
    const f = new Float64Array(H);
    const o = new Float64Array(H);
    const g = new Float64Array(H);
    const c = new Float64Array(H);
    const h = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      i[j] = sigmoid(a[j]);
      f[j] = sigmoid(a[H + j]);
      o[j] = sigmoid(a[2 * H + j]);
      g[j] = Math.tanh(a[3 * H + j]);
      c[j] = f[j] * cPrev[j] + i[j] * g[j];
      h[j] = o[j] * Math.tanh(c[j]);
    }
    const y = outputOf(p.Why, p.by, h);
    throwIfNonFinite("y_t", y, t, "the output layer overflowed");
    tr.is.push(i);
    tr.fs.push(f);
    tr.os.push(o);
    tr.gs.push(g);
    tr.cs.push(c);
    tr.hs.push(h);
    tr.ys.push(y);
  }
  return tr;
}

// Step t's gates and its cell states c_t, c_{t−1} (the gate arrays hold step t at index t − 1, cs at t).
function lstmStep(trace: LstmTrace, t: number): { i: Vec; f: Vec; o: Vec; g: Vec; c: Vec; cPrev: Vec } {
  return { i: trace.is[t - 1], f: trace.fs[t - 1], o: trace.os[t - 1], g: trace.gs[t - 1], c: trace.cs[t], cPrev: trace.cs[t - 1] };
}

function checkLstmTrace(trace: LstmTrace, T: number): void {
  checkTrace(trace, "lstmForward", { hs: T + 1, cs: T + 1, ys: T, is: T, fs: T, os: T, gs: T });
}

/**
 * Exact BPTT for the LSTM, given ∂L/∂y_t for every step (formulas in this file's header).
 *
 * @param trace what {@link lstmForward} returned for the same `p` and `xs`
 * @param dys dys[t − 1] = ∂L/∂y_t (zeros where step t has no loss)
 * @param opts `truncate: k` with the meaning of {@link rnnBackward}'s: each loss term's backward path stops after
 *   k cells, at the state (h_{s−k}, c_{s−k}); k ≥ T is full BPTT
 * @returns grads (shaped like `p`); dhs[t] = ∂L/∂h_t and dcs[t] = ∂L/∂c_t in total for t = 0..T (dcs[t] includes
 *   the path c_t → h_t for t ≥ 1; dhs[0], dcs[0] are the gradients for state0). Under truncation, the sums over
 *   the kept paths (a path that stops at state s−k does not go on from c̄ into h̄ there).
 * @throws NonFiniteError naming the step where ∂L/∂h_t or ∂L/∂c_t overflowed
 * @example
 * const trace = lstmForward(p, xs);
 * const { loss, dys } = squaredError(trace.ys, targets);
 * const { grads } = lstmBackward(p, xs, trace, dys, { truncate: 20 });
 */
export function lstmBackward(
  p: LstmParams,
  xs: Vec[],
  trace: LstmTrace,
  dys: Vec[],
  opts: BackwardOptions = {},
): { grads: LstmGrads; dhs: Vec[]; dcs: Vec[] } {
  const { input: I, hidden: H, output: O } = lstmSizes(p);
  checkSequence(xs, I, true, inputSizeFrom("p.W", p.W, I, `4H × (I + H) with H = ${H}`));
  const T = xs.length;
  checkLstmTrace(trace, T);
  checkTraceRows(trace, "lstmForward", ["hs", "cs", "is", "fs", "os", "gs"], H); // a NaN put there would come out as an exploding gradient, or not at all
  checkDys(dys, T, O, true, outputSizeFrom(p.Why));
  const k = truncationOf(opts, T);
  const cols = I + H;
  const g: LstmGrads = {
    W: { rows: 4 * H, cols, data: new Float64Array(4 * H * cols) },
    b: new Float64Array(4 * H),
    Why: { rows: O, cols: H, data: new Float64Array(O * H) },
    by: new Float64Array(O),
  };
  const dhOut = outputBackward(p.Why, trace.hs, dys, g.Why, g.by);
  const da = new Float64Array(4 * H);
  const W = p.W.data;

  const step = (t: number, [dh, dc]: Vec[], [dhPrev, dcPrev]: Vec[]): void => {
    const { i, f, o, g: gg, c, cPrev } = lstmStep(trace, t);
    for (let j = 0; j < H; j++) {
      const tc = Math.tanh(c[j]);
      dc[j] += dh[j] * o[j] * (1 - tc * tc);
      da[j] = dc[j] * gg[j] * i[j] * (1 - i[j]);
      da[H + j] = dc[j] * cPrev[j] * f[j] * (1 - f[j]);
      da[2 * H + j] = dh[j] * tc * o[j] * (1 - o[j]);
      da[3 * H + j] = dc[j] * i[j] * (1 - gg[j] * gg[j]);
      dcPrev[j] += dc[j] * f[j];
    }
    const x = xs[t - 1];
    const hPrev = trace.hs[t - 1];
    for (let r = 0; r < 4 * H; r++) {
      const d = da[r];
      g.b[r] += d;
      if (d === 0) continue;
      const row = r * cols;
      for (let j = 0; j < I; j++) g.W.data[row + j] += d * x[j];
      for (let j = 0; j < H; j++) {
        g.W.data[row + I + j] += d * hPrev[j];
        dhPrev[j] += W[row + I + j] * d;
      }
    }
  };
  const [dhs, dcs] = backwardThroughTime(T, k, [H, H], ["dL/dh_t", "dL/dc_t"], dhOut, step);
  return { grads: g, dhs, dcs };
}

/**
 * The one-step Jacobian of the full LSTM state s_t = [h_t; c_t] (2H entries, h first), for t = 1..T:
 *
 *   ∂c_t/∂c_{t−1} = diag(f_t)                                   (the carousel: the only c → c path)
 *   ∂c_t/∂h_{t−1} = diag(g ⊙ i(1−i)) W_ih + diag(c_{t−1} ⊙ f(1−f)) W_fh + diag(i ⊙ (1−g²)) W_gh
 *   ∂h_t/∂c_{t−1} = diag(o ⊙ (1 − tanh² c_t) ⊙ f)
 *   ∂h_t/∂h_{t−1} = diag(tanh c_t ⊙ o(1−o)) W_oh + diag(o ⊙ (1 − tanh² c_t)) ∂c_t/∂h_{t−1}
 *
 * where W_ih, W_fh, W_oh, W_gh are the H×H recurrent blocks of W. The gates read h_{t−1} only (no peepholes),
 * so c_{t−1} reaches step t's gates solely through h_{t−1} = o_{t−1} ⊙ tanh(c_{t−1}), which is part of step t − 1.
 */
export function lstmStepJacobian(p: LstmParams, trace: LstmTrace, t: number): Mat {
  const { input: I, hidden: H } = lstmSizes(p);
  const T = trace.ys.length;
  checkLstmTrace(trace, T);
  checkStepIn("t", t, 1, T);
  const cols = I + H;
  const n = 2 * H;
  const J: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
  const { i, f, o, g, c, cPrev } = lstmStep(trace, t);
  const W = p.W.data;
  for (let r = 0; r < H; r++) {
    const tc = Math.tanh(c[r]);
    const dhdc = o[r] * (1 - tc * tc);
    const ki = g[r] * i[r] * (1 - i[r]);
    const kf = cPrev[r] * f[r] * (1 - f[r]);
    const kg = i[r] * (1 - g[r] * g[r]);
    const ko = tc * o[r] * (1 - o[r]);
    const rowI = r * cols + I;
    const rowF = (H + r) * cols + I;
    const rowO = (2 * H + r) * cols + I;
    const rowG = (3 * H + r) * cols + I;
    for (let j = 0; j < H; j++) {
      const dcdh = ki * W[rowI + j] + kf * W[rowF + j] + kg * W[rowG + j];
      J.data[(H + r) * n + j] = dcdh;
      J.data[r * n + j] = ko * W[rowO + j] + dhdc * dcdh;
    }
    J.data[(H + r) * n + H + r] = f[r];
    J.data[r * n + H + r] = dhdc * f[r];
  }
  return J;
}

/** The Jacobian products of {@link lstmCellJacobianProducts}, each indexed by the earlier step t = 0..T. */
export interface LstmJacobianProducts {
  /** ∂(h_T, c_T)/∂(h_t, c_t): 2H × 2H, rows and columns ordered [h; c]. The honest one: the LSTM's state is the pair. */
  state: Mat[];
  /**
   * ∂c_T/∂c_t with h_t held fixed: the lower-right H×H block of `state`. It sums every path from c_t to c_T,
   * including those that leave the cell through h_{s} = o_s ⊙ tanh(c_s) and re-enter through the gates.
   */
  cell: Mat[];
  /** The constant-error-carousel path alone, ∏_{s=t+1}^{T} diag(f_s), as its diagonal (ones at t = T). */
  carousel: Vec[];
}

/**
 * Every product ∂(h_T, c_T)/∂(h_t, c_t) for t = 0..T, built backwards from I by P_{t−1} = P_t J_t
 * (J_t from {@link lstmStepJacobian}), with its c-block and the carousel product ∏ diag(f_s).
 *
 * The carousel is the direct path c_t → c_{t+1} → … → c_T; `cell` adds the paths through the hidden state.
 * When the gates barely depend on h (small recurrent weights, or saturated gates) the two agree; the gap between
 * them is what the hidden-state feedback contributes.
 * @throws NonFiniteError when a product overflows, naming the step t
 */
export function lstmCellJacobianProducts(p: LstmParams, trace: LstmTrace, T = trace.ys.length): LstmJacobianProducts {
  const { hidden: H } = lstmSizes(p);
  checkStepIn("T", T, 0, trace.ys.length);
  const state: Mat[] = new Array(T + 1);
  const carousel: Vec[] = new Array(T + 1);
  state[T] = identity(2 * H);
  carousel[T] = new Float64Array(H).fill(1);
  for (let t = T; t >= 1; t--) {
    state[t - 1] = matmul(state[t], lstmStepJacobian(p, trace, t));
    throwIfNonFinite("∂(h_T, c_T)/∂(h_t, c_t)", state[t - 1].data, t - 1, "the Jacobian product overflowed");
    const f = trace.fs[t - 1];
    carousel[t - 1] = carousel[t].map((v, j) => v * f[j]);
  }
  const cell = state.map((P) => {
    const m: Mat = { rows: H, cols: H, data: new Float64Array(H * H) };
    for (let r = 0; r < H; r++) m.data.set(P.data.subarray((H + r) * 2 * H + H, (H + r + 1) * 2 * H), r * H);
    return m;
  });
  return { state, cell, carousel };
}

/** Spectral norms of the LSTM's Jacobian products at one earlier step t. */
export interface LstmJacobianNorms {
  /** The earlier step t. */
  step: number;
  /** T − t. */
  distance: number;
  /** ‖∂(h_T, c_T)/∂(h_t, c_t)‖₂. */
  state: number;
  /** ‖∂c_T/∂c_t‖₂ with h_t held fixed. */
  cell: number;
  /** ‖∏ diag(f_s)‖₂ = max_j ∏_s f_s[j]. */
  carousel: number;
}

/**
 * The spectral norms of {@link lstmCellJacobianProducts} for every t = 0..T: the LSTM counterpart of
 * {@link jacobianSpectra}, to plot against distance T − t.
 * @example lstmJacobianNorms(p, lstmForward(p, xs)).map((n) => [n.distance, n.state, n.carousel])
 */
export function lstmJacobianNorms(p: LstmParams, trace: LstmTrace, T = trace.ys.length): LstmJacobianNorms[] {
  const { state, cell, carousel } = lstmCellJacobianProducts(p, trace, T);
  return state.map((P, t) => ({
    step: t,
    distance: T - t,
    state: spectralNorm(P),
    cell: spectralNorm(cell[t]),
    carousel: diagonalNorm(carousel[t]),
  }));
}
