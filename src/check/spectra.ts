/**
 * Checks for the recurrent matrix a student builds (notebooks 03, 06, 07 and the lab's exercise 2): a spectral
 * radius or spectral norm at its target within 1e−6, an orthogonal matrix, a max-norm constraint. Each computes
 * the property with the library's linear algebra; the hint says which way the matrix is off.
 */
import { spectralNorm, spectralRadius } from "../core/linalg";
import { isMat, matmul, transpose, type Mat } from "../core/tensor";
import { hint, pass, type CheckResult } from "./result";

function square(W: unknown): string | null {
  if (!isMat(W)) return `expected a Mat { rows, cols, data }, got ${typeof W}`;
  return W.rows === W.cols ? null : `expected a square matrix, got ${W.rows}×${W.cols}`;
}

function closeTo(what: string, value: number, target: number, tol: number): CheckResult {
  if (Math.abs(value - target) <= tol) return pass(`${what} = ${value.toPrecision(10)}, within ${tol.toExponential(0)} of ${target}`);
  const how = value > target ? "too large" : "too small";
  return hint(`${what} is ${how} by ${Math.abs(value - target).toPrecision(3)} (tolerance ${tol.toExponential(0)}): rescale W by target / ${what}`);
}

/** ρ(W) = max |λᵢ(W)| is `target` within `tol` (default 1e−6): e.g. W scaled to the edge, ρ = 1. */
export function spectralRadiusIs(W: Mat, target: number, tol = 1e-6): CheckResult {
  const bad = square(W);
  return bad ? hint(`W: ${bad}`) : closeTo("ρ(W)", spectralRadius(W), target, tol);
}

/** σ₁(W) = ‖W‖₂ is `target` within `tol` (default 1e−6): notebook 03's "spectral norm 1 instead of radius 1". */
export function spectralNormIs(W: Mat, target: number, tol = 1e-6): CheckResult {
  return isMat(W) ? closeTo("σ₁(W)", spectralNorm(W), target, tol) : hint(`W: expected a Mat, got ${typeof W}`);
}

/** WᵀW = I within `tol` per entry (default 1e−9): every singular value is 1. */
export function orthogonal(W: Mat, tol = 1e-9): CheckResult {
  const bad = square(W);
  if (bad) return hint(`W: ${bad}`);
  const G = matmul(transpose(W), W);
  let worst = 0;
  for (let i = 0; i < W.rows; i++)
    for (let j = 0; j < W.rows; j++) worst = Math.max(worst, Math.abs(G.data[i * W.rows + j] - (i === j ? 1 : 0)));
  if (worst <= tol) return pass(`WᵀW = I within ${worst.toExponential(1)}: W is orthogonal (σ₁ = ρ = 1)`);
  const s = spectralNorm(W);
  return hint(`WᵀW differs from I by up to ${worst.toPrecision(3)} (σ₁ = ${s.toPrecision(4)}): not orthogonal (scaling a Gaussian matrix does not make it so; its QR factor Q is)`);
}

/** Every row of W (one unit's incoming weights) has norm ≤ c, so σ₁(W) ≤ c √rows (notebook 06's max-norm). */
export function maxNorm(W: Mat, c: number): CheckResult {
  if (!isMat(W)) return hint(`W: expected a Mat, got ${typeof W}`);
  let worst = 0;
  for (let i = 0; i < W.rows; i++) worst = Math.max(worst, Math.hypot(...W.data.subarray(i * W.cols, (i + 1) * W.cols)));
  if (worst > c * (1 + 1e-12)) return hint(`a row of W has norm ${worst.toPrecision(4)} > c = ${c}: the constraint was not applied after the update`);
  const s = spectralNorm(W);
  return pass(`every row norm ≤ ${c} (largest ${worst.toPrecision(4)}), so σ₁ = ${s.toPrecision(4)} ≤ c√H = ${(c * Math.sqrt(W.rows)).toPrecision(4)}`);
}
