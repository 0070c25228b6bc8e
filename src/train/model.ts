/**
 * The model abstraction the trainer works with: named parameter tensors it can update in place, the loss and
 * its gradient on one sequence, predictions, and the recurrent weights to monitor.
 */
import { assert, describe, isMat, type Mat, type Vec } from "../core/tensor";
import type { TensorMap } from "../rnn/gradcheck";
import { softmaxCrossEntropy, squaredError, type LossResult } from "../rnn/loss";
import { gruBackward, gruForward, gruSizes, type GruParams } from "../rnn/gru";
import { lstmBackward, lstmForward, lstmSizes, type LstmParams } from "../rnn/lstm";
import { rnnBackward, rnnForward, rnnSizes, type BackwardOptions, type RnnParams } from "../rnn/vanilla";
import { pascanuOmega } from "../remedies/pascanu";
import type { LossKind } from "./tasks";

/** Per-step targets: Vecs (or null) for "squaredError", class labels (or null) for "softmaxCrossEntropy". */
export type StepTargets = (Vec | null)[] | (number | null)[];

/** Options of {@link SequenceModel.lossAndGrads}. */
export interface LossOptions {
  /** Truncated BPTT window k (full BPTT when omitted). */
  truncate?: number;
  /** Weight of Pascanu et al.'s Ω (added to the loss, its ∂/∂Whh to the gradient); 0 or omitted: none. */
  omega?: number;
}

/** The loss on one sequence, its gradient for every parameter, and ∂L/∂h_t for t = 0..T. */
export interface LossAndGrads {
  /** The loss, including ω·Ω when asked for. */
  loss: number;
  /** Ω itself (0 when not asked for). */
  omega: number;
  grads: TensorMap;
  dhs: Vec[];
}

/** A recurrent network as the trainer sees it. */
export interface SequenceModel {
  /** Which architecture. */
  readonly kind: "vanilla" | "lstm" | "gru";
  /** The loss it is trained with. */
  readonly loss: LossKind;
  /**
   * The LIVE parameter tensors (the same objects as the params the model was built from): an optimizer
   * updating these in place updates the model.
   */
  readonly params: TensorMap;
  /** Forward, loss and exact BPTT on one sequence. */
  lossAndGrads(xs: Vec[], targets: StepTargets, opts?: LossOptions): LossAndGrads;
  /** The outputs y_1..y_T. */
  predict(xs: Vec[]): Vec[];
  /**
   * The recurrent weights, for monitoring σ₁ and ρ: Whh (H×H) for the vanilla RNN; for the LSTM (GRU) the
   * stacked recurrent block, the h-columns of W, 4H×H (3H×H) with the gates' blocks stacked: i, f, o, g (r, z, n).
   * That block is not square, so the trainer records its σ₁ (= the largest gain from h_{t−1} to all gate
   * pre-activations) and no ρ.
   */
  recurrent(): Mat;
}

/** The loss named `kind` on outputs `ys`, checking that the targets have the matching form. */
export function sequenceLoss(kind: LossKind, ys: Vec[], targets: StepTargets): LossResult {
  assert(Array.isArray(targets), () => `targets: expected an array with one entry per step, got ${describe(targets)}`);
  if (kind === "squaredError") {
    const bad = targets.findIndex((t) => t !== null && !(t instanceof Float64Array));
    assert(bad < 0, () => `targets[${bad}]: squaredError expects a Float64Array or null, got ${describe(targets[bad])}`);
    return squaredError(ys, targets as (Vec | null)[]);
  }
  assert(kind === "softmaxCrossEntropy", () => `loss: expected "squaredError" or "softmaxCrossEntropy", got ${describe(kind)}`);
  const bad = targets.findIndex((t) => t !== null && typeof t !== "number");
  assert(bad < 0, () => `targets[${bad}]: softmaxCrossEntropy expects a class label or null, got ${describe(targets[bad])}`);
  return softmaxCrossEntropy(ys, targets as (number | null)[]);
}

/**
 * A vanilla RNN as a {@link SequenceModel}: `params` is `{ Wxh, Whh, bh, Why, by }`, the very tensors of `p`
 * (so training changes `p`). With `omega`, the loss is L + ω·Ω with Ω from `pascanuOmega` (src/remedies), whose
 * gradient is taken through Whh only, as Pascanu et al. (2013) prescribe.
 *
 * @example
 * const model = vanillaModel(initRnnParams(createRng(0), { input: 2, hidden: 16, output: 1, activation: "tanh" }), "squaredError");
 */
export function vanillaModel(p: RnnParams, loss: LossKind): SequenceModel {
  rnnSizes(p);
  checkLossKind(loss);
  const params: TensorMap = { Wxh: p.Wxh, Whh: p.Whh, bh: p.bh, Why: p.Why, by: p.by };
  return {
    kind: "vanilla",
    loss,
    params,
    lossAndGrads(xs, targets, opts = {}) {
      const trace = rnnForward(p, xs);
      const l = sequenceLoss(loss, trace.ys, targets);
      const { grads, dhs } = rnnBackward(p, xs, trace, l.dys, { truncate: opts.truncate });
      let total = l.loss;
      let omega = 0;
      const w = opts.omega ?? 0;
      if (w !== 0) {
        const r = pascanuOmega(p, trace, dhs);
        omega = r.omega;
        total += w * omega;
        for (let i = 0; i < grads.Whh.data.length; i++) grads.Whh.data[i] += w * r.dWhh.data[i];
      }
      return { loss: total, omega, grads: { ...grads }, dhs };
    },
    predict(xs) {
      return rnnForward(p, xs).ys;
    },
    recurrent() {
      return p.Whh;
    },
  };
}

/** True when `m` looks like a {@link SequenceModel}. */
export function isSequenceModel(m: unknown): m is SequenceModel {
  if (typeof m !== "object" || m === null) return false;
  const r = m as Partial<SequenceModel>;
  return (
    typeof r.lossAndGrads === "function" &&
    typeof r.predict === "function" &&
    typeof r.recurrent === "function" &&
    typeof r.params === "object" &&
    r.params !== null &&
    Object.values(r.params).every((t) => t instanceof Float64Array || isMat(t))
  );
}

function checkLossKind(loss: unknown): LossKind {
  assert(loss === "squaredError" || loss === "softmaxCrossEntropy", () => `loss: expected "squaredError" or "softmaxCrossEntropy", got ${describe(loss)}`);
  return loss;
}

// The columns I..I+H−1 of W (the weights on h_{t−1}), as a new rows × H matrix.
function recurrentColumns(W: Mat, I: number, H: number): Mat {
  const out: Mat = { rows: W.rows, cols: H, data: new Float64Array(W.rows * H) };
  for (let r = 0; r < W.rows; r++) out.data.set(W.data.subarray(r * W.cols + I, r * W.cols + I + H), r * H);
  return out;
}

/**
 * An LSTM (src/rnn/lstm) as a {@link SequenceModel}: `params` is `{ W, b, Why, by }`, the very tensors of `p`.
 * `recurrent()` is the 4H×H block of W acting on h_{t−1} (a copy). Pascanu's Ω is not available.
 * @example const model = lstmModel(initLstmParams(createRng(0), { input: 2, hidden: 8, output: 1 }), "squaredError");
 */
export function lstmModel(p: LstmParams, loss: LossKind): SequenceModel {
  const { input: I, hidden: H } = lstmSizes(p);
  checkLossKind(loss);
  return gatedModel(
    "lstm",
    loss,
    { W: p.W, b: p.b, Why: p.Why, by: p.by },
    () => recurrentColumns(p.W, I, H),
    (xs) => lstmForward(p, xs),
    (xs, trace, dys, opts) => lstmBackward(p, xs, trace, dys, opts),
  );
}

/**
 * A GRU (src/rnn/gru, PyTorch's formulation) as a {@link SequenceModel}: `params` is `{ W, b, bhn, Why, by }`,
 * the very tensors of `p`. `recurrent()` is the 3H×H block of W acting on h_{t−1} (a copy). No Ω.
 * @example const model = gruModel(initGruParams(createRng(0), { input: 2, hidden: 8, output: 1 }), "squaredError");
 */
export function gruModel(p: GruParams, loss: LossKind): SequenceModel {
  const { input: I, hidden: H } = gruSizes(p);
  checkLossKind(loss);
  return gatedModel(
    "gru",
    loss,
    { W: p.W, b: p.b, bhn: p.bhn, Why: p.Why, by: p.by },
    () => recurrentColumns(p.W, I, H),
    (xs) => gruForward(p, xs),
    (xs, trace, dys, opts) => gruBackward(p, xs, trace, dys, opts),
  );
}

// A gated cell (LSTM, GRU) as a SequenceModel: the two differ only in their tensors and their forward and
// backward functions, and neither has Pascanu's Ω.
function gatedModel<Trace extends { ys: Vec[] }, Grads extends { [K in keyof Grads]: Mat | Vec }>(
  kind: "lstm" | "gru",
  loss: LossKind,
  params: TensorMap,
  recurrent: () => Mat,
  forward: (xs: Vec[]) => Trace,
  backward: (xs: Vec[], trace: Trace, dys: Vec[], opts: BackwardOptions) => { grads: Grads; dhs: Vec[] },
): SequenceModel {
  return {
    kind,
    loss,
    params,
    lossAndGrads(xs, targets, opts = {}) {
      assert(!opts.omega, () => `opts.omega: Pascanu's Ω is implemented for the vanilla RNN only`);
      const trace = forward(xs);
      const l = sequenceLoss(loss, trace.ys, targets);
      const { grads, dhs } = backward(xs, trace, l.dys, { truncate: opts.truncate });
      return { loss: l.loss, omega: 0, grads: { ...grads }, dhs };
    },
    predict(xs) {
      return forward(xs).ys;
    },
    recurrent,
  };
}
