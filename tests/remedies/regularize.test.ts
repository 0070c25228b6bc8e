import { describe, expect, it } from "vitest";
import { createRng, randn } from "../../src/core/random";
import { matFrom, vecFrom, zeros, type Mat } from "../../src/core/tensor";
import { gradCheck } from "../../src/rnn/gradcheck";
import { initRnnParams } from "../../src/rnn/params";
import type { RnnGrads, RnnParams } from "../../src/rnn/vanilla";
import { decoupledWeightDecay, l1Penalty, l2Penalty, maxNormConstraint } from "../../src/remedies/regularize";

function zeroGrads(p: RnnParams): RnnGrads {
  const z = (m: Mat) => zeros(m.rows, m.cols);
  return { Wxh: z(p.Wxh), Whh: z(p.Whh), bh: new Float64Array(p.bh.length), Why: z(p.Why), by: new Float64Array(p.by.length) };
}

function params(seed: number): RnnParams {
  const p = initRnnParams(createRng(seed), { input: 2, hidden: 3, output: 2, activation: "tanh" });
  p.bh = vecFrom([0.5, -0.25, 1]); // nonzero biases, so that excluding them is visible
  return p;
}

describe("l2Penalty", () => {
  it("hand case: λ/2 ‖W‖² on matrices only by default, λW added to the gradient", () => {
    const p = { W: matFrom([[1, -2]]), b: vecFrom([3]) };
    const g = { W: matFrom([[0.5, 0.5]]), b: vecFrom([1]) };
    const r = l2Penalty(p, g, 0.1);
    expect(r.penalty).toBeCloseTo(0.05 * 5, 15); // (0.1/2)(1 + 4)
    expect(Array.from(r.grads.W.data)).toEqual([0.5 + 0.1, 0.5 - 0.2]);
    expect(Array.from(r.grads.b)).toEqual([1]); // the bias is excluded
    const all = l2Penalty(p, g, 0.1, { include: ["W", "b"] });
    expect(all.penalty).toBeCloseTo(0.05 * 14, 15);
    expect(all.grads.b[0]).toBeCloseTo(1.3, 15);
    expect(Array.from(g.W.data)).toEqual([0.5, 0.5]); // input untouched
  });

  it("its gradient matches central differences of its penalty on RnnParams", () => {
    const p = params(1);
    const lam = 0.3;
    const { grads } = l2Penalty(p, zeroGrads(p), lam);
    const f = () => l2Penalty(p, zeroGrads(p), lam).penalty;
    const rep = gradCheck(f, { Wxh: p.Wxh, Whh: p.Whh, Why: p.Why, bh: p.bh }, { Wxh: grads.Wxh, Whh: grads.Whh, Why: grads.Why, bh: grads.bh });
    expect(rep.ok).toBe(true);
    expect(Array.from(grads.bh)).toEqual([0, 0, 0]); // and the penalty does not depend on bh (checked above)
  });

  it("names bad arguments", () => {
    const p = { W: matFrom([[1]]) };
    expect(() => l2Penalty(p, { W: matFrom([[1]]) }, -1)).toThrow(/lambda/);
    expect(() => l2Penalty(p, { W: matFrom([[1]]) }, NaN)).toThrow(/lambda/);
    expect(() => l2Penalty(p, { W: matFrom([[1]]) }, 1, { include: ["V"] })).toThrow(/opts\.include.*"V"/);
    expect(() => l2Penalty({ W: matFrom([[1, 2]]) }, { W: matFrom([[1]]) }, 1)).toThrow(/params\.W/);
    expect(() => l2Penalty({ W: matFrom([[NaN]]) }, { W: matFrom([[1]]) }, 1)).toThrow(/params\.W/);
  });
});

describe("l1Penalty", () => {
  it("hand case: λ Σ|w|, subgradient λ sign(w) with 0 at 0", () => {
    const r = l1Penalty({ W: matFrom([[0, 2, -3]]) }, { W: matFrom([[1, 1, 1]]) }, 0.5);
    expect(r.penalty).toBe(2.5);
    expect(Array.from(r.grads.W.data)).toEqual([1, 1.5, 0.5]);
  });

  it("its gradient matches central differences away from 0", () => {
    const p = params(2); // Gaussian weights: none within ε = 1e-5 of 0
    const { grads } = l1Penalty(p, zeroGrads(p), 0.2);
    const rep = gradCheck(() => l1Penalty(p, zeroGrads(p), 0.2).penalty, { Wxh: p.Wxh, Whh: p.Whh, Why: p.Why }, { Wxh: grads.Wxh, Whh: grads.Whh, Why: grads.Why });
    expect(rep.ok).toBe(true);
  });
});

describe("decoupledWeightDecay", () => {
  it("p ← (1 − lr·wd) p on the matrices, biases and activation carried over, input untouched", () => {
    const p = params(3);
    const before = p.Whh.data.slice();
    const q = decoupledWeightDecay(p, 0.1, 0.5);
    expect(Array.from(q.Whh.data)).toEqual(Array.from(before, (x) => x * 0.95));
    expect(Array.from(q.bh)).toEqual(Array.from(p.bh));
    expect(q.bh).not.toBe(p.bh); // a copy, not an alias
    expect(q.activation).toBe("tanh");
    expect(Array.from(p.Whh.data)).toEqual(Array.from(before));
  });

  it("coincides with an SGD step on the L2 penalty's gradient when wd = λ (to rounding)", () => {
    const p = params(4);
    const lr = 0.05;
    const lam = 0.2;
    const { grads } = l2Penalty(p, zeroGrads(p), lam);
    const q = decoupledWeightDecay(p, lr, lam);
    p.Whh.data.forEach((w, i) => expect(q.Whh.data[i]).toBeCloseTo(w - lr * grads.Whh.data[i], 15));
  });

  it("names bad arguments", () => {
    const p = params(5);
    expect(() => decoupledWeightDecay(p, 0, 0.1)).toThrow(/lr/);
    expect(() => decoupledWeightDecay(p, 0.1, -1)).toThrow(/weightDecay/);
    expect(() => decoupledWeightDecay(p, 0.1, 0.1, { include: ["activation"] })).toThrow(/opts\.include/);
  });
});

describe("maxNormConstraint (Keras MaxNorm, rows = units)", () => {
  it("caps each row's norm at c and leaves rows under the cap exactly as they are", () => {
    const q = maxNormConstraint({ W: matFrom([[3, 4], [0.3, 0.4]]), b: vecFrom([30, 40]) }, 1);
    expect(q.W.data[0]).toBeCloseTo(0.6, 15);
    expect(q.W.data[1]).toBeCloseTo(0.8, 15);
    expect(Array.from(q.W.data.subarray(2))).toEqual([0.3, 0.4]);
    expect(Array.from(q.b)).toEqual([30, 40]); // biases are not constrained by default
  });

  it("after the constraint every row of every weight matrix has norm ≤ c", () => {
    const p = initRnnParams(createRng(6), { input: 4, hidden: 6, output: 3, activation: "tanh", recurrentStd: 3 });
    p.Whh = randn(createRng(7), 6, 6, 3);
    const q = maxNormConstraint(p, 1.5);
    for (const m of [q.Wxh, q.Whh, q.Why])
      for (let u = 0; u < m.rows; u++) expect(Math.hypot(...m.data.subarray(u * m.cols, (u + 1) * m.cols))).toBeLessThanOrEqual(1.5 * (1 + 1e-15));
    expect(() => maxNormConstraint(p, 0)).toThrow(/maxValue/);
  });
});
