/**
 * Optimizers: SGD, SGD with momentum, Adam and AdamW, in PyTorch's semantics, with plain-data state.
 *
 * Design: `createOptimizer(config)` returns `{ config, state, stepInPlace(params, grads) }`. `stepInPlace`
 * overwrites the parameter tensors' storage (the whole point of an optimizer step) and the optimizer's own state;
 * it never touches `grads`. The state is plain data (numbers and Float64Arrays keyed by parameter name), so a
 * notebook can look at Adam's moments or copy them.
 *
 * Weight decay here is always DECOUPLED (Loshchilov & Hutter 2019): p ← p − lr·wd·p, applied outside the
 * moment estimates and before the gradient step, in PyTorch AdamW's order. An L2 penalty λ/2‖p‖² (which adds λp to
 * the gradient, PyTorch's `weight_decay` in SGD and Adam) belongs to the loss: add it with the regularizers in
 * src/remedies. For plain SGD the two coincide (wd = λ); for Adam they do not.
 */
import { assert, checkFiniteNumber, describe, firstNonFinite, isMat, tensorData } from "../core/tensor";
import type { TensorMap } from "../rnn/gradcheck";

/** Which update rule. */
export type OptimizerKind = "sgd" | "momentum" | "adam" | "adamw";

/** Hyperparameters; those that do not apply to `kind` must be left out. */
export interface OptimizerConfig {
  kind: OptimizerKind;
  /** Learning rate lr > 0. */
  lr: number;
  /** μ of "momentum" (default 0.9). */
  momentum?: number;
  /** β₁ of Adam/AdamW (default 0.9). */
  beta1?: number;
  /** β₂ of Adam/AdamW (default 0.999). */
  beta2?: number;
  /** ε of Adam/AdamW (default 1e-8). */
  eps?: number;
  /**
   * Decoupled weight decay wd ≥ 0: p ← p − lr·wd·p before the step. Allowed for "sgd", "momentum" and
   * "adamw" (default 0, or 0.01 for "adamw" as in PyTorch); not for "adam" — plain Adam has none (use an L2
   * penalty from src/remedies for PyTorch Adam's coupled `weight_decay`).
   */
  weightDecay?: number;
}

/** The optimizer's memory: the number of steps taken and, per parameter, its buffers (velocity, m, v). */
export interface OptimizerState {
  /** Steps taken so far (Adam's t after the step is t = step). */
  step: number;
  /** Per parameter name: "velocity" (momentum) or "m" and "v" (Adam). Created at the first step. */
  buffers: { [name: string]: { [buffer: string]: Float64Array } };
}

/** An optimizer: its hyperparameters (filled with defaults), its state, and the in-place update. */
export interface Optimizer {
  readonly config: Required<OptimizerConfig>;
  readonly state: OptimizerState;
  /**
   * One update, IN PLACE: overwrites every tensor of `params` (and the optimizer's state); `grads` is only read.
   * `grads` must hold a tensor of the same shape for every parameter, with finite entries: a NaN or ±Infinity
   * is refused (naming the tensor and the index) before anything is written, so params and state stay as they were.
   */
  stepInPlace(params: TensorMap, grads: TensorMap): void;
}

const DEFAULTS = { momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };


function checkRange(name: string, x: unknown, lo: number, hi: number, hiOpen: boolean): number {
  const v = checkFiniteNumber(name, x);
  assert(v >= lo && (hiOpen ? v < hi : v <= hi), () => `${name}: expected a number in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${v}`);
  return v;
}

/**
 * An optimizer with state. The update rules (g the gradient, t the step count starting at 1):
 *
 * - "sgd":       p ← p − lr g
 * - "momentum":  v ← μ v + g;  p ← p − lr v        (PyTorch SGD with momentum, dampening 0, v₁ = g₁)
 * - "adam":      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
 *                p ← p − lr m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)     (Kingma & Ba 2015)
 * - "adamw":     p ← p − lr·wd·p, then the Adam step                                   (Loshchilov & Hutter 2019)
 * - with weightDecay on "sgd"/"momentum": p ← p − lr·wd·p first (decoupled, as AdamW does).
 *
 * Adam's first step is lr·g/(|g| + ε) = lr·sign(g) as ε → 0, whatever the scale of g: Adam normalises the step.
 *
 * @example
 * const opt = createOptimizer({ kind: "adam", lr: 1e-3 });
 * opt.stepInPlace(params, grads); // params now hold the updated weights
 */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  assert(typeof config === "object" && config !== null, () => `config: expected an OptimizerConfig, got ${describe(config)}`);
  const kind = config.kind;
  assert(
    kind === "sgd" || kind === "momentum" || kind === "adam" || kind === "adamw",
    () => `config.kind: expected "sgd", "momentum", "adam" or "adamw", got ${describe(kind)}`,
  );
  const lr = checkFiniteNumber("config.lr", config.lr);
  assert(lr > 0, () => `config.lr: expected a positive learning rate, got ${lr}`);
  const allowed: Record<OptimizerKind, string[]> = {
    sgd: ["weightDecay"],
    momentum: ["momentum", "weightDecay"],
    adam: ["beta1", "beta2", "eps"],
    adamw: ["beta1", "beta2", "eps", "weightDecay"],
  };
  for (const k of ["momentum", "beta1", "beta2", "eps", "weightDecay"] as const) {
    if (config[k] !== undefined)
      assert(
        allowed[kind].includes(k),
        () =>
          `config.${k}: not an option of "${kind}"` +
          (k === "weightDecay" && kind === "adam" ? ' (use kind "adamw" for decoupled decay, or an L2 penalty for coupled decay)' : ""),
      );
  }
  const full: Required<OptimizerConfig> = {
    kind,
    lr,
    momentum: checkRange("config.momentum", config.momentum ?? DEFAULTS.momentum, 0, 1, true),
    beta1: checkRange("config.beta1", config.beta1 ?? DEFAULTS.beta1, 0, 1, true),
    beta2: checkRange("config.beta2", config.beta2 ?? DEFAULTS.beta2, 0, 1, true),
    eps: checkRange("config.eps", config.eps ?? DEFAULTS.eps, 0, Infinity, true),
    weightDecay: checkRange("config.weightDecay", config.weightDecay ?? (kind === "adamw" ? 0.01 : 0), 0, Infinity, true),
  };
  const state: OptimizerState = { step: 0, buffers: {} };

  const buffer = (name: string, slot: string, n: number): Float64Array => {
    const b = (state.buffers[name] ??= {});
    return (b[slot] ??= new Float64Array(n)); // lengths checked before the step
  };

  const stepInPlace = (params: TensorMap, grads: TensorMap): void => {
    assert(typeof params === "object" && params !== null, () => `params: expected named tensors, got ${describe(params)}`);
    assert(typeof grads === "object" && grads !== null, () => `grads: expected named tensors, got ${describe(grads)}`);
    const names = Object.keys(params);
    const t = state.step + 1;
    // Check everything before changing anything, so a bad call leaves params and state untouched: a NaN or ∞
    // in a gradient would otherwise land in the live weights (Adam's m/√v gives NaN, SGD's p − lr·∞ gives ∓∞).
    for (const name of names) {
      const p = params[name];
      const g = grads[name];
      assert(p instanceof Float64Array || isMat(p), () => `params.${name}: expected a Mat or a Float64Array, got ${describe(p)}`);
      assert(g !== undefined, () => `grads.${name}: missing (every parameter needs a gradient)`);
      assert(g instanceof Float64Array || isMat(g), () => `grads.${name}: expected a Mat or a Float64Array, got ${describe(g)}`);
      const n = tensorData(p).length;
      const gd = tensorData(g);
      assert(n === gd.length, () => `grads.${name}: expected ${n} entries like params.${name}, got ${gd.length}`);
      const bad = firstNonFinite(gd);
      assert(
        bad < 0,
        () => `grads.${name}: expected finite numbers, got ${gd[bad]} at index ${bad}; step ${t} not taken (params and optimizer state unchanged)`,
      );
      for (const [slot, existing] of Object.entries(state.buffers[name] ?? {}))
        assert(existing.length === n, () => `params.${name}: has ${n} entries, but the optimizer's ${slot} for it has ${existing.length}`);
    }
    const { momentum: mu, beta1, beta2, eps, weightDecay: wd } = full;
    // PyTorch's Adam: step_size = lr / (1 − β₁ᵗ), denom = √v / √(1 − β₂ᵗ) + ε.
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    const stepSize = lr / bc1;
    for (const name of names) {
      const p = tensorData(params[name]);
      const g = tensorData(grads[name]);
      const n = p.length;
      if (wd !== 0) {
        const f = 1 - lr * wd;
        for (let i = 0; i < n; i++) p[i] *= f;
      }
      if (kind === "sgd") {
        for (let i = 0; i < n; i++) p[i] -= lr * g[i];
      } else if (kind === "momentum") {
        const v = buffer(name, "velocity", n);
        // PyTorch initialises the buffer to g at the first step: μ·0 + g is the same.
        for (let i = 0; i < n; i++) {
          v[i] = mu * v[i] + g[i];
          p[i] -= lr * v[i];
        }
      } else {
        const m = buffer(name, "m", n);
        const v = buffer(name, "v", n);
        for (let i = 0; i < n; i++) {
          const gi = g[i];
          m[i] = beta1 * m[i] + (1 - beta1) * gi;
          v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
          p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2sqrt + eps);
        }
      }
    }
    state.step = t;
  };

  return { config: full, state, stepInPlace };
}
