/**
 * Loss landscapes with cliffs (Pascanu, Mikolov & Bengio 2013, Figure 6; Goodfellow et al., Deep Learning,
 * as shown in Grosse 2017, §3.1). The single-unit RNN
 *
 *   x_t = w σ(x_{t−1}) + b,   x₀ = 0.5,   E(w, b) = (σ(x₅₀) − 0.7)²
 *
 * has a steep wall in the (w, b) plane where x₅₀ switches between the branches of its bifurcation diagram.
 * A gradient step taken on the wall is huge and throws the parameters far away; a step clipped by norm
 * (g ← η g / ‖g‖ when ‖g‖ > η) stays short.
 */
import { assert, checkFiniteNumber, checkInt, describe } from "../core/tensor";
import { sigmoid } from "../rnn/activation";
import { checkFiniteAt, checkInterval, linspace, type Interval } from "./grid";

/** A loss value and its gradient with respect to two parameters (w, b). */
export interface LossAndGrad2 {
  loss: number;
  /** [∂E/∂w, ∂E/∂b]. */
  grad: [number, number];
}

/** The set-up of Pascanu et al.'s Figure 6 (defaults: the paper's). */
export interface CliffOptions {
  /** x₀ (default 0.5). */
  x0?: number;
  /** T (default 50). */
  steps?: number;
  /** The target of σ(x_T) (default 0.7). */
  target?: number;
}

/**
 * E(w, b) = (σ(x_T) − target)² for x_t = w σ(x_{t−1}) + b (Pascanu et al. 2013, Figure 6), with its exact
 * gradient by backpropagation through time:
 *
 *   x̄_T = 2 (σ(x_T) − target) σ′(x_T)
 *   for t = T..1:  w̄ += x̄_t σ(x_{t−1}),  b̄ += x̄_t,  x̄_{t−1} = x̄_t w σ′(x_{t−1})
 *
 * @returns {loss, grad: [∂E/∂w, ∂E/∂b], xT}
 * @throws NonFiniteError naming the step where the backward pass overflowed
 * @example pascanuCliffLoss(4, -2).loss
 */
export function pascanuCliffLoss(w: number, b: number, opts: CliffOptions = {}): LossAndGrad2 & { xT: number } {
  checkFiniteNumber("w", w);
  checkFiniteNumber("b", b);
  const x0 = checkFiniteNumber("opts.x0", opts.x0 ?? 0.5);
  const T = checkInt("opts.steps", opts.steps ?? 50, 1);
  const target = checkFiniteNumber("opts.target", opts.target ?? 0.7);
  const s = new Float64Array(T + 1); // s[t] = σ(x_t)
  let x = x0;
  s[0] = sigmoid(x0);
  for (let t = 1; t <= T; t++) {
    x = w * s[t - 1] + b;
    s[t] = sigmoid(x);
  }
  const err = s[T] - target;
  let xBar = 2 * err * s[T] * (1 - s[T]);
  let wBar = 0;
  let bBar = 0;
  for (let t = T; t >= 1; t--) {
    wBar += xBar * s[t - 1];
    bBar += xBar;
    xBar = checkFiniteAt("∂E/∂x_t", xBar * w * s[t - 1] * (1 - s[t - 1]), t - 1, `at w = ${w}, b = ${b}`);
  }
  return { loss: err * err, grad: [wBar, bBar], xT: x };
}

/** A loss sampled on a grid, in both shapes a chart may want. */
export interface LossSurface {
  /** The w coordinates (columns), increasing. */
  w: number[];
  /** The b coordinates (rows), increasing. */
  b: number[];
  /** loss[j][i] = E(w[i], b[j]). */
  loss: number[][];
  /** The same values as rows {w, b, loss}, b-major. */
  rows: { w: number; b: number; loss: number }[];
}

/**
 * E(w, b) on an n × n grid (or nW × nB when `n` is a pair) over wRange × bRange.
 * @param fn the loss, e.g. `(w, b) => pascanuCliffLoss(w, b).loss`
 * @example lossSurface((w, b) => pascanuCliffLoss(w, b).loss, CLIFF_W_RANGE, CLIFF_B_RANGE, 81)
 */
export function lossSurface(
  fn: (w: number, b: number) => number,
  wRange: Interval,
  bRange: Interval,
  n: number | readonly [number, number],
): LossSurface {
  assert(typeof fn === "function", () => `fn: expected a function (w, b) => loss, got ${describe(fn)}`);
  const [nw, nb] = typeof n === "number" ? [n, n] : n;
  const ws = linspace(...checkInterval("wRange", wRange), checkInt("n (w)", nw, 2));
  const bs = linspace(...checkInterval("bRange", bRange), checkInt("n (b)", nb, 2));
  const rows: LossSurface["rows"] = [];
  const loss = bs.map((b) =>
    ws.map((w) => {
      const l = fn(w, b);
      rows.push({ w, b, loss: l });
      return l;
    }),
  );
  return { w: ws, b: bs, loss, rows };
}

/** One iterate of gradient descent. */
export interface DescentStep {
  /** 0 for the start. */
  step: number;
  w: number;
  b: number;
  loss: number;
  /** ‖∇E‖ at (w, b), before any transform. */
  gradNorm: number;
  /** The length of the step taken from here (0 at the last row). */
  stepLength: number;
}

/**
 * Gradient descent on two parameters: θ ← θ − lr · transform(∇E(θ)), `steps` times from `start`.
 * `transform` rewrites the gradient before the step, e.g. a clip by norm g ← min(1, η/‖g‖) g (pass the one
 * from the remedies module; identity when omitted, i.e. plain gradient descent).
 *
 * @returns steps + 1 rows {step, w, b, loss, gradNorm, stepLength}
 * @throws NonFiniteError naming the step where the loss or gradient became non-finite
 * @example
 * const clip = (g: [number, number]): [number, number] => { const n = Math.hypot(g[0], g[1]); return n > 1 ? [g[0] / n, g[1] / n] : g; };
 * descentPath((w, b) => pascanuCliffLoss(w, b), CLIFF_START, CLIFF_LR, 10, clip)
 */
export function descentPath(
  lossGrad: (w: number, b: number) => LossAndGrad2,
  start: readonly [number, number],
  lr: number,
  steps: number,
  transform?: (g: [number, number]) => [number, number],
): DescentStep[] {
  assert(typeof lossGrad === "function", () => `lossGrad: expected a function (w, b) => {loss, grad}, got ${describe(lossGrad)}`);
  assert(
    Array.isArray(start) && start.length === 2 && start.every(Number.isFinite),
    () => `start: expected a finite pair [w, b], got ${Array.isArray(start) ? `[${start.join(", ")}]` : describe(start)}`,
  );
  checkFiniteNumber("lr", lr);
  checkInt("steps", steps);
  assert(transform === undefined || typeof transform === "function", () => `transform: expected a function g => g′, got ${describe(transform)}`);
  let [w, b] = start;
  const rows: DescentStep[] = [];
  for (let k = 0; k <= steps; k++) {
    const { loss, grad } = lossGrad(w, b);
    checkFiniteAt("loss", loss, k, `at w = ${w}, b = ${b}`);
    checkFiniteAt("‖∇E‖", Math.hypot(grad[0], grad[1]), k, `at w = ${w}, b = ${b}`);
    const row: DescentStep = { step: k, w, b, loss, gradNorm: Math.hypot(grad[0], grad[1]), stepLength: 0 };
    rows.push(row);
    if (k === steps) break;
    const g = transform ? transform([grad[0], grad[1]]) : grad;
    assert(Array.isArray(g) && g.length === 2, () => `transform: expected it to return a pair [gw, gb], got ${describe(g)}`);
    const dw = -lr * g[0];
    const db = -lr * g[1];
    row.stepLength = Math.hypot(dw, db);
    w = checkFiniteAt("w", w + dw, k + 1);
    b = checkFiniteAt("b", b + db, k + 1);
  }
  return rows;
}

/** Derivatives of the linear recurrence x_t = w x_{t−1}. */
export interface LinearRecurrenceDerivatives {
  /** x_t = w^t x₀. */
  x: number;
  /** ∂x_t/∂w = t x₀ w^(t−1). */
  dx_dw: number;
  /** ∂²x_t/∂w² = t (t − 1) x₀ w^(t−2). */
  d2x_dw2: number;
}

/**
 * The linear case of Pascanu et al. (2013), §3: for x_t = w x_{t−1}, x_t = w^t x₀ and
 *
 *   ∂x_t/∂w = t x₀ w^(t−1),   ∂²x_t/∂w² = t (t − 1) x₀ w^(t−2),
 *
 * so the curvature grows with the gradient (ratio (t − 1)/w): where the gradient explodes, the surface bends
 * sharply too, a wall rather than a steady slope.
 * @example linearRecurrenceDerivatives(1.1, 1, 50).dx_dw // 50 · 1.1^49
 */
export function linearRecurrenceDerivatives(w: number, x0: number, t: number): LinearRecurrenceDerivatives {
  checkFiniteNumber("w", w);
  checkFiniteNumber("x0", x0);
  checkInt("t", t);
  return {
    x: x0 * w ** t,
    dx_dw: t === 0 ? 0 : t * x0 * w ** (t - 1),
    d2x_dw2: t < 2 ? 0 : t * (t - 1) * x0 * w ** (t - 2),
  };
}

/**
 * Our choices for drawing Pascanu et al.'s Figure 6 (the paper does not give its axis ranges or start point;
 * these are ours, picked by scanning the surface):
 * - wRange × bRange = [3, 9] × [−6, 6] shows the wall, running diagonally from about (4, −2) to (9, −5.1)
 *   (for w < 4 there is no bifurcation and the surface is smooth), between a plateau E ≈ 0.4 (σ(x₅₀) near 0,
 *   lower left) and a narrow valley E ≈ 0 just above it that rises to E ≈ 0.09 (σ(x₅₀) near 1) to the upper
 *   right, and the point where the unclipped path lands.
 * - From start = (4.25, −2.5) with lr = 1, plain gradient descent climbs off the plateau, walks along the
 *   valley and at step 5 lands on the wall, where ‖∇E‖ ≈ 8: the step throws it ≈ 8 units away to
 *   (7.76, 5.01) on the far plateau, where ‖∇E‖ ≈ 0 and it stays. Clipping at η = 0.5 (≈ 3× the typical ‖∇E‖
 *   ≈ 0.15 on the path, inside Pascanu et al.'s heuristic of 0.5–10× the average norm) takes a step of 0.5
 *   there and stays in the valley.
 */
export const CLIFF_DEMO = {
  wRange: [3, 9] as Interval,
  bRange: [-6, 6] as Interval,
  start: [4.25, -2.5] as [number, number],
  lr: 1,
  clipThreshold: 0.5,
  steps: 12,
} as const;
