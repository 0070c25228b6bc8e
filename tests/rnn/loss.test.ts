import { describe, expect, it } from "vitest";
import { vecFrom } from "../../src/core/tensor";
import { gradCheck, numericalGradient } from "../../src/rnn/gradcheck";
import { softmax, softmaxCrossEntropy, squaredError } from "../../src/rnn/loss";

describe("losses", () => {
  it("squared error is ½‖y − t‖² summed over steps with a target", () => {
    const r = squaredError([vecFrom([1, 2]), vecFrom([5, 5])], [vecFrom([0, 0]), null]);
    expect(r.loss).toBe(2.5); // ½ (1 + 4)
    expect(Array.from(r.dys[0])).toEqual([1, 2]);
    expect(Array.from(r.dys[1])).toEqual([0, 0]);
  });

  it("cross-entropy of uniform logits over C classes is log C, and stays finite for huge logits", () => {
    expect(softmaxCrossEntropy([vecFrom([0, 0, 0, 0])], [2]).loss).toBeCloseTo(Math.log(4), 15);
    const big = softmaxCrossEntropy([vecFrom([1000, 0])], [1]);
    expect(big.loss).toBeCloseTo(1000, 10);
    expect(Array.from(big.dys[0])).toEqual([1, -1]);
    expect(softmax(vecFrom([1e308, 1e308])).every((p) => p === 0.5)).toBe(true);
  });

  it("cross-entropy gradient matches central differences", () => {
    const y = vecFrom([0.3, -1.2, 2.0]);
    const r = softmaxCrossEntropy([y], [1]);
    expect(gradCheck(() => softmaxCrossEntropy([y], [1]).loss, { y }, { y: r.dys[0] }).ok).toBe(true);
  });

  it("rejects bad labels and mismatched lengths, naming them", () => {
    expect(() => softmaxCrossEntropy([vecFrom([0, 0])], [2])).toThrow(/labels\[0\]: expected a class in \[0, 2\), got 2/);
    expect(() => squaredError([vecFrom([0])], [])).toThrow(/targets: expected one entry per step \(T = 1\), got 0/);
    expect(() => squaredError([vecFrom([0])], [vecFrom([NaN])])).toThrow(/targets\[0\]: expected finite numbers/);
  });
});

describe("gradCheck can fail", () => {
  it("flags a wrong analytic gradient and points at the worst entry", () => {
    const x = vecFrom([1, 2, 3]);
    const f = () => x[0] ** 2 + 3 * x[1] + Math.sin(x[2]);
    const right = vecFrom([2, 3, Math.cos(3)]);
    expect(gradCheck(f, { x }, { x: right }).ok).toBe(true);
    const wrong = vecFrom([2, 3, Math.cos(3) + 1e-3]);
    const report = gradCheck(f, { x }, { x: wrong });
    expect(report.ok).toBe(false);
    expect(report.tensors[0].worst.index).toBe(2);
    expect(Array.from(x)).toEqual([1, 2, 3]); // restored after perturbing
  });

  it("central differences are second-order accurate", () => {
    const x = vecFrom([0.7]);
    const g = numericalGradient(() => Math.exp(x[0]), x, 1e-4);
    expect(Math.abs(g[0] - Math.exp(0.7))).toBeLessThan(1e-8);
  });
});
