import { describe, expect, it } from "vitest";
import { spectralNorm } from "../../src/core/linalg";
import { createRng } from "../../src/core/random";
import { vecFrom, type Mat } from "../../src/core/tensor";
import { gradCheck } from "../../src/rnn/gradcheck";
import { initGruParams } from "../../src/rnn/gru";
import { initLstmParams } from "../../src/rnn/lstm";
import { initRnnParams } from "../../src/rnn/params";
import { gruModel, lstmModel, sequenceLoss, vanillaModel } from "../../src/train/model";
import { createOptimizer } from "../../src/train/optim";
import { addingProblem, copyTask } from "../../src/train/tasks";
import { train } from "../../src/train/trainer";

const ex = addingProblem.generate(createRng(5), 1, 10)[0];
const cls = copyTask({ symbols: 3, length: 2 }).generate(createRng(6), 1, 7)[0];

describe("model adapters", () => {
  const models = () => [
    vanillaModel(initRnnParams(createRng(1), { input: 2, hidden: 3, output: 1, activation: "tanh" }), "squaredError"),
    lstmModel(initLstmParams(createRng(2), { input: 2, hidden: 3, output: 1 }), "squaredError"),
    gruModel(initGruParams(createRng(3), { input: 2, hidden: 3, output: 1 }), "squaredError"),
  ];

  it("lossAndGrads matches central differences on every parameter (vanilla, LSTM, GRU)", () => {
    for (const m of models()) {
      const r = m.lossAndGrads(ex.xs, ex.targets);
      const report = gradCheck(() => m.lossAndGrads(ex.xs, ex.targets).loss, m.params, r.grads);
      expect(report.ok, m.kind).toBe(true);
      expect(r.dhs).toHaveLength(11);
    }
  });

  it("recurrent(): Whh for the vanilla RNN, the h-columns of W (4H×H, 3H×H) for LSTM and GRU", () => {
    const [v, l, g] = models();
    expect(v.recurrent()).toBe(v.params.Whh);
    for (const [m, gates] of [[l, 4], [g, 3]] as const) {
      const R = m.recurrent();
      const W = m.params.W as Mat;
      expect([R.rows, R.cols]).toEqual([gates * 3, 3]);
      // W's columns are [x (2) | h (3)]: row r of R is W[r][2..4].
      for (let r = 0; r < R.rows; r++) for (let j = 0; j < 3; j++) expect(R.data[r * 3 + j]).toBe(W.data[r * 5 + 2 + j]);
    }
  });

  it("training an LSTM updates its own tensors and records σ₁ of the recurrent block but no ρ (not square)", () => {
    const p = initLstmParams(createRng(7), { input: 2, hidden: 4, output: 1 });
    const w0 = p.W.data[0];
    const m = lstmModel(p, "squaredError");
    const res = train({ model: m, task: addingProblem, T: 10, optimizer: createOptimizer({ kind: "adam", lr: 0.01 }), steps: 3, batchSize: 2, seed: 3 });
    expect(p.W.data[0]).not.toBe(w0);
    expect(res.history.every((r) => r.spectralRadius === null)).toBe(true);
    expect(res.history[2].sigmaMax).toBeCloseTo(spectralNorm(m.recurrent()), 12);
    expect(() => m.lossAndGrads(ex.xs, ex.targets, { omega: 1 })).toThrow(/Ω is implemented for the vanilla RNN only/);
  });

  it("sequenceLoss refuses targets of the other loss's form, naming the step", () => {
    expect(() => sequenceLoss("squaredError", cls.xs.map(() => vecFrom([0, 0, 0])), cls.labels)).toThrow(/targets\[5\]: squaredError expects a Float64Array or null, got \d/);
    expect(() => sequenceLoss("softmaxCrossEntropy", ex.xs.map(() => vecFrom([0])), ex.targets)).toThrow(/targets\[9\]: softmaxCrossEntropy expects a class label or null/);
  });
});
