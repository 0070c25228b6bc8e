import * as path from "path";
import { describe, expect, it } from "vitest";
import { parallelMap } from "../../src/core/parallel";
import { gradNormCurve, type SweepItem } from "../../src/bench/sweep";

const mod = path.resolve(__dirname, "../../src/bench/sweep.ts");
const items: SweepItem[] = [0.5, 1, 1.5, 2, 3].map((w) => ({ w, hidden: 8, steps: 20, seed: 1 }));

describe("parallelMap", () => {
  it("equals the serial map, in order (workers load the TypeScript module themselves)", async () => {
    const got = await parallelMap<SweepItem, number[]>(items, { module: mod, name: "gradNormCurve" }, { workers: 2 });
    expect(got).toEqual(items.map((it) => gradNormCurve(it)));
  }, 60_000);

  it("propagates a worker's error with the item index and message", async () => {
    const bad = [...items, { w: -1, hidden: 8, steps: 5, seed: 1 }];
    await expect(parallelMap(bad, { module: mod, name: "failingCurve" }, { workers: 2 })).rejects.toThrow(
      /failingCurve\(items\[5\]\) threw in a worker: w must be ≥ 0, got -1/,
    );
  }, 60_000);

  it("names a missing export", async () => {
    await expect(parallelMap(items, { module: mod, name: "noSuchFn" }, { workers: 2 })).rejects.toThrow(/noSuchFn/);
  }, 60_000);

  it("runs serially with workers: 1 and returns [] for no items", async () => {
    expect(await parallelMap<SweepItem, number[]>(items.slice(0, 2), { module: mod, name: "gradNormCurve" }, { workers: 1 })).toEqual(
      items.slice(0, 2).map((it) => gradNormCurve(it)),
    );
    expect(await parallelMap([], { module: mod, name: "gradNormCurve" })).toEqual([]);
  });
});
