/**
 * Pascanu, Mikolov & Bengio (2013), §3.3: a regularizer that asks the backward pass to preserve the norm of
 * the error signal from one step to the next, against vanishing gradients.
 */
import { assert, checkAllFinite, checkVec, describe, matTVec, norm2, type Mat, type Vec } from "../core/tensor";
import { activationDerivative } from "../rnn/activation";
import { rnnSizes, type RnnParams, type RnnTrace } from "../rnn/vanilla";

/** The result of {@link pascanuOmega}. */
export interface PascanuOmegaResult {
  /** Ω = Σ_k (r_k − 1)². */
  omega: number;
  /** ∂Ω/∂Whh with g_k and φ′(z_{k+1}) held constant (H×H). */
  dWhh: Mat;
  /** r_k = ‖gᵀ ∂h_{k+1}/∂h_k‖ / ‖g‖ for k = 0..T−1, or null where g = ∂E/∂h_{k+1} = 0 (term skipped). */
  ratios: (number | null)[];
}

/**
 * Pascanu et al.'s vanishing-gradient regularizer (2013, eq. 9), mapped to our RNN h_t = φ(z_t),
 * z_t = Wxh x_t + Whh h_{t−1} + bh:
 *
 *   Ω = Σ_{k=0}^{T−1} (r_k − 1)²,   r_k = ‖(∂E/∂h_{k+1}) (∂h_{k+1}/∂h_k)‖ / ‖∂E/∂h_{k+1}‖
 *
 * With the row vector gᵀ = ∂E/∂h_{k+1} = dhs[k+1]ᵀ and ∂h_{k+1}/∂h_k = diag(φ′(z_{k+1})) Whh, the product is
 * gᵀ diag(φ′) Whh = (v)ᵀ with v = Whhᵀ u, u = φ′(z_{k+1}) ⊙ g, so r_k = ‖v‖ / ‖g‖.
 *
 * The gradient is taken, as Pascanu et al. prescribe, "only through the immediate dependence on W_rec":
 * g and φ′(z_{k+1}) are treated as constants (though both depend on Whh through the trajectory), giving
 *
 *   ∂Ω/∂Whh[i][j] = Σ_k 2 (r_k − 1) · u_i v_j / (‖v‖ ‖g‖)
 *
 * (0 for a term with v = 0, where ‖v‖ has no gradient; its subgradient 0 is taken).
 *
 * Terms with g = 0 are skipped: the ratio is 0/0, and no error signal reaches h_{k+1} (e.g. beyond the
 * truncation window), so there is no norm to preserve. Since r_k does not depend on ‖g‖, g is normalised
 * first, so huge-but-finite gradients do not overflow.
 *
 * Mapping note: Pascanu et al.'s state x_t = W_rec σ(x_{t−1}) + … is a pre-activation, with Jacobian
 * W_rec diag(σ′(x_k)); here the state is the hidden activation h, as in rnnBackward's dhs, so the
 * Jacobian is diag(φ′(z_{k+1})) Whh. Pascanu et al. used the weight 4 for Ω on the temporal-order task.
 *
 * @param trace what rnnForward returned
 * @param dhs dhs[t] = ∂E/∂h_t for t = 0..T, as rnnBackward returns
 * @example
 * const { dhs } = rnnBackward(p, xs, trace, dys);
 * const { omega, dWhh } = pascanuOmega(p, trace, dhs);   // loss += 4 · omega; grads.Whh += 4 · dWhh
 */
export function pascanuOmega(p: RnnParams, trace: RnnTrace, dhs: Vec[]): PascanuOmegaResult {
  const { hidden: H } = rnnSizes(p);
  assert(
    typeof trace === "object" && trace !== null && Array.isArray(trace.hs) && Array.isArray(trace.zs),
    () => `trace: expected the {hs, zs, ys} returned by rnnForward, got ${describe(trace)}`,
  );
  const T = trace.zs.length;
  assert(trace.hs.length === T + 1, () => `trace: expected hs of length T + 1 = ${T + 1}, got ${trace.hs.length}`);
  assert(Array.isArray(dhs), () => `dhs: expected T + 1 = ${T + 1} vectors ∂E/∂h_t (from rnnBackward), got ${describe(dhs)}`);
  assert(dhs.length === T + 1, () => `dhs: expected T + 1 = ${T + 1} vectors ∂E/∂h_t for t = 0..T, got ${dhs.length}`);
  dhs.forEach((d, t) => {
    checkVec(`dhs[${t}]`, d, H);
    checkAllFinite(`dhs[${t}]`, d);
  });
  checkAllFinite("p.Whh", p.Whh.data);

  const dWhh: Mat = { rows: H, cols: H, data: new Float64Array(H * H) };
  const ratios: (number | null)[] = [];
  let omega = 0;
  for (let k = 0; k < T; k++) {
    const g = dhs[k + 1];
    const gNorm = norm2(g);
    if (gNorm === 0) {
      ratios.push(null);
      continue;
    }
    const z = trace.zs[k];
    const h = trace.hs[k + 1];
    const u = new Float64Array(H);
    for (let i = 0; i < H; i++) u[i] = activationDerivative(p.activation, z[i], h[i]) * (g[i] / gNorm);
    const v = matTVec(p.Whh, u);
    const r = norm2(v);
    ratios.push(r);
    omega += (r - 1) ** 2;
    if (r === 0) continue;
    const c = (2 * (r - 1)) / r; // with ĝ = g/‖g‖ the factor 1/‖g‖ is already inside u
    for (let i = 0; i < H; i++) {
      const ci = c * u[i];
      if (ci === 0) continue;
      for (let j = 0; j < H; j++) dWhh.data[i * H + j] += ci * v[j];
    }
  }
  return { omega, dWhh, ratios };
}
