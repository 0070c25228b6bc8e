/**
 * Truncated BPTT measured against full BPTT (d2l.ai §9.7: full computation, regular truncation; randomized
 * truncation, Tallec & Ollivier 2017, is not implemented here). Truncation after k steps drops every term of
 *
 *   ∂L/∂θ = Σ_s Σ_t (∂L_s/∂h_s) (∂h_s/∂h_t) (∂h_t/∂θ)
 *
 * with s − t ≥ k, so it is cheap and can never explode along a path longer than k, but it also removes all
 * credit for dependencies longer than k, by construction.
 */
import { assert, describe, tensorData, type Mat, type Vec } from "../core/tensor";
import { gradNormsPerStep } from "../rnn/jacobian";
import { rnnBackward, rnnForward, type RnnGrads, type RnnParams } from "../rnn/vanilla";
import { totalGradNorm } from "./clip";
import { gradCosine } from "./clip-compare";
import { checkTensorFields, type TensorFields } from "./tensors";

/** How an approximate gradient compares with a reference one. */
export interface GradientAgreement {
  /** cos ∠(g, g_ref) = ⟨g, g_ref⟩ / (‖g‖ ‖g_ref‖) over all tensors flattened together (0 when g = 0). */
  cosine: number;
  /** ‖g‖ / ‖g_ref‖. */
  normRatio: number;
}

/**
 * Cosine similarity and norm ratio of `approx` against `reference`, over every tensor of the two gradients
 * flattened into one vector each:
 *
 *   cos = Σ_k ⟨a_k / ‖a‖, r_k / ‖r‖⟩ ({@link gradCosine}),   ratio = ‖a‖ / ‖r‖   (norms overflow-safe, {@link totalGradNorm})
 *
 * @throws when the tensors' names or sizes differ, or the reference is all zeros (no direction to compare with)
 * @example gradientAgreement(truncatedGrads, fullGrads) // { cosine: 0.98, normRatio: 0.91 }
 */
export function gradientAgreement<G extends TensorFields<G>>(approx: G, reference: G): GradientAgreement {
  const ka = checkTensorFields("approx", approx);
  const kr = checkTensorFields("reference", reference);
  assert(
    ka.length === kr.length && ka.every((k) => kr.includes(k)),
    () => `approx: expected the same tensors as reference (${kr.join(", ")}), got ${ka.join(", ")}`,
  );
  const na = totalGradNorm(approx);
  const nr = totalGradNorm(reference);
  assert(Number.isFinite(na) && Number.isFinite(nr), () => `approx/reference: expected finite gradients, got norms ${na} and ${nr}`);
  assert(nr > 0, () => "reference: the gradient is all zeros, so there is no direction to compare with");
  if (na === 0) return { cosine: 0, normRatio: 0 };
  for (const k of kr) {
    const a = tensorData((approx as unknown as Record<string, Mat | Vec>)[k]);
    const r = tensorData((reference as unknown as Record<string, Mat | Vec>)[k]);
    assert(a.length === r.length, () => `approx.${k}: expected ${r.length} entries like reference.${k}, got ${a.length}`);
  }
  // The reference first: the sum then runs over its tensors in its order.
  return { cosine: gradCosine(reference, approx), normRatio: na / nr };
}

/** One row of {@link truncationComparison}. */
export interface TruncationRow extends GradientAgreement {
  /** The truncation length k (Infinity for full BPTT). */
  k: number;
  /** ‖∂L/∂h_t‖₂ for t = 0..T as the truncated backward pass computes it. */
  dhNorms: number[];
}

/**
 * Truncated BPTT with each k against full BPTT on the same parameters, inputs and loss gradients:
 * rnnBackward(p, xs, trace, dys, { truncate: k }) compared with rnnBackward(p, xs, trace, dys) by
 * {@link gradientAgreement}. A first row with k = Infinity holds the full gradient (cosine 1, ratio 1).
 *
 * @param dys dys[t − 1] = ∂L/∂y_t, e.g. from squaredError(trace.ys, targets).dys
 * @param ks truncation lengths, each an integer ≥ 1
 * @example truncationComparison(p, xs, dys, [1, 5, 20]).map((r) => [r.k, r.cosine, r.normRatio])
 */
export function truncationComparison(p: RnnParams, xs: Vec[], dys: Vec[], ks: readonly number[]): TruncationRow[] {
  assert(Array.isArray(ks) && ks.length > 0, () => `ks: expected a non-empty array of truncation lengths, got ${describe(ks)}`);
  const trace = rnnForward(p, xs);
  const full = rnnBackward(p, xs, trace, dys);
  const rows: TruncationRow[] = [{ k: Infinity, cosine: 1, normRatio: 1, dhNorms: gradNormsPerStep(full.dhs) }];
  for (const k of ks) {
    const cut = rnnBackward(p, xs, trace, dys, { truncate: k });
    rows.push({ k, ...gradientAgreement<RnnGrads>(cut.grads, full.grads), dhNorms: gradNormsPerStep(cut.dhs) });
  }
  return rows;
}
