import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { GROSSE_2017 } from "../../src/sources";
import { cobweb, figure2LogisticMap, iterate, iterateOnGrid, logisticMap, quadraticMap } from "../../src/dynamics/iterated";
import { fixedPoints, classifySlope, bisectRoot } from "../../src/dynamics/fixedpoints";
import { linspace } from "../../src/dynamics/grid";

describe("iterate and iterateOnGrid", () => {
  it("composes f n times; n = 0 is the identity", () => {
    const f = (x: number) => 2 * x + 1;
    expect(iterate(f, 3)(1)).toBe(15); // 1 → 3 → 7 → 15
    expect(iterate(f, 0)(0.3)).toBe(0.3);
  });

  it("gives f^n and d f^n/dx along the orbit, checked against central differences", () => {
    const { f, fprime } = logisticMap(3.5);
    const rows = iterateOnGrid(f, fprime, 6, [0, 1], 101);
    const f6 = iterate(f, 6);
    const eps = 1e-7;
    for (const r of rows) {
      expect(r.y).toBe(f6(r.x));
      if (r.x < eps || r.x > 1 - eps) continue;
      const fd = (f6(r.x + eps) - f6(r.x - eps)) / (2 * eps);
      expect(Math.abs(r.dydx - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
  });

  it("the logistic map's derivative at 0 is r^n (0 is a fixed point with f′(0) = r)", () => {
    const { f, fprime } = logisticMap(3.5);
    expect(iterateOnGrid(f, fprime, 6, [0, 1], 3)[0].dydx).toBeCloseTo(3.5 ** 6, 9);
  });

  it("Figure 2: panels n = 1, 2, 3, 6; the 6-fold map is much steeper than f", () => {
    const panels = figure2LogisticMap(GROSSE_2017.figure2LogisticMap.r, GROSSE_2017.figure2LogisticMap.iterations);
    expect(panels.map((p) => p.n)).toEqual([1, 2, 3, 6]);
    const maxSlope = (k: number) => Math.max(...panels[k].samples.map((s) => Math.abs(s.dydx)));
    expect(maxSlope(0)).toBeCloseTo(3.5, 12); // |f′| = 3.5 |1 − 2x| ≤ 3.5, reached at the ends
    expect(maxSlope(3)).toBeGreaterThan(100);
  });

  it("reports an overflowing orbit with its iteration", () => {
    const { f, fprime } = quadraticMap(0.15);
    try {
      iterateOnGrid(f, fprime, 20, [0, 10], 3);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteError);
      expect((e as NonFiniteError).step).toBeGreaterThan(1);
    }
    expect(() => iterateOnGrid(f, fprime, 2, [1, 0], 3)).toThrow(/domain: expected a finite interval/);
  });
});

describe("cobweb of x² + 0.15 from 0.6 (Grosse §2.2)", () => {
  const { c, x0 } = GROSSE_2017.cobweb;
  const web = cobweb(quadraticMap(c).f, x0, 30);

  it("iterates are the orbit and the path alternates curve and identity vertices", () => {
    expect(web.iterates.slice(0, 3)).toEqual([0.6, 0.6 * 0.6 + 0.15, (0.6 * 0.6 + 0.15) ** 2 + 0.15]);
    expect(web.path).toHaveLength(61);
    expect(web.path[0]).toEqual({ x: 0.6, y: 0.6 });
    expect(web.path[1]).toEqual({ x: 0.6, y: web.iterates[1] });
    expect(web.path[2]).toEqual({ x: web.iterates[1], y: web.iterates[1] });
  });

  it("falls to the sink (1 − √0.4)/2", () => {
    expect(web.iterates[30]).toBeCloseTo((1 - Math.sqrt(0.4)) / 2, 10);
  });

  it("an orbit from beyond the source overflows with a NonFiniteError", () => {
    expect(() => cobweb(quadraticMap(c).f, 2, 20)).toThrow(NonFiniteError);
  });
});

describe("fixedPoints", () => {
  const { f, fprime } = quadraticMap(0.15);
  const fps = fixedPoints(f, fprime, [0, 1]);

  it("x² + 0.15: sink (1 − √0.4)/2 and source (1 + √0.4)/2, to 1e-14", () => {
    expect(fps).toHaveLength(2);
    expect(Math.abs(fps[0].x - (1 - Math.sqrt(0.4)) / 2)).toBeLessThan(1e-14);
    expect(Math.abs(fps[1].x - (1 + Math.sqrt(0.4)) / 2)).toBeLessThan(1e-14);
    expect(fps.map((p) => p.kind)).toEqual(["sink", "source"]);
    expect(fps[0].slope).toBeCloseTo(1 - Math.sqrt(0.4), 13); // f′ = 2x
  });

  it("agrees with the source's 0.1838 / 0.8162 to 4 decimals; the notes' label 0.17 is off", () => {
    const src = GROSSE_2017.cobweb.fixedPoints;
    expect(fps[0].x).toBeCloseTo(src[0].x, 4);
    expect(fps[1].x).toBeCloseTo(src[1].x, 4);
    expect(Math.abs(fps[0].x - src[0].printedLabel!)).toBeGreaterThan(0.01);
  });

  it("finds a root sitting exactly on a grid point once", () => {
    const r = fixedPoints((x) => 2 * x, () => 2, [-1, 1], { gridPoints: 11 });
    expect(r).toEqual([{ x: 0, slope: 2, kind: "source", stable: false }]);
  });

  it("classifies |f′| = 1 as neutral, and handles a map without fixed points", () => {
    expect(classifySlope(-1)).toBe("neutral");
    expect(classifySlope(0.999)).toBe("sink");
    expect(fixedPoints((x) => x + 1, () => 1, [0, 1])).toEqual([]);
  });

  it("bisectRoot refuses a bracket without a sign change, and bad inputs are named", () => {
    expect(() => bisectRoot((x) => x * x + 1, -1, 1)).toThrow(/opposite signs/);
    expect(() => fixedPoints((x) => NaN, () => 0, [0, 1])).toThrow(/f: expected finite values/);
    expect(() => linspace(0, 1, 1)).toThrow(/n: expected an integer ≥ 2/);
  });
});
