/**
 * What the vanilla RNN's fast path (./vanilla) and its readable reference (./vanilla-reference) share: the
 * parameter, gradient and trace types, the size and argument checks (one home, so that the two versions' error
 * messages cannot drift apart) and zero gradients. Both import this file; it imports neither.
 *
 * The public names (RnnParams, RnnGrads, RnnTrace, BackwardOptions, rnnSizes) are re-exported by ./vanilla.
 */
import { assert, checkAllFinite, checkMat, checkVec, describe, type Mat, type Vec } from "../core/tensor";
import { checkActivation, type Activation } from "./activation";
import {
  checkDys,
  checkHiddenTrace,
  checkSequence,
  checkTraceFinite,
  inputSizeFrom,
  outputSizeFrom,
  truncationOf,
  type BackwardOptions,
} from "./checks";

export type { BackwardOptions };

/** The parameters of a vanilla RNN with input size I, hidden size H and output size O. */
export interface RnnParams {
  /** H×I input-to-hidden weights. */
  Wxh: Mat;
  /** H×H recurrent weights. */
  Whh: Mat;
  /** Hidden bias, length H. */
  bh: Vec;
  /** O×H hidden-to-output weights. */
  Why: Mat;
  /** Output bias, length O. */
  by: Vec;
  /** The recurrent nonlinearity φ. */
  activation: Activation;
}

/** The gradients of a loss with respect to every tensor of {@link RnnParams}, shaped alike. */
export interface RnnGrads {
  Wxh: Mat;
  Whh: Mat;
  bh: Vec;
  Why: Mat;
  by: Vec;
}

/** What the forward pass keeps for the backward pass. */
export interface RnnTrace {
  /** h_0..h_T (T + 1 entries). */
  hs: Vec[];
  /** Pre-activations z_1..z_T (zs[t − 1] = z_t). */
  zs: Vec[];
  /** Outputs y_1..y_T (ys[t − 1] = y_t). */
  ys: Vec[];
}

/** The sizes (input, hidden, output) of `p`, after checking that its tensors fit together. */
export function rnnSizes(p: RnnParams): { input: number; hidden: number; output: number } {
  assert(typeof p === "object" && p !== null, () => `p: expected RnnParams, got ${describe(p)}`);
  checkActivation("p.activation", p.activation);
  const Whh = checkMat("p.Whh", p.Whh);
  const H = Whh.rows;
  assert(Whh.cols === H, () => `p.Whh: expected a square H×H matrix, got ${Whh.rows}×${Whh.cols}`);
  const I = checkMat("p.Wxh", p.Wxh, H).cols;
  checkVec("p.bh", p.bh, H);
  const O = checkMat("p.Why", p.Why, undefined, H).rows;
  checkVec("p.by", p.by, O);
  return { input: I, hidden: H, output: O };
}

/** @internal What fixes I, for the message when an x_t has another length: "p.Wxh expects inputs of size 2 (p.Wxh is 4×2)". */
export function wxhInputs(p: RnnParams): () => string {
  return inputSizeFrom("p.Wxh", p.Wxh, p.Wxh.cols);
}

/** @internal Throws when a weight or bias holds a NaN or ±Infinity. */
export function checkParamsFinite(p: RnnParams): void {
  for (const k of ["Wxh", "Whh", "Why"] as const) checkAllFinite(`p.${k}`, p[k].data);
  checkAllFinite("p.bh", p.bh);
  checkAllFinite("p.by", p.by);
}

/**
 * @internal The checks of rnnBackward's arguments; returns the sizes and the truncation length k (T for full
 * BPTT). With finite = false the entries of xs, the trace and dys are not checked for NaN/∞ (see checkSequence):
 * the caller then runs {@link checkBackwardFinite} where it looks at the numbers anyway.
 */
export function checkBackwardArgs(
  p: RnnParams,
  xs: Vec[],
  trace: RnnTrace,
  dys: Vec[],
  opts: BackwardOptions,
  finite = true,
): { I: number; H: number; O: number; T: number; k: number } {
  const { input: I, hidden: H, output: O } = rnnSizes(p);
  checkSequence(xs, I, false, wxhInputs(p));
  const T = xs.length;
  checkHiddenTrace(trace, T, "rnnForward", H);
  checkDys(dys, T, O, false, outputSizeFrom(p.Why));
  const k = truncationOf(opts, T);
  if (finite) checkBackwardFinite(p.activation, xs, trace, dys, I, T, O);
  return { I, H, O, T, k };
}

/**
 * @internal Throws, naming the entry, when xs, the trace or dys hold a NaN or ±Infinity (in that order: the
 * reference and the fast path report the same entry). Their shapes are checked already. Of the trace, what the
 * backward pass reads: hs always, zs for relu only (φ′(z) = [z > 0]; the other units take φ′ from h_t).
 */
export function checkBackwardFinite(act: Activation, xs: Vec[], trace: RnnTrace, dys: Vec[], I: number, T: number, O: number): void {
  checkSequence(xs, I);
  checkTraceFinite("trace.hs", trace.hs, "rnnForward");
  if (act === "relu") checkTraceFinite("trace.zs", trace.zs, "rnnForward");
  checkDys(dys, T, O);
}

/** @internal Zero gradients shaped like the parameters of an I→H→O RNN. */
export function zeroGrads(I: number, H: number, O: number): RnnGrads {
  return {
    Wxh: { rows: H, cols: I, data: new Float64Array(H * I) },
    Whh: { rows: H, cols: H, data: new Float64Array(H * H) },
    bh: new Float64Array(H),
    Why: { rows: O, cols: H, data: new Float64Array(O * H) },
    by: new Float64Array(O),
  };
}
