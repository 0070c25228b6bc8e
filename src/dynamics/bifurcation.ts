/**
 * The single-unit RNN of Pascanu, Mikolov & Bengio (2013), Figure 3 (after Doya 1993):
 *
 *   x_t = w σ(x_{t−1}) + b,   σ the logistic sigmoid,   σ′ = σ (1 − σ) ≤ 1/4
 *
 * Fixed points solve x = w σ(x) + b and are stable where |w σ′(x)| < 1. For w > 4 the slope w σ′(x) exceeds 1
 * on |x| < x_sn, and saddle-node bifurcations happen where w σ′(x) = 1:
 *
 *   σ(x) = (1 ± √(1 − 4/w)) / 2,   b = x − w σ(x)
 *
 * For w = 5: x = ∓0.9624 and b₁ ≈ −2.344, b₂ ≈ −2.656, named as Pascanu et al.'s text names them, in the order
 * met as b decreases (the numbers are ours: the paper prints none). At b₁ a second, lower sink appears; at b₂ the
 * upper one disappears; two sinks (and a source between them) for b ∈ (b₂, b₁), one sink outside. Crossing a
 * bifurcation is neither necessary nor sufficient for a large ∂x_T/∂b (Pascanu et al. §2.2): from x₀ = 2 the
 * gradient spikes at b₂, where the state's attractor vanishes and it lingers near the old basin boundary, and
 * not at b₁, whose new basin is far from the state.
 */
import { assert, checkFiniteNumber, checkInt } from "../core/tensor";
import { sigmoid } from "../rnn/activation";
import { fixedPoints, type ClassifiedFixedPoint, type FixedPointKind } from "./fixedpoints";
import { checkFiniteAt, checkInterval, linspace, type Interval } from "./grid";
import type { ScalarMap } from "./iterated";

/**
 * The single unit as a map: f(x) = w σ(x) + b, f′(x) = w σ(x)(1 − σ(x)). Iterating it (iterateOnGrid) gives x_T
 * and ∂x_T/∂x₀ over a range of starts x₀, e.g. across a basin boundary.
 * @example sigmoidUnitMap(5, -2.5).fprime(0) // 1.25: the source between the two sinks
 */
export function sigmoidUnitMap(w: number, b: number): ScalarMap {
  checkFiniteNumber("w", w);
  checkFiniteNumber("b", b);
  return {
    f: (x) => w * sigmoid(x) + b,
    fprime: (x) => {
      const s = sigmoid(x);
      return w * s * (1 - s);
    },
  };
}

/**
 * The fixed points of x ↦ w σ(x) + b with slopes w σ′(x) and stability. They lie between b and b + w
 * (0 < σ < 1); the scan covers that interval widened by 1 on each side with 4001 points, so two roots
 * closer than about (|w| + 2)/4000, i.e. b within ~1e-7 of a bifurcation, can be missed.
 * @example fixedPointsOf(5, -2.5).map((p) => p.kind) // ["sink", "source", "sink"]
 */
export function fixedPointsOf(w: number, b: number): ClassifiedFixedPoint[] {
  const { f, fprime } = sigmoidUnitMap(w, b);
  return fixedPoints(f, fprime, [Math.min(b, b + w) - 1, Math.max(b, b + w) + 1], { gridPoints: 4001 });
}

/** A point of the bifurcation diagram. */
export interface BifurcationRow {
  b: number;
  /** A fixed point x∞ at this b. */
  x: number;
  stable: boolean;
  kind: FixedPointKind;
  /** w σ′(x∞). */
  slope: number;
}

/**
 * Every fixed point x∞ for `n` evenly spaced b in `bRange` (Pascanu et al. 2013, Figure 3 with w = 5).
 * @returns rows {b, x, stable, kind, slope}, b increasing, x increasing within a b
 * @example bifurcationPoints(5, [-4, -1], 301)
 */
export function bifurcationPoints(w: number, bRange: Interval, n: number): BifurcationRow[] {
  const [lo, hi] = checkInterval("bRange", bRange);
  checkInt("n", n, 2);
  return linspace(lo, hi, n).flatMap((b) =>
    fixedPointsOf(w, b).map((p) => ({ b, x: p.x, stable: p.stable, kind: p.kind, slope: p.slope })),
  );
}

/** A branch of fixed points for a line chart: NaN where the branch does not exist at that b. */
export interface FixedPointBranch {
  /** "lower" (x < −x_sn), "middle" (|x| < x_sn), "upper" (x > x_sn); "single" when w ≤ 4 (one fixed point). */
  name: "lower" | "middle" | "upper" | "single";
  /** The b values (shared by all branches). */
  param: number[];
  /** x∞(b), NaN where absent or of the other stability. */
  value: number[];
  stable: boolean;
}

/**
 * The bifurcation diagram as branches (the same fixed points as {@link bifurcationPoints}): for w > 4 the
 * fixed points fall into three regions split at ±x_sn (where w σ′(x) = 1): the lower and upper branches are
 * stable, the middle one unstable. Each branch is further split by stability so that every branch has one
 * style; branches with no points are left out.
 * @example bifurcationBranches(5, [-4, -1], 301).map((br) => br.name) // ["lower", "middle", "upper"]
 */
export function bifurcationBranches(w: number, bRange: Interval, n: number): FixedPointBranch[] {
  const rows = bifurcationPoints(w, bRange, n);
  const param = linspace(bRange[0], bRange[1], n);
  const xsn = w > 4 ? Math.abs(saddleNodeBifurcations(w)[0].x) : Infinity;
  const region = (x: number): FixedPointBranch["name"] =>
    !Number.isFinite(xsn) ? "single" : x < -xsn ? "lower" : x > xsn ? "upper" : "middle";
  const names: FixedPointBranch["name"][] = ["lower", "middle", "upper", "single"];
  const out: FixedPointBranch[] = [];
  for (const name of names) {
    for (const stable of [true, false]) {
      const value = param.map(() => NaN);
      let any = false;
      let k = 0;
      for (const r of rows) {
        while (param[k] !== r.b) k++;
        if (region(r.x) === name && r.stable === stable) {
          value[k] = r.x;
          any = true;
        }
      }
      if (any) out.push({ name, param, value, stable });
    }
  }
  return out;
}

/** A saddle-node bifurcation of x ↦ w σ(x) + b. */
export interface SaddleNode {
  /** The parameter value b where a sink and a source merge. */
  b: number;
  /** The state where they merge: w σ′(x) = 1. */
  x: number;
  /** σ(x) = (1 ± √(1 − 4/w)) / 2. */
  sigma: number;
}

/**
 * The two saddle-node bifurcations of x ↦ w σ(x) + b (w > 4): w σ′(x) = 1 ⇔ σ(x) = (1 ± √(1 − 4/w))/2,
 * x = ln(σ/(1 − σ)), b = x − w σ(x). In the order met as b decreases, as Pascanu et al. name them: for w = 5,
 * b₁ ≈ −2.344 (x ≈ −0.9624, where the lower branch is born) and b₂ ≈ −2.656 (x ≈ +0.9624, where the upper
 * branch dies).
 * @example saddleNodeBifurcations(5).map((s) => s.b) // [-2.343…, -2.655…]
 */
export function saddleNodeBifurcations(w: number): SaddleNode[] {
  checkFiniteNumber("w", w);
  assert(w > 4, () => `w: expected w > 4 (for w ≤ 4, w σ′ ≤ 1 everywhere and there is no bifurcation), got ${w}`);
  const r = Math.sqrt(1 - 4 / w);
  return [(1 + r) / 2, (1 - r) / 2]
    .map((sigma) => {
      const x = Math.log(sigma / (1 - sigma));
      return { b: x - w * sigma, x, sigma };
    })
    .sort((p, q) => q.b - p.b);
}

/** x_T and its derivatives for one b. */
export interface BifurcationGradientRow {
  b: number;
  /** x_T after T steps from x₀. */
  xT: number;
  /** ∂x_T/∂b, by the backward recursion. */
  dxT_db: number;
  /** ∂x_T/∂x₀, by the same recursion. */
  dxT_dx0: number;
}

/**
 * x_T and ∂x_T/∂b, ∂x_T/∂x₀ of x_t = w σ(x_{t−1}) + b after T steps from x₀, for n values of b in bRange,
 * by backpropagation through time:
 *
 *   x̄_T = 1,   b̄ = Σ_{t=1}^{T} x̄_t,   x̄_{t−1} = x̄_t w σ′(x_{t−1}),   ∂x_T/∂x₀ = x̄_0
 *
 * Starting above every unstable fixed point (default x₀ = 2 > x_sn), the state follows the upper branch while
 * it exists; just below b₂ it lingers near the ghost of the vanished fixed point and then drops to the lower
 * branch, so x_T changes abruptly with b there and |∂x_T/∂b| spikes, higher for larger T. At b₁, where the lower
 * branch is born far from the state, nothing happens.
 *
 * @throws NonFiniteError naming the step where the gradient overflowed
 * @example gradientAcrossBifurcation(5, [-2.9, -2.4], 501, 50)
 */
export function gradientAcrossBifurcation(w: number, bRange: Interval, n: number, T: number, x0 = 2): BifurcationGradientRow[] {
  checkFiniteNumber("w", w);
  const [lo, hi] = checkInterval("bRange", bRange);
  checkInt("n", n, 2);
  checkInt("T", T, 1);
  checkFiniteNumber("x0", x0);
  const xs = new Float64Array(T + 1);
  return linspace(lo, hi, n).map((b) => {
    xs[0] = x0;
    for (let t = 1; t <= T; t++) xs[t] = w * sigmoid(xs[t - 1]) + b;
    let xBar = 1;
    let bBar = 0;
    for (let t = T; t >= 1; t--) {
      bBar += xBar;
      const s = sigmoid(xs[t - 1]);
      xBar = checkFiniteAt("∂x_T/∂x_t", xBar * w * s * (1 - s), t - 1, `at b = ${b}`);
    }
    return { b, xT: xs[T], dxT_db: bBar, dxT_dx0: xBar };
  });
}
