import { describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import { identity, matFrom, matmul, vecFrom, type Mat, type Vec } from "../../src/core/tensor";
import { ACTIVATIONS, type Activation } from "../../src/rnn/activation";
import { gradCheck } from "../../src/rnn/gradcheck";
import { squaredError } from "../../src/rnn/loss";
import { initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward, type RnnGrads, type RnnParams } from "../../src/rnn/vanilla";
import { lossOf, randomInputs, randomTargets, windowedSquaredLoss, type LossKind } from "./helpers";

function problem(seed: number, I: number, H: number, O: number, T: number, activation: Activation) {
  const rng = createRng(seed);
  const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation, recurrentStd: 0.9 / Math.sqrt(H) });
  for (let i = 0; i < H; i++) p.bh[i] = 0.1 * rng.normal();
  for (let i = 0; i < O; i++) p.by[i] = 0.1 * rng.normal();
  const xs = randomInputs(rng, I, T);
  const h0 = randnVec(rng, H, 0.5);
  const { targets, labels } = randomTargets(rng, O, T);
  return { p, xs, h0, targets, labels };
}

const tensorsOf = (p: RnnParams | RnnGrads) => ({ Wxh: p.Wxh, Whh: p.Whh, bh: p.bh, Why: p.Why, by: p.by });

describe("rnnBackward against central differences", () => {
  const sizes: [number, number, number, number][] = [
    [1, 1, 1, 1], // 1×1, T = 1
    [1, 1, 1, 7],
    [3, 4, 2, 1], // T = 1
    [2, 5, 3, 6],
    [4, 8, 4, 12],
  ];
  for (const activation of ACTIVATIONS)
    for (const kind of ["squared", "xent"] as LossKind[])
      for (const [I, H, O, T] of sizes) {
        if (kind === "xent" && O === 1) continue; // one class: the loss is identically 0
        it(`${activation}, ${kind}, I=${I} H=${H} O=${O} T=${T}`, () => {
          const pr = problem(I * 100 + H * 10 + T, I, H, O, T, activation);
          const { p, xs, h0 } = pr;
          const trace = rnnForward(p, xs, h0);
          const { dys } = lossOf(kind, trace.ys, pr);
          const { grads, dhs } = rnnBackward(p, xs, trace, dys);
          const f = () => lossOf(kind, rnnForward(p, xs, h0).ys, pr).loss;
          const report = gradCheck(f, { ...tensorsOf(p), h0 }, { ...tensorsOf(grads), h0: dhs[0] });
          expect(report.tensors.filter((t) => !t.ok)).toEqual([]);
          expect(report.ok).toBe(true);
        });
      }

  it("gives dhs[t] = ∂L/∂h_t for every t (perturbing h_t inside the forward pass)", () => {
    const pr = problem(11, 3, 4, 2, 6, "tanh");
    const trace = rnnForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    const { dhs } = rnnBackward(pr.p, pr.xs, trace, dys);
    for (let t = 1; t <= 6; t++) {
      // Restart from a perturbed h_t: y_1..y_{t−1} stay fixed, y_t = Why h_t + by, the rest is rerun from h_t.
      const h = trace.hs[t].slice();
      const f = () => {
        const tail = t < 6 ? rnnForward(pr.p, pr.xs.slice(t), h).ys : [];
        return squaredError([...trace.ys.slice(0, t - 1), outputOf(pr.p, h), ...tail], pr.targets).loss;
      };
      const report = gradCheck(f, { h }, { h: dhs[t] });
      expect(report.ok, `t=${t}: ${JSON.stringify(report.tensors[0].worst)}`).toBe(true);
    }
  });
});

function outputOf(p: RnnParams, h: Vec): Vec {
  const y = p.by.slice();
  for (let i = 0; i < p.Why.rows; i++) for (let j = 0; j < p.Why.cols; j++) y[i] += p.Why.data[i * p.Why.cols + j] * h[j];
  return y;
}

describe("truncated BPTT", () => {
  it("equals full BPTT when k ≥ T", () => {
    const pr = problem(21, 2, 5, 3, 8, "tanh");
    const trace = rnnForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    const full = rnnBackward(pr.p, pr.xs, trace, dys);
    for (const k of [8, 9, 100]) {
      const tr = rnnBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      for (const name of ["Wxh", "Whh", "Why"] as const)
        tr.grads[name].data.forEach((g, i) => expect(g).toBeCloseTo(full.grads[name].data[i], 13));
      tr.grads.bh.forEach((g, i) => expect(g).toBeCloseTo(full.grads.bh[i], 13));
      tr.dhs.forEach((d, t) => d.forEach((g, i) => expect(g).toBeCloseTo(full.dhs[t][i], 13)));
    }
  });

  it("is the gradient of Σ_s L_s with each L_s run from the detached state h_{s−k}", () => {
    // Independent definition: loss term s sees the parameters only through the last k steps, starting from
    // the (constant) hidden state h_{s−k} of the original run. Differentiate that by central differences.
    const T = 9;
    const pr = problem(31, 2, 4, 2, T, "tanh");
    const trace = rnnForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    for (const k of [1, 2, 4]) {
      const { grads } = rnnBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      const windowed = () =>
        windowedSquaredLoss(pr.targets, k, (start, s) => rnnForward(pr.p, pr.xs.slice(start, s), trace.hs[start]).ys[s - start - 1]);
      const report = gradCheck(windowed, tensorsOf(pr.p), tensorsOf(grads));
      expect(report.ok, `k=${k}`).toBe(true);
    }
  });

  it("with k = 1 only the last step's input reaches Whh through h_{t−1}", () => {
    const pr = problem(41, 1, 3, 1, 5, "linear");
    const trace = rnnForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    const full = rnnBackward(pr.p, pr.xs, trace, dys);
    const k1 = rnnBackward(pr.p, pr.xs, trace, dys, { truncate: 1 });
    // no recurrence in Why: the same sums (up to rounding: full BPTT may run in the native kernels, truncated
    // BPTT's outer loop runs in JavaScript)
    k1.grads.Why.data.forEach((g, i) => expect(g).toBeCloseTo(full.grads.Why.data[i], 15));
    expect(Array.from(k1.grads.Whh.data)).not.toEqual(Array.from(full.grads.Whh.data));
  });
});

describe("independent identities", () => {
  it("univariate linear RNN: ∂h_T/∂h_1 = w^(T−1); Grosse's w = 1.1 and 0.9 over 50 steps", () => {
    for (const w of [1.1, 0.9]) {
      const T = 50;
      const p: RnnParams = {
        Wxh: matFrom([[1]]), Whh: matFrom([[w]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear",
      };
      const xs = [vecFrom([1]), ...Array.from({ length: T - 1 }, () => vecFrom([0]))];
      const trace = rnnForward(p, xs);
      // L = h_T (dL/dy_T = 1, other steps 0): dhs[1] = ∂h_T/∂h_1.
      const dys = xs.map((_, t) => vecFrom([t === T - 1 ? 1 : 0]));
      const { dhs } = rnnBackward(p, xs, trace, dys);
      expect(dhs[1][0]).toBeCloseTo(w ** (T - 1), 12);
      expect(dhs[0][0]).toBeCloseTo(w ** T, 12);
    }
  });

  it("linear RNN: the per-step gradients are (Whhᵀ)^(T−t) Whyᵀ ȳ_T", () => {
    const rng = createRng(51);
    const H = 4, T = 7;
    const p = initRnnParams(rng, { input: 2, hidden: H, output: 1, activation: "linear" });
    const xs = randomInputs(rng, 2, T);
    const trace = rnnForward(p, xs);
    const dys = xs.map((_, t) => vecFrom([t === T - 1 ? 1 : 0]));
    const { dhs } = rnnBackward(p, xs, trace, dys);
    let power: Mat = identity(H);
    for (let t = T; t >= 0; t--) {
      // ∂L/∂h_t = (Whh^(T−t))ᵀ Whyᵀ, i.e. row vector Why · Whh^(T−t).
      const row = matmul(p.Why, power);
      row.data.forEach((v, i) => expect(dhs[t][i]).toBeCloseTo(v, 12));
      power = matmul(power, p.Whh);
    }
  });
});

describe("input checks", () => {
  const pr = problem(61, 2, 3, 2, 4, "tanh");
  it("names the argument, what was expected and what came", () => {
    expect(() => rnnForward(pr.p, [])).toThrow(/xs: expected at least one time step, got an empty sequence/);
    // The input size comes from Wxh (H×I = 3×2): the message names it, not only the length.
    expect(() => rnnForward(pr.p, [vecFrom([1, 2, 3])])).toThrow("xs[0]: has length 3, but p.Wxh expects inputs of size 2 (p.Wxh is 3×2)");
    expect(() => rnnForward(pr.p, [vecFrom([1, NaN])])).toThrow(/xs\[0\]: expected finite numbers, got NaN at index 1/);
    expect(() => rnnForward({ ...pr.p, activation: "softplus" as Activation }, pr.xs)).toThrow(
      /p.activation: expected one of "tanh", "relu", "sigmoid", "linear", got "softplus"/,
    );
    expect(() => rnnForward({ ...pr.p, Whh: matFrom([[1, 2]]) }, pr.xs)).toThrow(/p.Whh: expected a square H×H matrix, got 1×2/);
    expect(() => rnnForward(pr.p, pr.xs, vecFrom([0]))).toThrow(/h0: expected length 3, got length 1/);
    const trace = rnnForward(pr.p, pr.xs);
    expect(() => rnnBackward(pr.p, pr.xs, trace, trace.ys.slice(1))).toThrow(/dys: expected T = 4 vectors/);
    expect(() => rnnBackward(pr.p, pr.xs, trace, trace.ys, { truncate: 0 })).toThrow(/opts.truncate: expected an integer ≥ 1, got 0/);
  });

  it("reports the step where a ReLU forward pass overflows", () => {
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[1e300]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "relu",
    };
    const xs = Array.from({ length: 5 }, () => vecFrom([1]));
    expect(() => rnnForward(p, xs)).toThrow(/h_t became Infinity at step 3/);
  });

  it("reports the step where the backward pass overflows (the gradient exploded)", () => {
    const T = 12;
    const p: RnnParams = {
      Wxh: matFrom([[1]]), Whh: matFrom([[1e30]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "tanh",
    };
    const xs = Array.from({ length: T }, () => vecFrom([0]));
    const trace = rnnForward(p, xs); // all zeros: tanh′ = 1, so each backward step multiplies by 1e30
    const dys = xs.map(() => vecFrom([1]));
    // ∂L/∂h_t ≈ 1e30^(T−t) passes float64's 1.8e308 first when 30 (T − t) > 308, i.e. at t = 1.
    expect(() => rnnBackward(p, xs, trace, dys)).toThrow(/dL\/dh_t became Infinity at step 1/);
  });
});
