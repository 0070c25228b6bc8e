import { describe, expect, it } from "vitest";
import { eigenvalues, spectralNorm, spectralRadius } from "../../src/core/linalg";
import { createRng, randn, randnVec } from "../../src/core/random";
import { matFrom, vecFrom, zeros, type Mat, type Vec } from "../../src/core/tensor";
import { gradientGrowth, lyapunovByGain, lyapunovExponents } from "../../src/dynamics/lyapunov";
import { jacobianProduct } from "../../src/rnn/jacobian";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";

/** An RNN with this Whh, input size 1, output size 1. */
function withWhh(Whh: Mat, activation: RnnParams["activation"], seed = 0): RnnParams {
  const H = Whh.rows;
  return { ...initRnnParams(createRng(seed), { input: 1, hidden: H, output: 1, activation }), Whh };
}
const zerosSeq = (T: number): Vec[] => Array.from({ length: T }, () => vecFrom([0]));
const noise = (seed: number, T: number, std = 1): Vec[] => {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => randnVec(rng, 1, std));
};

describe("lyapunovExponents: known answers", () => {
  it("linear, upper-triangular Whh: exactly ln |diagonal| (the QR of a triangular product is itself)", () => {
    // J Q = Whh is upper triangular with Q = I, so every R_t = Whh up to the signs of its rows: no averaging error.
    const W = matFrom([[1.5, 0.3, -2], [0, -0.5, 0.7], [0, 0, 0.9]]);
    const L = lyapunovExponents(withWhh(W, "linear"), zerosSeq(50));
    expect(Array.from(L)).toEqual([Math.log(1.5), Math.log(0.9), Math.log(0.5)].map((v) => expect.closeTo(v, 12)));
  });

  it("linear, Gaussian Whh (complex eigenvalues too): ln |μ_i| of the eigenvalues of Whh", () => {
    const W = randn(createRng(3), 6, 6, 1 / Math.sqrt(6));
    const expected = eigenvalues(W).map((m) => Math.log(Math.hypot(m.re, m.im))); // sorted by modulus, descending
    const L = lyapunovExponents(withWhh(W, "linear"), zerosSeq(4000), { warmup: 200 });
    // The QR estimate converges like 1/T; 4000 steps put it within 5e-3 of the limit here.
    L.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(5e-3));
  });

  it("one tanh unit: the time average of ln |w φ′(z_t)| over the steps after the warm-up", () => {
    const w = 1.7;
    const p = withWhh(matFrom([[w]]), "tanh", 4);
    const xs = noise(5, 300);
    const { zs } = rnnForward(p, xs);
    let s = 0;
    for (let t = 21; t <= 300; t++) s += Math.log(Math.abs(w * (1 - Math.tanh(zs[t - 1][0]) ** 2)));
    expect(lyapunovExponents(p, xs, { warmup: 20 })[0]).toBeCloseTo(s / 280, 12);
  });

  it("sums to the time average of ln |det J_t| = ln |det Whh| + mean Σ_i ln φ′(z_t,i) (the volume rate)", () => {
    const H = 5;
    const W = randn(createRng(6), H, H, 1.5 / Math.sqrt(H));
    const p = withWhh(W, "tanh", 7);
    const xs = noise(8, 200);
    const { zs } = rnnForward(p, xs);
    // det via the product of eigenvalues' moduli
    const lnDetW = eigenvalues(W).reduce((a, m) => a + Math.log(Math.hypot(m.re, m.im)), 0);
    let s = 0;
    for (let t = 1; t <= 200; t++) for (const z of zs[t - 1]) s += Math.log(1 - Math.tanh(z) ** 2);
    const L = lyapunovExponents(p, xs);
    expect(L.reduce((a, v) => a + v, 0)).toBeCloseTo(lnDetW + s / 200, 9);
  });

  it("λ_1 is the growth rate of ‖∂h_T/∂h_0‖, by jacobianProduct and by BPTT, in a chaotic tanh net", () => {
    // H = 32: a network this small can also settle on a fixed point or a cycle at g = 2.5 (H = 16, seed 9 does).
    const H = 32, T = 300;
    const p = initRnnParams(createRng(9), { input: 1, hidden: H, output: 1, activation: "tanh", recurrentStd: 2.5 / Math.sqrt(H) });
    const xs = zerosSeq(T);
    const h0 = randnVec(createRng(10), H);
    const L = lyapunovExponents(p, xs, { h0 });
    expect(L[0]).toBeGreaterThan(0.05); // chaotic: g = 2.5 is well past the edge
    const trace = rnnForward(p, xs, h0);
    const byProduct = Math.log(spectralNorm(jacobianProduct(p, trace, 0, T))) / T;
    // A loss on y_T only: ∂L/∂h_0 = (∂h_T/∂h_0)ᵀ Whyᵀ ∂L/∂y_T, which grows at the same rate λ_1.
    const dys = xs.map((_, t) => (t === T - 1 ? vecFrom([1]) : vecFrom([0])));
    const { dhs } = rnnBackward(p, xs, trace, dys);
    const n = (v: Vec) => Math.hypot(...v);
    const byBptt = Math.log(n(dhs[0]) / n(dhs[T])) / T;
    // Both differ from λ_1 by O(1/T) (the start and end vectors' projections on the Lyapunov directions).
    expect(Math.abs(byProduct - L[0])).toBeLessThan(0.02);
    expect(Math.abs(byBptt - L[0])).toBeLessThan(0.02);
  });

  it("is sorted descending, with −Infinity for a direction the Jacobians annihilate (a zero row of Whh)", () => {
    const W = matFrom([[0.5, 0.2], [0, 0]]);
    const L = lyapunovExponents(withWhh(W, "linear"), zerosSeq(10));
    expect(L[0]).toBeCloseTo(Math.log(0.5), 12);
    expect(L[1]).toBe(-Infinity);
  });

  it("ordered chaos: λ_1 < 0 for a small gain and > 0 for a large one (tanh, no input)", () => {
    const H = 24;
    const at = (g: number) =>
      lyapunovExponents(
        initRnnParams(createRng(11), { input: 1, hidden: H, output: 1, activation: "tanh", recurrentStd: g / Math.sqrt(H) }),
        zerosSeq(400),
        { h0: randnVec(createRng(12), H), warmup: 100 },
      )[0];
    expect(at(0.5)).toBeLessThan(0);
    expect(at(3)).toBeGreaterThan(0);
  });
});

describe("lyapunovExponents: bad input says which argument, what was expected and what came", () => {
  const p = withWhh(matFrom([[0.5, 0], [0, 0.5]]), "tanh");
  it("a sequence no longer than the warm-up", () => {
    expect(() => lyapunovExponents(p, zerosSeq(10), { warmup: 10 })).toThrow(
      /xs: expected more than options\.warmup = 10 steps .*got 10/,
    );
    expect(() => lyapunovExponents(p, [], {})).toThrow(/xs: expected more than options\.warmup = 0 steps .*got 0/);
  });
  it("a warm-up that is not a whole number ≥ 0", () => {
    expect(() => lyapunovExponents(p, zerosSeq(10), { warmup: -1 })).toThrow(/options\.warmup: expected an integer ≥ 0, got -1/);
    expect(() => lyapunovExponents(p, zerosSeq(10), { warmup: 2.5 })).toThrow(/options\.warmup: expected an integer ≥ 0, got 2\.5/);
  });
  it("a NaN state: in h0, or reached by the forward pass (named by its step)", () => {
    expect(() => lyapunovExponents(p, zerosSeq(10), { h0: vecFrom([0, NaN]) })).toThrow(
      /options\.h0: expected finite numbers, got NaN at index 1/,
    );
    expect(() => lyapunovExponents(p, zerosSeq(10), { h0: vecFrom([0]) })).toThrow(/h0: expected length 2, got length 1/);
    const bad = zerosSeq(10);
    bad[3] = vecFrom([NaN]);
    expect(() => lyapunovExponents(p, bad)).toThrow(/xs\[3\]: expected finite numbers, got NaN/);
    // Linear units with a large Whh: the state overflows, and the error names the step.
    const big = withWhh(matFrom([[1e200]]), "linear");
    expect(() => lyapunovExponents(big, zerosSeq(10), { h0: vecFrom([1]) })).toThrow(/h_t became Infinity at step 2/);
  });
  it("a non-square Whh", () => {
    const q = { ...p, Whh: zeros(2, 3) };
    expect(() => lyapunovExponents(q, zerosSeq(10))).toThrow(/p\.Whh: expected a square H×H matrix, got 2×3/);
  });
  it("xs that is not an array", () => {
    expect(() => lyapunovExponents(p, "abc" as unknown as Vec[])).toThrow(/xs: expected an array of input vectors/);
  });
});

describe("lyapunovByGain", () => {
  it("is lyapunovExponents of one network whose Whh ~ N(0, g²/H) is g times one matrix W₀", () => {
    const rows = lyapunovByGain([0.5, 2], { hidden: 8, steps: 120, warmup: 20, inputStd: 0.5, seed: 3 });
    // Rebuilt by hand in the order the sweep draws: the params (Wxh, W₀, Why), then h_0, then the inputs.
    const rng = createRng(3);
    const base = initRnnParams(rng, { input: 1, hidden: 8, output: 1, activation: "tanh", inputStd: 1, recurrentStd: 1 / Math.sqrt(8) });
    const h0 = randnVec(rng, 8);
    const xs = Array.from({ length: 120 }, () => randnVec(rng, 1, 0.5));
    rows.forEach((r, k) => {
      const g = [0.5, 2][k];
      const Whh = { ...base.Whh, data: base.Whh.data.map((v) => v * g) };
      const expected = lyapunovExponents({ ...base, Whh }, xs, { h0, warmup: 20 });
      expect(r.gain).toBe(g);
      expect(Array.from(r.exponents)).toEqual(Array.from(expected));
      expect(r.largest).toBe(expected[0]);
      expect(r.logSpectralRadius).toBeCloseTo(Math.log(spectralRadius(Whh)), 12);
    });
  });

  it("below g = 1 without input the state falls to 0, where J = Whh: λ_1 = ln ρ(Whh)", () => {
    const [r] = lyapunovByGain([0.6], { hidden: 16, steps: 1500, warmup: 300 });
    expect(Math.abs(r.largest - r.logSpectralRadius)).toBeLessThan(1e-2);
    expect(r.largest).toBeLessThan(0);
  });

  it("names the bad argument", () => {
    expect(() => lyapunovByGain([1, -1], { hidden: 4, steps: 10 })).toThrow(/gains\[1\]: expected a finite number ≥ 0, got -1/);
    expect(() => lyapunovByGain([1], { hidden: 0, steps: 10 })).toThrow(/o\.hidden: expected an integer ≥ 1, got 0/);
    expect(() => lyapunovByGain([1], { hidden: 4, steps: 10, warmup: 10 })).toThrow(/xs: expected more than options\.warmup = 10 steps/);
    expect(() => lyapunovByGain([1], { hidden: 4, steps: 10, activation: "elu" as "tanh" })).toThrow(/o\.activation/);
  });
});

describe("gradientGrowth", () => {
  const H = 32, T = 240, warmup = 40;
  const net = (g: number) =>
    initRnnParams(createRng(1), { input: 1, hidden: H, output: 1, activation: "tanh", recurrentStd: g / Math.sqrt(H) });
  const h0 = randnVec(createRng(2), H);

  it("norms[d] = ‖∂h_T/∂h_{T−d}‖₂ by jacobianProduct, and the exponents are lyapunovExponents'", () => {
    const p = net(1.5);
    const xs = noise(3, T, 0.5);
    const r = gradientGrowth(p, xs, { h0, warmup });
    const trace = rnnForward(p, xs, h0);
    expect(r.distances).toEqual(Array.from({ length: T - warmup + 1 }, (_, d) => d));
    for (const d of [0, 1, 17, T - warmup])
      expect(r.norms[d] / spectralNorm(jacobianProduct(p, trace, T - d, T))).toBeCloseTo(1, 12);
    expect(Array.from(r.exponents)).toEqual(Array.from(lyapunovExponents(p, xs, { h0, warmup })));
    expect(r.rate).toBeCloseTo(Math.log(r.norms[T - warmup]) / (T - warmup), 12);
  });

  it("the measured rate is λ_1 to O(1/d): growing for a chaotic net, shrinking for an ordered one", () => {
    for (const g of [0.6, 3]) {
      const r = gradientGrowth(net(g), zerosSeq(T), { h0, warmup });
      expect(Math.abs(r.rate - r.exponents[0])).toBeLessThan(0.03);
      expect(Math.sign(r.rate)).toBe(g < 1 ? -1 : 1);
    }
  });
});
