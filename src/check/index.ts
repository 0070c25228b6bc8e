/**
 * Exercises that answer back: `check.<concept>.<exercise>(answer, …)` prints ✓ or a hint (never the answer) and
 * returns { ok, message }. One module per concept of the lecture; each test is a property computed with the
 * library, never a stored output.
 *
 *   import { check } from "./src/index";
 *   check.spectra.spectralRadiusIs(W, 1);        // ✓ ρ(W) = 1.000000000, within 1e-6 of 1
 */
import * as clippingChecks from "./clipping";
import * as dynamicsChecks from "./dynamics";
import * as gradientChecks from "./gradients";
import * as labChecks from "./lab";
import * as spectraChecks from "./spectra";
import { report, type CheckResult } from "./result";

export type { CheckResult } from "./result";

/** Wraps every function of a module so that it prints its result as well as returning it. */
function printing<M extends { [k: string]: (...args: never[]) => CheckResult }>(m: M): M {
  const out: { [k: string]: unknown } = {};
  for (const [k, f] of Object.entries(m)) out[k] = (...args: never[]) => report(f(...args));
  return out as M;
}

/** The checks, by concept: gradients (00, 01), dynamics (02, 04), spectra (03, 06, 07), clipping (05), lab (08). */
export const check = {
  gradients: printing({ ...gradientChecks }),
  dynamics: printing({ ...dynamicsChecks }),
  spectra: printing({ ...spectraChecks }),
  clipping: printing({ ...clippingChecks }),
  lab: printing({ ...labChecks }),
};
