import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random";
import { matFrom, norm2, vecFrom } from "../../src/core/tensor";
import { initRnnParams } from "../../src/rnn/params";
import { omegaProbe } from "../../src/train/omega-probe";

describe("omegaProbe", () => {
  it("a linear 1-unit RNN with w = 0.5 shrinks the error signal by exactly 0.5 per step: r_k = 0.5, Ω = T · 0.25", () => {
    // h_t = 0.5 h_{t−1} + x_t, y = h: ∂h_{k+1}/∂h_k = 0.5 everywhere, so each ratio is |0.5 g| / |g| = 0.5.
    const p = { Wxh: matFrom([[1]]), Whh: matFrom([[0.5]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear" as const };
    const xs = [1, 0, 0, 0].map((x) => vecFrom([x]));
    const r = omegaProbe(p, xs, [null, null, null, vecFrom([1])], "squaredError");
    // y_4 = 0.5³ = 0.125, loss = ½ (0.125 − 1)² (squaredError is ½‖y − t‖²)
    expect(r.loss).toBeCloseTo(0.5 * 0.875 ** 2, 14);
    r.ratios.forEach((x) => expect(x).toBeCloseTo(0.5, 14));
    expect(r.omega).toBeCloseTo(4 * 0.25, 14);
    // ‖∂E/∂h_t‖ = 0.875 · 0.5^(4 − t)
    r.gradNorms.forEach((g, t) => expect(g).toBeCloseTo(0.875 * 0.5 ** (4 - t), 14));
  });
  it("agrees with the ratio computed from its definition on a random tanh RNN", () => {
    const p = initRnnParams(createRng(1), { input: 2, hidden: 4, output: 1, activation: "tanh", recurrentStd: 0.8 });
    const rng = createRng(2);
    const xs = Array.from({ length: 6 }, () => vecFrom([rng.normal(), rng.normal()]));
    const r = omegaProbe(p, xs, [null, null, null, null, null, vecFrom([0.3])], "squaredError");
    expect(r.ratios).toHaveLength(6);
    // r_k = ‖Whhᵀ (φ′ ⊙ g)‖ / ‖g‖ with g = ∂E/∂h_{k+1}; check the last step: ‖∂E/∂h_5‖ / ‖∂E/∂h_6‖ when no loss at step 5.
    expect(r.ratios[5]).toBeCloseTo(r.gradNorms[5] / r.gradNorms[6], 12);
    expect(norm2(Float64Array.from(r.ratios as number[]))).toBeGreaterThan(0);
  });
});
