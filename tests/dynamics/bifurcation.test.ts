import { describe, expect, it } from "vitest";
import { sigmoid } from "../../src/rnn/activation";
import { PASCANU_2013 } from "../../src/sources";
import {
  bifurcationBranches,
  bifurcationPoints,
  fixedPointsOf,
  gradientAcrossBifurcation,
  saddleNodeBifurcations,
  sigmoidUnitMap,
} from "../../src/dynamics/bifurcation";
import { iterateOnGrid } from "../../src/dynamics/iterated";

const fig = PASCANU_2013.figure3Bifurcation;
const w = fig.w;

describe("saddle-node bifurcations of x ↦ 5 σ(x) + b (Pascanu Fig. 3)", () => {
  const sn = saddleNodeBifurcations(w);

  it("b₁ ≈ −2.344 (x = −0.9624), then b₂ ≈ −2.656 (x = +0.9624): the order met as b decreases", () => {
    expect(sn.map((s) => s.b)).toHaveLength(2);
    expect(fig.bifurcationLabels).toEqual(["b₁", "b₂"]);
    sn.forEach((s, i) => expect(s.b).toBeCloseTo(fig.bifurcations[i], 3));
    sn.forEach((s, i) => expect(s.x).toBeCloseTo(fig.saddleNodeX[i], 4));
    expect(sn[0].b).toBeGreaterThan(sn[1].b);
  });

  it("each is a fixed point with slope w σ′(x) = 1 (the defining conditions)", () => {
    for (const s of sn) {
      expect(w * sigmoid(s.x) + s.b).toBeCloseTo(s.x, 13);
      expect(w * sigmoid(s.x) * (1 - sigmoid(s.x))).toBeCloseTo(1, 13);
    }
  });

  it("refuses w ≤ 4, where w σ′ ≤ 1 everywhere", () => {
    expect(() => saddleNodeBifurcations(4)).toThrow(/w: expected w > 4/);
  });
});

describe("fixedPointsOf and the diagram", () => {
  const [b1, b2] = saddleNodeBifurcations(w).map((s) => s.b);

  it("three fixed points (sink, source, sink) between b₂ and b₁, one sink outside", () => {
    expect(fixedPointsOf(w, (b1 + b2) / 2).map((p) => p.kind)).toEqual(["sink", "source", "sink"]);
    // Above b₁ only the upper sink; below b₂ only the lower one.
    expect(fixedPointsOf(w, b1 + 0.05).map((p) => [p.kind, Math.sign(p.x)])).toEqual([["sink", 1]]);
    expect(fixedPointsOf(w, b2 - 0.05).map((p) => [p.kind, Math.sign(p.x)])).toEqual([["sink", -1]]);
    // At b = −w/2 the map is odd about 0: 5σ(0) − 2.5 = 0, so 0 is the middle fixed point.
    expect(Math.abs(fixedPointsOf(w, -2.5)[1].x)).toBeLessThan(1e-14);
  });

  it("every row is a fixed point with slope w σ′(x), stable iff |slope| < 1", () => {
    const rows = bifurcationPoints(w, [-4, -1], 61);
    for (const r of rows) {
      expect(w * sigmoid(r.x) + r.b).toBeCloseTo(r.x, 12);
      expect(r.slope).toBeCloseTo(w * sigmoid(r.x) * (1 - sigmoid(r.x)), 14);
      expect(r.stable).toBe(Math.abs(r.slope) < 1);
    }
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.b, (counts.get(r.b) ?? 0) + 1);
    for (const [b, c] of counts) expect(c).toBe(b > b2 && b < b1 ? 3 : 1);
  });

  it("branches: lower and upper stable, middle unstable, with NaN where absent", () => {
    const br = bifurcationBranches(w, [-4, -1], 61);
    expect(br.map((b) => [b.name, b.stable])).toEqual([["lower", true], ["middle", false], ["upper", true]]);
    const lower = br[0];
    lower.param.forEach((b, k) => expect(Number.isNaN(lower.value[k])).toBe(b > b1));
  });

  it("w ≤ 4 gives one stable branch", () => {
    const br = bifurcationBranches(3, [-3, 0], 11);
    expect(br).toHaveLength(1);
    expect(br[0].name).toBe("single");
    expect(br[0].value.every(Number.isFinite)).toBe(true);
  });
});

describe("from x₀ = 2, crossing b₂ makes ∂x_T/∂b explode, crossing b₁ does not", () => {
  const [b1, b2] = saddleNodeBifurcations(w).map((s) => s.b);
  const peak = (T: number) => {
    const rows = gradientAcrossBifurcation(w, [-2.9, -2.4], 4001, T);
    return rows.reduce((a, r) => (Math.abs(r.dxT_db) > Math.abs(a.dxT_db) ? r : a));
  };

  it("matches forward-mode differentiation and central differences", () => {
    const T = 30;
    const rows = gradientAcrossBifurcation(w, [-2.8, -2.5], 7, T);
    const run = (b: number, x0: number) => {
      let x = x0;
      let dxdb = 0; // forward mode: d x_t/db = w σ′(x_{t−1}) d x_{t−1}/db + 1
      let dxdx0 = 1;
      for (let t = 1; t <= T; t++) {
        const s = sigmoid(x);
        dxdb = w * s * (1 - s) * dxdb + 1;
        dxdx0 = w * s * (1 - s) * dxdx0;
        x = w * s + b;
      }
      return { x, dxdb, dxdx0 };
    };
    for (const r of rows) {
      const f = run(r.b, 2);
      expect(r.xT).toBe(f.x);
      expect(r.dxT_db).toBeCloseTo(f.dxdb, 9);
      expect(r.dxT_dx0).toBeCloseTo(f.dxdx0, 12);
      const eps = 1e-7;
      const fd = (run(r.b + eps, 2).x - run(r.b - eps, 2).x) / (2 * eps);
      expect(Math.abs(r.dxT_db - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it("|∂x_T/∂b| peaks just below b₂, closer to it and higher as T grows", () => {
    const peaks = [25, 50, 100].map(peak);
    for (const p of peaks) {
      expect(p.b).toBeLessThan(b2);
      expect(b2 - p.b).toBeLessThan(0.06);
    }
    expect(b2 - peaks[1].b).toBeLessThan(b2 - peaks[0].b);
    expect(b2 - peaks[2].b).toBeLessThan(b2 - peaks[1].b);
    expect(Math.abs(peaks[1].dxT_db)).toBeGreaterThan(2 * Math.abs(peaks[0].dxT_db));
    expect(Math.abs(peaks[2].dxT_db)).toBeGreaterThan(2 * Math.abs(peaks[1].dxT_db));
    // Far from the bifurcation, on the upper branch, the gradient is the steady 1 / (1 − w σ′(x∞)).
    const far = gradientAcrossBifurcation(w, [-1.5, -1], 2, 100)[0];
    const s = sigmoid(far.xT);
    expect(far.dxT_db).toBeCloseTo(1 / (1 - w * s * (1 - s)), 8);
  });

  it("stays small across b₁, where the new (lower) basin is far from the state: no spike", () => {
    const near = gradientAcrossBifurcation(w, [b1 - 0.02, b1 + 0.02], 401, 100);
    expect(Math.max(...near.map((r) => Math.abs(r.dxT_db)))).toBeLessThan(3);
  });
});

describe("sigmoidUnitMap: a state near a basin boundary, with no bifurcation crossed", () => {
  it("is w σ(x) + b with slope w σ′(x); at b = −2.5 the source is x = 0 with slope 5/4", () => {
    const m = sigmoidUnitMap(5, -2.5);
    expect(m.f(0)).toBe(0);
    expect(m.fprime(0)).toBe(1.25);
    expect(m.f(1.3)).toBeCloseTo(5 * sigmoid(1.3) - 2.5, 15);
    expect(() => sigmoidUnitMap(NaN, 0)).toThrow(/w/);
  });

  it("∂x_T/∂x₀ grows as x₀ approaches the source between the basins (fixed b = −2.5)", () => {
    const { f, fprime } = sigmoidUnitMap(5, -2.5);
    const slope = (x0: number) => Math.abs(iterateOnGrid(f, fprime, 100, [x0 - 1e-12, x0], 2)[1].dydx);
    const [far, mid, near] = [1e-1, 1e-6, 1e-12].map(slope);
    expect(far).toBeLessThan(1e-10);
    expect(mid).toBeGreaterThan(1e3 * far);
    expect(near).toBeGreaterThan(1e3 * mid);
    expect(slope(0)).toBeCloseTo(1.25 ** 100, -3); // at the source itself every factor is 5/4
  });
});
