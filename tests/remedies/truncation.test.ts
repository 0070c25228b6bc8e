import { describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import { matFrom, vecFrom } from "../../src/core/tensor";
import { gradientAgreement, truncationComparison } from "../../src/remedies/truncation";
import { squaredError } from "../../src/rnn/loss";
import { initRnnParams } from "../../src/rnn/params";
import { rnnForward, type RnnParams } from "../../src/rnn/vanilla";

describe("gradientAgreement", () => {
  it("hand case: cos and ratio over all tensors flattened together", () => {
    // a = (1, 0 | 0), r = (1, 1 | 0): cos = 1/√2, ratio = 1/√2.
    const a = { W: matFrom([[1, 0]]), b: vecFrom([0]) };
    const r = { W: matFrom([[1, 1]]), b: vecFrom([0]) };
    const g = gradientAgreement(a, r);
    expect(g.cosine).toBeCloseTo(Math.SQRT1_2, 14);
    expect(g.normRatio).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it("opposite and scaled: cos = −1, ratio = the scale", () => {
    const r = { W: matFrom([[3, -4]]) };
    const g = gradientAgreement({ W: matFrom([[-6, 8]]) }, r);
    expect(g.cosine).toBeCloseTo(-1, 14);
    expect(g.normRatio).toBeCloseTo(2, 14);
  });

  it("huge entries do not overflow the cosine (normalised before the products)", () => {
    const r = { W: matFrom([[1e200, 1e200]]) };
    expect(gradientAgreement({ W: matFrom([[1e200, 1e200]]) }, r).cosine).toBeCloseTo(1, 12);
  });

  it("a zero approximation: cos 0, ratio 0; a zero reference: an error", () => {
    expect(gradientAgreement({ W: matFrom([[0, 0]]) }, { W: matFrom([[1, 2]]) })).toEqual({ cosine: 0, normRatio: 0 });
    expect(() => gradientAgreement({ W: matFrom([[1, 2]]) }, { W: matFrom([[0, 0]]) })).toThrow(/reference/);
  });

  it("rejects different tensors, different sizes and non-finite gradients", () => {
    expect(() => gradientAgreement({ W: matFrom([[1]]) } as Record<string, ReturnType<typeof matFrom>>, { V: matFrom([[1]]) })).toThrow(/same tensors/);
    expect(() => gradientAgreement({ W: matFrom([[1, 2]]) }, { W: matFrom([[1]]) })).toThrow(/approx\.W/);
    expect(() => gradientAgreement({ W: matFrom([[Number.NaN]]) }, { W: matFrom([[1]]) })).toThrow(/finite/);
  });
});

describe("truncationComparison", () => {
  function setup(T: number, lastOnly: boolean): { p: RnnParams; xs: Float64Array[]; dys: Float64Array[] } {
    const rng = createRng(7);
    const p = initRnnParams(rng, { input: 2, hidden: 5, output: 1, activation: "tanh" });
    const xs = Array.from({ length: T }, () => randnVec(rng, 2));
    const targets = xs.map((_, t) => (lastOnly && t < T - 1 ? null : randnVec(rng, 1)));
    return { p, xs, dys: squaredError(rnnForward(p, xs).ys, targets).dys };
  }

  it("k ≥ T reproduces full BPTT: cosine 1 and ratio 1 to rounding", () => {
    const { p, xs, dys } = setup(8, false);
    const [full, kT] = truncationComparison(p, xs, dys, [8]);
    expect(full.k).toBe(Infinity);
    expect(kT.cosine).toBeCloseTo(1, 12);
    expect(kT.normRatio).toBeCloseTo(1, 12);
    kT.dhNorms.forEach((v, t) => expect(v).toBeCloseTo(full.dhNorms[t], 12));
  });

  it("a loss on the last step only: with truncation k, ∂L/∂h_t = 0 exactly for t < T − k", () => {
    const T = 12;
    const { p, xs, dys } = setup(T, true);
    const rows = truncationComparison(p, xs, dys, [1, 5]);
    for (const r of rows.slice(1)) {
      r.dhNorms.forEach((v, t) => (t < T - r.k ? expect(v).toBe(0) : expect(v).toBeGreaterThan(0)));
      // Dropping terms changes the gradient: not the full one, but not orthogonal to it either here.
      expect(r.cosine).toBeLessThan(1 - 1e-9);
    }
    // Full BPTT reaches h_0.
    expect(rows[0].dhNorms[0]).toBeGreaterThan(0);
  });

  it("k = 1 with a linear 1-unit RNN: Whh's gradient keeps only the one-step term (independent formula)", () => {
    // h_t = w h_{t−1} + x_t, y_t = h_t, loss ½(y_T − 0)² on the last step: ∂L/∂w = Σ_t h_T w^{T−t} h_{t−1};
    // truncation k = 1 keeps only t = T: h_T h_{T−1}.
    const w = 0.9;
    const p: RnnParams = { Wxh: matFrom([[1]]), Whh: matFrom([[w]]), bh: vecFrom([0]), Why: matFrom([[1]]), by: vecFrom([0]), activation: "linear" };
    const xs = [1, 0.5, -0.3, 0.8].map((v) => vecFrom([v]));
    const hs = [0];
    xs.forEach((x) => hs.push(w * hs[hs.length - 1] + x[0]));
    const T = xs.length;
    const dys = xs.map((_, t) => vecFrom([t === T - 1 ? hs[T] : 0]));
    let gFull = 0;
    for (let t = 1; t <= T; t++) gFull += hs[T] * w ** (T - t) * hs[t - 1];
    const gCut = hs[T] * hs[T - 1];
    // Wxh and bh lose their older terms too (Why and by have no recurrence): flatten all five by hand.
    let gxFull = 0;
    let gbFull = 0;
    for (let t = 1; t <= T; t++) gxFull += hs[T] * w ** (T - t) * xs[t - 1][0];
    for (let t = 1; t <= T; t++) gbFull += hs[T] * w ** (T - t); // b̄h = Σ z̄_t
    const full = [gxFull, gFull, gbFull, hs[T] * hs[T] /* Why */, hs[T] /* by */];
    const cut = [hs[T] * xs[T - 1][0], gCut, hs[T], hs[T] * hs[T], hs[T]];
    const n = (v: number[]) => Math.hypot(...v);
    const cos = full.reduce((s, f, i) => s + f * cut[i], 0) / (n(full) * n(cut));
    const [, r] = truncationComparison(p, xs, dys, [1]);
    expect(r.normRatio).toBeCloseTo(n(cut) / n(full), 12);
    expect(r.cosine).toBeCloseTo(cos, 12);
  });

  it("rejects an empty or invalid list of k", () => {
    const { p, xs, dys } = setup(4, false);
    expect(() => truncationComparison(p, xs, dys, [])).toThrow(/ks/);
    expect(() => truncationComparison(p, xs, dys, [0])).toThrow(/truncate/);
  });
});
