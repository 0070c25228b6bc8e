import { describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, matTVec, norm2, vecFrom, type Vec } from "../../src/core/tensor";
import { activationDerivative } from "../../src/rnn/activation";
import { gradCheck } from "../../src/rnn/gradcheck";
import { stepJacobian } from "../../src/rnn/jacobian";
import { squaredError } from "../../src/rnn/loss";
import { initRnnParams } from "../../src/rnn/params";
import type { Activation } from "../../src/rnn/activation";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import { pascanuOmega } from "../../src/remedies/pascanu";

function setup(activation: Activation, seed: number) {
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: 2, hidden: 4, output: 2, activation, recurrentStd: 0.9 });
  const xs = Array.from({ length: 6 }, () => randnVec(rng, 2));
  const trace = rnnForward(p, xs);
  const { dys } = squaredError(trace.ys, xs.map(() => randnVec(rng, 2)));
  const { dhs } = rnnBackward(p, xs, trace, dys);
  return { p, trace, dhs };
}

/** Ω from the one-step Jacobians J_t = ∂h_t/∂h_{t−1} (stepJacobian): Σ_t (‖J_tᵀ g_t‖ / ‖g_t‖ − 1)². */
function omegaFromJacobians(p: RnnParams, trace: ReturnType<typeof rnnForward>, dhs: Vec[]): number {
  let s = 0;
  for (let t = 1; t < dhs.length; t++) {
    const g = dhs[t];
    if (norm2(g) === 0) continue;
    s += (norm2(matTVec(stepJacobian(p, trace, t), g)) / norm2(g) - 1) ** 2;
  }
  return s;
}

describe("pascanuOmega", () => {
  for (const activation of ["tanh", "sigmoid", "relu"] as const) {
    it(`${activation}: Ω equals the stepJacobian formula`, () => {
      const { p, trace, dhs } = setup(activation, 1);
      const r = pascanuOmega(p, trace, dhs);
      expect(r.omega).toBeGreaterThan(0);
      expect(r.omega).toBeCloseTo(omegaFromJacobians(p, trace, dhs), 12);
      expect(r.ratios.length).toBe(6);
    });

    it(`${activation}: dWhh matches central differences with g and φ′(z) held fixed`, () => {
      const { p, trace, dhs } = setup(activation, 2);
      const { dWhh } = pascanuOmega(p, trace, dhs);
      // An independent Ω(Whh) that freezes g_k = dhs[k+1] and φ′(z_{k+1}) at their recorded values.
      const phi = trace.zs.map((z, k) => z.map((zi, i) => activationDerivative(activation, zi, trace.hs[k + 1][i])));
      const Whh = p.Whh;
      const omega = () => {
        let s = 0;
        for (let k = 0; k < phi.length; k++) {
          const g = dhs[k + 1];
          s += (norm2(matTVec(Whh, g.map((gi, i) => gi * phi[k][i]))) / norm2(g) - 1) ** 2;
        }
        return s;
      };
      expect(gradCheck(omega, { Whh }, { Whh: dWhh }).ok).toBe(true);
      // The same check through pascanuOmega itself: perturbing p.Whh while trace and dhs stay fixed.
      expect(gradCheck(() => pascanuOmega(p, trace, dhs).omega, { Whh }, { Whh: dWhh }).ok).toBe(true);
    });
  }

  it("hand case H = 1, linear: r = |w|, Ω = T (|w| − 1)², dΩ/dw = 2T(|w| − 1) sign(w)", () => {
    const p: RnnParams = { Wxh: matFrom([[1]]), Whh: matFrom([[-2]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear" };
    const xs = [vecFrom([1]), vecFrom([0.5]), vecFrom([-1])];
    const trace = rnnForward(p, xs);
    const dhs = [vecFrom([9]), vecFrom([3]), vecFrom([-0.7]), vecFrom([1e300])]; // any nonzero g: r does not depend on it
    const r = pascanuOmega(p, trace, dhs);
    expect(r.ratios).toEqual([2, 2, 2]);
    expect(r.omega).toBe(3);
    expect(r.dWhh.data[0]).toBe(-6);
  });

  it("skips terms where g = ∂E/∂h_{k+1} = 0 (0/0: no signal to preserve)", () => {
    const { p, trace, dhs } = setup("tanh", 3);
    const cut = dhs.map((d, t) => (t === 3 ? new Float64Array(d.length) : d));
    const r = pascanuOmega(p, trace, cut);
    expect(r.ratios[2]).toBeNull();
    expect(r.ratios.filter((x) => x === null).length).toBe(1);
    expect(r.omega).toBeCloseTo(omegaFromJacobians(p, trace, cut), 12);
    expect(Number.isFinite(r.omega)).toBe(true);
  });

  it("a ReLU step with every unit off (φ′ = 0) gives r = 0, Ω term 1 and no gradient", () => {
    const p: RnnParams = { Wxh: matFrom([[1]]), Whh: matFrom([[0.5]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "relu" };
    const trace = rnnForward(p, [vecFrom([-1])]);
    const r = pascanuOmega(p, trace, [vecFrom([0]), vecFrom([2])]);
    expect(r.ratios).toEqual([0]);
    expect(r.omega).toBe(1);
    expect(r.dWhh.data[0]).toBe(0);
  });

  it("names bad arguments", () => {
    const { p, trace, dhs } = setup("tanh", 4);
    expect(() => pascanuOmega(p, trace, dhs.slice(1))).toThrow(/dhs/);
    expect(() => pascanuOmega(p, trace, dhs.map((d, t) => (t === 2 ? vecFrom([NaN, 0, 0, 0]) : d)))).toThrow(/dhs\[2\]/);
  });
});
