import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setNativeEnabled } from "../../src/core/native/native";
import { createRng } from "../../src/core/random";
import { SIMD_ACTIVATION, simdKernels } from "../../src/core/wasm/simd";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";

const rng = createRng(11);
const rand = (n: number, scale = 1) => Float64Array.from({ length: n }, () => scale * rng.normal());

/** Distance in units in the last place between two doubles of the same sign (0 when equal). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  const v = new DataView(new ArrayBuffer(16));
  v.setFloat64(0, a);
  v.setFloat64(8, b);
  return Math.abs(Number(v.getBigInt64(0) - v.getBigInt64(8)));
}

// This file tests the WebAssembly path, which the native kernels (tests/core/native.test.ts) would otherwise take
// over wherever they are built.
beforeAll(() => setNativeEnabled(false));
afterAll(() => setNativeEnabled(true));

describe("the kernels' own tanh", () => {
  it("is within 4 ulps of Math.tanh from 1e-300 to 30, both signs, including odd lengths", () => {
    const s = simdKernels()!;
    let worst = 0;
    for (const scale of [1e-300, 1e-12, 1e-4, 0.05, 0.17, 0.35, 0.7, 1.5, 4, 12, 19.5, 30]) {
      const n = 20001; // odd: the last entry goes through lane 0 alone
      const v = s.reserve(2 * n)!;
      for (let i = 0; i < n; i++) v[i] = (2 * rng.uniform() - 1) * scale;
      expect(s.act(SIMD_ACTIVATION.tanh, n, 0, n)).toBe(false);
      for (let i = 0; i < n; i++) worst = Math.max(worst, ulps(v[n + i], Math.tanh(v[i])));
    }
    expect(worst).toBeLessThanOrEqual(4);
  });

  it("gives exactly what Math.tanh gives at ±0, ±∞, NaN, subnormals and past the point where tanh rounds to 1", () => {
    const s = simdKernels()!;
    const xs = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1e-310, 19.1, -19.1, 20, 710, -1e308];
    const v = s.reserve(2 * xs.length)!;
    v.set(xs, 0);
    expect(s.act(SIMD_ACTIVATION.tanh, xs.length, 0, xs.length)).toBe(true); // the NaN
    xs.forEach((x, i) => expect(Object.is(v[xs.length + i], Math.tanh(x))).toBe(true));
  });

  it("relu and linear rows equal their JavaScript definitions, and report a non-finite result", () => {
    const s = simdKernels()!;
    const z = [1.5, -2, 0, -0, NaN, Infinity, -Infinity, 3];
    const v = s.reserve(2 * z.length)!;
    v.set(z, 0);
    expect(s.act(SIMD_ACTIVATION.relu, z.length, 0, z.length)).toBe(true); // +∞ stays ∞
    z.forEach((x, i) => expect(Object.is(v[z.length + i], x > 0 ? x : 0)).toBe(true));
    v.set(z, 0);
    expect(s.act(SIMD_ACTIVATION.linear, 3, 0, z.length)).toBe(false);
    expect(Array.from(v.subarray(z.length, z.length + 3))).toEqual([1.5, -2, 0]);
  });

  it("nonfinite finds a NaN or ∞ at any position of odd and even lengths", () => {
    const s = simdKernels()!;
    for (const n of [1, 2, 3, 4, 5, 8, 9, 33]) {
      const v = s.reserve(n)!;
      v.fill(1.25, 0, n);
      expect(s.nonfinite(n, 0)).toBe(false);
      for (const bad of [NaN, Infinity, -Infinity])
        for (let i = 0; i < n; i++) {
          v.fill(1.25, 0, n);
          v[i] = bad;
          expect(s.nonfinite(n, 0)).toBe(true);
        }
    }
  });
});

describe("the whole recurrence in the kernels", () => {
  it("rnnForward/rnnBackward equal the readable reference to 1e-12 for tanh, relu and linear, H odd and even", () => {
    for (const activation of ["tanh", "relu", "linear"] as const)
      for (const [I, H, O, T] of [[3, 5, 2, 7], [4, 16, 4, 30], [1, 1, 1, 1]]) {
        const p = initRnnParams(createRng(I * H + T), { input: I, hidden: H, output: O, activation, recurrentStd: 0.8 / Math.sqrt(H) });
        const xs = Array.from({ length: T }, () => rand(I));
        const dys = Array.from({ length: T }, () => rand(O));
        const got = rnnBackward(p, xs, rnnForward(p, xs), dys);
        const want = rnnBackwardReference(p, xs, rnnForwardReference(p, xs), dys);
        for (const k of ["Wxh", "Whh", "Why"] as const) {
          const scale = Math.max(1e-300, ...Array.from(want.grads[k].data, Math.abs));
          want.grads[k].data.forEach((w, i) => expect(Math.abs(got.grads[k].data[i] - w)).toBeLessThanOrEqual(1e-12 * scale));
        }
        for (const k of ["bh", "by"] as const) {
          const scale = Math.max(1e-300, ...Array.from(want.grads[k], Math.abs));
          want.grads[k].forEach((w, i) => expect(Math.abs(got.grads[k][i] - w)).toBeLessThanOrEqual(1e-12 * scale));
        }
      }
  });
});

describe("a minibatch on the WebAssembly kernels", () => {
  const B = 9, I = 24, H = 40, O = 8, T = 200;
  const xs = Array.from({ length: T }, () => ({ rows: B, cols: I, data: rand(B * I) }));
  const dys = Array.from({ length: T }, () => ({ rows: B, cols: O, data: rand(B * O) }));

  it("each row is its sequence run alone through the readable reference, to 1e-12: tanh, relu, linear", () => {
    for (const activation of ["tanh", "relu", "linear"] as const) {
      const p = initRnnParams(createRng(8), { input: I, hidden: H, output: O, activation, recurrentStd: 0.7 / Math.sqrt(H) });
      const tr = rnnForwardBatch(p, xs);
      const back = rnnBackwardBatch(p, xs, tr, dys);
      const sums = [back.grads.Wxh, back.grads.Whh, back.grads.Why].map((g) => new Float64Array(g.data.length));
      for (let b = 0; b < B; b++) {
        const row = (m: { cols: number; data: Float64Array }) => m.data.slice(b * m.cols, (b + 1) * m.cols);
        const ref = rnnForwardReference(p, xs.map(row));
        for (let t = 1; t <= T; t += 17) ref.hs[t].forEach((h, i) => expect(Math.abs(tr.hs[t].data[b * H + i] - h)).toBeLessThanOrEqual(1e-12));
        const g = rnnBackwardReference(p, xs.map(row), ref, dys.map(row)).grads;
        [g.Wxh, g.Whh, g.Why].forEach((m, k) => m.data.forEach((v, j) => (sums[k][j] += v)));
      }
      [back.grads.Wxh, back.grads.Whh, back.grads.Why].forEach((g, k) => {
        const scale = Math.max(...Array.from(sums[k], Math.abs));
        sums[k].forEach((w, j) => expect(Math.abs(g.data[j] - w)).toBeLessThanOrEqual(1e-12 * scale));
      });
    }
  });
});
