/**
 * The bench's and the tests' worker functions for {@link parallelMap}: the library's {@link gradNormCurve}
 * (re-exported, so that this small module is what workers load), and a version that throws, to check that a
 * worker's error reaches the caller with its message.
 */
import { gradNormCurve, type GradNormSweepItem } from "../rnn/flow";

export { gradNormCurve, type GradNormSweepItem as SweepItem };

/** Throws for w < 0: lets the tests check that a worker's error reaches the caller with its message. */
export function failingCurve(item: GradNormSweepItem): number[] {
  if (item.w < 0) throw new Error(`w must be ≥ 0, got ${item.w}`);
  return gradNormCurve(item);
}
