import { describe, expect, it } from "vitest";
import { lineChart } from "../../src/charts/line";
import { liveChart, type WriteDisplayData } from "../../src/charts/display";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm, spectralRadius } from "../../src/core/linalg";
import { createRng } from "../../src/core/random";
import { type Mat, type Vec } from "../../src/core/tensor";
import { gradCheck } from "../../src/rnn/gradcheck";
import { squaredError } from "../../src/rnn/loss";
import { cloneRnnParams, initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import { pascanuOmega } from "../../src/remedies/pascanu";
import { vanillaModel } from "../../src/train/model";
import { createOptimizer } from "../../src/train/optim";
import { addingProblem, temporalOrder } from "../../src/train/tasks";
import { train, trainAsync, type StepRecord } from "../../src/train/trainer";

// The end-to-end scenario: a ReLU RNN (H = 16) whose recurrent matrix starts with ρ ≈ 1.9, on the adding problem
// with T = 20, plain SGD with lr 0.3, batches of 8 from seed 11. Without clipping the first update throws the
// weights far out and the backward pass overflows float64 a couple of steps later; with clipping at norm 1 the same
// run is stable.
const H = 16;
const T = 20;
const LR = 0.3;
const BATCH = 8;
const SEED = 11;
const start = initRnnParams(createRng(3), { input: 2, hidden: H, output: 1, activation: "relu", recurrentStd: 0.5 });

// An independent re-run: the same batches, hand-written forward/backward calls and p ← p − lr·mean(g), returning the
// first step at which anything (hidden state, ∂L/∂h, loss, gradient, weight) is not finite.
function manualFirstNonFiniteStep(maxSteps: number): number | null {
  const p = cloneRnnParams(start);
  const rng = createRng(SEED);
  const keys = ["Wxh", "Whh", "bh", "Why", "by"] as const;
  const flat = (t: Mat | Vec) => (t instanceof Float64Array ? t : t.data);
  const finite = (a: Float64Array) => a.every(Number.isFinite);
  for (let step = 1; step <= maxSteps; step++) {
    const batch = addingProblem.generate(rng, BATCH, T);
    const sum = keys.map((k) => new Float64Array(flat(p[k]).length));
    try {
      for (const ex of batch) {
        const tr = rnnForward(p, ex.xs);
        const l = squaredError(tr.ys, ex.targets);
        const { grads } = rnnBackward(p, ex.xs, tr, l.dys);
        keys.forEach((k, i) => flat(grads[k]).forEach((g, j) => (sum[i][j] += g / BATCH)));
      }
    } catch (e) {
      if (e instanceof NonFiniteError) return step;
      throw e;
    }
    if (!sum.every(finite)) return step;
    keys.forEach((k, i) => flat(p[k]).forEach((w, j, a) => (a[j] = w - LR * sum[i][j])));
    if (!keys.every((k) => finite(flat(p[k])))) return step;
  }
  return null;
}

describe("train: divergence without clipping, stability with it", () => {
  it("the unclipped run stops at the step where the first non-finite value appears, keeping the history before it", () => {
    const records: StepRecord[] = [];
    const res = train({
      model: vanillaModel(cloneRnnParams(start), "squaredError"),
      task: addingProblem,
      T,
      optimizer: createOptimizer({ kind: "sgd", lr: LR }),
      steps: 50,
      batchSize: BATCH,
      seed: SEED,
      stopOnNonFinite: "record",
      onStep: (r) => records.push(r),
    });
    const expected = manualFirstNonFiniteStep(50);
    expect(expected).not.toBeNull();
    expect(res.status).toBe("diverged");
    expect(res.divergence!.step).toBe(expected);
    expect(res.divergence!.error).toBeInstanceOf(NonFiniteError);
    expect(res.divergence!.what).toMatch(/dL\/dh_t at time step \d+ of sequence \d+ in the batch/);
    expect(res.history.map((r) => r.step)).toEqual(Array.from({ length: expected! - 1 }, (_, i) => i + 1));
    expect(records).toEqual(res.history); // onStep once per completed step
    expect(res.history.every((r) => !r.clipped && r.clippedGradNorm === r.gradNorm)).toBe(true);
    expect(res.history[0].gradNorm).toBeGreaterThan(1e6); // the explosion that started it
  });

  it("the same run with clipping at norm 1 completes and its loss falls to the constant-prediction level", () => {
    const model = vanillaModel(cloneRnnParams(start), "squaredError");
    let ends = 0;
    const res = train({
      model,
      task: addingProblem,
      T,
      optimizer: createOptimizer({ kind: "sgd", lr: LR }),
      steps: 300,
      batchSize: BATCH,
      seed: SEED,
      clip: { mode: "norm", threshold: 1 },
      onEnd: () => ends++,
    });
    expect(res.status).toBe("completed");
    expect(res.history).toHaveLength(300);
    expect(ends).toBe(1);
    const h = res.history;
    expect(h[0].loss).toBeGreaterThan(1e5); // ½(y − target)² with exploding ReLU states
    expect(h[0].clipped).toBe(true);
    expect(h[0].clippedGradNorm).toBeCloseTo(1, 5);
    // The stated bound: mean batch loss of the last 50 steps < 0.1, i.e. about the loss of predicting the constant
    // E[a + b] = 1, which is ½ · 1/6 ≈ 0.083 in ½-squared-error units (a billion times below the start).
    const last50 = h.slice(-50).reduce((s, r) => s + r.dataLoss, 0) / 50;
    expect(last50).toBeLessThan(0.1);
    // Monitoring matches the linear algebra on the final weights.
    const Whh = model.recurrent();
    expect(h[h.length - 1].spectralRadius).toBeCloseTo(spectralRadius(Whh), 10);
    expect(h[h.length - 1].sigmaMax).toBeCloseTo(spectralNorm(Whh), 10);
  });

  it("throws a NonFiniteError naming the step by default, after calling onEnd with the history", () => {
    let seen = -1;
    const run = () =>
      train({
        model: vanillaModel(cloneRnnParams(start), "squaredError"),
        task: addingProblem,
        T,
        optimizer: createOptimizer({ kind: "sgd", lr: LR }),
        steps: 50,
        batchSize: BATCH,
        seed: SEED,
        onEnd: (r) => (seen = r.history.length),
      });
    expect(run).toThrow(NonFiniteError);
    const expected = manualFirstNonFiniteStep(50)!;
    expect(run).toThrow(new RegExp(`at step ${expected}`));
    expect(seen).toBe(expected - 1);
  });
});

describe("train: records and options", () => {
  const small = () => initRnnParams(createRng(8), { input: 6, hidden: 6, output: 4, activation: "tanh" });

  it("monitors σ₁ and ρ on steps 1, 1 + m, … only, and records the weight norm every step", () => {
    const res = train({
      model: vanillaModel(small(), "softmaxCrossEntropy"),
      task: temporalOrder,
      T: 10,
      optimizer: createOptimizer({ kind: "adam", lr: 1e-2 }),
      steps: 7,
      batchSize: 2,
      seed: 1,
      monitorEvery: 3,
    });
    expect(res.history.map((r) => r.sigmaMax !== null)).toEqual([true, false, false, true, false, false, true]);
    expect(res.history.every((r) => r.weightNorm > 0 && r.spectralRadius === null === (r.sigmaMax === null))).toBe(true);
    expect(res.initial.sigmaMax).toBeCloseTo(spectralNorm(small().Whh), 12);
  });

  it("the batch gradient is the mean of the per-sequence gradients (one SGD step checked by hand)", () => {
    const p = small();
    const before = cloneRnnParams(p);
    const batch = temporalOrder.generate(createRng(2), 3, 10);
    train({ model: vanillaModel(p, "softmaxCrossEntropy"), data: batch, optimizer: createOptimizer({ kind: "sgd", lr: 0.1 }), steps: 1, batchSize: 4, seed: 9 });
    // Replay the sampling: 4 draws with replacement from the 3 examples, seed 9.
    const rng = createRng(9);
    const picks = Array.from({ length: 4 }, () => batch[rng.int(3)]);
    const g = new Float64Array(before.Whh.data.length);
    for (const ex of picks) {
      const tr = rnnForward(before, ex.xs);
      const dys = tr.ys.map((y, t) => {
        const c = ex.labels[t];
        const d = new Float64Array(4);
        if (c === null) return d;
        const m = Math.max(...y);
        const z = y.reduce((s, v) => s + Math.exp(v - m), 0);
        y.forEach((v, i) => (d[i] = Math.exp(v - m) / z - (i === c ? 1 : 0)));
        return d;
      });
      rnnBackward(before, ex.xs, tr, dys).grads.Whh.data.forEach((v, i) => (g[i] += v / 4));
    }
    p.Whh.data.forEach((w, i) => expect(w).toBeCloseTo(before.Whh.data[i] - 0.1 * g[i], 13));
  });

  it("the vanilla model adds ω·Ω to the loss and ω·∂Ω/∂Whh to Whh's gradient only; its data gradients pass central differences", () => {
    const p: RnnParams = initRnnParams(createRng(4), { input: 2, hidden: 3, output: 1, activation: "tanh" });
    const ex = addingProblem.generate(createRng(5), 1, 10)[0];
    const model = vanillaModel(p, "squaredError");
    const r = model.lossAndGrads(ex.xs, ex.targets, { omega: 2 });
    expect(r.omega).toBeGreaterThan(0);
    const plain = model.lossAndGrads(ex.xs, ex.targets);
    expect(r.loss).toBeCloseTo(plain.loss + 2 * r.omega, 12);
    const { dWhh } = pascanuOmega(p, rnnForward(p, ex.xs), plain.dhs);
    const gW = r.grads.Whh as Mat;
    const pW = plain.grads.Whh as Mat;
    gW.data.forEach((v, i) => expect(v).toBeCloseTo(pW.data[i] + 2 * dWhh.data[i], 12));
    expect(r.grads.Wxh).toEqual(plain.grads.Wxh);
    const report = gradCheck(() => model.lossAndGrads(ex.xs, ex.targets).loss, { Wxh: p.Wxh, Why: p.Why }, { Wxh: plain.grads.Wxh, Why: plain.grads.Why });
    expect(report.ok).toBe(true);
  });

  it("rejects inconsistent options, naming them", () => {
    const base = { model: vanillaModel(small(), "softmaxCrossEntropy"), optimizer: createOptimizer({ kind: "sgd", lr: 0.1 }), steps: 1, batchSize: 1, seed: 0 };
    expect(() => train({ ...base })).toThrow(/task, data: expected exactly one of them, got neither/);
    expect(() => train({ ...base, task: addingProblem, T: 10 })).toThrow(/task: "adding" is trained with squaredError, but the model uses softmaxCrossEntropy/);
    expect(() => train({ ...base, task: temporalOrder, T: 5 })).toThrow(/T: expected an integer ≥ 10, got 5/);
    expect(() => train({ ...base, task: temporalOrder, T: 10, clip: { mode: "norm", threshold: 0 } })).toThrow(/clip.threshold: expected a positive finite number, got 0/);
    expect(() =>
      train({ ...base, task: temporalOrder, T: 10, optimizer: createOptimizer({ kind: "adamw", lr: 0.1 }), regularize: { weightDecay: 0.1 } }),
    ).toThrow(/regularize.weightDecay: the optimizer already has weightDecay/);
    expect(() => train({ ...base, task: temporalOrder, T: 10, steps: 0 })).not.toThrow();
  });
});

describe("train: every clipping mode and regularizer runs through the remedies", () => {
  const p0 = initRnnParams(createRng(12), { input: 2, hidden: 5, output: 1, activation: "tanh", recurrentStd: 1.5 });
  const run = (extra: object) =>
    train({
      model: vanillaModel(cloneRnnParams(p0), "squaredError"),
      task: addingProblem,
      T: 10,
      optimizer: createOptimizer({ kind: "sgd", lr: 0.5 }),
      steps: 4,
      batchSize: 2,
      seed: 2,
      ...extra,
    });

  it("value / perTensor / agc clipping never increase the gradient norm, and flag when they acted", () => {
    for (const clip of [
      { mode: "value", threshold: 1e-3 },
      { mode: "perTensor", threshold: 1e-3 },
      { mode: "agc", threshold: 1e-3 },
    ] as const) {
      const h = run({ clip }).history;
      // Thresholds this small bind on every step.
      expect(h.every((r) => r.clipped && r.clippedGradNorm < r.gradNorm), clip.mode).toBe(true);
    }
  });

  it("maxNorm caps every row of the weight matrices; l2 adds (λ/2)‖W‖² to the recorded loss", () => {
    const model = vanillaModel(cloneRnnParams(p0), "squaredError");
    train({ model, task: addingProblem, T: 10, optimizer: createOptimizer({ kind: "sgd", lr: 0.5 }), steps: 3, batchSize: 2, seed: 2, regularize: { maxNorm: 0.5 } });
    const W = model.params.Whh as Mat;
    for (let r = 0; r < W.rows; r++) expect(Math.hypot(...W.data.subarray(r * W.cols, (r + 1) * W.cols))).toBeLessThanOrEqual(0.5 + 1e-12);
    const h = run({ regularize: { l2: 0.1 } }).history;
    expect(h[0].loss).toBeGreaterThan(h[0].dataLoss);
    const start = cloneRnnParams(p0);
    const sq = (m: Mat) => m.data.reduce((s, x) => s + x * x, 0);
    // Step 1's penalty is on the starting weights: matrices only (not biases).
    expect(h[0].loss - h[0].dataLoss).toBeCloseTo(0.05 * (sq(start.Wxh) + sq(start.Whh) + sq(start.Why)), 10);
  });
});

describe("trainAsync: the same steps, with the event loop running between them", () => {
  const options = () => ({
    model: vanillaModel(cloneRnnParams(start), "squaredError"),
    task: addingProblem,
    T,
    optimizer: createOptimizer({ kind: "sgd", lr: LR }),
    batchSize: BATCH,
    seed: SEED,
    clip: { mode: "norm" as const, threshold: 1 },
  });

  it("records exactly what train records, and rejects with the same NonFiniteError", async () => {
    const sync = train({ ...options(), steps: 20 });
    const seen: StepRecord[] = [];
    const res = await trainAsync({ ...options(), steps: 20, onStep: (r) => void seen.push(r) });
    expect(res.history).toEqual(sync.history);
    expect(seen).toEqual(sync.history);
    const expected = manualFirstNonFiniteStep(50)!;
    await expect(trainAsync({ ...options(), clip: undefined, steps: 50 })).rejects.toThrow(new RegExp(`at step ${expected}`));
  });

  it("lets the event loop run each time yieldEveryMs of its clock have passed (deterministic clock)", async () => {
    let clock = 0;
    let training = true;
    const turns: number[] = []; // the clock at every turn of the event loop during training
    const tick = () => {
      if (!training) return;
      turns.push(clock);
      setImmediate(tick);
    };
    setImmediate(tick);
    // Each step "takes" 40 ms: the loop must yield after steps 3, 6, …, 30 (120 ms, 240 ms, …).
    await trainAsync({ ...options(), steps: 30, now: () => clock, yieldEveryMs: 100, onStep: () => void (clock += 40) });
    training = false;
    expect(turns).toEqual(Array.from({ length: 10 }, (_, k) => 120 * (k + 1)));
    // train, synchronous, gives the event loop no turn at all until it returns.
    clock = 0;
    training = true;
    turns.length = 0;
    setImmediate(tick);
    train({ ...options(), steps: 30, onStep: () => void (clock += 40) });
    expect(turns).toEqual([]);
    training = false;
  });

  it("a live chart fed from onStep is sent at least every ~300 ms through a 2–3 s run", async () => {
    // As in a kernel: a frame leaves when the event loop turns after it was written (the socket sends from there).
    const sent: number[] = [];
    const write: WriteDisplayData = () => void setImmediate(() => sent.push(performance.now()));
    const seen: StepRecord[] = [];
    const live = liveChart(
      (h: StepRecord[]) => lineChart({ logY: true, series: [{ name: "loss", x: h.map((r) => r.step), y: h.map((r) => r.loss) }] }),
      { write, now: () => performance.now() },
    );
    // Each step is padded to 3 ms (a step of a larger model), so the run lasts ~2.4 s on any machine.
    const t0 = performance.now();
    let stepStart = t0;
    await trainAsync({
      ...options(),
      steps: 800,
      onStep: (r) => {
        while (performance.now() - stepStart < 3);
        stepStart = performance.now();
        seen.push(r);
        return live.update(seen);
      },
    });
    await live.flush();
    const t1 = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    const gaps = [sent[0] - t0, ...sent.slice(1).map((t, i) => t - sent[i])];
    console.log(`${seen.length} steps in ${(t1 - t0).toFixed(0)} ms: ${sent.length} frames sent, gaps ${gaps.map((g) => g.toFixed(0)).join(", ")} ms`);
    expect(t1 - t0).toBeGreaterThan(2000);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    // Typically every gap is 200–280 ms. On a loaded 2-core machine the process is sometimes descheduled for
    // 100 ms or more (seen: one gap of 395 ms at load 5.7), so the bound is on the median, and the largest gap
    // only has to stay well below a run's length (a synchronous loop sends every frame at the end: one gap of
    // the whole run, then zeros).
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(300);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(600);
  });
});
