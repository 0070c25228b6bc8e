/**
 * The training loop: minibatch gradient descent with BPTT, optional clipping and regularization, and a record of
 * every step (loss, gradient norm before and after clipping, σ₁ and ρ of the recurrent weights, weight norm), so
 * that a notebook can watch gradients explode and a remedy tame them.
 *
 * One step, in order (k = 1..steps):
 *   1. draw a minibatch (fresh sequences from the task, or examples of `data`, from the seeded stream);
 *   2. loss and gradients per sequence (plus ω·Ω when asked), AVERAGED over the batch;
 *   3. add the L2 / L1 penalties to loss and gradients;
 *   4. ‖g‖₂ before clipping; clip; ‖g‖₂ after;
 *   5. decoupled weight decay (regularize.weightDecay), then the optimizer's in-place update;
 *   6. the max-norm constraint;
 *   7. every `monitorEvery` steps, σ₁ and ρ of the recurrent weights.
 * The first NaN/±∞ in the loss, a hidden state, a gradient or a weight stops training at that step: it throws a
 * NonFiniteError or, with stopOnNonFinite: "record", returns status "diverged". Either way the history holds the
 * completed steps 1..k−1.
 *
 * The steps are one generator (trainingSteps); `train` runs it straight through, `trainAsync` lets the event loop
 * run between steps so that a notebook's live chart is sent while training runs.
 */
import { NonFiniteError } from "../core/errors";
import { spectralNorm, spectralRadius } from "../core/linalg";
import { createRng } from "../core/random";
import { assert, checkInt, checkPositive, describe, firstNonFinite, isMat, tensorData, type Mat, type Vec } from "../core/tensor";
import type { TensorMap } from "../rnn/gradcheck";
import { adaptiveGradClip, clipGradNorm, clipGradNormPerTensor, clipGradValue, totalGradNorm } from "../remedies/clip";
import { decoupledWeightDecay, l1Penalty, l2Penalty, maxNormConstraint } from "../remedies/regularize";
import { isSequenceModel, type SequenceModel } from "./model";
import type { Optimizer } from "./optim";
import type { Example, Task } from "./tasks";

/** Gradient clipping: the global norm, element-wise value, each tensor's norm, or adaptive (AGC). */
export interface ClipConfig {
  /**
   * "norm": clipGradNorm (PyTorch clip_grad_norm_, Pascanu's Algorithm 1), threshold = max norm;
   * "value": clipGradValue, threshold = v; "perTensor": clipGradNormPerTensor (Keras clipnorm);
   * "agc": adaptiveGradClip, threshold = the ratio λ.
   */
  mode: "norm" | "value" | "perTensor" | "agc";
  threshold: number;
  /** p of the norm for mode "norm" (default 2). */
  normType?: number;
  /** AGC's floor on the weight norm (default 1e-3). */
  eps?: number;
}

/** Regularizers (all from src/remedies). L2/L1/weightDecay/maxNorm apply to the weight matrices only (not biases). */
export interface RegularizeConfig {
  /** λ of the L2 penalty (λ/2) Σ‖W‖²_F. */
  l2?: number;
  /** λ of the L1 penalty λ Σ|w|. */
  l1?: number;
  /**
   * Decoupled weight decay W ← (1 − lr·wd) W before the optimizer's step, on the weight matrices. Not together
   * with the optimizer's own `weightDecay` (which decays every tensor, biases too): choose one.
   */
  weightDecay?: number;
  /** Max-norm constraint: each unit's incoming weights (a row) capped at this norm after every update. */
  maxNorm?: number;
  /** Weight of Pascanu et al.'s Ω (vanilla RNN only). */
  omega?: number;
}

/** What the trainer records after each step. */
export interface StepRecord {
  /** 1-based: the k-th update. */
  step: number;
  /** The minimized objective on the batch: data loss + penalties + ω·Ω (batch mean). */
  loss: number;
  /** The task's loss alone (batch mean). */
  dataLoss: number;
  /** Global ‖g‖₂ of the objective's gradient, before clipping. */
  gradNorm: number;
  /** Global ‖g‖₂ after clipping (equal to gradNorm without clipping). */
  clippedGradNorm: number;
  /** Whether clipping changed the gradient. */
  clipped: boolean;
  /** ρ of the recurrent matrix after the update; null on steps not monitored, or when the matrix is not square. */
  spectralRadius: number | null;
  /** σ₁ of the recurrent matrix after the update; null on steps not monitored. */
  sigmaMax: number | null;
  /** ‖θ‖₂ over all parameters after the update. */
  weightNorm: number;
}

/** Where training blew up. */
export interface Divergence {
  /** The training step whose computation produced the first non-finite number. */
  step: number;
  /** What held it, e.g. "loss", "grads.Whh", "params.Whh", "h_t at time step 37 of sequence 2 in the batch". */
  what: string;
  value: number;
  error: NonFiniteError;
}

/** The outcome of {@link train}. */
export interface TrainResult {
  status: "completed" | "diverged";
  /** One record per completed step (up to, not including, the divergence step). */
  history: StepRecord[];
  divergence?: Divergence;
  /** σ₁, ρ and ‖θ‖ before the first step. */
  initial: { spectralRadius: number | null; sigmaMax: number; weightNorm: number };
}

/** Options of {@link train}. */
export interface TrainOptions {
  model: SequenceModel;
  /** Fresh sequences of length `T` every step… */
  task?: Task;
  /** …or a fixed training set, sampled uniformly with replacement. Exactly one of task and data. */
  data?: readonly Example[];
  /** Sequence length for `task`. */
  T?: number;
  /** Created with createOptimizer; updated in place. */
  optimizer: Optimizer;
  steps: number;
  batchSize: number;
  clip?: ClipConfig;
  regularize?: RegularizeConfig;
  /** Truncated BPTT window (full BPTT when omitted). */
  truncate?: number;
  /** Seed of the batch stream. */
  seed: number;
  /**
   * σ₁ and ρ cost an SVD and an EVD: compute them on steps 1, 1 + m, 1 + 2m, … only (default m = 1 for a recurrent
   * matrix with at most 64 rows and columns, else 10); other records hold null.
   */
  monitorEvery?: number;
  /** "throw" (default): throw the NonFiniteError; "record": return status "diverged". */
  stopOnNonFinite?: "throw" | "record";
  /** Called once per completed step, with its record (e.g. to collect it; for a live chart see trainAsync). */
  onStep?: (record: StepRecord) => void;
  /** Called once at the end, also when training diverged (before the error is thrown). */
  onEnd?: (result: TrainResult) => void;
}


function targetsOf(ex: Example) {
  return "targets" in ex ? ex.targets : ex.labels;
}

function firstNonFiniteTensor(prefix: string, ts: TensorMap): { what: string; value: number; index: number } | null {
  for (const k of Object.keys(ts)) {
    const d = tensorData(ts[k]);
    const i = firstNonFinite(d);
    if (i >= 0) return { what: `${prefix}.${k}`, value: d[i], index: i };
  }
  return null;
}


// The decompositions normalise the matrix themselves (src/core/linalg), so a diverging run's huge weights
// cost no more to monitor than ordinary ones.
function monitor(m: Mat): { spectralRadius: number | null; sigmaMax: number } {
  return { spectralRadius: m.rows === m.cols ? spectralRadius(m) : null, sigmaMax: spectralNorm(m) };
}

/**
 * Trains `model` in place (its params are overwritten by the optimizer) and returns the per-step history.
 *
 * Batch loss: the mean over the batch of each sequence's loss (squaredError: Σ_t ½‖y_t − target_t‖²;
 * softmaxCrossEntropy: Σ_t −log p(c_t)), and the gradient is the mean of the per-sequence gradients.
 *
 * @throws NonFiniteError naming the step and what blew up (unless stopOnNonFinite is "record")
 * @example
 * const model = vanillaModel(initRnnParams(createRng(1), { input: 2, hidden: 16, output: 1, activation: "tanh" }), "squaredError");
 * const res = train({ model, task: addingProblem, T: 20, optimizer: createOptimizer({ kind: "sgd", lr: 0.05 }),
 *   steps: 200, batchSize: 16, clip: { mode: "norm", threshold: 1 }, seed: 7, onStep: (r) => losses.push(r.loss) });
 */
export function train(o: TrainOptions): TrainResult {
  const steps = trainingSteps(o);
  for (;;) {
    const next = steps.next();
    // "=== true": tslab type-checks without strictNullChecks, where only the literal narrows the result.
    if (next.done === true) return next.value;
    o.onStep?.(next.value);
  }
}

/** Options of {@link trainAsync}: those of {@link train}, an onStep that may be awaited, and how often to yield. */
export interface AsyncTrainOptions extends Omit<TrainOptions, "onStep"> {
  /** Called once per completed step; a returned promise (e.g. a live chart's `update`) is awaited before the next. */
  onStep?: (record: StepRecord) => void | Promise<void>;
  /**
   * Let the event loop run once at least this many ms have passed since it last ran (default 100): timers fire
   * (a live chart's delayed redraw) and the kernel sends what the cell displayed. A turn with nothing waiting
   * costs about 2 µs (measured), nothing beside a step.
   */
  yieldEveryMs?: number;
  /** Clock in ms (default performance.now); injectable for tests. */
  now?: () => number;
}

/**
 * {@link train}, step for step the same (same generator, same results), but asynchronous: it lets the event loop
 * run every `yieldEveryMs`, so that a chart redrawn from onStep appears while training runs. A synchronous loop
 * holds the kernel's thread until it ends, and a live chart shows only its first and last frames.
 *
 * @throws (rejects with) NonFiniteError as train does
 * @example
 * const seen: StepRecord[] = [];
 * const live = liveChart((h: StepRecord[]) => trainingCurves({ series: [{ name: "loss", x: h.map((r) => r.step), y: h.map((r) => r.loss) }] }));
 * const res = await trainAsync({ model, task: addingProblem, T: 50, optimizer, steps: 1000, batchSize: 8, seed: 7,
 *   onStep: (r) => { seen.push(r); return live.update(seen); } });
 * await live.flush();
 */
export async function trainAsync(o: AsyncTrainOptions): Promise<TrainResult> {
  const now = o.now ?? (() => performance.now());
  const every = o.yieldEveryMs ?? 100;
  assert(typeof every === "number" && every >= 0, () => `yieldEveryMs: expected a number ≥ 0, got ${describe(every)}`);
  const steps = trainingSteps(o);
  let last = now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    await o.onStep?.(next.value);
    if (now() - last >= every) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = now();
    }
  }
}

/**
 * The training loop as a generator: checks the options, then yields each completed step's record and returns
 * the result. `train` and `trainAsync` drive it; onStep is theirs to call, onEnd is called here.
 */
function* trainingSteps(o: TrainOptions | AsyncTrainOptions): Generator<StepRecord, TrainResult, void> {
  assert(typeof o === "object" && o !== null, () => `options: expected TrainOptions, got ${describe(o)}`);
  assert(isSequenceModel(o.model), () => `model: expected a SequenceModel (e.g. vanillaModel(params, loss)), got ${describe(o.model)}`);
  const model = o.model;
  assert(
    typeof o.optimizer === "object" && o.optimizer !== null && typeof o.optimizer.stepInPlace === "function",
    () => `optimizer: expected an Optimizer from createOptimizer, got ${describe(o.optimizer)}`,
  );
  const steps = checkInt("steps", o.steps, 0);
  const batchSize = checkInt("batchSize", o.batchSize, 1);
  const rng = createRng(o.seed);
  assert((o.task === undefined) !== (o.data === undefined), () => `task, data: expected exactly one of them, got ${o.task === undefined ? "neither" : "both"}`);
  let nextBatch: () => readonly Example[];
  if (o.task !== undefined) {
    const task = o.task;
    assert(task.loss === model.loss, () => `task: "${task.name}" is trained with ${task.loss}, but the model uses ${model.loss}`);
    const T = checkInt("T", o.T, task.minLength);
    nextBatch = () => task.generate(rng, batchSize, T);
  } else {
    const data = o.data as readonly Example[];
    assert(Array.isArray(data) && data.length > 0, () => `data: expected a non-empty array of examples, got ${describe(data)}`);
    nextBatch = () => Array.from({ length: batchSize }, () => data[rng.int(data.length)]);
  }
  const clip = o.clip;
  if (clip !== undefined) {
    assert(
      clip.mode === "norm" || clip.mode === "value" || clip.mode === "perTensor" || clip.mode === "agc",
      () => `clip.mode: expected "norm", "value", "perTensor" or "agc", got ${describe(clip.mode)}`,
    );
    checkPositive("clip.threshold", clip.threshold);
  }
  const reg = o.regularize ?? {};
  for (const k of ["l2", "l1", "weightDecay", "maxNorm", "omega"] as const) {
    const v = reg[k];
    if (v !== undefined) assert(typeof v === "number" && Number.isFinite(v) && v >= 0, () => `regularize.${k}: expected a finite number ≥ 0, got ${describe(v)}`);
  }
  if (reg.maxNorm !== undefined) checkPositive("regularize.maxNorm", reg.maxNorm);
  assert(
    !(reg.weightDecay && o.optimizer.config.weightDecay),
    () => `regularize.weightDecay: the optimizer already has weightDecay ${o.optimizer.config.weightDecay}; use one of the two`,
  );
  assert(!(reg.omega && model.kind !== "vanilla"), () => `regularize.omega: Pascanu's Ω is implemented for the vanilla RNN only, got a ${model.kind} model`);
  const H = Math.max(model.recurrent().rows, model.recurrent().cols);
  const monitorEvery = o.monitorEvery === undefined ? (H <= 64 ? 1 : 10) : checkInt("monitorEvery", o.monitorEvery, 1);
  const mode = o.stopOnNonFinite ?? "throw";
  assert(mode === "throw" || mode === "record", () => `stopOnNonFinite: expected "throw" or "record", got ${describe(mode)}`);

  const params = model.params;
  const startBad = firstNonFiniteTensor("params", params);
  assert(startBad === null, () => `model.params: expected finite weights before training, got ${startBad?.value} in ${startBad?.what}`);
  const history: StepRecord[] = [];
  const result: TrainResult = {
    status: "completed",
    history,
    initial: { ...monitor(model.recurrent()), weightNorm: totalGradNorm(params) },
  };

  const diverge = (step: number, what: string, value: number, index?: number, detail = ""): TrainResult => {
    const error = new NonFiniteError(what, step, value, index, detail || `training diverged at step ${step}`);
    result.status = "diverged";
    result.divergence = { step, what, value, error };
    o.onEnd?.(result);
    if (mode === "throw") throw error;
    return result;
  };

  for (let step = 1; step <= steps; step++) {
    const batch = nextBatch();
    // 2. Mean loss and gradient over the batch.
    let dataLoss = 0;
    let objective = 0;
    let grads: TensorMap = {};
    for (let b = 0; b < batch.length; b++) {
      const ex = batch[b];
      let r;
      try {
        r = model.lossAndGrads(ex.xs, targetsOf(ex), { truncate: o.truncate, omega: reg.omega });
      } catch (e) {
        if (e instanceof NonFiniteError)
          return diverge(step, `${e.what} at time step ${e.step} of sequence ${b} in the batch`, e.value, e.index, e.message);
        throw e;
      }
      objective += r.loss / batch.length;
      dataLoss += (r.loss - (reg.omega ?? 0) * r.omega) / batch.length;
      if (b === 0) grads = Object.fromEntries(Object.entries(r.grads).map(([k, g]: [string, Mat | Vec]) => [k, isMat(g) ? { rows: g.rows, cols: g.cols, data: new Float64Array(g.data.length) } : new Float64Array(g.length)]));
      for (const k of Object.keys(grads)) {
        const acc = tensorData(grads[k]);
        const g = tensorData(r.grads[k]);
        for (let i = 0; i < acc.length; i++) acc[i] += g[i] / batch.length;
      }
    }
    if (!Number.isFinite(objective)) return diverge(step, "loss", objective, undefined, "the batch loss overflowed");
    // 3. Penalties (they check that the weights are finite, which they are: checked after every update).
    if (reg.l2) {
      const r = l2Penalty(params, grads, reg.l2);
      objective += r.penalty;
      grads = r.grads;
    }
    if (reg.l1) {
      const r = l1Penalty(params, grads, reg.l1);
      objective += r.penalty;
      grads = r.grads;
    }
    if (!Number.isFinite(objective)) return diverge(step, "loss", objective, undefined, "the loss with penalties overflowed");
    const badGrad = firstNonFiniteTensor("grads", grads);
    if (badGrad) return diverge(step, badGrad.what, badGrad.value, badGrad.index, "a gradient overflowed");
    // 4. Clipping.
    const gradNorm = totalGradNorm(grads, 2);
    let clipped = false;
    if (clip !== undefined) {
      if (clip.mode === "norm") {
        const r = clipGradNorm(grads, clip.threshold, { normType: clip.normType, step });
        clipped = r.scale < 1;
        grads = r.grads;
      } else if (clip.mode === "value") {
        const before = grads;
        grads = clipGradValue(grads, clip.threshold).grads;
        clipped = Object.keys(grads).some((k) => tensorData(grads[k]).some((x, i) => x !== tensorData(before[k])[i]));
      } else if (clip.mode === "perTensor") {
        const r = clipGradNormPerTensor(grads, clip.threshold);
        clipped = Object.values(r.norms).some((n) => n > clip.threshold);
        grads = r.grads;
      } else {
        const r = adaptiveGradClip(grads, params, clip.threshold, { eps: clip.eps });
        clipped = r.clippedUnits > 0;
        grads = r.grads;
      }
    }
    const clippedGradNorm = clip === undefined ? gradNorm : totalGradNorm(grads, 2);
    // 5. Weight decay and the update, both in place on the live tensors.
    if (reg.weightDecay) copyInto(params, decoupledWeightDecay(params, o.optimizer.config.lr, reg.weightDecay));
    o.optimizer.stepInPlace(params, grads);
    const badW = firstNonFiniteTensor("params", params);
    if (badW) return diverge(step, badW.what, badW.value, badW.index, "the update overflowed a weight");
    // 6. Max-norm.
    if (reg.maxNorm) copyInto(params, maxNormConstraint(params, reg.maxNorm));
    // 7. Monitoring.
    const m = (step - 1) % monitorEvery === 0 ? monitor(model.recurrent()) : { spectralRadius: null, sigmaMax: null };
    const record: StepRecord = {
      step,
      loss: objective,
      dataLoss,
      gradNorm,
      clippedGradNorm,
      clipped,
      spectralRadius: m.spectralRadius,
      sigmaMax: m.sigmaMax,
      weightNorm: totalGradNorm(params),
    };
    history.push(record);
    yield record;
  }
  o.onEnd?.(result);
  return result;
}

// Copies every tensor of `from` into the storage of the same-named tensor of `to` (the live parameters).
function copyInto(to: TensorMap, from: TensorMap): void {
  for (const k of Object.keys(to)) tensorData(to[k]).set(tensorData(from[k]));
}
