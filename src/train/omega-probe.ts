/**
 * Pascanu et al.'s Ω on one sequence: what the regularizer sees (the per-step ratios r_k) for a vanilla RNN.
 */
import { norm2, type Vec } from "../core/tensor";
import { pascanuOmega, type PascanuOmegaResult } from "../remedies/pascanu";
import { rnnBackward, rnnForward, type RnnParams } from "../rnn/vanilla";
import { sequenceLoss, type StepTargets } from "./model";
import type { LossKind } from "./tasks";

/** What {@link omegaProbe} returns: Ω, ∂Ω/∂Whh and the ratios, plus the data loss and ‖∂E/∂h_t‖ per step. */
export interface OmegaProbe extends PascanuOmegaResult {
  loss: number;
  /** ‖∂E/∂h_t‖ for t = 0..T. */
  gradNorms: number[];
}

/**
 * Forward, loss, BPTT and Pascanu's Ω on one sequence:
 *
 *   r_k = ‖(∂E/∂h_{k+1}) (∂h_{k+1}/∂h_k)‖ / ‖∂E/∂h_{k+1}‖,   Ω = Σ_k (r_k − 1)²
 *
 * r_k < 1: the error signal shrinks going one step back (vanishing); r_k > 1: it grows. Ω asks for r_k ≈ 1.
 * @example const { omega, ratios } = omegaProbe(p, ex.xs, ex.targets, "squaredError");
 */
export function omegaProbe(p: RnnParams, xs: Vec[], targets: StepTargets, loss: LossKind): OmegaProbe {
  const trace = rnnForward(p, xs);
  const l = sequenceLoss(loss, trace.ys, targets);
  const { dhs } = rnnBackward(p, xs, trace, l.dys);
  const om = pascanuOmega(p, trace, dhs);
  return { ...om, loss: l.loss, gradNorms: dhs.map((d) => norm2(d)) };
}
