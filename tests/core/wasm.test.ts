import { readFileSync } from "fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random";
import { gemmAdd, gemmTNAdd } from "../../src/core/kernels";
import { assembleKernels, GENERATED_PATH, generatedModuleText } from "../../src/core/wasm/build";
import { gemmAddFast, gemmTNAddFast, setSimdEnabled, simdKernels } from "../../src/core/wasm/simd";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { NonFiniteError } from "../../src/core/errors";
import { setNativeEnabled } from "../../src/core/native/native";

const rng = createRng(7);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

// The independent formulas: plain triple loops.
function naiveGemv(m: number, n: number, a: Float64Array, x: Float64Array, y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i] += a[i * n + j] * x[j];
  return out;
}
function naiveGemm(M: number, N: number, K: number, at: (i: number, k: number) => number, b: Float64Array, c: Float64Array) {
  const out = Float64Array.from(c);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) out[i * N + j] += at(i, k) * b[k * N + j];
  return out;
}
function expectClose(got: Float64Array, want: Float64Array) {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-12 * scale);
}

// Sizes that are and are not multiples of the kernels' blocks (4 rows, 2- and 4-wide columns).
const SIZES = [1, 3, 5, 17, 64, 129];

afterEach(() => setSimdEnabled(true));
// This file tests the WebAssembly path, which the native kernels (tests/core/native.test.ts) would otherwise take
// over wherever they are built.
beforeAll(() => setNativeEnabled(false));
afterAll(() => setNativeEnabled(true));

describe("WebAssembly SIMD kernels", () => {
  it("load on this Node (SIMD128 is on by default since Node 16.4)", () => {
    expect(simdKernels()).not.toBeNull();
  });

  it("the committed kernels-generated.ts is byte-for-byte what kernels.wat assembles to", async () => {
    const text = generatedModuleText(await assembleKernels());
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(text);
  });

  it("gemv: y += A x against the triple loop, accumulating into y", () => {
    const s = simdKernels()!;
    for (const m of SIZES)
      for (const n of SIZES) {
        const a = rand(m * n), x = rand(n), y = rand(m);
        const v = s.reserve(m * n + n + m + 3)!;
        // odd positions: the kernels must not rely on 16-byte alignment
        v.set(a, 1);
        v.set(x, 1 + m * n);
        v.set(y, 1 + m * n + n);
        s.gemv(m, n, 1, 1 + m * n, 1 + m * n + n);
        expectClose(v.slice(1 + m * n + n, 1 + m * n + n + m), naiveGemv(m, n, a, x, y));
      }
  });

  it("gemm and gemmᵀ (strided A) against the triple loop on odd sizes", () => {
    const s = simdKernels()!;
    for (const M of SIZES)
      for (const N of [1, 3, 5, 17, 64])
        for (const K of [1, 5, 17, 64]) {
          const a = rand(M * K), b = rand(K * N), c = rand(M * N);
          const v = s.reserve(M * K + K * N + M * N + 1)!;
          v.set(a, 1);
          v.set(b, 1 + M * K);
          v.set(c, 1 + M * K + K * N);
          s.gemm(M, N, K, 1, K, 1, 1 + M * K, 1 + M * K + K * N);
          const pc = 1 + M * K + K * N;
          expectClose(v.slice(pc, pc + M * N), naiveGemm(M, N, K, (i, k) => a[i * K + k], b, c));
          // A stored as K×M, read transposed
          v.set(c, pc);
          s.gemm(M, N, K, 1, 1, M, 1 + M * K, pc);
          expectClose(v.slice(pc, pc + M * N), naiveGemm(M, N, K, (i, k) => a[k * M + i], b, c));
        }
  });

  it("gemmAddFast/gemmTNAddFast equal the JavaScript kernels, with offsets, SIMD on and off", () => {
    for (const on of [true, false]) {
      setSimdEnabled(on);
      for (const [M, N, K] of [[1, 1, 1], [3, 5, 17], [17, 3, 5], [64, 129, 5], [5, 17, 129]]) {
        const a = rand(M * K + 2), b = rand(K * N + 3), c = rand(M * N + 4);
        const want = Float64Array.from(c);
        gemmAdd(M, N, K, a, 2, b, 3, want, 4);
        const got = Float64Array.from(c);
        gemmAddFast(M, N, K, a, 2, b, 3, got, 4);
        expectClose(got, want);
        const wantT = Float64Array.from(c);
        gemmTNAdd(M, N, K, a, 2, b, 3, wantT, 4);
        const gotT = Float64Array.from(c);
        gemmTNAddFast(M, N, K, a, 2, b, 3, gotT, 4);
        expectClose(gotT, wantT);
      }
    }
  });

  it("reserve answers null past what 32-bit WebAssembly memory can hold, and leaves the memory usable", () => {
    const s = simdKernels()!;
    // 2^30 doubles = 8 GiB: more than a wasm32 memory can ever grow to (4 GiB), so grow must fail
    expect(s.reserve(2 ** 30)).toBeNull();
    const v = s.reserve(8)!;
    v.set([1, 2, 3, 4, 0.5], 0);
    s.gemv(1, 2, 0, 2, 4); // v[4] += 1·3 + 2·4
    expect(v[4]).toBe(11.5);
  });

  it("the inputs of gemmAddFast are not written to", () => {
    const a = rand(12), b = rand(12), c = rand(9);
    const a0 = Float64Array.from(a), b0 = Float64Array.from(b);
    gemmAddFast(3, 3, 4, a, 0, b, 0, c, 0);
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
  });

  it("with SIMD switched off, simdKernels() is null and the RNN falls back to the same results", () => {
    const p = initRnnParams(createRng(3), { input: 5, hidden: 17, output: 3, activation: "tanh" });
    const xs = Array.from({ length: 9 }, () => rand(5));
    const dys = Array.from({ length: 9 }, () => rand(3));
    const fast = rnnForward(p, xs);
    const gFast = rnnBackward(p, xs, fast, dys).grads;
    setSimdEnabled(false);
    expect(simdKernels()).toBeNull();
    const slow = rnnForward(p, xs);
    const gSlow = rnnBackward(p, xs, slow, dys).grads;
    const ref = rnnForwardReference(p, xs);
    const gRef = rnnBackwardReference(p, xs, ref, dys).grads;
    for (let t = 0; t < 9; t++) {
      expectClose(fast.ys[t], ref.ys[t]);
      expectClose(slow.ys[t], ref.ys[t]);
    }
    for (const k of ["Wxh", "Whh", "Why"] as const) {
      expectClose(gFast[k].data, gRef[k].data);
      expectClose(gSlow[k].data, gRef[k].data);
    }
    // truncated BPTT (k = 3 < T = 9), whose carried mat-vecs run in WASM memory too: off, then on
    const trRef = rnnBackwardReference(p, xs, ref, dys, { truncate: 3 });
    for (const on of [false, true]) {
      setSimdEnabled(on);
      const tr = rnnBackward(p, xs, rnnForward(p, xs), dys, { truncate: 3 });
      expectClose(tr.grads.Whh.data, trRef.grads.Whh.data);
      expectClose(tr.grads.Wxh.data, trRef.grads.Wxh.data);
      for (let t = 0; t <= 9; t++) expectClose(tr.dhs[t], trRef.dhs[t]);
    }
    setSimdEnabled(false);
    // the batch version too: B = 3 sequences, SIMD off vs on
    const bx = Array.from({ length: 4 }, () => ({ rows: 3, cols: 5, data: rand(15) }));
    const bdy = Array.from({ length: 4 }, () => ({ rows: 3, cols: 3, data: rand(9) }));
    const offTr = rnnForwardBatch(p, bx);
    const off = rnnBackwardBatch(p, bx, offTr, bdy).grads;
    setSimdEnabled(true);
    const onTr = rnnForwardBatch(p, bx);
    const on = rnnBackwardBatch(p, bx, onTr, bdy).grads;
    expectClose(onTr.ys[3].data, offTr.ys[3].data);
    expectClose(on.Whh.data, off.Whh.data);
  });

  it("an overflow inside the SIMD recurrence is still a NonFiniteError naming the step", () => {
    // linear units with Whh = 1e200·I: h_1 = 1e200·x... h_2 overflows to Infinity at step 2
    const p = initRnnParams(createRng(1), { input: 1, hidden: 4, output: 1, activation: "linear" });
    p.Wxh.data.fill(1);
    p.Whh.data.fill(0);
    for (let i = 0; i < 4; i++) p.Whh.data[i * 5] = 1e200;
    p.bh.fill(0);
    const xs = [Float64Array.of(1e200), Float64Array.of(0), Float64Array.of(0)];
    let err: unknown;
    try {
      rnnForward(p, xs);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).step).toBe(2);
  });
});
