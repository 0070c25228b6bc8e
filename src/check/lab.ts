/**
 * Checks for the lab (notebook 08), exercise 3: the shortest sequence length at which a configuration no longer
 * reaches the success criterion. The check trains the configuration again, at the answer and one grid step below,
 * through the student's own `run(T)`; it never compares with a stored result.
 */
import type { CompareRow } from "../train/compare";
import { hint, pass, type CheckResult } from "./result";

/**
 * `T` is the shortest length on the grid from, from + step, … at which `run(T)` does not succeed (±2 for an
 * answer between grid points): run(T′) fails at the grid point T′ nearest T, and succeeds at T′ − step (unless
 * T′ = from).
 * @param run trains the configuration at length T and returns its row (e.g. one compareConfigs row)
 */
export function shortestFailingT(T: number, run: (T: number) => CompareRow, grid: { from?: number; step?: number } = {}): CheckResult {
  const { from = 20, step = 5 } = grid;
  if (!Number.isFinite(T)) return hint(`expected a length T, got ${String(T)} (did the search find one?)`);
  const snapped = from + Math.round((T - from) / step) * step;
  if (snapped < from || Math.abs(T - snapped) > 2) return hint(`the lengths tried are ${from}, ${from + step}, ${from + 2 * step}, …: T = ${T} is not within ±2 of one`);
  const at = run(snapped);
  if (at.success) return hint(`"${at.name}" still succeeds at T = ${snapped} (${at.metric} ${at.evalValue.toPrecision(3)}): it gives up at a longer T`);
  if (snapped > from) {
    const below = run(snapped - step);
    if (!below.success) return hint(`"${below.name}" already fails at T = ${snapped - step}: it gives up at a shorter T`);
  }
  return pass(`"${at.name}" fails at T = ${snapped}${snapped > from ? ` and succeeds at T = ${snapped - step}` : " (the shortest length tried)"}`);
}
