/**
 * Run a set of training configurations on one task under the same conditions (same T, steps, batch stream and
 * evaluation set) and summarise each run in one row: the task's metric on a fixed evaluation set against the
 * input-blind baseline, divergence (and its step), how many steps were clipped, the final ρ and σ₁ of the
 * recurrent weights, and wall time. Used by the lab notebook (08) to build its results table and charts.
 * compareConfigs runs the trainer's loop straight through; compareConfigsAsync runs the same loop with trainAsync,
 * so a live chart can follow every run as it trains. Both share the set-up and summary of a run (startRun, finishRun).
 */
import { spectralNorm, spectralRadius } from "../core/linalg";
import { assert, checkInt, describe, type Mat } from "../core/tensor";
import type { SequenceModel } from "./model";
import { createOptimizer, type OptimizerConfig } from "./optim";
import type { Example, Task, TaskScore } from "./tasks";
import { train, trainAsync, type ClipConfig, type RegularizeConfig, type StepRecord, type TrainOptions, type TrainResult } from "./trainer";

// Thrown from onStep to end a run whose weights passed maxWeightNorm; caught in compareConfigs(Async) only.
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

/** Options of {@link compareConfigsAsync}: those of {@link compareConfigs}, a hook per step, how often to yield. */
export interface AsyncCompareOptions extends CompareOptions {
  /**
   * Called after every step of every run, with the configuration's name and the step's record (e.g. a live chart's
   * update); a returned promise is awaited before the next step.
   */
  onStep?: (name: string, record: StepRecord) => void | Promise<void>;
  /** Passed to {@link trainAsync}: let the event loop run once this many ms have passed (default 100). */
  yieldEveryMs?: number;
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
  const checked = checkComparison(configs, o);
  return configs.map((c) => {
    const run = startRun(c, o, checked.maxWeightNorm);
    let result: TrainResult | null = null;
    try {
      result = train({
        ...run.options,
        onStep: (rec) => {
          if (run.record(rec)) throw STOP;
        },
      });
    } catch (e) {
      if (e !== STOP) throw e;
    }
    return finishRun(run, result, o, checked);
  });
}

/**
 * {@link compareConfigs}, run by {@link trainAsync}: the same runs, step for step the same rows, but the event loop
 * runs between steps and `onStep` sees every step of every run as it happens, so a notebook can draw the curves
 * while the comparison trains (a synchronous comparison shows its charts only when it returns). A row's `seconds`
 * then include the time onStep takes.
 * @example
 * const live = liveRuns((runs: LiveRun<StepRecord>[]) => trainingCurves({ series: runs.map((r) =>
 *   ({ name: r.name, x: r.items.map((s) => s.step), y: r.items.map((s) => s.loss) })) }));
 * const rows = await compareConfigsAsync(configs, { ...options, onStep: live.add });
 * await live.flush();
 */
export async function compareConfigsAsync(configs: readonly LabConfig[], o: AsyncCompareOptions): Promise<CompareRow[]> {
  const checked = checkComparison(configs, o);
  assert(o.onStep === undefined || typeof o.onStep === "function", () => `onStep: expected a function (name, record), got ${describe(o.onStep)}`);
  const rows: CompareRow[] = [];
  for (const c of configs) {
    const run = startRun(c, o, checked.maxWeightNorm);
    let result: TrainResult | null = null;
    try {
      result = await trainAsync({
        ...run.options,
        yieldEveryMs: o.yieldEveryMs,
        onStep: async (rec) => {
          const stop = run.record(rec);
          await o.onStep?.(c.name, rec); // the stopping step too: it is in the row's history
          if (stop) throw STOP;
        },
      });
    } catch (e) {
      if (e !== STOP) throw e;
    }
    rows.push(finishRun(run, result, o, checked));
  }
  return rows;
}

/** Checks what every run shares (before any run starts): configs with distinct names, an evaluation set, limits. */
function checkComparison(configs: readonly LabConfig[], o: CompareOptions): { window: number; maxWeightNorm: number } {
  assert(Array.isArray(configs) && configs.length > 0, () => `configs: expected a non-empty array of LabConfig, got ${describe(configs)}`);
  assert(typeof o === "object" && o !== null, () => `options: expected CompareOptions, got ${describe(o)}`);
  assert(Array.isArray(o.evalSet) && o.evalSet.length > 0, () => `evalSet: expected a non-empty array of examples, got ${describe(o.evalSet)}`);
  const window = checkInt("finalWindow", o.finalWindow ?? 20, 1);
  const maxWeightNorm = o.maxWeightNorm ?? Infinity;
  assert(typeof maxWeightNorm === "number" && maxWeightNorm > 0, () => `maxWeightNorm: expected a positive number, got ${describe(o.maxWeightNorm)}`);
  const names = new Set<string>();
  configs.forEach((c, i) => {
    assert(typeof c?.name === "string" && typeof c.model === "function", () => `configs[${i}]: expected { name, model: () => SequenceModel, optimizer }, got ${describe(c)}`);
    assert(!names.has(c.name), () => `configs[${i}].name: "${c.name}" is used twice; names label the table rows and chart series`);
    names.add(c.name);
  });
  return { window, maxWeightNorm };
}

/** One configuration's run in progress: its fresh model, the trainer's options, and the steps seen so far. */
interface Run {
  config: LabConfig;
  model: SequenceModel;
  options: Omit<TrainOptions, "onStep">;
  records: StepRecord[];
  /** The step whose weights passed maxWeightNorm, if the run was stopped there. */
  stopped: StepRecord | null;
  started: number;
  /** Keeps a step's record; true when the weights passed maxWeightNorm and the run must stop (throw STOP). */
  record: (rec: StepRecord) => boolean;
}

function startRun(c: LabConfig, o: CompareOptions, maxWeightNorm: number): Run {
  const model = c.model();
  const run: Run = {
    config: c,
    model,
    options: {
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
    },
    records: [],
    stopped: null,
    started: Date.now(),
    record: (rec) => {
      run.records.push(rec);
      if (rec.weightNorm <= maxWeightNorm) return false;
      run.stopped = rec;
      return true;
    },
  };
  return run;
}

/** The row of a finished run: `result` is the trainer's, or null when the run was stopped at maxWeightNorm. */
function finishRun(run: Run, result: TrainResult | null, o: CompareOptions, checked: { window: number; maxWeightNorm: number }): CompareRow {
  const seconds = (Date.now() - run.started) / 1000;
  const h = result ? result.history : run.records;
  const stopped = run.stopped;
  const status = result ? result.status : "diverged";
  const divergedAt = result ? result.divergence?.step ?? null : stopped!.step;
  const divergedWhat = result
    ? result.divergence?.what ?? null
    : `‖θ‖ = ${stopped!.weightNorm.toExponential(2)} > maxWeightNorm ${checked.maxWeightNorm.toExponential(0)} (stopped before float64 overflow)`;
  const tail = h.slice(Math.max(0, h.length - checked.window));
  const score = o.task.evaluate(run.model, o.evalSet);
  const norms = h.map((s) => s.gradNorm);
  const fin = status === "completed" ? spectra(run.model.recurrent()) : null;
  return {
    name: run.config.name,
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
