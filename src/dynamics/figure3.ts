/**
 * Grosse (2017), Figure 3: a univariate tanh RNN run for 4 recurrent steps,
 *
 *   h(1) = tanh(x),   h(t) = tanh(2 h(t−1)) for t = 2..5,   y = h(5)
 *
 * (input weight 1, recurrent weight 2, output weight 1, no biases, no input after step 1). Each step (left
 * panel) is a gentle S-curve with fixed points 0 (source, slope 2) and ±0.9575 (sinks, slope ≈ 0.167); five of
 * them compose into a near step function (right panel) whose derivative is 2⁴ = 16 at x = 0 ("explode") and
 * nearly 0 on the plateaus ("vanish").
 *
 * The right panel's dy/dx comes from BPTT through the library's own {@link rnnForward} / {@link rnnBackward}
 * on the 1×1 network Wxh = [[1]], Whh = [[w]], Why = [[1]], inputs (x, 0, 0, 0, 0), h(0) = 0:
 * then h(1) = tanh(1·x + w·0) = tanh(x) and h(t) = tanh(w h(t−1)), so y = h(5) is the figure's network.
 */
import { assert, checkFiniteNumber, checkInt, matFrom, vecFrom, type Vec } from "../core/tensor";
import { rnnBackward, rnnForward, type RnnParams } from "../rnn/vanilla";
import type { ClassifiedFixedPoint } from "./fixedpoints";
import { checkInterval, linspace, type Interval } from "./grid";
import { tanhUnitFixedPoints } from "./latching";

/** The parameters of Figure 3 (defaults: the figure's). */
export interface Figure3Options {
  /** Recurrent weight w (default 2). */
  w?: number;
  /** Recurrent steps (default 4: hidden states h(1)..h(5)). */
  steps?: number;
}

function options(o: Figure3Options): { w: number; steps: number } {
  return { w: checkFiniteNumber("opts.w", o.w ?? 2), steps: checkInt("opts.steps", o.steps ?? 4) };
}

/**
 * The 1×1 vanilla RNN of Figure 3: Wxh = [[1]], Whh = [[w]], Why = [[1]], zero biases, tanh.
 * @example rnnForward(figure3Params(), [vecFrom([0.3]), …])
 */
export function figure3Params(w = 2): RnnParams {
  checkFiniteNumber("w", w);
  return {
    Wxh: matFrom([[1]]),
    Whh: matFrom([[w]]),
    bh: vecFrom([0]),
    Why: matFrom([[1]]),
    by: vecFrom([0]),
    activation: "tanh",
  };
}

/** The figure's network at one input: the output, its derivative by BPTT and the hidden states. */
export interface Figure3Sample {
  x: number;
  /** y = h(steps + 1). */
  y: number;
  /** dy/dx by BPTT: with L = y, dy/dx = z̄(1) Wxh, where z̄(1) = h̄(1) tanh′(z(1)). */
  dydx: number;
  /** h(1)..h(steps + 1). */
  hs: number[];
}

/**
 * y and dy/dx of the figure's network at input x, through rnnForward / rnnBackward with L = y (ȳ(T) = 1).
 * x enters only through z(1) = Wxh x, so dy/dx = z̄(1) Wxh with z̄(1) = h̄(1) tanh′(z(1)), h̄(1) from the
 * returned dhs (the input-weight gradient would be z̄(1) x, which is 0 at x = 0 and cannot be divided back).
 * @example figure3Network(0).dydx // 16 = 1 · 2⁴
 */
export function figure3Network(x: number, opts: Figure3Options = {}): Figure3Sample {
  checkFiniteNumber("x", x);
  const { w, steps } = options(opts);
  const p = figure3Params(w);
  const T = steps + 1;
  const xs: Vec[] = Array.from({ length: T }, (_, t) => vecFrom([t === 0 ? x : 0]));
  const trace = rnnForward(p, xs);
  const dys: Vec[] = Array.from({ length: T }, (_, t) => vecFrom([t === T - 1 ? 1 : 0]));
  const { dhs } = rnnBackward(p, xs, trace, dys);
  const h1 = trace.hs[1][0];
  const dydx = dhs[1][0] * (1 - h1 * h1) * p.Wxh.data[0];
  return { x, y: trace.ys[T - 1][0], dydx, hs: trace.hs.slice(1).map((h) => h[0]) };
}

/** Left panel: one step h ↦ tanh(w h) with the identity line and its fixed points. */
export interface Figure3Left {
  /** Rows {x: h(t−1), y: h(t) = tanh(w h(t−1))}. */
  step: { x: number; y: number }[];
  /** The dashed identity line y = x over the same range (two rows). */
  identity: { x: number; y: number }[];
  /** Roots of tanh(w a) = a with slopes w (1 − a²): for w = 2, −0.9575 (sink), 0 (source), 0.9575 (sink). */
  fixedPoints: ClassifiedFixedPoint[];
}

/**
 * The left panel of Figure 3: h(t) = tanh(w h(t−1)) against h(t−1) on `range` (default [−1.3, 1.3]).
 * @example figure3Left().fixedPoints.map((p) => p.kind) // ["sink", "source", "sink"]
 */
export function figure3Left(opts: Figure3Options = {}, range: Interval = [-1.3, 1.3], points = 261): Figure3Left {
  const { w } = options(opts);
  const [lo, hi] = checkInterval("range", range);
  const step = linspace(lo, hi, checkInt("points", points, 2)).map((h) => ({ x: h, y: Math.tanh(w * h) }));
  return { step, identity: [{ x: lo, y: lo }, { x: hi, y: hi }], fixedPoints: tanhUnitFixedPoints(w) };
}

/**
 * The right panel of Figure 3: y = h(steps + 1) against x on `domain` (default [−2, 2]) with dy/dx at
 * every x by BPTT.
 * @returns rows {x, y, dydx, hs}
 * @example figure3Right().find((r) => r.x === 0)!.dydx // 16
 */
export function figure3Right(opts: Figure3Options = {}, domain: Interval = [-2, 2], points = 401): Figure3Sample[] {
  const [lo, hi] = checkInterval("domain", domain);
  return linspace(lo, hi, checkInt("points", points, 2)).map((x) => figure3Network(x, opts));
}

/** An annotated point of the right panel. */
export interface Figure3Annotation {
  label: "explode" | "vanish";
  x: number;
  y: number;
  dydx: number;
}

/**
 * The figure's annotations: "explode" at x = 0 (dy/dx = 1 · w^steps · tanh′(0)^(steps+1) = 16) and
 * "vanish" on a plateau at x = vanishX (default −0.9, as in the notes).
 * @example figure3Annotations() // [{label: "explode", x: 0, dydx: 16, …}, {label: "vanish", x: -0.9, …}]
 */
export function figure3Annotations(opts: Figure3Options = {}, vanishX = -0.9): Figure3Annotation[] {
  assert(Number.isFinite(vanishX), () => `vanishX: expected a finite number, got ${vanishX}`);
  const at = (label: "explode" | "vanish", x: number): Figure3Annotation => {
    const s = figure3Network(x, opts);
    return { label, x, y: s.y, dydx: s.dydx };
  };
  return [at("explode", 0), at("vanish", vanishX)];
}
