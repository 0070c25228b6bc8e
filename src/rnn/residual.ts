/**
 * The ResNet view of vanishing gradients (Grosse 2017 §4; He et al. 2016). A residual block computes
 * y = x + F(x), so backprop through it is
 *
 *   x̄(l) = x̄(l+1) (I + ∂F/∂x)
 *
 * and through L blocks x̄(L − d) = x̄(L) (I + A_{L−1}) (I + A_{L−2}) ⋯ (I + A_{L−d}), with A_l = ∂F_l/∂x. A plain
 * deep network (or an RNN, whose blocks share weights) multiplies the A_l alone: when they are small the plain
 * product vanishes geometrically, while the identity term keeps the residual product near I.
 */
import { spectralNorm } from "../core/linalg";
import { NonFiniteError } from "../core/errors";
import { assert, checkFiniteNumber, checkMat, describe, firstNonFinite, identity, matmul, type Mat } from "../core/tensor";

/** ‖∂x(L)/∂x(L − d)‖₂ with and without the skip connection, for d = 0..L. */
export interface ResidualProductNorms {
  /** d = 0, 1, …, L: how many blocks the gradient has passed, counted from the output. */
  depth: number[];
  /** ‖∏_{l=L−d}^{L−1} (I + ε A_l)‖₂ (1 at d = 0). */
  residual: number[];
  /** ‖∏_{l=L−d}^{L−1} ε A_l‖₂ (1 at d = 0: the empty product is I). */
  plain: number[];
}

/**
 * The spectral norms of the backward products through d = 0..L blocks, residual and plain:
 *
 *   R_d = (I + ε A_{L−1}) ⋯ (I + ε A_{L−d}),   P_d = (ε A_{L−1}) ⋯ (ε A_{L−d})
 *
 * (the order in which x̄(L) is multiplied from the left on its way down to x̄(L − d)).
 *
 * @param As the block Jacobians A_0..A_{L−1} (square, all n×n); block l maps x(l) to x(l+1)
 * @param eps the scale ε of every block's Jacobian
 * @throws NonFiniteError naming the depth when a product overflows
 * @example
 * const As = Array.from({ length: 50 }, () => randn(rng, 16, 16, 1 / 4));
 * residualProductNorms(As, 0.5).plain[50]   // ≈ 0 (vanished); .residual[50] stays of order 1
 */
export function residualProductNorms(As: readonly Mat[], eps: number): ResidualProductNorms {
  assert(Array.isArray(As), () => `As: expected an array of n×n block Jacobians, got ${describe(As)}`);
  const e = checkFiniteNumber("eps", eps);
  const n = As.length > 0 ? checkMat("As[0]", As[0]).rows : 0;
  As.forEach((A, l) => checkMat(`As[${l}]`, A, n, n));
  const L = As.length;
  let R = identity(n);
  let P = identity(n);
  const out: ResidualProductNorms = { depth: [0], residual: [n > 0 ? 1 : 0], plain: [n > 0 ? 1 : 0] };
  for (let d = 1; d <= L; d++) {
    const A = As[L - d];
    const epsA: Mat = { rows: n, cols: n, data: A.data.map((v: number) => e * v) };
    const IpA: Mat = { rows: n, cols: n, data: epsA.data.slice() };
    for (let i = 0; i < n; i++) IpA.data[i * n + i] += 1;
    R = matmul(R, IpA);
    P = matmul(P, epsA);
    for (const [what, M] of [["∏(I + εA)", R], ["∏ εA", P]] as const) {
      const bad = firstNonFinite(M.data);
      if (bad >= 0) throw new NonFiniteError(what, d, M.data[bad], bad, "the product through the blocks overflowed");
    }
    out.depth.push(d);
    out.residual.push(spectralNorm(R));
    out.plain.push(spectralNorm(P));
  }
  return out;
}
