import { describe, expect, it } from "vitest";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randn, randnVec } from "../../src/core/random";
import { identity, matFrom, matmul, vecFrom, zeros, type Mat } from "../../src/core/tensor";
import { gradCheck } from "../../src/rnn/gradcheck";
import { gradNormsPerStep, jacobianProduct, jacobianProducts, jacobianSpectra, stepJacobian } from "../../src/rnn/jacobian";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";

function power(a: Mat, k: number): Mat {
  let p = identity(a.rows);
  for (let i = 0; i < k; i++) p = matmul(p, a);
  return p;
}

describe("jacobianProducts", () => {
  it("is Whh^(T−t) for a linear RNN", () => {
    const rng = createRng(1);
    const p = initRnnParams(rng, { input: 2, hidden: 3, output: 1, activation: "linear" });
    const T = 6;
    const trace = rnnForward(p, Array.from({ length: T }, () => randnVec(rng, 2)));
    const P = jacobianProducts(p, trace);
    expect(P.length).toBe(T + 1);
    for (let t = 0; t <= T; t++) {
      const expected = power(p.Whh, T - t);
      P[t].data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 12));
    }
  });

  it("matches central differences of h_T with respect to h_t for tanh", () => {
    const rng = createRng(2);
    const p = initRnnParams(rng, { input: 2, hidden: 4, output: 1, activation: "tanh", recurrentStd: 0.8 });
    const xs = Array.from({ length: 5 }, () => randnVec(rng, 2));
    const trace = rnnForward(p, xs);
    for (const t of [0, 2, 4]) {
      const P = jacobianProduct(p, trace, t, 5);
      for (let row = 0; row < 4; row++) {
        const h = trace.hs[t].slice();
        const f = () => rnnForward(p, xs.slice(t), h).hs[5 - t][row];
        const analytic = P.data.slice(row * 4, row * 4 + 4);
        expect(gradCheck(f, { h }, { h: analytic }).ok).toBe(true);
      }
    }
  });

  it("agrees with BPTT: dhs[t] = (∂h_T/∂h_t)ᵀ dhs[T] when only the last step has a loss", () => {
    const rng = createRng(3);
    const p = initRnnParams(rng, { input: 1, hidden: 5, output: 2, activation: "sigmoid", recurrentStd: 2 });
    const xs = Array.from({ length: 8 }, () => randnVec(rng, 1));
    const trace = rnnForward(p, xs);
    const dys = xs.map((_, t) => (t === 7 ? vecFrom([1, -2]) : vecFrom([0, 0])));
    const { dhs } = rnnBackward(p, xs, trace, dys);
    const P = jacobianProducts(p, trace);
    for (let t = 0; t <= 8; t++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let i = 0; i < 5; i++) s += P[t].data[i * 5 + j] * dhs[8][i];
        expect(dhs[t][j]).toBeCloseTo(s, 12);
      }
  });

  it("stepJacobian is diag(φ′(z_t)) Whh", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1], [0]]), Whh: matFrom([[2, 0], [1, 2]]), bh: vecFrom([0, 0]), Why: matFrom([[1, 1]]), by: vecFrom([0]), activation: "tanh",
    };
    const trace = rnnForward(p, [vecFrom([0.5])]);
    const h = trace.hs[1];
    const J = stepJacobian(p, trace, 1);
    expect(J.data[0]).toBeCloseTo((1 - h[0] ** 2) * 2, 15);
    expect(J.data[2]).toBeCloseTo((1 - h[1] ** 2) * 1, 15);
  });

  it("spectra: Pascanu's sufficient condition σ₁(Whh) < 1/γ makes ‖∂h_T/∂h_t‖ ≤ σ₁^(T−t)", () => {
    const rng = createRng(4);
    const W = randn(rng, 6, 6);
    const scale = 0.9 / spectralNorm(W);
    const p = initRnnParams(rng, { input: 1, hidden: 6, output: 1, activation: "tanh", recurrent: { ...W, data: W.data.map((v) => v * scale) } });
    const trace = rnnForward(p, Array.from({ length: 20 }, () => randnVec(rng, 1)));
    const spectra = jacobianSpectra(p, trace);
    for (const s of spectra) {
      expect(s.distance).toBe(20 - s.step);
      expect(s.spectralNorm).toBeLessThanOrEqual(0.9 ** s.distance * (1 + 1e-12));
      expect(s.singularValues[0]).toBe(s.spectralNorm);
    }
  });

  it("names the step where a product overflows", () => {
    const p: RnnParams = {
      Wxh: zeros(1, 1), Whh: matFrom([[1e100]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear",
    };
    const trace = rnnForward(p, Array.from({ length: 5 }, () => vecFrom([0])));
    // (1e100)^k overflows at k = 4, i.e. ∂h_5/∂h_1.
    expect(() => jacobianProducts(p, trace)).toThrow(/∂h_T\/∂h_t became Infinity at step 1/);
    expect(() => jacobianProduct(p, trace, 3, 2)).toThrow(/from: expected a step in \[0, 2\], got 3/);
  });

  it("gradNormsPerStep gives the 2-norms", () => {
    expect(gradNormsPerStep([vecFrom([3, 4]), vecFrom([0, 0])])).toEqual([5, 0]);
  });
});
