/**
 * Pascanu, Mikolov & Bengio (2013), §3.1: when must the gradient vanish, and when can it explode?
 *
 *   ‖∂h_T/∂h_t‖ ≤ ∏_{i=t+1}^{T} ‖diag(φ′(z_i))‖ ‖Whh‖ ≤ (γ λ₁)^(T−t)
 *
 * with γ = sup|φ′| (1 for tanh, 1/4 for the logistic sigmoid) and λ₁ = σ₁(Whh), the largest SINGULAR value.
 * So λ₁ < 1/γ is sufficient for vanishing gradients, and λ₁ > 1/γ is necessary (not sufficient) for
 * exploding ones. The spectral radius ρ(Whh) ≤ λ₁ decides the long-run rate of a linear RNN (‖W^k‖^(1/k) → ρ),
 * but a non-normal W can make ‖W^k‖ grow for a while even when ρ < 1 (transient growth).
 */
import { NonFiniteError } from "../core/errors";
import { spectralNorm, spectralRadius } from "../core/linalg";
import { assert, checkInt, checkMat, firstNonFinite, identity, matmul, type Mat } from "../core/tensor";
import { activationGamma, checkActivation, type Activation } from "./activation";
import { jacobianSpectra } from "./jacobian";
import type { RnnParams, RnnTrace } from "./vanilla";

/** Pascanu et al.'s conditions evaluated for one recurrent matrix and activation. */
export interface PascanuConditions {
  /** λ₁ = σ₁(Whh), the largest singular value. */
  lambda1: number;
  /** ρ(Whh), the largest |eigenvalue| (≤ λ₁). */
  spectralRadius: number;
  /** γ = sup |φ′|. */
  gamma: number;
  /** 1/γ, the threshold λ₁ is compared with. */
  threshold: number;
  /** γ λ₁: every one-step Jacobian has norm at most this. */
  factorBound: number;
  /** λ₁ < 1/γ: the gradient is guaranteed to vanish (sufficient condition). */
  vanishingGuaranteed: boolean;
  /** λ₁ > 1/γ: exploding is possible (necessary condition), but not guaranteed. */
  explodingPossible: boolean;
}

/**
 * Evaluates λ₁ < 1/γ (sufficient for vanishing) and λ₁ > 1/γ (necessary for exploding) for `Whh` and φ
 * (Pascanu et al. 2013, §3.1).
 * @example pascanuConditions(scaleToSpectralNorm(W, 3), "sigmoid").vanishingGuaranteed // true: 3 < 1/γ = 4
 */
export function pascanuConditions(Whh: Mat, activation: Activation): PascanuConditions {
  const W = checkMat("Whh", Whh);
  assert(W.rows === W.cols, () => `Whh: expected a square recurrent matrix, got ${W.rows}×${W.cols}`);
  const gamma = activationGamma(checkActivation("activation", activation));
  const lambda1 = spectralNorm(W);
  return {
    lambda1,
    spectralRadius: spectralRadius(W),
    gamma,
    threshold: 1 / gamma,
    factorBound: gamma * lambda1,
    vanishingGuaranteed: lambda1 < 1 / gamma,
    explodingPossible: lambda1 > 1 / gamma,
  };
}

/** ‖∂h_T/∂h_t‖ on a run beside Pascanu et al.'s bound (γλ₁)^(T−t). */
export interface BoundRow {
  /** Distance d = T − t. */
  distance: number;
  /** ‖∂h_T/∂h_t‖₂ measured on the run. */
  norm: number;
  /** (γ λ₁)^(T−t), which `norm` can never exceed. */
  bound: number;
}

/**
 * The measured ‖∂h_T/∂h_t‖₂ for every distance d = T − t = 0..T beside the bound (γ λ₁)^d
 * (Pascanu et al. 2013, eq. 7 and the argument after it).
 * @example pascanuBound(p, rnnForward(p, xs)).every((r) => r.norm <= r.bound * (1 + 1e-12)) // true
 */
export function pascanuBound(p: RnnParams, trace: RnnTrace, T = trace.zs.length): BoundRow[] {
  const { factorBound } = pascanuConditions(p.Whh, p.activation);
  const spectra = jacobianSpectra(p, trace, T);
  const rows: BoundRow[] = [];
  for (let d = 0; d <= T; d++) rows.push({ distance: d, norm: spectra[T - d].spectralNorm, bound: factorBound ** d });
  return rows;
}

/**
 * ‖W^k‖₂ for k = 0..kmax: the gradient norm of a linear RNN after k steps in the worst direction.
 * Gelfand's formula ‖W^k‖^(1/k) → ρ(W) sets the long-run rate; a non-normal W (e.g. [[0.9, 2], [0, 0.9]],
 * ρ = 0.9) first grows, since W^k = [[0.9^k, 2k·0.9^(k−1)], [0, 0.9^k]].
 * @throws NonFiniteError naming k when W^k overflows
 * @example matrixPowerNorms(matFrom([[0.9, 2], [0, 0.9]]), 30) // rises to ≈ 7.7 near k = 9, then decays
 */
export function matrixPowerNorms(W: Mat, kmax: number): number[] {
  const m = checkMat("W", W);
  assert(m.rows === m.cols, () => `W: expected a square matrix, got ${m.rows}×${m.cols}`);
  checkInt("kmax", kmax, 0);
  // The 0×0 matrix: every power is the empty matrix, whose norm is 0 (as spectralNorm says).
  if (m.rows === 0) return new Array<number>(kmax + 1).fill(0);
  const norms: number[] = [1];
  let P = identity(m.rows);
  for (let k = 1; k <= kmax; k++) {
    P = matmul(P, m);
    const bad = firstNonFinite(P.data);
    if (bad >= 0) throw new NonFiniteError("W^k", k, P.data[bad], bad, "the matrix power overflowed");
    norms.push(spectralNorm(P));
  }
  return norms;
}
