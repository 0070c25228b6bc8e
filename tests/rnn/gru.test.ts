import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, matVec, vecFrom, type Mat, type Vec } from "../../src/core/tensor";
import { gradCheck, numericalGradient } from "../../src/rnn/gradcheck";
import {
  gruBackward,
  gruForward,
  gruJacobianNorms,
  gruJacobianProducts,
  gruStepJacobian,
  initGruParams,
  type GruGrads,
  type GruParams,
} from "../../src/rnn/gru";
import { softmaxCrossEntropy, squaredError } from "../../src/rnn/loss";
import { lossOf, randomInputs, randomTargets, sig, windowedSquaredLoss, type LossKind } from "./helpers";

function problem(seed: number, I: number, H: number, O: number, T: number) {
  const rng = createRng(seed);
  const p = initGruParams(rng, { input: I, hidden: H, output: O });
  for (let i = 0; i < p.b.length; i++) p.b[i] = 0.3 * rng.normal();
  for (let i = 0; i < H; i++) p.bhn[i] = 0.3 * rng.normal();
  for (let i = 0; i < O; i++) p.by[i] = 0.1 * rng.normal();
  const xs = randomInputs(rng, I, T);
  const h0 = randnVec(rng, H, 0.5);
  const { targets, labels } = randomTargets(rng, O, T);
  return { p, xs, h0, targets, labels };
}

const tensorsOf = (p: GruParams | GruGrads) => ({ W: p.W, b: p.b, bhn: p.bhn, Why: p.Why, by: p.by });

function block(m: Mat, rows: [number, number], cols: [number, number]): Mat {
  const out = { rows: rows[1] - rows[0], cols: cols[1] - cols[0], data: new Float64Array((rows[1] - rows[0]) * (cols[1] - cols[0])) };
  for (let i = rows[0]; i < rows[1]; i++)
    for (let j = cols[0]; j < cols[1]; j++) out.data[(i - rows[0]) * out.cols + j - cols[0]] = m.data[i * m.cols + j];
  return out;
}

/**
 * One step of torch.nn.GRU as its documentation writes it, with PyTorch's tensors rebuilt from GruParams by the
 * mapping gru.ts documents (weight_ih = W's x columns, weight_hh = W's h columns, bias_hh = [0; 0; bhn]).
 */
function pytorchStep(p: GruParams, x: Vec, h: Vec): Vec {
  const H = h.length;
  const I = p.W.cols - H;
  const gi = matVec(block(p.W, [0, 3 * H], [0, I]), x).map((v, q) => v + p.b[q]); // W_ih x + b_ih
  const bhh = vecFrom([...new Float64Array(2 * H), ...p.bhn]);
  const gh = matVec(block(p.W, [0, 3 * H], [I, I + H]), h).map((v, q) => v + bhh[q]); // W_hh h + b_hh
  return h.map((hj, j) => {
    const r = sig(gi[j] + gh[j]);
    const z = sig(gi[H + j] + gh[H + j]);
    const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
    return (1 - z) * n + z * hj;
  });
}

describe("gruForward", () => {
  it("agrees with torch.nn.GRU's equations (reset gate after the matrix product, blocks r, z, n)", () => {
    const pr = problem(1, 3, 4, 2, 5);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    let h = pr.h0;
    for (let t = 1; t <= 5; t++) {
      h = pytorchStep(pr.p, pr.xs[t - 1], h);
      h.forEach((v, j) => expect(trace.hs[t][j]).toBeCloseTo(v, 14));
    }
    expect([trace.hs.length, trace.ys.length, trace.rs.length, trace.zs.length, trace.ns.length, trace.us.length]).toEqual([6, 5, 5, 5, 5, 5]);
  });

  it("a 1×1 step by hand: r = σ(0) = ½, z = σ(0) = ½, n = tanh(1 + ½ · 2) = tanh 2, h₁ = ½ tanh 2 + ½ h₀", () => {
    // W = 0 except W_nx = 1 and W_nh = 2 (no b): with x = 1, h₀ = 1 the candidate is tanh(1 + r · 2 h₀).
    const p: GruParams = {
      W: { rows: 3, cols: 2, data: vecFrom([0, 0, 0, 0, 1, 2]) },
      b: new Float64Array(3), bhn: new Float64Array(1), Why: matFrom([[1]]), by: vecFrom([0]),
    };
    const trace = gruForward(p, [vecFrom([1])], vecFrom([1]));
    expect(trace.hs[1][0]).toBeCloseTo(0.5 * Math.tanh(2) + 0.5, 15);
  });
});

describe("gruBackward against central differences", () => {
  const sizes: [number, number, number, number][] = [
    [1, 1, 1, 1], // 1×1, T = 1
    [1, 1, 2, 6],
    [3, 4, 2, 1], // T = 1
    [2, 3, 3, 7],
  ];
  for (const kind of ["squared", "xent"] as LossKind[])
    for (const [I, H, O, T] of sizes) {
      if (kind === "xent" && O === 1) continue; // one class: the loss is identically 0
      it(`${kind}, I=${I} H=${H} O=${O} T=${T}: every parameter and h_0`, () => {
        const pr = problem(I * 100 + H * 10 + T, I, H, O, T);
        const { p, xs, h0 } = pr;
        const trace = gruForward(p, xs, h0);
        const { dys } = lossOf(kind, trace.ys, pr);
        const { grads, dhs } = gruBackward(p, xs, trace, dys);
        const f = () => lossOf(kind, gruForward(p, xs, h0).ys, pr).loss;
        const report = gradCheck(f, { ...tensorsOf(p), h0 }, { ...tensorsOf(grads), h0: dhs[0] });
        expect(report.tensors.filter((t) => !t.ok)).toEqual([]);
      });
    }

  it("gives dhs[t] = ∂L/∂h_t for every t (perturbing h_t inside the forward pass)", () => {
    const T = 5;
    const pr = problem(11, 2, 3, 2, T);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    const { dhs } = gruBackward(pr.p, pr.xs, trace, dys);
    for (let t = 1; t <= T; t++) {
      const h = trace.hs[t].slice();
      const f = () => {
        const tail = t < T ? gruForward(pr.p, pr.xs.slice(t), h).ys : [];
        const y = matVec(pr.p.Why, h).map((v, i) => v + pr.p.by[i]);
        return squaredError([...trace.ys.slice(0, t - 1), y, ...tail], pr.targets).loss;
      };
      expect(gradCheck(f, { h }, { h: dhs[t] }).ok, `t=${t}`).toBe(true);
    }
  });
});

describe("truncated BPTT", () => {
  it("equals full BPTT when k ≥ T", () => {
    const T = 7;
    const pr = problem(21, 2, 3, 2, T);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    const { dys } = softmaxCrossEntropy(trace.ys, pr.labels);
    const full = gruBackward(pr.p, pr.xs, trace, dys);
    for (const k of [T, T + 1, 100]) {
      const tr = gruBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      for (const name of ["W", "Why"] as const)
        tr.grads[name].data.forEach((g, i) => expect(g).toBeCloseTo(full.grads[name].data[i], 13));
      for (const name of ["b", "bhn", "by"] as const) tr.grads[name].forEach((g, i) => expect(g).toBeCloseTo(full.grads[name][i], 13));
      tr.dhs.forEach((d, t) => d.forEach((g, i) => expect(g).toBeCloseTo(full.dhs[t][i], 13)));
    }
  });

  it("is the gradient of Σ_s L_s with each L_s run from the detached state h_{s−k}", () => {
    const T = 7;
    const pr = problem(31, 2, 3, 2, T);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    const { dys } = squaredError(trace.ys, pr.targets);
    for (const k of [1, 3]) {
      const { grads } = gruBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      const windowed = () =>
        windowedSquaredLoss(pr.targets, k, (start, s) => gruForward(pr.p, pr.xs.slice(start, s), trace.hs[start]).ys[s - start - 1]);
      const report = gradCheck(windowed, tensorsOf(pr.p), tensorsOf(grads));
      expect(report.tensors.filter((t) => !t.ok), `k=${k}`).toEqual([]);
    }
  });
});

describe("GRU Jacobians", () => {
  it("∂h_T/∂h_t matches central differences", () => {
    const T = 5;
    const pr = problem(61, 2, 3, 1, T);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    const { hidden } = gruJacobianProducts(pr.p, trace);
    expect(hidden.length).toBe(T + 1);
    for (const t of [0, 2, 4]) {
      for (let row = 0; row < 3; row++) {
        const h = trace.hs[t].slice();
        const num = numericalGradient(() => gruForward(pr.p, pr.xs.slice(t), h).hs[T - t][row], h);
        num.forEach((v, j) => expect(hidden[t].data[row * 3 + j]).toBeCloseTo(v, 8));
      }
    }
  });

  it("with z forced to 1 the state is copied: h_T = h_0 and ∂h_T/∂h_0 = I (the direct path diag(z))", () => {
    // b_z = 50 with zero z weights: z = σ(50) = 1 in float64 and σ′(50) ≈ 2e−22, so h_t = h_{t−1} exactly and
    // every other path is multiplied by 1 − z = 0 or by σ′ ≈ 0.
    const T = 20, H = 3, I = 2;
    const pr = problem(71, I, H, 1, T);
    for (let q = H; q < 2 * H; q++) pr.p.W.data.fill(0, q * (I + H), (q + 1) * (I + H));
    pr.p.b.fill(50, H, 2 * H);
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    expect(Array.from(trace.hs[T])).toEqual(Array.from(pr.h0));
    const { hidden, direct } = gruJacobianProducts(pr.p, trace);
    hidden[0].data.forEach((v, i) => expect(v).toBeCloseTo(i % (H + 1) === 0 ? 1 : 0, 14));
    expect(Array.from(direct[0])).toEqual([1, 1, 1]);
    expect(gruJacobianNorms(pr.p, trace)[0]).toMatchObject({ step: 0, distance: T, direct: 1 });
  });

  it("with zero recurrent weights, ∂h_T/∂h_t is exactly ∏ diag(z) and the step Jacobian is diag(z_t)", () => {
    const T = 6, H = 3, I = 2;
    const pr = problem(81, I, H, 1, T);
    for (let q = 0; q < 3 * H; q++) pr.p.W.data.fill(0, q * (I + H) + I, (q + 1) * (I + H));
    const trace = gruForward(pr.p, pr.xs, pr.h0);
    const J = gruStepJacobian(pr.p, trace, 3);
    J.data.forEach((v, i) => expect(v).toBe(i % (H + 1) === 0 ? trace.zs[2][i / (H + 1)] : 0));
    const { hidden, direct } = gruJacobianProducts(pr.p, trace);
    const norms = gruJacobianNorms(pr.p, trace);
    for (let t = 0; t <= T; t++) {
      hidden[t].data.forEach((v, i) => expect(v).toBeCloseTo(i % (H + 1) === 0 ? direct[t][i / (H + 1)] : 0, 15));
      expect(norms[t].hidden).toBeCloseTo(norms[t].direct, 12);
    }
  });

  it("gruJacobianNorms are the spectral norms of the products (1 at distance 0)", () => {
    const pr = problem(91, 2, 3, 1, 4);
    const trace = gruForward(pr.p, pr.xs);
    const norms = gruJacobianNorms(pr.p, trace);
    expect(norms[4]).toEqual({ step: 4, distance: 0, hidden: 1, direct: 1 });
    expect(norms[1].hidden).toBeCloseTo(spectralNorm(gruJacobianProducts(pr.p, trace).hidden[1]), 14);
  });
});

describe("input checks", () => {
  const pr = problem(101, 2, 3, 2, 4);
  it("names the argument, what was expected and what came", () => {
    expect(() => gruForward(pr.p, [])).toThrow(/xs: expected at least one time step, got an empty sequence/);
    expect(() => gruForward(pr.p, [vecFrom([1])])).toThrow("xs[0]: has length 1, but p.W expects inputs of size 2 (p.W is 9×5: 3H × (I + H) with H = 3)");
    expect(() => gruForward(pr.p, [vecFrom([NaN, 0])])).toThrow(/xs\[0\]: expected finite numbers, got NaN at index 0/);
    expect(() => gruForward({ ...pr.p, W: matFrom([[1, 2]]) }, pr.xs)).toThrow(/p.W: expected 3H × \(I \+ H\) = 9×\(I \+ 3\)/);
    expect(() => gruForward({ ...pr.p, bhn: vecFrom([0]) }, pr.xs)).toThrow(/p.bhn: expected length 3, got length 1/);
    expect(() => gruForward(pr.p, pr.xs, vecFrom([0]))).toThrow(/h0: expected length 3, got length 1/);
    const trace = gruForward(pr.p, pr.xs);
    expect(() => gruBackward(pr.p, pr.xs, trace, trace.ys.slice(1))).toThrow(/dys: expected T = 4 vectors/);
    expect(() => gruBackward(pr.p, pr.xs, trace, trace.ys, { truncate: 1.5 })).toThrow(/opts.truncate: expected an integer ≥ 1, got 1.5/);
    expect(() => gruJacobianProducts(pr.p, trace, 5)).toThrow(/T: expected a step in \[0, 4\], got 5/);
  });

  it("a trace holding a NaN is refused, naming the array, row and step (not reported as an exploding gradient)", () => {
    const cause = "the trace holds a non-finite number, which gruForward never returns (was the trace changed after gruForward made it?)";
    const dys = pr.xs.map(() => vecFrom([1, 0]));
    const hs = gruForward(pr.p, pr.xs);
    hs.hs[2][0] = NaN;
    expect(() => gruBackward(pr.p, pr.xs, hs, dys)).toThrow(`trace.hs[2] (h_2, step 2): expected finite numbers, got NaN at index 0: ${cause}`);
    const us = gruForward(pr.p, pr.xs);
    us.us[3][2] = -Infinity;
    expect(() => gruBackward(pr.p, pr.xs, us, dys)).toThrow(`trace.us[3] (u_4, step 4): expected finite numbers, got -Infinity at index 2: ${cause}`);
  });

  it("reports the step where the forward pass overflows", () => {
    const p: GruParams = {
      W: { rows: 3, cols: 2, data: vecFrom([0, 0, 0, 0, 1e300, 0]) },
      b: new Float64Array(3), bhn: new Float64Array(1), Why: matFrom([[1]]), by: vecFrom([0]),
    };
    // W_nx x = 1e300 · 1e10 overflows at step 3 only.
    const xs = [vecFrom([1]), vecFrom([1]), vecFrom([1e10])];
    expect(() => gruForward(p, xs)).toThrow(NonFiniteError);
    expect(() => gruForward(p, xs)).toThrow(/became Infinity at step 3/);
  });

  it("reports the step where the backward pass overflows", () => {
    // x = 0, b = 0, h = 0 throughout: r = z = ½, n = 0, so tanh′ = 1. The only recurrent weight is W_nh = 1e30:
    // h̄_{t−1} = ½ h̄_t (direct) + W_nh · r · (1 − z) h̄_t = (½ + 2.5e29) h̄_t, i.e. ×10^29.4 per step: with
    // T = 14 it passes 1.8e308 after 11 steps, at step 3 (the same count as the LSTM test).
    const T = 14;
    const p: GruParams = {
      W: { rows: 3, cols: 2, data: vecFrom([0, 0, 0, 0, 0, 1e30]) },
      b: new Float64Array(3), bhn: new Float64Array(1), Why: matFrom([[1]]), by: vecFrom([0]),
    };
    const xs = Array.from({ length: T }, () => vecFrom([0]));
    const trace = gruForward(p, xs);
    expect(() => gruBackward(p, xs, trace, xs.map(() => vecFrom([1])))).toThrow(/dL\/dh_t became Infinity at step 3/);
  });
});
