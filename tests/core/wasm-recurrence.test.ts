import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parallelMap } from "../../src/core/parallel";
import { NonFiniteError } from "../../src/core/errors";
import { setNativeEnabled } from "../../src/core/native/native";
import { createRng } from "../../src/core/random";
import { SIMD_ACTIVATION, simdKernels } from "../../src/core/wasm/simd";
import { kernelPair, setKernelWorkerEnabled, startKernelPair } from "../../src/core/wasm/threads";
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

afterEach(() => setKernelWorkerEnabled(true));
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

describe("a minibatch on two cores (the kernel worker)", () => {
  // big enough to be split: B ≥ 4 and T·B·H·(I + H + O) ≥ 2²²
  const B = 9, I = 24, H = 40, O = 8, T = 200;
  const p = initRnnParams(createRng(5), { input: I, hidden: H, output: O, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
  const xs = Array.from({ length: T }, () => ({ rows: B, cols: I, data: rand(B * I) }));
  const dys = Array.from({ length: T }, () => ({ rows: B, cols: O, data: rand(B * O) }));

  it("runs half the sequences on the worker, with the same trace (bit for bit) and gradients (to 1e-12) as one core", () => {
    setKernelWorkerEnabled(false);
    const tr1 = rnnForwardBatch(p, xs);
    const g1 = rnnBackwardBatch(p, xs, tr1, dys);
    setKernelWorkerEnabled(true);
    const pair = kernelPair(simdKernels()!);
    expect(pair).not.toBeNull();
    const before = pair!.workerCalls;
    const tr2 = rnnForwardBatch(p, xs);
    const g2 = rnnBackwardBatch(p, xs, tr2, dys);
    expect(pair!.workerCalls).toBe(before + 2);
    for (let t = 0; t <= T; t++) expect(tr2.hs[t].data).toEqual(tr1.hs[t].data);
    for (let t = 0; t < T; t++) expect(tr2.ys[t].data).toEqual(tr1.ys[t].data);
    for (let t = 0; t <= T; t++) expect(g2.dhs[t].data).toEqual(g1.dhs[t].data);
    for (const k of ["Wxh", "Whh", "Why"] as const) {
      const scale = Math.max(...Array.from(g1.grads[k].data, Math.abs));
      g1.grads[k].data.forEach((w, i) => expect(Math.abs(g2.grads[k].data[i] - w)).toBeLessThanOrEqual(1e-12 * scale));
    }
    // and each row is its sequence run alone (the reference, one sequence at a time)
    const b = B - 1; // a row of the worker's half
    const ref = rnnForwardReference(p, xs.map((m) => m.data.slice(b * I, (b + 1) * I)));
    for (let t = 1; t <= T; t += 17)
      ref.hs[t].forEach((h, i) => expect(Math.abs(tr2.hs[t].data[b * H + i] - h)).toBeLessThanOrEqual(1e-12));
  });

  it("relu and linear units too (relu's backward reads Z, copied in per half)", () => {
    for (const activation of ["relu", "linear"] as const) {
      const q = initRnnParams(createRng(8), { input: I, hidden: H, output: O, activation, recurrentStd: 0.5 / Math.sqrt(H) });
      setKernelWorkerEnabled(false);
      const g1 = rnnBackwardBatch(q, xs, rnnForwardBatch(q, xs), dys);
      setKernelWorkerEnabled(true);
      const before = kernelPair(simdKernels()!)!.workerCalls;
      const g2 = rnnBackwardBatch(q, xs, rnnForwardBatch(q, xs), dys);
      expect(kernelPair(simdKernels()!)!.workerCalls).toBe(before + 2);
      for (let t = 0; t <= T; t += 13) expect(g2.dhs[t].data).toEqual(g1.dhs[t].data);
      for (const k of ["Wxh", "Whh", "Why"] as const) {
        const scale = Math.max(...Array.from(g1.grads[k].data, Math.abs));
        g1.grads[k].data.forEach((w, i) => expect(Math.abs(g2.grads[k].data[i] - w)).toBeLessThanOrEqual(1e-12 * scale));
      }
    }
  });

  it("keeps working after the shared memory grows under a running worker", () => {
    const tr = rnnForwardBatch(p, xs); // the worker is up
    const T2 = 3 * T; // needs more memory than before
    const xs2 = Array.from({ length: T2 }, (_, t) => xs[t % T]);
    const tr2 = rnnForwardBatch(p, xs2);
    for (let t = 0; t <= T; t++) expect(tr2.hs[t].data).toEqual(tr.hs[t].data);
  });

  it("a NaN input in this thread's half is named, and the worker's half is waited for before the error", () => {
    const good = rnnForwardBatch(p, xs);
    const bad = xs.map((m) => ({ ...m, data: m.data.slice() }));
    bad[7].data[2 * I + 3] = NaN; // sequence 2: this thread's half (the worker's half is already running)
    expect(() => rnnForwardBatch(p, bad)).toThrow(/xs\[7\].*NaN at index 51/);
    const again = rnnForwardBatch(p, xs); // nothing left writing into the shared memory
    for (let t = 0; t <= T; t += 20) expect(again.hs[t].data).toEqual(good.hs[t].data);
  });

  it("an overflow in a sequence of the worker's half is a NonFiniteError naming the step", () => {
    const q = initRnnParams(createRng(6), { input: I, hidden: H, output: O, activation: "relu", recurrentStd: 0.1 });
    // relu units, Whh = 1e155·I: a positive unit grows by 1e155 per step and overflows at step 3 — but only in
    // the last sequence, whose inputs are positive (the others get zeros)
    q.Whh.data.fill(0);
    for (let i = 0; i < H; i++) q.Whh.data[i * H + i] = 1e155;
    q.Wxh.data.fill(1);
    q.bh.fill(0);
    const xz = Array.from({ length: T }, (_, t) => {
      const d = new Float64Array(B * I);
      if (t === 0) d.fill(1, (B - 1) * I);
      return { rows: B, cols: I, data: d };
    });
    let err: unknown;
    try {
      rnnForwardBatch(q, xz);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).step).toBe(3);
    expect((err as Error).message).toMatch(/h_t/);
  });

  it("is started from the main thread only: inside parallelMap's workers the batch runs on that worker's core", async () => {
    expect(kernelPair(simdKernels()!)).not.toBeNull();
    const fixture = { module: path.join(__dirname, "parallel-fixture.ts"), name: "hasKernelPair" };
    expect(await parallelMap([0, 1], fixture, { workers: 2 })).toEqual([false, false]);
  });

  it("a worker that never takes a call up is given up after the timeout: the call runs here, now and from then on", () => {
    const s = simdKernels()!;
    // the worker boots but never reads the control block
    const dead = startKernelPair(s, { workerSource: "setInterval(() => {}, 60_000);", pickupTimeoutMs: 200 })!;
    expect(dead).not.toBeNull();
    // two independent sums into the shared memory: one here, one "on the worker" (in the end, here too)
    // T = 3, B = 2, I = 2, H = 3, O = 1: shared weights at 0..21, then X (12), H_0..H_3 (24), Z (18), Y (6) per call
    const mk = (base: number) => ({ T: 3, B: 2, I: 2, H: 3, O: 1, kind: SIMD_ACTIVATION.tanh,
      x: base, wxt: 0, w: 6, wyt: 15, bh: 18, by: 21, h: base + 12, z: base + 36, y: base + 54 });
    const v = s.reserve(200)!;
    for (let i = 0; i < 200; i++) v[i] = 0.1 * Math.sin(i);
    const a = mk(30), b = mk(100);
    v.fill(0, a.h, a.h + 6);
    v.fill(0, b.h, b.h + 6);
    const want = v.slice(); // the same computations, both here, on a copy of the inputs
    const t0 = Date.now();
    expect(dead.run(s.forwardAllCall(b), () => s.forwardAll(a))).toEqual([-1, -1]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(dead.workerCalls).toBe(0);
    const got = v.slice(0, 200);
    v.set(want.subarray(0, 200), 0);
    s.forwardAll(a);
    s.forwardAll(b);
    expect(got).toEqual(v.slice(0, 200));
    const t1 = Date.now();
    dead.run(s.forwardAllCall(b), () => s.forwardAll(a)); // given up: no second wait
    expect(Date.now() - t1).toBeLessThan(200);
  });
});
