/**
 * Building RNN parameters: a Gaussian initialisation with zero biases, and copies.
 *
 * Default scales are 1/√fan_in (LeCun), so that pre-activations start with unit variance; `recurrentStd`
 * sets Whh's scale on its own, the knob that decides whether gradients explode or vanish at the start.
 */
import { randn } from "../core/random";
import type { Rng } from "../core/random";
import { checkInt, checkNonNegative, cloneMat, type Mat } from "../core/tensor";
import { checkActivation, type Activation } from "./activation";
import type { RnnParams } from "./vanilla";

/** Sizes and options of {@link initRnnParams}. */
export interface RnnInitOptions {
  input: number;
  hidden: number;
  output: number;
  activation: Activation;
  /** σ of Wxh (default 1/√input). */
  inputStd?: number;
  /** σ of Whh (default 1/√hidden). */
  recurrentStd?: number;
  /** σ of Why (default 1/√hidden). */
  outputStd?: number;
  /** Use this matrix as Whh instead of sampling one (copied). */
  recurrent?: Mat;
}

/**
 * Gaussian RNN parameters with zero biases, drawn from `rng` in the order Wxh, Whh, Why.
 * @example const p = initRnnParams(createRng(0), { input: 1, hidden: 8, output: 1, activation: "tanh" });
 */
export function initRnnParams(rng: Rng, o: RnnInitOptions): RnnParams {
  const I = checkInt("input", o.input, 1);
  const H = checkInt("hidden", o.hidden, 1);
  const O = checkInt("output", o.output, 1);
  const activation = checkActivation("activation", o.activation);
  const std = (name: string, v: number | undefined, fanIn: number) =>
    v === undefined ? 1 / Math.sqrt(fanIn) : checkNonNegative(name, v);
  const Wxh = randn(rng, H, I, std("inputStd", o.inputStd, I));
  const Whh = randn(rng, H, H, std("recurrentStd", o.recurrentStd, H));
  const Why = randn(rng, O, H, std("outputStd", o.outputStd, H));
  return {
    Wxh,
    Whh: o.recurrent === undefined ? Whh : cloneMat(o.recurrent),
    bh: new Float64Array(H),
    Why,
    by: new Float64Array(O),
    activation,
  };
}

/** A deep copy of `p`, so that an experiment can change weights without touching the original. */
export function cloneRnnParams(p: RnnParams): RnnParams {
  return {
    Wxh: cloneMat(p.Wxh),
    Whh: cloneMat(p.Whh),
    bh: p.bh.slice(),
    Why: cloneMat(p.Why),
    by: p.by.slice(),
    activation: p.activation,
  };
}
