/**
 * What the cell tests (vanilla, LSTM, GRU) share: the random inputs and loss targets of a test problem, the two
 * losses, the windowed loss that defines truncated BPTT independently of any backward pass, and a closeness check.
 */
import { expect } from "vitest";
import { randnVec, type Rng } from "../../src/core/random";
import type { Vec } from "../../src/core/tensor";
import { softmaxCrossEntropy, squaredError, type LossResult } from "../../src/rnn/loss";

export type LossKind = "squared" | "xent";

/** The logistic function, written out so that tests do not lean on the library's sigmoid. */
export const sig = (a: number): number => 1 / (1 + Math.exp(-a));

/** x_1..x_T, each entry drawn N(0, 1) from `rng`. */
export function randomInputs(rng: Rng, I: number, T: number): Vec[] {
  return Array.from({ length: T }, () => randnVec(rng, I));
}

/**
 * Targets for both losses over T steps, drawn from `rng` (all targets, then all labels): a regression target at
 * even steps and the last (null elsewhere, so steps without a loss are covered), a class label at every step but
 * every third.
 */
export function randomTargets(rng: Rng, O: number, T: number): { targets: (Vec | null)[]; labels: (number | null)[] } {
  const targets = Array.from({ length: T }, (_, t) => (t % 2 === 0 || t === T - 1 ? randnVec(rng, O) : null));
  const labels = Array.from({ length: T }, (_, t) => (t % 3 === 2 ? null : rng.int(O)));
  return { targets, labels };
}

/** The squared error against `pr.targets` or the softmax cross-entropy against `pr.labels`. */
export function lossOf(kind: LossKind, ys: Vec[], pr: { targets: (Vec | null)[]; labels: (number | null)[] }): LossResult {
  return kind === "squared" ? squaredError(ys, pr.targets) : softmaxCrossEntropy(ys, pr.labels);
}

/**
 * Σ_s L_s over the steps s with a target, where L_s is the squared error of y_s from a forward run over
 * x_{start+1}..x_s only, started from the original run's (constant) state at start = max(0, s − k): the meaning
 * of truncated BPTT with length k, written without a backward pass. `lastOutput(start, s)` makes that run and
 * returns its last output y_s.
 */
export function windowedSquaredLoss(targets: (Vec | null)[], k: number, lastOutput: (start: number, s: number) => Vec): number {
  let total = 0;
  for (let s = 1; s <= targets.length; s++) {
    const target = targets[s - 1];
    if (target === null) continue;
    total += squaredError([lastOutput(Math.max(0, s - k), s)], [target]).loss;
  }
  return total;
}

/** max |a − b| < tol · max |b| (a fast path against the reference, or a batch row against one sequence). */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12): void {
  let scale = 1e-300, diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  expect(diff / scale).toBeLessThan(tol);
}
