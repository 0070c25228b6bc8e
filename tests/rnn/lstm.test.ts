import { describe, expect, it } from "vitest";
import { NonFiniteError } from "../../src/core/errors";
import { spectralNorm } from "../../src/core/linalg";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, matVec, vecFrom, type Vec } from "../../src/core/tensor";
import { gradCheck, numericalGradient } from "../../src/rnn/gradcheck";
import { softmaxCrossEntropy, squaredError } from "../../src/rnn/loss";
import {
  initLstmParams,
  lstmBackward,
  lstmCellJacobianProducts,
  lstmForward,
  lstmJacobianNorms,
  lstmStepJacobian,
  type LstmGrads,
  type LstmParams,
} from "../../src/rnn/lstm";
import { GROSSE_2017 } from "../../src/sources";
import { lossOf, randomInputs, randomTargets, sig, windowedSquaredLoss, type LossKind } from "./helpers";

function problem(seed: number, I: number, H: number, O: number, T: number) {
  const rng = createRng(seed);
  const p = initLstmParams(rng, { input: I, hidden: H, output: O, forgetBias: 1 });
  for (let i = 0; i < p.b.length; i++) p.b[i] += 0.3 * rng.normal();
  for (let i = 0; i < O; i++) p.by[i] = 0.1 * rng.normal();
  const xs = randomInputs(rng, I, T);
  const h0 = randnVec(rng, H, 0.5);
  const c0 = randnVec(rng, H, 0.5);
  const { targets, labels } = randomTargets(rng, O, T);
  return { p, xs, h0, c0, targets, labels };
}

const tensorsOf = (p: LstmParams | LstmGrads) => ({ W: p.W, b: p.b, Why: p.Why, by: p.by });

/** A reference forward step written straight from Grosse's equations with matVec on [x; h] (no shared code). */
function referenceStep(p: LstmParams, x: Vec, h: Vec, c: Vec): { h: Vec; c: Vec; y: Vec } {
  const H = h.length;
  const a = matVec(p.W, vecFrom([...x, ...h])).map((v, r) => v + p.b[r]);
  const cNew = c.map((cj, j) => sig(a[H + j]) * cj + sig(a[j]) * Math.tanh(a[3 * H + j]));
  const hNew = cNew.map((cj, j) => sig(a[2 * H + j]) * Math.tanh(cj));
  const y = matVec(p.Why, hNew).map((v, i) => v + p.by[i]);
  return { h: hNew, c: cNew, y };
}

function outputOf(p: LstmParams, h: Vec): Vec {
  return matVec(p.Why, h).map((v, i) => v + p.by[i]);
}

describe("lstmForward", () => {
  it("agrees with a reference written from Grosse's equations (gate blocks i, f, o, g)", () => {
    const pr = problem(1, 3, 4, 2, 5);
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    let h = pr.h0;
    let c = pr.c0;
    for (let t = 1; t <= 5; t++) {
      const ref = referenceStep(pr.p, pr.xs[t - 1], h, c);
      ref.h.forEach((v, j) => expect(trace.hs[t][j]).toBeCloseTo(v, 14));
      ref.c.forEach((v, j) => expect(trace.cs[t][j]).toBeCloseTo(v, 14));
      ref.y.forEach((v, j) => expect(trace.ys[t - 1][j]).toBeCloseTo(v, 14));
      ({ h, c } = ref);
    }
    expect(trace.hs.length).toBe(6);
    expect(trace.cs.length).toBe(6);
    expect([trace.ys, trace.is, trace.fs, trace.os, trace.gs].map((a) => a.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it("does not modify the caller's state0", () => {
    const pr = problem(2, 1, 2, 1, 3);
    const h0 = pr.h0.slice();
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    trace.hs[0][0] = 99;
    expect(Array.from(pr.h0)).toEqual(Array.from(h0));
  });

  it("initLstmParams puts forgetBias on the f block only and is reproducible from the seed", () => {
    const p = initLstmParams(createRng(3), { input: 2, hidden: 3, output: 1, forgetBias: 1.5 });
    expect(Array.from(p.b)).toEqual([0, 0, 0, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0]);
    expect([p.W.rows, p.W.cols]).toEqual([12, 5]);
    const q = initLstmParams(createRng(3), { input: 2, hidden: 3, output: 1, forgetBias: 1.5 });
    expect(Array.from(q.W.data)).toEqual(Array.from(p.W.data));
  });
});

describe("lstmBackward against central differences", () => {
  const sizes: [number, number, number, number][] = [
    [1, 1, 1, 1], // 1×1, T = 1
    [1, 1, 2, 6],
    [3, 4, 2, 1], // T = 1
    [2, 3, 3, 7],
  ];
  for (const kind of ["squared", "xent"] as LossKind[])
    for (const [I, H, O, T] of sizes) {
      if (kind === "xent" && O === 1) continue; // one class: the loss is identically 0
      it(`${kind}, I=${I} H=${H} O=${O} T=${T}: every parameter, h_0 and c_0`, () => {
        const pr = problem(I * 100 + H * 10 + T, I, H, O, T);
        const { p, xs, h0, c0 } = pr;
        const trace = lstmForward(p, xs, { h: h0, c: c0 });
        const { dys } = lossOf(kind, trace.ys, pr);
        const { grads, dhs, dcs } = lstmBackward(p, xs, trace, dys);
        const f = () => lossOf(kind, lstmForward(p, xs, { h: h0, c: c0 }).ys, pr).loss;
        const report = gradCheck(f, { ...tensorsOf(p), h0, c0 }, { ...tensorsOf(grads), h0: dhs[0], c0: dcs[0] });
        expect(report.tensors.filter((t) => !t.ok)).toEqual([]);
      });
    }

  it("gives dhs[t] = ∂L/∂h_t and dcs[t] = ∂L/∂c_t (total, through h_t = o_t ⊙ tanh c_t) for every t", () => {
    const T = 5;
    const pr = problem(11, 2, 3, 2, T);
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    const { dys } = squaredError(trace.ys, pr.targets);
    const { dhs, dcs } = lstmBackward(pr.p, pr.xs, trace, dys);
    const lossFrom = (t: number, h: Vec, c: Vec) => {
      const tail = t < T ? lstmForward(pr.p, pr.xs.slice(t), { h, c }).ys : [];
      return squaredError([...trace.ys.slice(0, t - 1), outputOf(pr.p, h), ...tail], pr.targets).loss;
    };
    for (let t = 1; t <= T; t++) {
      // h_t perturbed with c_t fixed: y_t and the steps after it change.
      const h = trace.hs[t].slice();
      const rh = gradCheck(() => lossFrom(t, h, trace.cs[t]), { h }, { h: dhs[t] });
      expect(rh.ok, `h, t=${t}`).toBe(true);
      // c_t perturbed: h_t = o_t ⊙ tanh(c_t) follows it, so the total derivative also goes through y_t.
      const c = trace.cs[t].slice();
      const o = trace.os[t - 1];
      const rc = gradCheck(() => lossFrom(t, c.map((v, j) => o[j] * Math.tanh(v)), c), { c }, { c: dcs[t] });
      expect(rc.ok, `c, t=${t}`).toBe(true);
    }
  });
});

describe("truncated BPTT", () => {
  it("equals full BPTT when k ≥ T", () => {
    const T = 7;
    const pr = problem(21, 2, 3, 2, T);
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    const { dys } = softmaxCrossEntropy(trace.ys, pr.labels);
    const full = lstmBackward(pr.p, pr.xs, trace, dys);
    for (const k of [T, T + 1, 100]) {
      const tr = lstmBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      for (const name of ["W", "Why"] as const)
        tr.grads[name].data.forEach((g, i) => expect(g).toBeCloseTo(full.grads[name].data[i], 13));
      tr.grads.b.forEach((g, i) => expect(g).toBeCloseTo(full.grads.b[i], 13));
      for (const [a, b] of [[tr.dhs, full.dhs], [tr.dcs, full.dcs]])
        a.forEach((d, t) => d.forEach((g, i) => expect(g).toBeCloseTo(b[t][i], 13)));
    }
  });

  it("is the gradient of Σ_s L_s with each L_s run from the detached state (h_{s−k}, c_{s−k})", () => {
    // The meaning rnnBackward documents: loss term s reaches the parameters through the last k cells only.
    const T = 7;
    const pr = problem(31, 2, 3, 2, T);
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    const { dys } = squaredError(trace.ys, pr.targets);
    for (const k of [1, 3]) {
      const { grads } = lstmBackward(pr.p, pr.xs, trace, dys, { truncate: k });
      const windowed = () =>
        windowedSquaredLoss(pr.targets, k, (start, s) =>
          lstmForward(pr.p, pr.xs.slice(start, s), { h: trace.hs[start], c: trace.cs[start] }).ys[s - start - 1],
        );
      const report = gradCheck(windowed, tensorsOf(pr.p), tensorsOf(grads));
      expect(report.tensors.filter((t) => !t.ok), `k=${k}`).toEqual([]);
    }
  });
});

/**
 * Gates forced by saturated biases: σ(±50) is 1 − 2e−22 (= 1 in float64) or 2e−22, and σ′(±50) ≈ 2e−22, so the
 * gate's own weights and the paths through it contribute nothing measurable. The i and f rows get zero weights;
 * the o and g rows keep random weights, so h and g still move.
 */
function forcedGates(seed: number, H: number, input: 0 | 1, forget: 0 | 1): LstmParams {
  const p = initLstmParams(createRng(seed), { input: 2, hidden: H, output: 2 });
  const cols = p.W.cols;
  for (let r = 0; r < 2 * H; r++) p.W.data.fill(0, r * cols, (r + 1) * cols);
  p.b.fill(input ? 50 : -50, 0, H);
  p.b.fill(forget ? 50 : -50, H, 2 * H);
  for (let r = 2 * H; r < 4 * H; r++) p.b[r] = 0.3 * Math.sin(r); // any biases for o and g
  return p;
}

describe("Grosse's gate table (§3.4): (input, forget) → behaviour", () => {
  const rows = GROSSE_2017.lstmGateTable.rows;
  // What each named behaviour means for one step of the cell state, written from the words, not the formula.
  const behaviours: { [name: string]: (cPrev: number, g: number) => number } = {
    remember: (cPrev) => cPrev,
    add: (cPrev, g) => cPrev + g,
    erase: () => 0,
    overwrite: (_cPrev, g) => g,
  };

  it("has the four rows remember, add, erase, overwrite", () => {
    expect(rows.map((r) => r.behaviour).sort()).toEqual(["add", "erase", "overwrite", "remember"]);
  });

  for (const row of rows)
    it(`(input, forget) = (${row.input}, ${row.forget}): ${row.behaviour}`, () => {
      const H = 3;
      const p = forcedGates(41, H, row.input as 0 | 1, row.forget as 0 | 1);
      const rng = createRng(42);
      const xs = randomInputs(rng, 2, 4);
      const trace = lstmForward(p, xs, { h: randnVec(rng, H), c: vecFrom([0.7, -1.2, 2.5]) });
      const rule = behaviours[row.behaviour];
      for (let t = 1; t <= 4; t++)
        for (let j = 0; j < H; j++) expect(trace.cs[t][j]).toBeCloseTo(rule(trace.cs[t - 1][j], trace.gs[t - 1][j]), 15);
    });
});

describe("the constant error carousel", () => {
  it("with f = 1 and i = 0 carries c unchanged for T steps, and ∂c_T/∂c_0 = I", () => {
    const H = 3;
    const T = 25;
    const p = forcedGates(51, H, 0, 1);
    const rng = createRng(52);
    const xs = randomInputs(rng, 2, T);
    const c0 = vecFrom([0.7, -1.2, 2.5]);
    const h0 = randnVec(rng, H);
    const trace = lstmForward(p, xs, { h: h0, c: c0 });
    trace.cs[T].forEach((v, j) => expect(v).toBeCloseTo(c0[j], 15));

    // Central differences of c_T with respect to c_0 (h_0 fixed): the identity, whatever the o and g weights.
    for (let row = 0; row < H; row++) {
      const c = c0.slice();
      const num = numericalGradient(() => lstmForward(p, xs, { h: h0, c }).cs[T][row], c);
      num.forEach((v, j) => expect(v).toBeCloseTo(row === j ? 1 : 0, 9));
    }
    const { cell, carousel } = lstmCellJacobianProducts(p, trace);
    cell[0].data.forEach((v, i) => expect(v).toBeCloseTo(i % (H + 1) === 0 ? 1 : 0, 14));
    expect(Array.from(carousel[0])).toEqual([1, 1, 1]);
    const norms = lstmJacobianNorms(p, trace);
    expect(norms[0].cell).toBeCloseTo(1, 12);
    expect(norms[0].carousel).toBe(1);

    // A loss on y_T only: ∂L/∂c_0 arrives undiminished, equal to ∂L/∂c_T. For that, h_1..h_{T−1} must not reach
    // y_T: they could through the o gates (o_T depends on h_{T−1} = o_{T−1} ⊙ tanh c_{T−1}), so their recurrent
    // weights are zeroed here; the g gates' may stay, since i ≈ 0 multiplies them.
    const cols = p.W.cols;
    for (let r = 2 * H; r < 3 * H; r++) p.W.data.fill(0, r * cols + 2, (r + 1) * cols);
    const trace2 = lstmForward(p, xs, { h: h0, c: c0 });
    const dys = xs.map((_, t) => (t === T - 1 ? vecFrom([1, -2]) : new Float64Array(2)));
    const { dcs } = lstmBackward(p, xs, trace2, dys);
    dcs[0].forEach((v, j) => expect(v).toBeCloseTo(dcs[T][j], 14));
    expect(Math.max(...Array.from(dcs[T], Math.abs))).toBeGreaterThan(0.01); // the check above is not 0 = 0
  });
});

describe("LSTM Jacobians", () => {
  it("∂(h_T, c_T)/∂(h_t, c_t) matches central differences", () => {
    const T = 5;
    const pr = problem(61, 2, 3, 1, T);
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    const { state, cell } = lstmCellJacobianProducts(pr.p, trace);
    expect(state.length).toBe(T + 1);
    const H = 3;
    for (const t of [0, 2, 4, 5]) {
      const s = vecFrom([...trace.hs[t], ...trace.cs[t]]);
      for (let row = 0; row < 2 * H; row++) {
        const f = () => {
          const run = t < T ? lstmForward(pr.p, pr.xs.slice(t), { h: s.subarray(0, H), c: s.subarray(H) }) : null;
          return row < H ? (run ? run.hs[T - t][row] : s[row]) : run ? run.cs[T - t][row - H] : s[row];
        };
        const num = numericalGradient(f, s);
        num.forEach((v, j) => expect(state[t].data[row * 2 * H + j]).toBeCloseTo(v, 8));
        if (row >= H) for (let j = 0; j < H; j++) expect(cell[t].data[(row - H) * H + j]).toBe(state[t].data[row * 2 * H + H + j]);
      }
    }
  });

  it("the one-step c → c block is diag(f_t), and the carousel is the product of the forget gates", () => {
    const T = 4;
    const pr = problem(71, 1, 2, 1, T);
    const trace = lstmForward(pr.p, pr.xs);
    const J = lstmStepJacobian(pr.p, trace, 2);
    expect([J.data[2 * 4 + 2], J.data[2 * 4 + 3], J.data[3 * 4 + 2], J.data[3 * 4 + 3]]).toEqual([trace.fs[1][0], 0, 0, trace.fs[1][1]]);
    const { carousel } = lstmCellJacobianProducts(pr.p, trace);
    for (let j = 0; j < 2; j++) expect(carousel[1][j]).toBeCloseTo(trace.fs[1][j] * trace.fs[2][j] * trace.fs[3][j], 15);
  });

  it("with zero recurrent weights, ∂c_T/∂c_t is exactly the carousel ∏ diag(f) (no path through h)", () => {
    const T = 6;
    const pr = problem(81, 2, 3, 1, T);
    const I = 2, H = 3;
    for (let r = 0; r < 4 * H; r++) pr.p.W.data.fill(0, r * (I + H) + I, (r + 1) * (I + H));
    const trace = lstmForward(pr.p, pr.xs, { h: pr.h0, c: pr.c0 });
    const { cell, carousel } = lstmCellJacobianProducts(pr.p, trace);
    const norms = lstmJacobianNorms(pr.p, trace);
    for (let t = 0; t <= T; t++) {
      cell[t].data.forEach((v, i) => expect(v).toBeCloseTo(i % (H + 1) === 0 ? carousel[t][i / (H + 1)] : 0, 15));
      expect(norms[t].cell).toBeCloseTo(norms[t].carousel, 12);
      expect(norms[t].distance).toBe(T - t);
    }
  });

  it("lstmJacobianNorms are the spectral norms of the products (1 at distance 0)", () => {
    const pr = problem(91, 2, 3, 1, 4);
    const trace = lstmForward(pr.p, pr.xs);
    const norms = lstmJacobianNorms(pr.p, trace);
    const { state } = lstmCellJacobianProducts(pr.p, trace);
    expect(norms[4]).toEqual({ step: 4, distance: 0, state: 1, cell: 1, carousel: 1 });
    expect(norms[1].state).toBeCloseTo(spectralNorm(state[1]), 14);
  });
});

describe("input checks", () => {
  const pr = problem(101, 2, 3, 2, 4);
  it("names the argument, what was expected and what came", () => {
    expect(() => lstmForward(pr.p, [])).toThrow(/xs: expected at least one time step, got an empty sequence/);
    // The input size comes from p.W = [Wx | Wh]: the message says so, with W's shape and how I sits in it.
    expect(() => lstmForward(pr.p, [vecFrom([1, 2, 3])])).toThrow("xs[0]: has length 3, but p.W expects inputs of size 2 (p.W is 12×5: 4H × (I + H) with H = 3)");
    expect(() => lstmForward(pr.p, [vecFrom([1, Infinity])])).toThrow(/xs\[0\]: expected finite numbers, got Infinity at index 1/);
    expect(() => lstmForward({ ...pr.p, W: matFrom([[1, 2]]) }, pr.xs)).toThrow(/p.W: expected 4H × \(I \+ H\) = 12×\(I \+ 3\)/);
    expect(() => lstmForward({ ...pr.p, b: vecFrom([0]) }, pr.xs)).toThrow(/p.b: expected length 12, got length 1/);
    expect(() => lstmForward(pr.p, pr.xs, { c: vecFrom([0]) })).toThrow(/state0.c: expected length 3, got length 1/);
    expect(() => lstmForward(pr.p, pr.xs, { h: vecFrom([0, NaN, 0]) })).toThrow(/state0.h: expected finite numbers, got NaN/);
    const trace = lstmForward(pr.p, pr.xs);
    expect(() => lstmBackward(pr.p, pr.xs, trace, trace.ys.slice(1))).toThrow(/dys: expected T = 4 vectors/);
    const wide = trace.ys.map(() => vecFrom([0, 0, 0]));
    expect(() => lstmBackward(pr.p, pr.xs, trace, wide)).toThrow(`dys[0]: has length 3, but p.Why gives outputs y_t of size ${pr.p.Why.rows} (p.Why is ${pr.p.Why.rows}×3)`);
    expect(() => lstmBackward(pr.p, pr.xs.slice(1), trace, trace.ys.slice(1))).toThrow(/trace.hs: expected length 4, got 5/);
    expect(() => lstmBackward(pr.p, pr.xs, trace, trace.ys, { truncate: 0 })).toThrow(/opts.truncate: expected an integer ≥ 1, got 0/);
    expect(() => lstmStepJacobian(pr.p, trace, 0)).toThrow(/t: expected a step in \[1, 4\], got 0/);
  });

  it("a trace holding a NaN or ∞ is refused, naming the array, row and step (it used to pass silently into the gradients)", () => {
    const cause = "the trace holds a non-finite number, which lstmForward never returns (was the trace changed after lstmForward made it?)";
    const dys = pr.xs.map(() => vecFrom([1, 0]));
    const spoilt = (field: "hs" | "cs" | "fs", row: number, v: number) => {
      const trace = lstmForward(pr.p, pr.xs);
      trace[field][row][1] = v;
      return () => lstmBackward(pr.p, pr.xs, trace, dys);
    };
    expect(spoilt("hs", 2, NaN)).toThrow(`trace.hs[2] (h_2, step 2): expected finite numbers, got NaN at index 1: ${cause}`);
    expect(spoilt("cs", 4, Infinity)).toThrow(`trace.cs[4] (c_4, step 4): expected finite numbers, got Infinity at index 1: ${cause}`);
    expect(spoilt("fs", 0, NaN)).toThrow(`trace.fs[0] (f_1, step 1): expected finite numbers, got NaN at index 1: ${cause}`);
    const short = lstmForward(pr.p, pr.xs);
    short.gs[1] = vecFrom([0]);
    expect(() => lstmBackward(pr.p, pr.xs, short, dys)).toThrow("trace.gs[1]: expected length 3, got length 1");
  });

  it("reports the step where the forward pass overflows", () => {
    // Gate weights 1e300 on an input of 1e10 at step 2: the pre-activation is 1e310 > 1.8e308.
    const p: LstmParams = { W: { rows: 4, cols: 2, data: vecFrom([1e300, 0, 0, 0, 0, 0, 0, 0]) }, b: new Float64Array(4), Why: matFrom([[1]]), by: vecFrom([0]) };
    expect(() => lstmForward(p, [vecFrom([1]), vecFrom([1e10])])).toThrow(NonFiniteError);
    expect(() => lstmForward(p, [vecFrom([1]), vecFrom([1e10])])).toThrow(/became Infinity at step 2/);
  });

  it("reports the step where the backward pass overflows", () => {
    // x = 0, b = 0, h_0 = c_0 = 0 keep c = h = 0, so i = f = o = ½, g = 0 and tanh′ = 1 everywhere. The only
    // recurrent weight is W_gh = 1e30: h̄_{t−1} = W_gh · ḡ_t = 1e30 · i · c̄_t with c̄_t = o · h̄_t (+ f c̄_{t+1}, which
    // is smaller). Per step h̄ grows by about 1e30/4 = 10^29.4, so it passes 1.8e308 after 11 steps: at step T − 11.
    const T = 14;
    const Wd = new Float64Array(8);
    Wd[3 * 2 + 1] = 1e30; // row g (block 3), column h
    const p: LstmParams = { W: { rows: 4, cols: 2, data: Wd }, b: new Float64Array(4), Why: matFrom([[1]]), by: vecFrom([0]) };
    const xs = Array.from({ length: T }, () => vecFrom([0]));
    const trace = lstmForward(p, xs);
    const dys = xs.map(() => vecFrom([1]));
    expect(() => lstmBackward(p, xs, trace, dys)).toThrow(/dL\/dh_t became Infinity at step 3/);
  });
});

