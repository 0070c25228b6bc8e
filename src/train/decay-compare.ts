/**
 * L2 penalty versus decoupled weight decay, run side by side from the same weights on the same gradients
 * (Loshchilov & Hutter 2019): identical for SGD, different for Adam.
 */
import { assert, describe, isMat, type Mat, type Vec } from "../core/tensor";
import type { TensorMap } from "../rnn/gradcheck";
import { l2Penalty } from "../remedies/regularize";
import { createOptimizer, type OptimizerKind } from "./optim";

/** The four ways to shrink weights that {@link compareWeightDecay} runs. */
export type DecayScheme = "sgd + L2" | "sgd + decoupled" | "adam + L2" | "adamw";

/** Options of {@link compareWeightDecay}. */
export interface CompareWeightDecayOptions {
  /** Learning rate of all four optimizers. */
  lr: number;
  /** λ of the L2 penalty (λ/2)‖W‖² and wd of the decoupled decay p ← (1 − lr·wd) p: the same number. */
  lambda: number;
  steps: number;
  /** The data gradient at the current weights (e.g. a model's gradient on a fixed batch); not modified. */
  gradFn: (params: TensorMap) => TensorMap;
  /** Tensors that get the penalty/decay (default: every Mat, i.e. not the biases). */
  include?: readonly string[];
}

/** The weights each scheme reached after `steps` steps. */
export type DecayComparison = Record<DecayScheme, TensorMap>;

function clone(ts: TensorMap): TensorMap {
  return Object.fromEntries(
    Object.entries(ts).map(([k, t]) => [k, isMat(t) ? { rows: t.rows, cols: t.cols, data: t.data.slice() } : (t as Vec).slice()]),
  );
}

// Decoupled decay by hand, on the chosen tensors only (the optimizers' own weightDecay decays every tensor).
function decayInPlace(ts: TensorMap, keys: Set<string>, factor: number): void {
  for (const k of keys) {
    const t = ts[k];
    const d = isMat(t) ? (t as Mat).data : (t as Vec);
    for (let i = 0; i < d.length; i++) d[i] *= factor;
  }
}

/**
 * Runs four optimizers from the same `params` for `steps` steps, each taking the data gradient gradFn(θ) at its
 * own current weights:
 *
 *   sgd + L2:         θ ← θ − lr (g + λ θ)
 *   sgd + decoupled:  θ ← (1 − lr λ) θ − lr g                        (the same update: they coincide exactly)
 *   adam + L2:        Adam on g + λ θ: the decay passes through m̂ / (√v̂ + ε) and is rescaled per weight
 *   adamw:            θ ← (1 − lr λ) θ, then Adam on g               (Loshchilov & Hutter 2019)
 *
 * The decay applies to the tensors in `include` (default every Mat), as l2Penalty chooses them.
 * @returns the weights each scheme reached (new tensors; `params` is not modified)
 * @example
 * const r = compareWeightDecay(model.params, { lr: 0.01, lambda: 0.1, steps: 20, gradFn });
 * frobenius(r["adam + L2"].Whh as Mat), frobenius(r.adamw.Whh as Mat)
 */
export function compareWeightDecay(params: TensorMap, o: CompareWeightDecayOptions): DecayComparison {
  assert(typeof o === "object" && o !== null, () => `options: expected {lr, lambda, steps, gradFn}, got ${describe(o)}`);
  assert(typeof o.gradFn === "function", () => `gradFn: expected a function params => grads, got ${describe(o.gradFn)}`);
  assert(Number.isInteger(o.steps) && o.steps >= 0, () => `steps: expected an integer ≥ 0, got ${describe(o.steps)}`);
  assert(Number.isFinite(o.lambda) && o.lambda >= 0, () => `lambda: expected a finite number ≥ 0, got ${describe(o.lambda)}`);
  const keys = new Set(o.include ?? Object.keys(params).filter((k) => isMat(params[k])));
  for (const k of keys) assert(params[k] !== undefined, () => `include: "${k}" is not a tensor of params (have ${Object.keys(params).join(", ")})`);
  const run = (kind: OptimizerKind, coupled: boolean): TensorMap => {
    const p = clone(params);
    const opt = createOptimizer({ kind, lr: o.lr });
    for (let s = 0; s < o.steps; s++) {
      const g = o.gradFn(p);
      if (coupled) {
        opt.stepInPlace(p, l2Penalty(p, g, o.lambda, { include: [...keys] }).grads);
      } else {
        decayInPlace(p, keys, 1 - o.lr * o.lambda); // before the step, in PyTorch AdamW's order
        opt.stepInPlace(p, g);
      }
    }
    return p;
  };
  return {
    "sgd + L2": run("sgd", true),
    "sgd + decoupled": run("sgd", false),
    "adam + L2": run("adam", true),
    adamw: run("adam", false),
  };
}
