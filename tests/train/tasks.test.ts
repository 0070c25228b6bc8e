import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random";
import { vecFrom, type Vec } from "../../src/core/tensor";
import { PASCANU_2013 } from "../../src/sources";
import { addingProblem, copyTask, getTask, temporalOrder, temporalOrderClass } from "../../src/train/tasks";

const argmax = (v: Vec) => v.indexOf(Math.max(...v));

describe("adding problem", () => {
  const T = 50;
  const set = addingProblem.generate(createRng(1), 300, T);

  it("two channels, exactly two markers in the documented ranges, target = sum of the marked values at the last step", () => {
    for (const ex of set) {
      expect(ex.xs).toHaveLength(T);
      expect(ex.xs.every((x) => x.length === 2 && x[0] >= 0 && x[0] < 1 && (x[1] === 0 || x[1] === 1))).toBe(true);
      const marked = ex.xs.flatMap((x, t) => (x[1] === 1 ? [t] : []));
      expect(marked).toHaveLength(2);
      expect(marked[0]).toBeLessThan(5); // [0, ⌊T/10⌋)
      expect(marked[1]).toBeGreaterThanOrEqual(5); // [⌊T/10⌋, ⌊T/10⌋ + ⌊4T/10⌋)
      expect(marked[1]).toBeLessThan(25);
      expect(ex.targets.slice(0, T - 1).every((t) => t === null)).toBe(true);
      expect(ex.targets[T - 1]![0]).toBe(ex.xs[marked[0]][0] + ex.xs[marked[1]][0]);
    }
  });

  it("is deterministic by seed and differs across seeds", () => {
    const again = addingProblem.generate(createRng(1), 300, T);
    expect(again[123].xs[7][0]).toBe(set[123].xs[7][0]);
    expect(again[123].targets[T - 1]![0]).toBe(set[123].targets[T - 1]![0]);
    expect(addingProblem.generate(createRng(2), 1, T)[0].xs[0][0]).not.toBe(set[0].xs[0][0]);
  });

  it("baseline: predicting 1 gives MSE E[(a + b − 1)²] = Var a + Var b = 1/12 + 1/12 = 1/6", () => {
    expect(addingProblem.baseline.value).toBeCloseTo(1 / 6, 15);
    const big = addingProblem.generate(createRng(5), 10000, 10);
    const score = addingProblem.evaluate((xs) => xs.map(() => vecFrom([1])), big);
    // (a + b − 1) is triangular on [−1, 1]: Var of its square is 1/15 − 1/36 ≈ 0.039, so SE ≈ 0.002 at n = 10000 (the bound is 4 SE).
    expect(score.value).toBeGreaterThan(1 / 6 - 0.008);
    expect(score.value).toBeLessThan(1 / 6 + 0.008);
    expect(score.count).toBe(10000);
    expect(score.success).toBe(false);
  });

  it("success is MSE < 0.04 from the sources; an oracle that reads the markers succeeds", () => {
    expect(addingProblem.success.threshold).toBe(PASCANU_2013.regressionTaskSuccess.squaredErrorBelow);
    expect(addingProblem.success.threshold).toBe(0.04);
    const oracle = (xs: Vec[]) => {
      const s = xs.reduce((acc, x) => acc + x[0] * x[1], 0);
      return xs.map(() => vecFrom([s]));
    };
    const score = addingProblem.evaluate(oracle, set);
    expect(score.value).toBe(0);
    expect(score.success).toBe(true);
  });

  it("rejects too-short sequences and wrongly shaped predictions, naming them", () => {
    expect(() => addingProblem.generate(createRng(0), 1, 9)).toThrow(/T: expected an integer ≥ 10, got 9/);
    expect(() => addingProblem.evaluate((xs) => xs.slice(1), set)).toThrow(/expected 50 outputs/);
    expect(addingProblem.generate(createRng(0), 0, 10)).toEqual([]);
  });
});

describe("temporal order", () => {
  const T = 60;
  const set = temporalOrder.generate(createRng(3), 4000, T);

  it("one-hot over 6 symbols, exactly one A/B in [⌊T/10⌋, 2⌊T/10⌋) and one in [⌊T/2⌋, ⌊T/2⌋ + ⌊T/10⌋), label = first + 2·second", () => {
    for (const ex of set.slice(0, 100)) {
      const symbols = ex.xs.map((x) => {
        expect(x.reduce((s, v) => s + v, 0)).toBe(1);
        return argmax(x);
      });
      const relevant = symbols.flatMap((s, t) => (s < 2 ? [t] : []));
      expect(relevant).toHaveLength(2);
      expect(relevant[0]).toBeGreaterThanOrEqual(6);
      expect(relevant[0]).toBeLessThan(12);
      expect(relevant[1]).toBeGreaterThanOrEqual(30);
      expect(relevant[1]).toBeLessThan(36);
      expect(ex.labels[T - 1]).toBe(symbols[relevant[0]] + 2 * symbols[relevant[1]]);
      expect(ex.labels.slice(0, T - 1).every((l) => l === null)).toBe(true);
    }
    expect(temporalOrderClass(1, 0)).toBe(1);
  });

  it("the four classes are roughly balanced (each 1/4 ± 0.03 over 4000 sequences, ≈ 4.4 standard errors)", () => {
    const counts = [0, 0, 0, 0];
    for (const ex of set) counts[ex.labels[T - 1]!]++;
    for (const c of counts) expect(Math.abs(c / set.length - 0.25)).toBeLessThan(0.03);
  });

  it("baseline error rate 0.75; an oracle has error 0 and meets the < 1% criterion from the sources", () => {
    expect(temporalOrder.baseline.value).toBe(0.75);
    expect(temporalOrder.success.threshold).toBe(PASCANU_2013.temporalOrder.successErrorRate);
    const constant = temporalOrder.evaluate((xs) => xs.map(() => vecFrom([1, 0, 0, 0])), set);
    expect(Math.abs(constant.value - 0.75)).toBeLessThan(0.03);
    expect(constant.success).toBe(false);
    const oracle = (xs: Vec[]) => {
      const rel = xs.map(argmax).filter((s) => s < 2);
      const y = new Float64Array(4);
      y[rel[0] + 2 * rel[1]] = 1;
      return xs.map(() => y);
    };
    const score = temporalOrder.evaluate(oracle, set);
    expect(score).toEqual({ metric: "errorRate", value: 0, success: true, count: 4000 });
  });

  it("NaN outputs count as wrong, not as class 0", () => {
    const nan = temporalOrder.evaluate((xs) => xs.map(() => vecFrom([NaN, NaN, NaN, NaN])), set.slice(0, 10));
    expect(nan.value).toBe(1);
  });
});

describe("copy task", () => {
  const task = copyTask({ symbols: 4, length: 3 });
  const T = 12;
  const set = task.generate(createRng(4), 200, T);

  it("k symbols, blanks, the delimiter at T − k − 1, then the same k symbols as labels", () => {
    expect([task.inputSize, task.outputSize, task.minLength]).toEqual([6, 4, 7]);
    for (const ex of set) {
      const s = ex.xs.map(argmax);
      expect(s.slice(3, T - 4).every((x) => x === 4)).toBe(true); // blanks
      expect(s[T - 4]).toBe(5); // delimiter
      expect(s.slice(T - 3).every((x) => x === 4)).toBe(true);
      expect(ex.labels.slice(T - 3)).toEqual(s.slice(0, 3));
      expect(ex.labels.slice(0, T - 3).every((l) => l === null)).toBe(true);
    }
  });

  it("baseline 1/K; an oracle gets accuracy 1 and meets our ≥ 99% criterion", () => {
    expect(task.baseline.value).toBe(0.25);
    const oracle = (xs: Vec[]) => {
      const s = xs.map(argmax);
      return xs.map((_, t) => {
        const y = new Float64Array(4);
        if (t >= T - 3) y[s[t - (T - 3)]] = 1;
        return y;
      });
    };
    expect(task.evaluate(oracle, set)).toEqual({ metric: "symbolAccuracy", value: 1, success: true, count: 600 });
    expect(task.evaluate({ predict: (xs) => xs.map(() => vecFrom([0, 0, 1, 0])) }, set).success).toBe(false);
    expect(() => task.generate(createRng(0), 1, 6)).toThrow(/T: expected an integer ≥ 7, got 6/);
    expect(() => getTask("nope" as "copy")).toThrow(/name: expected/);
  });
});
