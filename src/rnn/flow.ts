/**
 * Gradient flow through time as plain data for charts: how strongly each hidden state h_t still influences
 * a later h_s, and how that changes with the recurrent matrix's scale.
 *
 *   ∂h_s/∂h_t = ∂h_s/∂h_{s−1} ⋯ ∂h_{t+1}/∂h_t = ∏_{i=t+1}^{s} diag(φ′(z_i)) Whh     (s ≥ t)
 *
 * (Grosse 2017 §2.1; Pascanu et al. 2013 eq. 5.) For s < t the derivative is exactly 0: h_s is computed
 * before h_t and does not depend on it.
 */
import { scaleToSpectralRadius, spectralNorm } from "../core/linalg";
import { createRng, randn, randnVec } from "../core/random";
import { assert, checkInt, describe, vecFrom, type Vec } from "../core/tensor";
import { checkActivation, type Activation } from "./activation";
import { jacobianProducts, jacobianSpectra, gradNormsPerStep } from "./jacobian";
import { squaredError } from "./loss";
import { initRnnParams } from "./params";
import { rnnBackward, rnnForward, type RnnParams, type RnnTrace } from "./vanilla";

/**
 * The gradient-flow matrix F[s][t] = ‖∂h_s/∂h_t‖₂ (spectral norm) for target step s and source step t in
 * 0..T; F[s][t] = 0 for s < t and F[t][t] = ‖I‖ = 1. Row s comes from one backward sweep
 * {@link jacobianProducts}(p, trace, s), so the cost is O(T² H³).
 *
 * @param T last step to include (default: the trace's last)
 * @throws NonFiniteError (from jacobianProducts) when a product overflows, naming the step
 * @example
 * const F = gradientFlowMatrix(p, rnnForward(p, xs));
 * await show(heatmap({ values: F, logColour: true, xTitle: "source step t", yTitle: "target step s" }));
 */
export function gradientFlowMatrix(p: RnnParams, trace: RnnTrace, T = trace.zs.length): number[][] {
  checkInt("T", T, 0);
  assert(T <= trace.zs.length, () => `T: expected at most the trace's ${trace.zs.length} steps, got ${T}`);
  const F: number[][] = [];
  for (let s = 0; s <= T; s++) {
    const products = jacobianProducts(p, trace, s);
    const row = new Array<number>(T + 1).fill(0);
    for (let t = 0; t <= s; t++) row[t] = spectralNorm(products[t]);
    F.push(row);
  }
  return F;
}

/** ‖∂h_T/∂h_t‖₂ against the distance d = T − t, for d = 0..T. */
export interface NormByDistance {
  /** d = 0, 1, …, T. */
  distance: number[];
  /** ‖∂h_T/∂h_{T−d}‖₂. */
  norm: number[];
}

/**
 * ‖∂h_T/∂h_t‖₂ ordered by distance T − t (the curve that explodes or vanishes geometrically).
 * @example jacobianNormByDistance(p, rnnForward(p, xs)).norm[10] // ‖∂h_T/∂h_{T−10}‖
 */
export function jacobianNormByDistance(p: RnnParams, trace: RnnTrace, T = trace.zs.length): NormByDistance {
  const spectra = jacobianSpectra(p, trace, T);
  const distance: number[] = [];
  const norm: number[] = [];
  for (let d = 0; d <= T; d++) {
    distance.push(d);
    norm.push(spectra[T - d].spectralNorm);
  }
  return { distance, norm };
}

/** Options of {@link spectralRadiusSweep}. */
export interface RadiusSweepOptions {
  /** Recurrent nonlinearity. */
  activation: Activation;
  /** Hidden units H. */
  hidden: number;
  /** Sequence length T. */
  steps: number;
  /** Spectral radii ρ to scale the one base matrix to, increasing. */
  radii: readonly number[];
  /** Seed of the base matrix, the input weights and the inputs (default 0). */
  seed?: number;
  /** σ of the scalar inputs x_t ~ N(0, σ²) (default 1; 0 keeps every state at 0, where tanh′ = 1). */
  inputStd?: number;
}

/** One curve of {@link spectralRadiusSweep}: the spectral radius and ‖∂h_T/∂h_{T−d}‖ against d. */
export interface RadiusSweepCurve {
  param: number;
  x: number[];
  y: number[];
}

/**
 * ‖∂h_T/∂h_t‖₂ against T − t for one seeded Gaussian recurrent matrix W scaled to each spectral radius ρ
 * (W ← W ρ/ρ(W), {@link scaleToSpectralRadius}); everything else (input weights, inputs) is the same in every
 * run. Linear units follow ‖W^d‖ ≈ c ρ^d; tanh units are damped further by φ′ < 1 where they saturate.
 * The curves are shaped for {@link sweepChart} (`param` = ρ).
 * @example spectralRadiusSweep({ activation: "linear", hidden: 16, steps: 40, radii: [0.9, 1, 1.1] })
 */
export function spectralRadiusSweep(o: RadiusSweepOptions): RadiusSweepCurve[] {
  checkActivation("activation", o.activation);
  const H = checkInt("hidden", o.hidden, 1);
  const T = checkInt("steps", o.steps, 1);
  assert(Array.isArray(o.radii) && o.radii.length > 0, () => `radii: expected a non-empty array, got ${describe(o.radii)}`);
  const rng = createRng(o.seed ?? 0);
  const W = randn(rng, H, H, 1 / Math.sqrt(H));
  const Wxh = randn(rng, H, 1, 1);
  const xs = Array.from({ length: T }, () => randnVec(rng, 1, o.inputStd ?? 1));
  return o.radii.map((rho) => {
    const p: RnnParams = {
      Wxh,
      Whh: scaleToSpectralRadius(W, rho),
      bh: new Float64Array(H),
      Why: { rows: 1, cols: H, data: new Float64Array(H).fill(1 / Math.sqrt(H)) },
      by: new Float64Array(1),
      activation: o.activation,
    };
    const { distance, norm } = jacobianNormByDistance(p, rnnForward(p, xs));
    return { param: rho, x: distance, y: norm };
  });
}

/**
 * ‖∂L/∂h_t‖₂ for t = 0..T, where L = ½‖y_T − target‖² is a loss on the last output only: so ∂L/∂h_t =
 * (∂h_T/∂h_t)ᵀ Whyᵀ (y_T − target), the gradient that has travelled T − t steps back.
 * Runs {@link rnnForward} and {@link rnnBackward} and takes the norms of the returned `dhs`.
 *
 * @param target the last step's target (length = output size)
 * @throws NonFiniteError from the forward or backward pass, naming the step where a number overflowed
 * @example finalLossGradNorms(p, xs, vecFrom([1]))[0] // ‖∂L/∂h_0‖
 */
export function finalLossGradNorms(p: RnnParams, xs: Vec[], target: ArrayLike<number>): number[] {
  assert(xs.length > 0, () => "xs: expected at least one step, got an empty sequence");
  const trace = rnnForward(p, xs);
  const targets = xs.map((_, i) => (i === xs.length - 1 ? vecFrom(target) : null));
  const { dys } = squaredError(trace.ys, targets);
  return gradNormsPerStep(rnnBackward(p, xs, trace, dys).dhs);
}

/** One item of a gradient-norm sweep ({@link gradNormCurve}): the recurrent scale w and what stays fixed. */
export interface GradNormSweepItem {
  /** Recurrent scale: Whh has N(0, w²/H) entries, so its spectral radius is ≈ w for large H. */
  w: number;
  /** Hidden units H (inputs and outputs are H-dimensional too). */
  hidden: number;
  /** Sequence length T. */
  steps: number;
  /** Seed of the weights and inputs: the same for every w, so that the curves differ only by w. */
  seed: number;
}

/**
 * ‖∂L/∂h_t‖₂ for t = 0..T through a tanh RNN whose Whh has N(0, w²/H) entries, L = ½‖y_T‖² on the last step
 * only (inputs x_t ~ N(0, I)): {@link finalLossGradNorms} for one seeded network. One item of a sweep over w
 * that a notebook precomputes for an explorable chart; a plain function of plain data, so that
 * `parallelMap(items, { module: "./src/rnn/flow.ts", name: "gradNormCurve" })` can run the sweep on every core.
 * @throws NonFiniteError when the gradient overflows float64 (for T = 3000 at H = 128, somewhere past w ≈ 2.25)
 * @example gradNormCurve({ w: 1, hidden: 16, steps: 100, seed: 3 })[0] // ‖∂L/∂h_0‖
 */
export function gradNormCurve(item: GradNormSweepItem): number[] {
  const { w, hidden: H, steps: T, seed } = item;
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: H, hidden: H, output: H, activation: "tanh", recurrentStd: w / Math.sqrt(H) });
  const xs = Array.from({ length: T }, () => randnVec(rng, H));
  return finalLossGradNorms(p, xs, new Float64Array(H));
}

