/**
 * Run a set of training configurations on one task under the same conditions (same T, steps, batch stream and
 * evaluation set) and summarise each run in one row: the task's metric on a fixed evaluation set against the
 * input-blind baseline, divergence (and its step), how many steps were clipped, the final ρ and σ₁ of the
 * recurrent weights, and wall time. Used by the lab notebook (08) to build its results table and charts.
 */
import { spectralNorm, spectralRadius } from "../core/linalg";
import { assert, checkInt, describe, type Mat } from "../core/tensor";
import type { SequenceModel } from "./model";
import { createOptimizer, type OptimizerConfig } from "./optim";
import type { Example, Task, TaskScore } from "./tasks";
import { train, type ClipConfig, type RegularizeConfig, type StepRecord, type TrainResult } from "./trainer";

// Thrown from onStep to end a run whose weights passed maxWeightNorm; caught in compareConfigs only.
const STOP = { stop: true };

/** One configuration to compare: how to build a fresh model, and how to train it. */
export interface LabConfig {
  /** Row label, e.g. "vanilla tanh" or "LSTM (b_f = 1)". */
  name: string;
  /** Builds a fresh, seeded model; called once per run so every run starts from its own weights. */
  model: () => SequenceModel;
  optimizer: OptimizerConfig;
  clip?: ClipConfig;
  regularize?: RegularizeConfig;
}

/** What every configuration shares. */
export interface CompareOptions {
  task: Task;
  /** Training sequence length. */
  T: number;
  steps: number;
  batchSize: number;
  /** Seed of the batch stream: the same for every configuration, so all see the same minibatches. */
  seed: number;
  /** The fixed set the final model is scored on (e.g. loadEvalSet(task).examples, or a seeded generate). */
  evalSet: readonly Example[];
  /** Steps over which the reported final training loss is averaged (default 20). */
  finalWindow?: number;
  /**
   * Passed to {@link train}: compute σ₁ and ρ every m steps (the SVD and EVD cost about a third of a small vanilla
   * run's time at m = 1). The row's final ρ and σ₁ are computed from the final weights whatever m is.
   */
  monitorEvery?: number;
  /**
   * Stop a run once ‖θ‖₂ exceeds this and record it as diverged (default: never). Why: a run whose weights have
   * blown up to ~1e190 is hopeless, but it may take many more steps to overflow float64, and each of those steps'
   * σ₁/ρ monitoring can take seconds (measured: ~3 s per step for a 12×12 W_hh with ‖θ‖ ≈ 1e195 — the matrix's
   * tiny entries become subnormal after the trainer rescales it). 1e100 is a safe choice for notebooks.
   */
  maxWeightNorm?: number;
}

/** The summary of one run. */
export interface CompareRow {
  name: string;
  status: "completed" | "diverged";
  /** The step whose computation produced the first non-finite number, or null. */
  divergedAt: number | null;
  /**
   * What blew up first (e.g. "grads.Whh"), or null. When the run was stopped by maxWeightNorm it says so, and
   * divergedAt is the step whose update pushed ‖θ‖ past the limit (that step's record is in the history).
   */
  divergedWhat: string | null;
  /** Completed steps. */
  steps: number;
  /** Steps on which clipping changed the gradient. */
  clippedSteps: number;
  /** Mean data loss over the last `finalWindow` completed steps (NaN when none completed). */
  finalTrainLoss: number;
  /** The task's metric on the evaluation set (NaN/∞ when the weights blew up). */
  metric: TaskScore["metric"];
  evalValue: number;
  /** Whether evalValue meets the task's success criterion. */
  success: boolean;
  /** The input-blind baseline's metric, and whether the model did better than it (lower is better here). */
  baseline: number;
  beatsBaseline: boolean;
  /**
   * ρ and σ₁ of the final recurrent weights (ρ null for LSTM/GRU: the block is 4H×H, not square); for a diverged
   * run, the last values the trainer recorded before the blow-up.
   */
  spectralRadius: number | null;
  sigmaMax: number | null;
  /** Largest and mean gradient norm before clipping over the run. */
  maxGradNorm: number;
  meanGradNorm: number;
  /** Wall time of training (not evaluation), in seconds. */
  seconds: number;
  /** The full per-step record, for charts. */
  history: StepRecord[];
}

function lastNonNull(history: readonly StepRecord[], key: "spectralRadius" | "sigmaMax"): number | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const v = history[i][key];
    if (v !== null) return v;
  }
  return null;
}

/**
 * Trains every configuration with {@link train} (stopOnNonFinite: "record", so a divergence is a result, not an
 * error) on the same task, T, batch stream and evaluation set, and returns one {@link CompareRow} per config.
 *
 * finalTrainLoss = (1/w) Σ_{k=K−w+1..K} dataLoss_k over the last w = min(finalWindow, K) completed steps;
 * beatsBaseline = evalValue < baseline (both tasks used here are "lower is better": MSE, error rate).
 *
 * @example
 * const rows = compareConfigs([{ name: "IRNN", model: () => vanillaModel(initRnn(createRng(1), {...}), "squaredError"),
 *   optimizer: { kind: "adam", lr: 0.01 }, clip: { mode: "norm", threshold: 1 } }],
 *   { task: addingProblem, T: 10, steps: 300, batchSize: 8, seed: 5, evalSet });
 */
export function compareConfigs(configs: readonly LabConfig[], o: CompareOptions): CompareRow[] {
  assert(Array.isArray(configs) && configs.length > 0, () => `configs: expected a non-empty array of LabConfig, got ${describe(configs)}`);
  assert(typeof o === "object" && o !== null, () => `options: expected CompareOptions, got ${describe(o)}`);
  assert(Array.isArray(o.evalSet) && o.evalSet.length > 0, () => `evalSet: expected a non-empty array of examples, got ${describe(o.evalSet)}`);
  const window = checkInt("finalWindow", o.finalWindow ?? 20, 1);
  const maxW = o.maxWeightNorm ?? Infinity;
  assert(typeof maxW === "number" && maxW > 0, () => `maxWeightNorm: expected a positive number, got ${describe(o.maxWeightNorm)}`);
  const names = new Set<string>();
  return configs.map((c, i) => {
    assert(typeof c?.name === "string" && typeof c.model === "function", () => `configs[${i}]: expected { name, model: () => SequenceModel, optimizer }, got ${describe(c)}`);
    assert(!names.has(c.name), () => `configs[${i}].name: "${c.name}" is used twice; names label the table rows and chart series`);
    names.add(c.name);
    const model = c.model();
    const t0 = Date.now();
    const records: StepRecord[] = [];
    let stop: StepRecord | null = null;
    let r: TrainResult | null = null;
    try {
      r = train({
        model,
        task: o.task,
        T: o.T,
        optimizer: createOptimizer(c.optimizer),
        steps: o.steps,
        batchSize: o.batchSize,
        clip: c.clip,
        regularize: c.regularize,
        seed: o.seed,
        stopOnNonFinite: "record",
        monitorEvery: o.monitorEvery,
        onStep: (rec) => {
          records.push(rec);
          if (rec.weightNorm > maxW) {
            stop = rec;
            throw STOP;
          }
        },
      });
    } catch (e) {
      if (e !== STOP) throw e;
    }
    const seconds = (Date.now() - t0) / 1000;
    const h = r ? r.history : records;
    const stopped = stop as StepRecord | null;
    const status = r ? r.status : "diverged";
    const divergedAt = r ? r.divergence?.step ?? null : stopped!.step;
    const divergedWhat = r
      ? r.divergence?.what ?? null
      : `‖θ‖ = ${stopped!.weightNorm.toExponential(2)} > maxWeightNorm ${maxW.toExponential(0)} (stopped before float64 overflow)`;
    const tail = h.slice(Math.max(0, h.length - window));
    const score = o.task.evaluate(model, o.evalSet);
    const norms = h.map((s) => s.gradNorm);
    const fin = status === "completed" ? spectra(model.recurrent()) : null;
    return {
      name: c.name,
      status,
      divergedAt,
      divergedWhat,
      steps: h.length,
      clippedSteps: h.filter((s) => s.clipped).length,
      finalTrainLoss: tail.length === 0 ? NaN : tail.reduce((s, x) => s + x.dataLoss, 0) / tail.length,
      metric: score.metric,
      evalValue: score.value,
      success: score.success,
      baseline: o.task.baseline.value,
      beatsBaseline: score.value < o.task.baseline.value,
      spectralRadius: fin ? fin.spectralRadius : lastNonNull(h, "spectralRadius"),
      sigmaMax: fin ? fin.sigmaMax : lastNonNull(h, "sigmaMax"),
      maxGradNorm: norms.length === 0 ? NaN : Math.max(...norms),
      meanGradNorm: norms.length === 0 ? NaN : norms.reduce((s, x) => s + x, 0) / norms.length,
      seconds,
      history: h,
    };
  });
}

// ρ(cA) = c ρ(A), σ₁(cA) = c σ₁(A): decompose A / max|aᵢⱼ| (the trainer does the same, for very large weights).
function spectra(m: Mat): { spectralRadius: number | null; sigmaMax: number } {
  let c = 0;
  for (let i = 0; i < m.data.length; i++) c = Math.max(c, Math.abs(m.data[i]));
  if (c === 0) return { spectralRadius: m.rows === m.cols ? 0 : null, sigmaMax: 0 };
  const a: Mat = { rows: m.rows, cols: m.cols, data: m.data.map((x) => x / c) };
  return { spectralRadius: m.rows === m.cols ? c * spectralRadius(a) : null, sigmaMax: c * spectralNorm(a) };
}

function fmt(x: number | null, digits = 3): string {
  if (x === null) return "—";
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(digits);
}

/** The table's columns as plain strings, one object per row (for console.table and the markdown table). */
export function resultsRecords(rows: readonly CompareRow[]): Record<string, string>[] {
  return rows.map((r) => ({
    config: r.name,
    [`eval ${r.metric}`]: fmt(r.evalValue, 4),
    baseline: fmt(r.baseline, 4),
    "beats baseline": r.beatsBaseline ? "yes" : "no",
    success: r.success ? "yes" : "no",
    "final train loss": fmt(r.finalTrainLoss, 4),
    diverged: r.divergedAt === null ? "no" : `step ${r.divergedAt}`,
    clipped: `${r.clippedSteps}/${r.steps}`,
    "max ‖g‖": fmt(r.maxGradNorm, 2),
    "ρ(W_hh)": fmt(r.spectralRadius),
    "σ₁": fmt(r.sigmaMax),
    "time (s)": r.seconds.toFixed(2),
  }));
}

/**
 * Trailing moving average, for readable curves of noisy minibatch losses:
 *
 *   m_k = (1 / (k − j + 1)) Σ_{i=j..k} x_i,  j = max(0, k − w + 1)
 *
 * (the first w − 1 points average what exists so far). Non-finite values propagate into the windows that hold them.
 * @example movingAverage([1, 2, 3, 4], 2) // [1, 1.5, 2.5, 3.5]
 */
export function movingAverage(xs: readonly number[], w: number): number[] {
  assert(Array.isArray(xs), () => `xs: expected an array of numbers, got ${describe(xs)}`);
  checkInt("w", w, 1);
  const out: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    const j = Math.max(0, k - w + 1);
    let s = 0;
    for (let i = j; i <= k; i++) s += xs[i];
    out.push(s / (k - j + 1));
  }
  return out;
}
