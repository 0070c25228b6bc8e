/**
 * Jacobians of the hidden state through time, the quantity that explodes or vanishes.
 *
 *   ∂h_t/∂h_{t−1} = diag(φ′(z_t)) Whh
 *   ∂h_T/∂h_t = ∂h_T/∂h_{T−1} ⋯ ∂h_{t+1}/∂h_t        (Grosse 2017 §2.1; Pascanu et al. 2013 eq. 5)
 *
 * For a linear RNN this is Whh^(T−t). Pascanu et al.: with ‖diag(φ′)‖ ≤ γ and σ₁(Whh) < 1/γ every factor
 * has norm < 1, so the product vanishes geometrically; σ₁(Whh) > 1/γ is necessary for it to explode.
 */
import { singularValues } from "../core/linalg";
import { identity, norm2, type Mat, type Vec } from "../core/tensor";
import { activationDerivative } from "./activation";
import { checkStepIn, throwIfNonFinite } from "./checks";
import { rnnSizes, type RnnParams, type RnnTrace } from "./vanilla";

/** The one-step Jacobian ∂h_t/∂h_{t−1} = diag(φ′(z_t)) Whh, for t = 1..T. */
export function stepJacobian(p: RnnParams, trace: RnnTrace, t: number): Mat {
  const { hidden: H } = rnnSizes(p);
  checkStepIn("t", t, 1, trace.zs.length);
  const z = trace.zs[t - 1];
  const h = trace.hs[t];
  const J: Mat = { rows: H, cols: H, data: new Float64Array(H * H) };
  for (let i = 0; i < H; i++) {
    const d = activationDerivative(p.activation, z[i], h[i]);
    for (let j = 0; j < H; j++) J.data[i * H + j] = d * p.Whh.data[i * H + j];
  }
  return J;
}

/**
 * ∂h_to/∂h_from for 0 ≤ from ≤ to ≤ T: the product of the one-step Jacobians in between (I when from = to).
 * @throws NonFiniteError when the product overflows, naming the step it had reached
 */
export function jacobianProduct(p: RnnParams, trace: RnnTrace, from: number, to: number): Mat {
  const T = trace.zs.length;
  checkStepIn("to", to, 0, T);
  checkStepIn("from", from, 0, to);
  return jacobianProducts(p, trace, to)[from];
}

/**
 * Every product ∂h_T/∂h_t for t = 0..T (entry t of the result), built backwards from ∂h_T/∂h_T = I by
 * P_{t−1} = P_t diag(φ′(z_t)) Whh. Pass `T` to end at an earlier step than the trace's last.
 * @throws NonFiniteError when a product overflows, naming the step t
 */
export function jacobianProducts(p: RnnParams, trace: RnnTrace, T = trace.zs.length): Mat[] {
  const { hidden: H } = rnnSizes(p);
  checkStepIn("T", T, 0, trace.zs.length);
  const out: Mat[] = new Array(T + 1);
  out[T] = identity(H);
  for (let t = T; t >= 1; t--) {
    const J = stepJacobian(p, trace, t);
    const P = out[t];
    const next: Mat = { rows: H, cols: H, data: new Float64Array(H * H) };
    for (let i = 0; i < H; i++)
      for (let k = 0; k < H; k++) {
        const pik = P.data[i * H + k];
        if (pik === 0) continue;
        for (let j = 0; j < H; j++) next.data[i * H + j] += pik * J.data[k * H + j];
      }
    throwIfNonFinite("∂h_T/∂h_t", next.data, t - 1, "the Jacobian product overflowed");
    out[t - 1] = next;
  }
  return out;
}

/** The spectrum of one Jacobian product ∂h_T/∂h_t. */
export interface JacobianSpectrum {
  /** The earlier step t. */
  step: number;
  /** T − t, the number of steps the gradient travels. */
  distance: number;
  /** ‖∂h_T/∂h_t‖₂, the largest singular value. */
  spectralNorm: number;
  /** All singular values, largest first. */
  singularValues: Float64Array;
}

/** The singular values of ∂h_T/∂h_t for every t = 0..T (entry t), with the step and distance. */
export function jacobianSpectra(p: RnnParams, trace: RnnTrace, T = trace.zs.length): JacobianSpectrum[] {
  return jacobianProducts(p, trace, T).map((P, t) => {
    const s = singularValues(P);
    return { step: t, distance: T - t, spectralNorm: s.length ? s[0] : 0, singularValues: s };
  });
}

/** ‖∂L/∂h_t‖₂ for every t = 0..T, from the `dhs` that {@link rnnBackward} returns. */
export function gradNormsPerStep(dhs: Vec[]): number[] {
  return dhs.map((d) => norm2(d));
}
