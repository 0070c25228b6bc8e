import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeWorkerPools, parallelMap } from "../../src/core/parallel";
import { NonFiniteError } from "../../src/core/errors";
import { nativeKernels, nativeStatus, setNativeEnabled } from "../../src/core/native/native";
import { createRng } from "../../src/core/random";
import type { Mat } from "../../src/core/tensor";
import { SIMD_ACTIVATION, simdKernels } from "../../src/core/wasm/simd";
import { rnnBackwardBatch, rnnForwardBatch } from "../../src/rnn/batch";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../../src/rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../../src/rnn/vanilla-reference";
import { expectClose } from "../rnn/helpers";

const root = path.resolve(__dirname, "../..");
const rng = createRng(31);
const rand = (n: number, scale = 1) => Float64Array.from({ length: n }, () => scale * rng.normal());
const randMat = (rows: number, cols: number): Mat => ({ rows, cols, data: rand(rows * cols) });


const gradList = (g: { Wxh: Mat; Whh: Mat; bh: Float64Array; Why: Mat; by: Float64Array }) => [g.Wxh.data, g.Whh.data, g.bh, g.Why.data, g.by];

afterEach(() => setNativeEnabled(true));
afterAll(() => closeWorkerPools());

describe("the native kernels (kernels.c on OpenBLAS)", () => {
  it("are built by setup and load here", () => {
    expect(nativeKernels(), nativeStatus()).not.toBeNull();
    expect(nativeStatus()).toMatch(/^OpenBLAS \d+\.\d+\.\d+ \(\w+ kernels\); a large pass on 2 threads$/);
    expect(nativeKernels()!.blas.threads).toBe(1); // OpenBLAS itself single-threaded: the passes split the work
  });

  it("tanh is the WebAssembly kernels' tanh bit for bit (so within their 4 ulps of Math.tanh), specials included", () => {
    const k = nativeKernels()!, s = simdKernels()!;
    const xs = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1e-310, 19.1, -19.1, 20, 710, -1e308];
    for (const scale of [1e-300, 1e-8, 0.05, 0.35, 1.5, 12, 30]) for (let i = 0; i < 2001; i++) xs.push((2 * rng.uniform() - 1) * scale);
    const n = xs.length;
    const kv = k.reserve(2 * n)!, sv = s.reserve(2 * n)!;
    kv.set(xs, 0);
    sv.set(xs, 0);
    expect(k.act(SIMD_ACTIVATION.tanh, n, 0, n)).toBe(true); // the NaN
    expect(s.act(SIMD_ACTIVATION.tanh, n, 0, n)).toBe(true);
    for (let i = 0; i < n; i++) expect(Object.is(kv[n + i], sv[n + i])).toBe(true);
    for (let i = 0; i < 13; i++) expect(Object.is(kv[n + i], Math.tanh(xs[i]))).toBe(true);
  });

  it("relu, linear and the NaN/∞ check agree with their definitions", () => {
    const k = nativeKernels()!;
    const z = [1.5, -2, 0, -0, NaN, Infinity, -Infinity, 3];
    const v = k.reserve(2 * z.length)!;
    v.set(z, 0);
    expect(k.act(SIMD_ACTIVATION.relu, z.length, 0, z.length)).toBe(true); // +∞ stays ∞
    z.forEach((x, i) => expect(Object.is(v[z.length + i], x > 0 ? x : 0)).toBe(true));
    expect(k.act(SIMD_ACTIVATION.linear, 3, 0, z.length)).toBe(false);
    // every position of lengths around the vector widths (2, 4, 8 doubles): the vectorised body and the tail
    for (const n of [1, 2, 5, 8, 9, 16, 33]) {
      const w = new Float64Array(n + 1).fill(NaN).subarray(1); // a view: the NaN just before it is not its own
      w.fill(1.25);
      expect(k.nonfinite(w)).toBe(false);
      for (const bad of [NaN, Infinity, -Infinity])
        for (let i = 0; i < n; i++) {
          w[i] = bad;
          expect(k.nonfinite(w)).toBe(true);
          w[i] = 1.25;
        }
      w[0] = Number.MAX_VALUE; // the largest finite double is finite
      expect(k.nonfinite(w)).toBe(false);
    }
  });

  it("rnnForward/rnnBackward equal the readable reference to 1e-12: tanh, relu, linear; small, odd and split sizes", () => {
    // [I, H, O, T]: tiny; H = 16 (the hand loop for small H); H = 64 T = 900 (large enough to use the helper thread)
    const split0 = nativeKernels()!.helperPasses;
    for (const activation of ["tanh", "relu", "linear"] as const)
      for (const [I, H, O, T] of [[1, 1, 1, 1], [3, 5, 2, 7], [4, 16, 4, 30], [7, 64, 5, 900]]) {
        const p = initRnnParams(createRng(I * H + T), { input: I, hidden: H, output: O, activation, recurrentStd: 0.8 / Math.sqrt(H) });
        const xs = Array.from({ length: T }, () => rand(I));
        const dys = Array.from({ length: T }, () => rand(O));
        const tr = rnnForward(p, xs);
        const want = rnnForwardReference(p, xs);
        want.hs.forEach((h, t) => expectClose(tr.hs[t], h));
        want.ys.forEach((y, t) => expectClose(tr.ys[t], y));
        const got = rnnBackward(p, xs, tr, dys);
        const ref = rnnBackwardReference(p, xs, want, dys);
        gradList(ref.grads).forEach((g, i) => expectClose(gradList(got.grads)[i], g));
        ref.dhs.forEach((d, t) => expectClose(got.dhs[t], d));
      }
    expect(nativeKernels()!.helperPasses).toBe(split0 + 6); // the H = 64 runs, forward and backward, for each φ
  });

  it("a minibatch equals the reference run one sequence at a time, B odd (unequal halves), each activation", () => {
    const B = 7, I = 24, H = 40, O = 8, T = 240; // T·B·H·(I + H + O) ≈ 4.8e6: the two parts run at once
    for (const activation of ["tanh", "relu", "linear"] as const) {
      const split0 = nativeKernels()!.helperPasses;
      const p = initRnnParams(createRng(9), { input: I, hidden: H, output: O, activation, recurrentStd: 0.7 / Math.sqrt(H) });
      const xs = Array.from({ length: T }, () => randMat(B, I));
      const dys = Array.from({ length: T }, () => randMat(B, O));
      const h0 = randMat(B, H);
      const tr = rnnForwardBatch(p, xs, h0);
      const back = rnnBackwardBatch(p, xs, tr, dys);
      expect(nativeKernels()!.helperPasses).toBe(split0 + 2);
      const sums = gradList(back.grads).map((g) => new Float64Array(g.length));
      for (const b of [0, 3, 4, 6]) { // both sides of the split (rows 0–3 and 4–6)
        const row = (m: Mat) => m.data.slice(b * m.cols, (b + 1) * m.cols);
        const ref = rnnForwardReference(p, xs.map(row), row(h0));
        ref.hs.forEach((h, t) => expectClose(row(tr.hs[t]), h));
        ref.ys.forEach((y, t) => expectClose(row(tr.ys[t]), y));
        const rb = rnnBackwardReference(p, xs.map(row), ref, dys.map(row));
        rb.dhs.forEach((d, t) => expectClose(row(back.dhs[t]), d));
      }
      for (let b = 0; b < B; b++) {
        const row = (m: Mat) => m.data.slice(b * m.cols, (b + 1) * m.cols);
        const rb = rnnBackwardReference(p, xs.map(row), rnnForwardReference(p, xs.map(row), row(h0)), dys.map(row));
        gradList(rb.grads).forEach((g, i) => g.forEach((v, j) => (sums[i][j] += v)));
      }
      sums.forEach((s, i) => expectClose(gradList(back.grads)[i], s));
    }
  });

  it("gives the same numbers bit for bit with the helper thread (main thread) and without (a parallelMap worker)", async () => {
    const fixture = { module: path.join(__dirname, "parallel-fixture.ts"), name: "nativeBatchGrads" };
    const { nativeBatchGrads } = await import("./parallel-fixture");
    const split0 = nativeKernels()!.helperPasses;
    const here = nativeBatchGrads();
    expect(nativeKernels()!.helperPasses).toBe(split0 + 2); // here, forward and backward each ran on two threads
    const [there] = (await parallelMap([0], fixture, { workers: 1 })) as ReturnType<typeof nativeBatchGrads>[];
    expect(here.native && there.native).toBe(true);
    expect(there.hT).toEqual(here.hT);
    there.grads.forEach((g, i) => expect(g).toEqual(here.grads[i]));
  });

  it("agrees with the WebAssembly kernels (setNativeEnabled(false)) to 1e-12", () => {
    const B = 5, I = 9, H = 33, O = 4, T = 60;
    const p = initRnnParams(createRng(4), { input: I, hidden: H, output: O, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
    const xs = Array.from({ length: T }, () => randMat(B, I));
    const dys = Array.from({ length: T }, () => randMat(B, O));
    const a = rnnBackwardBatch(p, xs, rnnForwardBatch(p, xs), dys);
    setNativeEnabled(false);
    expect(nativeKernels()).toBeNull();
    expect(nativeStatus()).toMatch(/switched off/);
    const b = rnnBackwardBatch(p, xs, rnnForwardBatch(p, xs), dys);
    gradList(b.grads).forEach((g, i) => expectClose(gradList(a.grads)[i], g));
  });
});

describe("non-finite numbers in the native passes", () => {
  const B = 6, I = 8, H = 32, T = 600; // split: sequences 0–2 here, 3–5 on the helper

  /** relu units with Whh = 1e155·I: a positive unit grows by 1e155 per step, so sequence b overflows at step 3. */
  function overflowing(b: number): { p: RnnParams; xs: Mat[] } {
    const p = initRnnParams(createRng(6), { input: I, hidden: H, output: 2, activation: "relu", recurrentStd: 0.1 });
    p.Whh.data.fill(0);
    for (let i = 0; i < H; i++) p.Whh.data[i * H + i] = 1e155;
    p.Wxh.data.fill(1);
    p.bh.fill(0);
    const xs = Array.from({ length: T }, (_, t) => {
      const d = new Float64Array(B * I);
      if (t === 0) d.fill(1, b * I, (b + 1) * I);
      return { rows: B, cols: I, data: d };
    });
    return { p, xs };
  }

  for (const b of [0, B - 1])
    it(`an overflow of sequence ${b} in the forward pass is a NonFiniteError naming step 3`, () => {
      const { p, xs } = overflowing(b);
      const split0 = nativeKernels()!.helperPasses;
      let err: unknown;
      try {
        rnnForwardBatch(p, xs);
      } catch (e) {
        err = e;
      }
      expect(nativeKernels()!.helperPasses).toBe(split0 + 1); // the pass ran on two threads
      expect(err).toBeInstanceOf(NonFiniteError);
      expect((err as NonFiniteError).step).toBe(3);
      expect((err as Error).message).toMatch(/h_t/);
    });

  for (const b of [1, B - 2])
    it(`an overflow of sequence ${b} going backwards names the same step as the reference`, () => {
      // linear units, Whh = 10·I: ∂L/∂h grows tenfold per step back from ∂L/∂y_T = 1e300 (inputs 0, so the
      // forward pass stays at zero)
      const p = initRnnParams(createRng(2), { input: I, hidden: H, output: H, activation: "linear", recurrentStd: 0.1 });
      p.Whh.data.fill(0);
      p.Why.data.fill(0);
      for (let i = 0; i < H; i++) (p.Whh.data[i * H + i] = 10), (p.Why.data[i * H + i] = 1);
      const xs = Array.from({ length: T }, () => ({ rows: B, cols: I, data: new Float64Array(B * I) }));
      const dys = Array.from({ length: T }, (_, t) => {
        const d = new Float64Array(B * H);
        if (t === T - 1) d.fill(1e300, b * H, (b + 1) * H);
        return { rows: B, cols: H, data: d };
      });
      const stepOf = (f: () => unknown): number => {
        try {
          f();
        } catch (e) {
          expect(e).toBeInstanceOf(NonFiniteError);
          return (e as NonFiniteError).step;
        }
        return -1;
      };
      const row = (m: Mat) => m.data.slice(b * m.cols, (b + 1) * m.cols);
      const want = stepOf(() => rnnBackwardReference(p, xs.map(row), rnnForwardReference(p, xs.map(row)), dys.map(row)));
      expect(want).toBe(T - 9); // 1e300·10⁹ > 1.8e308
      const split0 = nativeKernels()!.helperPasses;
      expect(stepOf(() => rnnBackwardBatch(p, xs, rnnForwardBatch(p, xs), dys))).toBe(want);
      expect(nativeKernels()!.helperPasses).toBe(split0 + 2); // both passes ran on two threads
    });

  it("a NaN in the inputs is named by the caller's check, entry and step", () => {
    const p = initRnnParams(createRng(3), { input: I, hidden: H, output: 2, activation: "tanh" });
    const xs = Array.from({ length: T }, () => randMat(B, I));
    xs[41].data[5 * I + 2] = NaN;
    expect(() => rnnForwardBatch(p, xs)).toThrow(/xs\[41\].*NaN at index 42/);
  });
});

describe("the native kernels' own checks (the addon is not handed a short operand silently)", () => {
  // T = 2, B = 1, I = 1, H = 2, O = 1: each operand as long as its sizes ask
  const f64 = (n: number) => new Float64Array(n).fill(0.5);
  const args = () => ({
    T: 2, B: 1, I: 1, H: 2, O: 1, kind: 1,
    x: f64(2), wxh: f64(2), whh: f64(4), why: f64(2), bh: f64(2), by: f64(1), h: f64(6), z: f64(4), y: f64(2),
  });

  it("an operand shorter than its sizes ask is a RangeError naming it and the length it needs, and nothing is written", () => {
    const k = nativeKernels()!;
    const a = { ...args(), y: f64(1) };
    expect(() => k.forwardAll(a)).toThrow(/forwardAll: y: expected at least T·B·O = 2 doubles, got a Float64Array of 1/);
    expect([...a.h, ...a.z, ...a.y].every((v) => v === 0.5)).toBe(true); // nothing written
    const b = args();
    expect(k.forwardAll(b)).toBe(-1); // the same call with y long enough runs
    expect(b.y.every((v) => v !== 0.5)).toBe(true);
    const back = { ...b, dy: f64(2), dh: f64(6), dz: f64(4), gx: f64(2), gh: f64(4), gy: f64(1), gbh: f64(2), gby: f64(1) };
    expect(() => k.backwardAll(back)).toThrow(/backwardAll: gy: expected at least O·H = 2 doubles, got a Float64Array of 1/);
    expect(k.backwardAll({ ...back, gy: f64(2) })).toBe(-1);
  });

  it("sizes below 1 and unknown kinds are RangeErrors naming them", () => {
    const k = nativeKernels()!;
    expect(() => k.forwardAll({ ...args(), T: 0 })).toThrow(/forwardAll: T: expected a size of at least 1, got 0/);
    expect(() => k.forwardAll({ ...args(), kind: 3 })).toThrow(/forwardAll: kind: expected 0 \(linear\), 1 \(tanh\) or 2 \(relu\), got 3/);
  });
});

describe("building the native kernels (setup's step 5, src/core/native/build.cjs)", () => {
  const script = path.join(root, "src/core/native/build.cjs");
  const run = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [script, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

  it("builds into an empty folder, loads the result, then has nothing to do", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "native-build-"));
    try {
      const first = run({ EXPLODING_GRADIENTS_NATIVE_DIR: dir });
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/native kernels: built .*kernels-[0-9a-f]{16}-linux-x64\.node \(OpenBLAS core \w+\)/);
      expect(fs.readdirSync(dir)).toHaveLength(1);
      const again = run({ EXPLODING_GRADIENTS_NATIVE_DIR: dir }, "--quiet");
      expect([again.status, again.stdout, again.stderr]).toEqual([0, "", ""]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without a build, nativeKernels() is null and nativeStatus() says why (beside an older build: that kernels.c changed)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "native-none-"));
    const probe = (): string => {
      // a fresh process: this one has loaded its build already
      const code = `const n = require(${JSON.stringify(path.join(root, "src/core/native/native.ts"))}); console.log(JSON.stringify([n.nativeStatus(), n.nativeKernels() === null]));`;
      const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", code], {
        encoding: "utf8",
        cwd: root,
        env: { ...process.env, EXPLODING_GRADIENTS_NATIVE_DIR: dir },
      });
      expect(r.stderr).toBe("");
      return r.stdout;
    };
    try {
      expect(JSON.parse(probe())).toEqual(["not built (npm run setup builds them; it says why it cannot)", true]);
      fs.writeFileSync(path.join(dir, "kernels-0000000000000000-linux-x64.node"), "");
      expect(JSON.parse(probe())[0]).toMatch(/^not built for the current kernels\.c, which changed since the last build/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what is missing and exits 1 when there is no C compiler, installing nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "native-build-"));
    try {
      const r = run({ EXPLODING_GRADIENTS_NATIVE_DIR: dir, CC: "/nonexistent/cc" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/native kernels: not built: no C compiler: \/nonexistent\/cc/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
