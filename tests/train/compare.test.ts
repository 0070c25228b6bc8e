import { describe, expect, it } from "vitest";
import { spectralNorm, spectralRadius } from "../../src/core/linalg";
import { createRng } from "../../src/core/random";
import { initRnnParams } from "../../src/rnn/params";
import { compareConfigs, compareConfigsAsync, movingAverage, resultsRecords, type CompareRow, type LabConfig } from "../../src/train/compare";
import { vanillaModel } from "../../src/train/model";
import { addingProblem } from "../../src/train/tasks";
import { train, type StepRecord } from "../../src/train/trainer";
import { createOptimizer } from "../../src/train/optim";

// The trainer's end-to-end scenario (tests/train/trainer.test.ts): ReLU, H = 16, ρ(W_hh) ≈ 1.9, T = 20, SGD lr 0.3,
// batches of 8 from seed 11: unclipped, float64 overflows within a few steps; clipped at 1 it is stable.
const H = 16;
const T = 20;
const evalSet = addingProblem.generate(createRng(99), 50, T);
const relu = (recurrentStd: number) => () =>
  vanillaModel(initRnnParams(createRng(3), { input: 2, hidden: H, output: 1, activation: "relu", recurrentStd }), "squaredError");
const opts = { task: addingProblem, T, steps: 30, batchSize: 8, seed: 11, evalSet };

describe("compareConfigs", () => {
  const configs: LabConfig[] = [
    { name: "no clip", model: relu(0.5), optimizer: { kind: "sgd", lr: 0.3 } },
    { name: "clip 1", model: relu(0.5), optimizer: { kind: "sgd", lr: 0.3 }, clip: { mode: "norm", threshold: 1 } },
  ];
  const rows = compareConfigs(configs, opts);

  it("agrees with a direct call of train on the same settings", () => {
    // Independent re-run: train() and task.evaluate() called by hand must reproduce row 2's numbers exactly.
    const model = relu(0.5)();
    const r = train({ model, task: addingProblem, T, optimizer: createOptimizer({ kind: "sgd", lr: 0.3 }), steps: 30, batchSize: 8, seed: 11, clip: { mode: "norm", threshold: 1 }, stopOnNonFinite: "record" });
    const row = rows[1];
    expect(row.status).toBe(r.status);
    expect(row.steps).toBe(r.history.length);
    expect(row.clippedSteps).toBe(r.history.filter((s) => s.clipped).length);
    expect(row.evalValue).toBe(addingProblem.evaluate(model, evalSet).value);
    const last20 = r.history.slice(-20).map((s) => s.dataLoss);
    expect(row.finalTrainLoss).toBeCloseTo(last20.reduce((a, b) => a + b, 0) / 20, 12);
    // ρ and σ₁ reported are those of the final weights, computed directly (not the trainer's monitor).
    const W = model.recurrent();
    expect(row.spectralRadius).toBeCloseTo(spectralRadius(W), 8);
    expect(row.sigmaMax).toBeCloseTo(spectralNorm(W), 8);
    expect(row.baseline).toBeCloseTo(1 / 6, 12); // Var(a) + Var(b) for a, b ~ U[0, 1)
  });

  it("records divergence with its step instead of throwing, and clipping prevents it", () => {
    expect(rows[0].status).toBe("diverged");
    expect(rows[0].divergedAt).toBe(rows[0].steps + 1); // history holds the completed steps before the blow-up
    expect(rows[0].divergedWhat).toMatch(/\S/);
    expect(rows[0].clippedSteps).toBe(0);
    expect(rows[1].status).toBe("completed");
    expect(rows[1].divergedAt).toBeNull();
    expect(rows[1].clippedSteps).toBeGreaterThan(0);
    expect(rows[1].history.every((s) => s.clippedGradNorm <= 1 + 1e-9)).toBe(true);
  });

  it("reports the final weights' ρ and σ₁ even when the trainer monitors sparsely", () => {
    // monitorEvery 7 over 30 steps: the last monitored step is 29, yet the row must describe the weights after 30.
    const [row] = compareConfigs([configs[1]], { ...opts, monitorEvery: 7 });
    expect(row.history[29].spectralRadius).toBeNull();
    expect(row.spectralRadius).toBeCloseTo(rows[1].spectralRadius as number, 10);
    expect(row.sigmaMax).toBeCloseTo(rows[1].sigmaMax as number, 10);
  });

  it("stops a run whose weights pass maxWeightNorm and records it as diverged at that step", () => {
    // The unclipped run overflows float64 at some step; its ‖θ‖ grows beforehand, so a limit of 1e3 stops it earlier
    // (independent check: the first recorded ‖θ‖ above 1e3 in the unlimited run's history is at the reported step).
    const [row] = compareConfigs([configs[0]], { ...opts, maxWeightNorm: 1e3 });
    const first = rows[0].history.find((s) => s.weightNorm > 1e3);
    expect(first).toBeDefined();
    expect(row.status).toBe("diverged");
    expect(row.divergedAt).toBe(first!.step);
    expect(row.steps).toBe(first!.step); // the record of the stopping step is kept
    expect(row.divergedWhat).toMatch(/maxWeightNorm/);
    // The clipped run never gets near 1e3 and is unaffected.
    const [clipped] = compareConfigs([configs[1]], { ...opts, maxWeightNorm: 1e3 });
    expect(clipped.status).toBe("completed");
    expect(clipped.evalValue).toBe(rows[1].evalValue);
    expect(() => compareConfigs([configs[1]], { ...opts, maxWeightNorm: 0 })).toThrow(/maxWeightNorm/);
  });

  it("rejects duplicate names and empty inputs", () => {
    expect(() => compareConfigs([configs[0], configs[0]], opts)).toThrow(/used twice/);
    expect(() => compareConfigs([], opts)).toThrow(/configs/);
    expect(() => compareConfigs(configs, { ...opts, evalSet: [] })).toThrow(/evalSet/);
  });

  it("formats one record per configuration for showTable", () => {
    const recs = resultsRecords(rows);
    expect(recs).toHaveLength(rows.length);
    expect(Object.keys(recs[0])).toContain("eval mse");
    expect(recs[0].diverged).toBe(`step ${rows[0].divergedAt}`);
    expect(recs[1].diverged).toBe("no"); // the clipped run did not diverge
    expect(recs[1].clipped).toBe(`${rows[1].clippedSteps}/30`);
  });
});

describe("compareConfigsAsync: the same runs, with every step of every run seen as it happens", () => {
  const configs: LabConfig[] = [
    { name: "no clip", model: relu(0.5), optimizer: { kind: "sgd", lr: 0.3 } },
    { name: "clip 1", model: relu(0.5), optimizer: { kind: "sgd", lr: 0.3 }, clip: { mode: "norm", threshold: 1 } },
  ];
  const withoutTime = (rows: CompareRow[]) => rows.map(({ seconds: _seconds, ...rest }) => rest);

  it("gives the rows of compareConfigs (divergence, stop at maxWeightNorm and all), and onStep every record in order", async () => {
    for (const extra of [{}, { maxWeightNorm: 1e3 }]) {
      const seen: [string, StepRecord][] = [];
      const rows = await compareConfigsAsync(configs, { ...opts, ...extra, onStep: (name, r) => void seen.push([name, r]) });
      const sync = compareConfigs(configs, { ...opts, ...extra });
      expect(withoutTime(rows)).toEqual(withoutTime(sync));
      // Every completed step, run after run, including the step that a stop at maxWeightNorm keeps.
      expect(seen).toEqual(sync.flatMap((r) => r.history.map((h): [string, StepRecord] => [r.name, h])));
    }
  });

  it("awaits onStep's promise before the next step, and lets the event loop run while a run trains", async () => {
    let pending = 0;
    let maxPending = 0;
    let turns = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    await compareConfigsAsync([configs[1]], {
      ...opts,
      yieldEveryMs: 0,
      onStep: async () => {
        pending++;
        maxPending = Math.max(maxPending, pending);
        await new Promise<void>((resolve) => setImmediate(resolve));
        pending--;
      },
    });
    counting = false;
    expect(maxPending).toBe(1); // one step at a time: each promise is awaited before the next step
    expect(turns).toBeGreaterThanOrEqual(30); // the event loop turned at least once per step (30 steps)
  });

  it("checks its inputs before any run starts, as compareConfigs does", async () => {
    let called = 0;
    const counting: LabConfig = { ...configs[0], model: () => (called++, relu(0.5)()) };
    await expect(compareConfigsAsync([counting, counting], opts)).rejects.toThrow(/used twice/);
    expect(called).toBe(0);
    await expect(compareConfigsAsync(configs, { ...opts, onStep: 3 as unknown as () => void })).rejects.toThrow(/onStep: expected a function/);
  });
});

describe("movingAverage", () => {
  it("averages a trailing window, shorter at the start", () => {
    // By hand: [1], [1,2], [2,3], [3,4] → 1, 1.5, 2.5, 3.5.
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
    expect(movingAverage([5], 10)).toEqual([5]);
    expect(movingAverage([], 3)).toEqual([]);
    // w = 1 is the identity.
    expect(movingAverage([3, -1, 7], 1)).toEqual([3, -1, 7]);
  });
  it("propagates non-finite values into the windows that hold them", () => {
    const m = movingAverage([1, Infinity, 1, 1], 2);
    expect(m[0]).toBe(1);
    expect(m[1]).toBe(Infinity);
    expect(m[2]).toBe(Infinity);
    expect(m[3]).toBe(1);
  });
  it("rejects a bad window", () => {
    expect(() => movingAverage([1], 0)).toThrow(/w/);
    expect(() => movingAverage([1], 1.5)).toThrow(/w/);
  });
});

