/**
 * The Lyapunov spectrum of an RNN's hidden-state dynamics: the rates at which the product of one-step Jacobians
 * stretches or shrinks each direction, per step, in the long run. The largest is the growth rate of
 * ‖∂h_T/∂h_0‖, the quantity whose growth or decay is the exploding or vanishing gradient.
 *
 *   J_t = ∂h_t/∂h_{t−1} = diag(φ′(z_t)) Whh,            P_T = J_T ⋯ J_1 = ∂h_T/∂h_0
 *   λ_i = lim_{T→∞} (1/T) ln σ_i(P_T)                    (Oseledets; σ_i the i-th singular value)
 *
 * Computed the standard way (Benettin et al. 1980; Shimada & Nagashima 1979; the method used by Engelken, Wolf &
 * Abbott 2023 and Vogt et al. 2022): multiplying out P_T overflows, so carry an orthonormal frame Q instead and
 * re-orthonormalise it after every step,
 *
 *   Q_0 = I,   J_t Q_{t−1} = Q_t R_t  (QR, diag(R_t) ≥ 0),   λ_i ≈ 1/(T − T₀) Σ_{t=T₀+1..T} ln (R_t)_ii
 *
 * with the first T₀ steps (the warm-up) spent letting h_t and Q_t settle on the trajectory, counted in nothing.
 * Then P_T Q_0 = Q_T R_T ⋯ R_1 exactly, so Σ_i λ_i is the time average of ln |det J_t| (the volume rate).
 */
import { qr, spectralNorm, spectralRadius } from "../core/linalg";
import { createRng, randnVec } from "../core/random";
import { assert, checkAllFinite, checkFiniteNumber, checkInt, checkNonNegative, describe, identity, matmul, scaleMat, type Vec } from "../core/tensor";
import { checkActivation, type Activation } from "../rnn/activation";
import { jacobianProducts, stepJacobian } from "../rnn/jacobian";
import { initRnnParams } from "../rnn/params";
import { rnnForward, rnnSizes, type RnnParams } from "../rnn/vanilla";

/** Options of {@link lyapunovExponents}. */
export interface LyapunovOptions {
  /** The initial state h_0 (zeros when omitted). */
  h0?: Vec;
  /** T₀: the steps run before the exponents start averaging (default 0); fewer than xs.length. */
  warmup?: number;
}

/**
 * The Lyapunov exponents λ_1 ≥ … ≥ λ_H of h_t = φ(Wxh x_t + Whh h_{t−1} + bh) along the trajectory driven by
 * xs from h0, in natural log per step (formula in the file's comment). λ_1 > 0: nearby trajectories separate and
 * ‖∂h_T/∂h_0‖ grows like e^{λ_1 T} (chaos; gradients explode); λ_1 < 0: every perturbation, and every gradient
 * sent back through the steps, shrinks like e^{λ_1 T} (order; gradients vanish). A direction the Jacobians
 * annihilate (a dead ReLU unit, a singular Whh) has exponent −Infinity.
 *
 * Known answers (tested): for linear units with zero input and state, λ_i = ln |μ_i| for the eigenvalues μ_i of
 * Whh; for one unit, λ = the time average of ln |w φ′(z_t)|.
 *
 * @param xs the input sequence x_1..x_T, T > warmup
 * @returns a Float64Array of H exponents, sorted in descending order
 * @throws when Whh is not square, xs is not longer than the warm-up, or a state is NaN/∞ (h0, or the forward
 *   pass overflowing: the error names the step)
 * @example
 * const p = initRnnParams(createRng(0), { input: 1, hidden: 32, output: 1, activation: "tanh", recurrentStd: 2 / Math.sqrt(32) });
 * const xs = Array.from({ length: 600 }, () => vecFrom([0]));
 * lyapunovExponents(p, xs, { h0: randnVec(createRng(1), 32), warmup: 100 })[0]; // > 0: chaotic
 */
export function lyapunovExponents(params: RnnParams, xs: Vec[], options: LyapunovOptions = {}): Float64Array {
  const { hidden: H } = rnnSizes(params); // names p.Whh when it is not square
  assert(typeof options === "object" && options !== null, () => `options: expected { h0?, warmup? }, got ${describe(options)}`);
  assert(Array.isArray(xs), () => `xs: expected an array of input vectors x_1..x_T, got ${describe(xs)}`);
  const warmup = options.warmup === undefined ? 0 : checkInt("options.warmup", options.warmup, 0);
  assert(
    xs.length > warmup,
    () => `xs: expected more than options.warmup = ${warmup} steps (the exponents average over the steps after the ` +
      `warm-up), got ${xs.length}`,
  );
  if (options.h0 !== undefined) checkAllFinite("options.h0", options.h0);
  const trace = rnnForward(params, xs, options.h0); // throws at the step where a state overflows
  const T = xs.length;
  const sums = new Float64Array(H);
  let Q = identity(H);
  for (let t = 1; t <= T; t++) {
    const { q, r } = qr(matmul(stepJacobian(params, trace, t), Q));
    Q = q;
    if (t > warmup) for (let i = 0; i < H; i++) sums[i] += Math.log(r.data[i * H + i]);
  }
  return sums.map((s) => s / (T - warmup)).sort().reverse();
}

/** Options of {@link lyapunovByGain}. */
export interface GainSweepOptions {
  /** H, the number of hidden units. */
  hidden: number;
  /** T, the length of the driven trajectory (warm-up included). */
  steps: number;
  /** T₀, the warm-up (default T / 5, rounded down). */
  warmup?: number;
  /** σ of the scalar input x_t ~ N(0, σ²) (default 0: the network runs on its own from h_0 ~ N(0, I)). */
  inputStd?: number;
  /** φ (default "tanh"). */
  activation?: Activation;
  /** Seeds the one matrix W₀, Wxh, h_0 and the inputs that every gain shares (default 0). */
  seed?: number;
}

/** The spectrum at one recurrent gain g. */
export interface GainSpectrum {
  gain: number;
  /** λ_1 ≥ … ≥ λ_H (natural log per step). */
  exponents: Float64Array;
  /** λ_1. */
  largest: number;
  /** ln ρ(Whh), the exponent of the linearisation at h = 0 (where φ′ = 1 for tanh). */
  logSpectralRadius: number;
}

/**
 * The Lyapunov spectrum of one network at each recurrent gain g: Whh = g W₀ with W₀ ~ N(0, 1/H) drawn once, so
 * that Whh ~ N(0, g²/H) and only the gain changes between rows. For large H the eigenvalues of W₀ fill the unit
 * disc (Girko's circular law), so ρ(Whh) ≈ g: below g = 1 the state falls to the fixed point 0 and λ_1 = ln ρ(Whh)
 * < 0 (for tanh, φ′(0) = 1); above it 0 is unstable and the autonomous network becomes chaotic (λ_1 > 0) as H → ∞
 * (the edge of chaos at g = 1; Sompolinsky, Crisanti & Sommers 1988 for the continuous-time network). A finite
 * network can also settle on a fixed point or a cycle above g = 1 (λ_1 ≤ 0): the sweep shows what this one does.
 * @example lyapunovByGain([0.5, 1, 2], { hidden: 32, steps: 400 }).map((r) => r.largest)
 */
export function lyapunovByGain(gains: readonly number[], o: GainSweepOptions): GainSpectrum[] {
  assert(Array.isArray(gains), () => `gains: expected an array of recurrent gains g, got ${describe(gains)}`);
  gains.forEach((g, i) => checkNonNegative(`gains[${i}]`, g));
  assert(typeof o === "object" && o !== null, () => `o: expected { hidden, steps, … }, got ${describe(o)}`);
  const H = checkInt("o.hidden", o.hidden, 1);
  const T = checkInt("o.steps", o.steps, 1);
  const warmup = o.warmup === undefined ? Math.floor(T / 5) : checkInt("o.warmup", o.warmup, 0);
  const inputStd = o.inputStd === undefined ? 0 : checkNonNegative("o.inputStd", o.inputStd);
  const activation = checkActivation("o.activation", o.activation ?? "tanh");
  const seed = o.seed === undefined ? 0 : checkFiniteNumber("o.seed", o.seed);
  const rng = createRng(seed);
  const base = initRnnParams(rng, { input: 1, hidden: H, output: 1, activation, inputStd: 1, recurrentStd: 1 / Math.sqrt(H) });
  const h0 = randnVec(rng, H);
  const xs = Array.from({ length: T }, () => randnVec(rng, 1, inputStd));
  return gains.map((gain) => {
    const p = { ...base, Whh: scaleMat(base.Whh, gain) };
    const exponents = lyapunovExponents(p, xs, { h0, warmup });
    return { gain, exponents, largest: exponents[0], logSpectralRadius: Math.log(spectralRadius(p.Whh)) };
  });
}

/** What {@link gradientGrowth} returns. */
export interface GradientGrowth {
  /** The Lyapunov exponents along the same trajectory and steps, λ_1 first. */
  exponents: Float64Array;
  /** d = 0..T − T₀. */
  distances: number[];
  /** ‖∂h_T/∂h_{T−d}‖₂ for each distance d: how much a gradient at step T can grow or shrink going d steps back. */
  norms: number[];
  /** (1/d) ln ‖∂h_T/∂h_{T−d}‖₂ at the largest d = T − T₀: the measured growth rate, which tends to λ_1. */
  rate: number;
}

/**
 * The gradient's side of the Lyapunov spectrum: along the trajectory of {@link lyapunovExponents} (same xs and
 * options), the norm of the Jacobian product that BPTT multiplies a gradient by, ‖∂h_T/∂h_{T−d}‖₂, for every
 * distance d back to the warm-up, beside λ_1. Since ∂h_T/∂h_{T−d} = J_T ⋯ J_{T−d+1} and its largest singular value
 * grows like e^{λ_1 d} (Oseledets), λ_1 > 0 means gradients explode at the rate λ_1 per step and λ_1 < 0 that they
 * vanish at the rate |λ_1| (after Vogt et al. 2022, who relate the Lyapunov spectrum to the stability of the
 * backward pass). The rate converges like O(1/d): the start and end directions add a constant to ln ‖·‖.
 * @throws as {@link lyapunovExponents}; NonFiniteError when a product overflows float64 (choose a shorter xs)
 */
export function gradientGrowth(params: RnnParams, xs: Vec[], options: LyapunovOptions = {}): GradientGrowth {
  const exponents = lyapunovExponents(params, xs, options);
  const T = xs.length;
  const warmup = options.warmup ?? 0;
  const products = jacobianProducts(params, rnnForward(params, xs, options.h0), T); // entry t: ∂h_T/∂h_t
  const distances = Array.from({ length: T - warmup + 1 }, (_, d) => d);
  const norms = distances.map((d) => spectralNorm(products[T - d]));
  const D = T - warmup;
  return { exponents, distances, norms, rate: Math.log(norms[D]) / D };
}
