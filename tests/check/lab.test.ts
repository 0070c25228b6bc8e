import { describe, expect, it } from "vitest";
import { shortestFailingT } from "../../src/check/lab";
import type { CompareRow } from "../../src/train/compare";

// A stand-in for training: succeeds below T = 40. The check's logic is what is tested here; the lab notebook's
// instructor edition runs it on real training (tests/notebooks.test.ts, check cell check-ex3).
const calls: number[] = [];
const run = (T: number) => {
  calls.push(T);
  return { name: "IRNN", success: T < 40, metric: "error", evalValue: T < 40 ? 0 : 0.5 } as unknown as CompareRow;
};

describe("check.lab.shortestFailingT", () => {
  it("✓ at the first failing grid length (±2), checking it and the length below", () => {
    calls.length = 0;
    expect(shortestFailingT(40, run).ok).toBe(true);
    expect(calls).toEqual([40, 35]);
    expect(shortestFailingT(38, run).ok).toBe(true);
    expect(shortestFailingT(42, run).ok).toBe(true);
  });
  it("hints: still succeeds, already fails shorter, off the grid, no answer", () => {
    expect(shortestFailingT(35, run).message).toMatch(/still succeeds at T = 35.*longer T/);
    expect(shortestFailingT(45, run).message).toMatch(/already fails at T = 40.*shorter T/);
    expect(shortestFailingT(37.5, run).message).toMatch(/not within ±2/);
    expect(shortestFailingT(NaN, run).message).toMatch(/did the search find one/);
  });
  it("the shortest length tried needs no run below it", () => {
    const always = (T: number) => ({ name: "clipped", success: false, metric: "error", evalValue: 0.5 + T * 0 }) as unknown as CompareRow;
    expect(shortestFailingT(20, always).message).toMatch(/fails at T = 20 \(the shortest length tried\)/);
  });
});
