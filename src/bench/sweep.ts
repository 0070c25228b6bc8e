/**
 * The kind of sweep a notebook precomputes for an explorable chart: for each recurrent scale w, the curve
 * ‖∂L/∂h_t‖ over t for a tanh RNN with Whh = w·Q/… (Gaussian, spectral scale ≈ w), loss on the last step only.
 * Used by the bench to time {@link parallelMap} against a serial map; also a worked example of a worker function.
 */
import { createRng, randnVec } from "../core/random";
import { norm2 } from "../core/tensor";
import { initRnnParams } from "../rnn/params";
import { rnnBackward, rnnForward } from "../rnn/vanilla";

/** Options: hidden size, length and seed (the same for every w so that curves differ only by w). */
export interface SweepItem {
  w: number;
  hidden: number;
  steps: number;
  seed: number;
}

/** ‖∂L/∂h_t‖₂ for t = 0..T, L = ½‖y_T‖² with Whh drawn with std w/√H. */
export function gradNormCurve(item: SweepItem): number[] {
  const { w, hidden: H, steps: T, seed } = item;
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: H, hidden: H, output: H, activation: "tanh", recurrentStd: w / Math.sqrt(H) });
  const xs = Array.from({ length: T }, () => randnVec(rng, H));
  const trace = rnnForward(p, xs);
  const dys = trace.ys.map((y, t) => (t === T - 1 ? y.slice() : new Float64Array(H)));
  return rnnBackward(p, xs, trace, dys).dhs.map((d) => norm2(d));
}

/** Throws for w < 0: lets the tests check that a worker's error reaches the caller with its message. */
export function failingCurve(item: SweepItem): number[] {
  if (item.w < 0) throw new Error(`w must be ≥ 0, got ${item.w}`);
  return gradNormCurve(item);
}
