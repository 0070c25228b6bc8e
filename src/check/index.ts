/**
 * Exercises that answer back: `check.<concept>.<exercise>(answer, …)` prints ✓ or a hint (never the answer). It
 * returns nothing, so that a check on a cell's last line shows its line once (tslab displays a returned value
 * too); the functions of ./gradients, ./spectra, … return the { ok, message } it prints. One module per concept of
 * the lecture; each test is a property computed with the library, never a stored output.
 *
 *   import { check } from "exploding-gradients";
 *   check.spectra.spectralRadiusIs(W, 1);        // ✓ ρ(W) = 1.000000000, within 1e-6 of 1
 */
import * as clippingChecks from "./clipping";
import * as dynamicsChecks from "./dynamics";
import * as gradientChecks from "./gradients";
import * as labChecks from "./lab";
import * as spectraChecks from "./spectra";
import { report, type CheckResult } from "./result";

export type { CheckResult } from "./result";

/** A module's checks, each printing its result instead of returning it. */
type Printing<M> = { [K in keyof M]: M[K] extends (...args: infer A) => CheckResult ? (...args: A) => void : never };

function printing<M extends { [k: string]: (...args: never[]) => CheckResult }>(m: M): Printing<M> {
  const out: { [k: string]: unknown } = {};
  for (const [k, f] of Object.entries(m)) out[k] = (...args: never[]) => void report(f(...args));
  return out as Printing<M>;
}

/** The checks, by concept: gradients (00, 01), dynamics (02, 04), spectra (03, 06, 07), clipping (05), lab (08). */
export const check = {
  gradients: printing({ ...gradientChecks }),
  dynamics: printing({ ...dynamicsChecks }),
  spectra: printing({ ...spectraChecks }),
  clipping: printing({ ...clippingChecks }),
  lab: printing({ ...labChecks }),
};
