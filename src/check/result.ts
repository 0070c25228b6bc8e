/**
 * What every exercise check returns, and how it is shown: ✓ and what was verified, or ✗ and a hint that says what
 * is off without giving the answer. Checks test properties of the student's answer with the library (a norm under
 * a threshold, a radius within 1e−6 of its target, a run that fails at the length named); none compares against a
 * stored output.
 */

/** The outcome of one check. */
export interface CheckResult {
  ok: boolean;
  /** One line: "✓ …" or "✗ … (hint)". */
  message: string;
}

/** A passed check. */
export function pass(what: string): CheckResult {
  return { ok: true, message: `✓ ${what}` };
}

/** A failed check with its hint. */
export function hint(what: string): CheckResult {
  return { ok: false, message: `✗ ${what}` };
}

/** Prints the result's line (stdout, so a notebook never mistakes a hint for an error) and returns it. */
export function report(r: CheckResult): CheckResult {
  console.log(r.message);
  return r;
}

/**
 * Is `answer` (±`tol`) the shortest length at which `fails` first holds, for a `fails` that stays true once true?
 * Tested at two lengths only: it must fail at answer + tol and not at answer − tol − 1 (when that is ≥ `min`).
 */
export function shortestFailing(
  answer: number,
  fails: (n: number) => boolean,
  { tol, min, unit }: { tol: number; min: number; unit: string },
): CheckResult {
  if (!Number.isInteger(answer) || answer < min)
    return hint(`expected a whole number of ${unit} ≥ ${min}, got ${String(answer)}`);
  if (!fails(answer + tol))
    return hint(`at ${unit} = ${answer + tol} it still does not fail: the first failure comes later`);
  const below = answer - tol - 1;
  if (below >= min && fails(below))
    return hint(`it already fails at ${unit} = ${below}: the first failure comes earlier`);
  return pass(`${unit} = ${answer} is the shortest that fails (within ±${tol})`);
}
