/**
 * Checks for gradient clipping (notebook 05 and the lab's exercise 1): a clipped gradient has global norm at most
 * η and the direction it had; a threshold lies in Pascanu et al.'s band, half to ten times the mean gradient norm
 * observed (Pascanu, Mikolov & Bengio 2013, §3.2); a list of observed norms is the run's.
 */
import { pascanuThreshold } from "../remedies/clip-compare";
import { totalGradNorm, type Grads } from "../remedies/clip";
import { tensorData } from "../core/tensor";
import type { CompareRow } from "../train/compare";
import { hint, pass, type CheckResult } from "./result";

/**
 * `after` is `before` clipped by global norm at η: ‖after‖ ≤ η, and after = c · before with 0 < c ≤ 1 (c = 1 when
 * ‖before‖ ≤ η already): the direction to 1e−9, the norm to 1e−5 relative.
 */
export function clippedByNorm(before: Grads, after: Grads, eta: number): CheckResult {
  const nb = totalGradNorm(before);
  const na = totalGradNorm(after);
  if (na > eta * (1 + 1e-9)) return hint(`‖g‖ after clipping is ${na.toPrecision(4)} > η = ${eta}: the gradient was not scaled down enough`);
  let dot = 0;
  for (const k of Object.keys(before)) {
    const a = tensorData(after[k]);
    const b = tensorData(before[k]);
    for (let i = 0; i < b.length; i++) dot += a[i] * b[i];
  }
  const cos = nb === 0 || na === 0 ? 1 : dot / (na * nb);
  if (cos < 1 - 1e-9) return hint(`the clipped gradient points elsewhere (cosine ${cos.toPrecision(6)}): scale every tensor by the same factor`);
  const expected = Math.min(nb, eta);
  // 1e−5 relative: PyTorch's clip_grad_norm_ (and ours) scales by η / (‖g‖ + 1e−6), a hair under η.
  if (Math.abs(na - expected) > 1e-5 * Math.max(1, expected))
    return hint(`‖g‖ after clipping is ${na.toPrecision(6)}: ${nb <= eta ? "a gradient already under η should stay as it is" : "rescale it to exactly η, not below"}`);
  return pass(`‖g‖ ${nb.toPrecision(4)} → ${na.toPrecision(4)} ≤ η = ${eta}, same direction`);
}

/** η is in Pascanu et al.'s band [0.5, 10] × the mean of the finite observed norms. */
export function threshold(eta: number, norms: readonly number[]): CheckResult {
  if (!(Number.isFinite(eta) && eta > 0)) return hint(`η must be a positive number, got ${eta}`);
  if (norms.length === 0) return hint(`no observed norms: collect the gradNorm of every step first`);
  const band = pascanuThreshold(norms);
  const ratio = eta / band.mean;
  if (eta < band.lo) return hint(`η is ${ratio.toPrecision(3)} × the mean observed norm: below Pascanu et al.'s band, it would clip almost every step`);
  if (eta > band.hi) return hint(`η is ${ratio.toPrecision(3)} × the mean observed norm: above Pascanu et al.'s band, it would rarely clip at all`);
  return pass(`η = ${eta.toPrecision(4)} is ${ratio.toPrecision(3)} × the mean norm ${band.mean.toPrecision(4)} over ${band.count} steps: inside [0.5, 10] ×`);
}

/** `norms` are the gradient norms before clipping of every recorded step of `row`, in order. */
export function observedNorms(norms: readonly number[], row: CompareRow): CheckResult {
  const want = row.history.map((s) => s.gradNorm);
  if (norms.length !== want.length) return hint(`${norms.length} norms, but the run "${row.name}" recorded ${want.length} steps: take one per step of its history`);
  const i = want.findIndex((v, k) => !Object.is(v, norms[k]) && Math.abs(v - norms[k]) > 1e-12 * Math.abs(v));
  if (i >= 0) return hint(`norm ${i} is ${norms[i]}, not the gradNorm of step ${row.history[i].step} of "${row.name}"`);
  return pass(`${norms.length} gradient norms of "${row.name}", one per step`);
}
