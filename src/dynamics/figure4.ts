/**
 * Grosse (2017), Figure 4: the loss as a function of one bias b ∈ [−1, 1], for individual training examples
 * (cliffs) and averaged over 1000 examples (smooth; the notes show a minimum ≈ 0.13 near b ≈ 0).
 *
 * The notes do not say which network, where b enters or what the inputs are. THIS DESIGN IS OURS:
 *
 *   h(1) = tanh(x + b),   h(t) = tanh(2 h(t−1) + b) for t = 2..10,   y = h(10),   L = (y − tanh(2x))²
 *   x ~ N(0, 1), 1000 examples drawn with createRng(2017)
 *
 * i.e. Figure 3's tanh unit (recurrent weight 2) run for 10 hidden states with b added to every pre-activation.
 * Each example's y(b) is a near step (the orbit falls into the sink near +0.96 or −0.96 depending on which side
 * of the basin boundary it starts), so its loss has a cliff where the boundary crosses it; averaging over x
 * smears the cliffs into a smooth bowl. The set-up is symmetric (x ↦ −x, b ↦ −b, target odd), so the expected
 * minimum is at b = 0; with our sample the averaged minimum is ≈ 0.115 at b ≈ −0.01 (not the notes' 0.13: the
 * value depends on the target, which the notes do not give).
 */
import { createRng } from "../core/random";
import { assert, checkFiniteNumber, checkInt } from "../core/tensor";
import { checkInterval, linspace, type Interval } from "./grid";
import { univariateForward } from "./univariate";

/** Our design for Figure 4 (see the module comment: not the source's, which is unspecified). */
export const FIGURE4_DESIGN = {
  /** Recurrent weight w, as in Figure 3. */
  recurrentWeight: 2,
  /** Input weight (x enters at step 1 only). */
  inputWeight: 1,
  /** Hidden states h(1)..h(T); y = h(T). */
  hiddenStates: 10,
  /** Examples averaged (the notes' number). */
  examples: 1000,
  /** Seed of the input sample. */
  seed: 2017,
  /** The b axis (the notes'). */
  bRange: [-1, 1] as Interval,
  /** Inputs x ~ N(0, 1); targets tanh(targetGain · x). */
  targetGain: 2,
} as const;

/**
 * The loss of one example at bias b under {@link FIGURE4_DESIGN}: L = (h(T) − tanh(2x))² with
 * h(1) = tanh(x + b), h(t) = tanh(2 h(t−1) + b).
 * @example figure4ExampleLoss(0.3, 0)
 */
export function figure4ExampleLoss(x: number, b: number): number {
  checkFiniteNumber("x", x);
  const d = FIGURE4_DESIGN;
  const { h } = univariateForward(d.recurrentWeight, "tanh", [d.inputWeight * x], d.hiddenStates, b);
  const err = h[d.hiddenStates - 1] - Math.tanh(d.targetGain * x);
  return err * err;
}

/**
 * The seeded inputs of Figure 4: `examples` draws x ~ N(0, 1) from createRng(seed) (defaults: 1000, 2017).
 * @example figure4Inputs().length // 1000
 */
export function figure4Inputs(examples: number = FIGURE4_DESIGN.examples, seed: number = FIGURE4_DESIGN.seed): number[] {
  checkInt("examples", examples, 1);
  const rng = createRng(seed);
  return Array.from({ length: examples }, () => rng.normal());
}

/** The data of Figure 4. */
export interface Figure4Curves {
  /** The b grid. */
  b: number[];
  /** The first few examples' loss curves: loss[i] at b[i]. */
  individual: { index: number; x: number; loss: number[] }[];
  /** The loss averaged over all examples at each b. */
  averaged: number[];
  /** The smallest averaged loss on the grid and where it is. */
  minimum: { b: number; loss: number };
}

/**
 * Figure 4's curves under our design: loss against b on `points` values in bRange (default [−1, 1]), for the
 * first `individuals` examples and averaged over all of them.
 * @example const { b, individual, averaged, minimum } = figure4Curves(); // minimum ≈ {b: −0.01, loss: 0.115}
 */
export function figure4Curves(points = 201, individuals = 5, bRange: Interval = FIGURE4_DESIGN.bRange, inputs: number[] = figure4Inputs()): Figure4Curves {
  checkInt("points", points, 2);
  checkInt("individuals", individuals);
  assert(Array.isArray(inputs) && inputs.length > 0, () => `inputs: expected a non-empty array of inputs x`);
  assert(individuals <= inputs.length, () => `individuals: expected at most ${inputs.length} (the number of inputs), got ${individuals}`);
  const bs = linspace(...checkInterval("bRange", bRange), points);
  const averaged = bs.map(() => 0);
  const individual: Figure4Curves["individual"] = [];
  inputs.forEach((x, i) => {
    const loss = bs.map((b) => figure4ExampleLoss(x, b));
    loss.forEach((l, k) => (averaged[k] += l / inputs.length));
    if (i < individuals) individual.push({ index: i, x, loss });
  });
  let k = 0;
  for (let i = 1; i < points; i++) if (averaged[i] < averaged[k]) k = i;
  return { b: bs, individual, averaged, minimum: { b: bs[k], loss: averaged[k] } };
}
