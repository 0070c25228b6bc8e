import { afterEach, describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, vecFrom, type Vec } from "../../src/core/tensor";
import { ACTIVATIONS } from "../../src/rnn/activation";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams, type RnnTrace } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";
import { gemmAdd, gemmTNAdd, gemvAdd } from "../../src/core/kernels";
import { setNativeEnabled } from "../../src/core/native/native";
import { setSimdEnabled } from "../../src/core/wasm/simd";

/** max_i |a_i − b_i| / max(max_i |b_i|, tiny): relative to the tensor's scale, so near-zero entries do not blow it up. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-300;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}
const seqErr = (a: Vec[], b: Vec[]) => {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((v, t) => relErr(v, b[t])));
};

function problem(seed: number, I: number, H: number, O: number, T: number, act: RnnParams["activation"]) {
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: act, recurrentStd: 0.9 / Math.sqrt(H) });
  for (let i = 0; i < H; i++) p.bh[i] = 0.1 * rng.normal();
  for (let i = 0; i < O; i++) p.by[i] = 0.1 * rng.normal();
  const xs = Array.from({ length: T }, () => randnVec(rng, I));
  const dys = Array.from({ length: T }, (_, t) => (t % 3 === 1 ? new Float64Array(O) : randnVec(rng, O)));
  return { p, xs, dys, h0: randnVec(rng, H, 0.5) };
}

describe("fast rnnForward/rnnBackward against the readable reference (1e-12 relative)", () => {
  // Shapes chosen to hit every kernel edge: 1×1, T = 1, sizes that are not multiples of the 4×4 blocks, I ≠ H ≠ O.
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1], [1, 1, 1, 9], [3, 4, 2, 1], [2, 5, 3, 7], [5, 7, 6, 13], [4, 8, 4, 12], [16, 16, 16, 30], [3, 33, 2, 17],
  ];
  for (const act of ACTIVATIONS)
    for (const [I, H, O, T] of shapes)
      it(`${act}, I=${I} H=${H} O=${O} T=${T}`, () => {
        const { p, xs, dys, h0 } = problem(I * 1000 + H * 10 + T, I, H, O, T, act);
        for (const start of [undefined, h0]) {
          const fast = rnnForward(p, xs, start);
          const ref = rnnForwardReference(p, xs, start);
          expect(seqErr(fast.hs, ref.hs)).toBeLessThan(1e-12);
          expect(seqErr(fast.zs, ref.zs)).toBeLessThan(1e-12);
          expect(seqErr(fast.ys, ref.ys)).toBeLessThan(1e-12);
          for (const truncate of [undefined, 1, 2, 5, T]) {
            const a = rnnBackward(p, xs, fast, dys, { truncate });
            const b = rnnBackwardReference(p, xs, ref, dys, { truncate });
            for (const name of ["Wxh", "Whh", "Why"] as const)
              expect(relErr(a.grads[name].data, b.grads[name].data), `${name} k=${truncate}`).toBeLessThan(1e-12);
            expect(relErr(a.grads.bh, b.grads.bh)).toBeLessThan(1e-12);
            expect(relErr(a.grads.by, b.grads.by)).toBeLessThan(1e-12);
            expect(seqErr(a.dhs, b.dhs)).toBeLessThan(1e-12);
          }
        }
      });

  it("accepts a trace of separate (non-contiguous) vectors and never mutates its inputs", () => {
    const { p, xs, dys, h0 } = problem(7, 3, 6, 2, 8, "tanh");
    const ref = rnnForwardReference(p, xs, h0); // separate arrays, not views of one buffer
    const copies = [p.Wxh.data, p.Whh.data, p.Why.data, p.bh, p.by, h0, ...xs, ...dys, ...ref.hs, ...ref.zs].map((v) => v.slice());
    const fast = rnnForward(p, xs, h0);
    const a = rnnBackward(p, xs, ref, dys);
    const b = rnnBackward(p, xs, fast, dys, { truncate: 3 });
    const after = [p.Wxh.data, p.Whh.data, p.Why.data, p.bh, p.by, h0, ...xs, ...dys, ...ref.hs, ...ref.zs];
    after.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(copies[i])));
    const r = rnnBackwardReference(p, xs, ref, dys);
    expect(relErr(a.grads.Whh.data, r.grads.Whh.data)).toBeLessThan(1e-12);
    expect(b.dhs).toHaveLength(9);
    expect(fast.hs[0]).not.toBe(h0); // h_0 is copied into the trace, not aliased
  });

  it("reports the same overflow steps as the reference (truncated path too)", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[1e30]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "tanh",
    };
    const xs = Array.from({ length: 12 }, () => vecFrom([0]));
    const trace = rnnForward(p, xs);
    const dys = xs.map(() => vecFrom([1]));
    // 1e30^11 overflows float64 on the way from step 12 to step 1, under full BPTT and with k = 12 > 11 steps.
    expect(() => rnnBackward(p, xs, trace, dys)).toThrow(/dL\/dh_t became Infinity at step 1/);
    expect(() => rnnBackward(p, xs, trace, dys, { truncate: 11 })).toThrow(/dL\/dh_t became Infinity at step/);
    const msg = (f: () => unknown) => { try { f(); } catch (e) { return (e as Error).message; } return "no error"; };
    expect(msg(() => rnnBackward(p, xs, trace, dys, { truncate: 11 }))).toBe(
      msg(() => rnnBackwardReference(p, xs, rnnForwardReference(p, xs), dys, { truncate: 11 })),
    );
  });
});

describe("kernels against the textbook sums", () => {
  const rng = createRng(3);
  const rnd = (n: number) => randnVec(rng, n);
  for (const [M, N, K] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [9, 6, 7], [13, 17, 5]])
    it(`M=${M} N=${N} K=${K}`, () => {
      const a = rnd(M * K + 3), b = rnd(K * N + 2), c0 = rnd(M * N + 1);
      // C += A B with offsets 3, 2, 1: compare with the triple loop.
      const c = c0.slice();
      gemmAdd(M, N, K, a, 3, b, 2, c, 1);
      const want = c0.slice();
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) want[1 + i * N + j] += a[3 + i * K + k] * b[2 + k * N + j];
      expect(relErr(c, want)).toBeLessThan(1e-14);
      // C += Aᵀ B with A K×M.
      const c2 = c0.slice();
      gemmTNAdd(M, N, K, a, 3, b, 2, c2, 1);
      const want2 = c0.slice();
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) want2[1 + i * N + j] += a[3 + k * M + i] * b[2 + k * N + j];
      expect(relErr(c2, want2)).toBeLessThan(1e-14);
      // y += A x.
      const y = c0.slice(0, M + 1);
      gemvAdd(M, K, a, 3, b, 2, y, 1);
      const want3 = c0.slice(0, M + 1);
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) want3[1 + i] += a[3 + i * K + k] * b[2 + k];
      expect(relErr(y, want3)).toBeLessThan(1e-14);
    });
});

describe("a trace whose rows are not what rnnForward made", () => {
  it("is refused with the row named, before anything is read from it", () => {
    const p = initRnnParams(createRng(2), { input: 2, hidden: 3, output: 2, activation: "tanh" });
    const xs = [Float64Array.of(1, 0), Float64Array.of(0, 1)];
    const tr = rnnForward(p, xs);
    const dys = tr.ys.map((y) => y.slice());
    const short = { ...tr, hs: tr.hs.map((h, t) => (t === 1 ? h.subarray(0, 2) : h)) };
    expect(() => rnnBackward(p, xs, short, dys)).toThrow(/trace\.hs\[1\]: expected length 3, got length 2/);
    const notF64 = { ...tr, zs: [tr.zs[0], Array.from(tr.zs[1]) as unknown as Float64Array] };
    expect(() => rnnBackwardReference(p, xs, notF64, dys)).toThrow(/trace\.zs\[1\]: expected a Float64Array/);
  });
});

// Every backend the fast path can take: the native kernels (where setup built them), the WebAssembly ones, and
// the JavaScript loops; sigmoid and truncation run in JavaScript whatever is switched on.
const BACKENDS: [string, () => void][] = [
  ["native", () => {}],
  ["WebAssembly", () => setNativeEnabled(false)],
  ["JavaScript", () => (setNativeEnabled(false), setSimdEnabled(false))],
];
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
};

describe("arguments that do not fit the weights: the message names the weights (fast path and reference alike)", () => {
  it("an input of the wrong length names Wxh and its shape; a ∂L/∂y_t of the wrong length names Why", () => {
    const { p, xs, dys } = problem(5, 2, 4, 3, 3, "tanh");
    const wrongX = [xs[0], Float64Array.of(1, 2, 3), xs[2]];
    const want = "xs[1]: has length 3, but p.Wxh expects inputs of size 2 (p.Wxh is 4×2)";
    expect(messageOf(() => rnnForward(p, wrongX))).toBe(want);
    expect(messageOf(() => rnnForwardReference(p, wrongX))).toBe(want);
    const tr = rnnForward(p, xs);
    expect(messageOf(() => rnnBackward(p, wrongX, tr, dys))).toBe(want);
    expect(messageOf(() => rnnBackwardReference(p, wrongX, tr, dys))).toBe(want);
    const wrongDy = [dys[0], dys[1], Float64Array.of(1)];
    const wantDy = "dys[2]: has length 1, but p.Why gives outputs y_t of size 3 (p.Why is 3×4)";
    expect(messageOf(() => rnnBackward(p, xs, tr, wrongDy))).toBe(wantDy);
    expect(messageOf(() => rnnBackwardReference(p, xs, tr, wrongDy))).toBe(wantDy);
  });
});

describe("a trace holding a NaN or ∞ is refused, naming the row and the step, not reported as an exploding gradient", () => {
  afterEach(() => (setNativeEnabled(true), setSimdEnabled(true)));
  const cause = "the trace holds a non-finite number, which rnnForward never returns (was the trace changed after rnnForward made it?)";
  for (const act of ACTIVATIONS)
    for (const [backend, use] of BACKENDS)
      for (const truncate of [undefined, 2])
        it(`${act}, ${backend}${truncate ? `, truncate ${truncate}` : ""}`, () => {
          use();
          const { p, xs, dys } = problem(11, 2, 3, 2, 5, act);
          const opts = { truncate };
          const cases: [string, (tr: RnnTrace) => void, string][] = [
            ["hs", (tr) => (tr.hs[3][1] = NaN), `trace.hs[3] (h_3, step 3): expected finite numbers, got NaN at index 1: ${cause}`],
            ["hs[0]", (tr) => (tr.hs[0][2] = -Infinity), `trace.hs[0] (h_0, step 0): expected finite numbers, got -Infinity at index 2: ${cause}`],
          ];
          // relu takes φ′ from z_t (z > 0), where a NaN would pass silently; the other units take it from h_t
          // and never read zs, so a NaN there changes nothing and is not looked for (the check costs ~10% at H = 16).
          if (act === "relu")
            cases.push(["zs", (tr) => (tr.zs[2][0] = NaN), `trace.zs[2] (z_3, step 3): expected finite numbers, got NaN at index 0: ${cause}`]);
          for (const [what, spoil, want] of cases) {
            const fast = rnnForward(p, xs);
            spoil(fast);
            expect(messageOf(() => rnnBackward(p, xs, fast, dys, opts)), what).toBe(want);
            const ref = rnnForwardReference(p, xs);
            spoil(ref);
            expect(messageOf(() => rnnBackwardReference(p, xs, ref, dys, opts)), `${what} (reference)`).toBe(want);
          }
          if (act !== "relu") {
            const clean = rnnBackwardReference(p, xs, rnnForwardReference(p, xs), dys, opts);
            const fast = rnnForward(p, xs);
            fast.zs[2][0] = NaN;
            expect(relErr(rnnBackward(p, xs, fast, dys, opts).grads.Whh.data, clean.grads.Whh.data)).toBeLessThan(1e-12);
          }
        });
});
