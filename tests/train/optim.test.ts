import { describe, expect, it } from "vitest";
import { matFrom, vecFrom, type Mat, type Vec } from "../../src/core/tensor";
import { createOptimizer, type OptimizerConfig } from "../../src/train/optim";

const arr = (t: Mat | Vec) => Array.from(t instanceof Float64Array ? t : t.data);

describe("SGD and momentum", () => {
  it("SGD: p ← p − lr g, in place, leaving grads alone", () => {
    const W = matFrom([[1, 2], [3, 4]]);
    const b = vecFrom([0.5]);
    const g = { W: matFrom([[0.1, -0.2], [0, 1]]), b: vecFrom([-2]) };
    const opt = createOptimizer({ kind: "sgd", lr: 0.5 });
    opt.stepInPlace({ W, b }, g);
    expect(arr(W)).toEqual([1 - 0.05, 2 + 0.1, 3, 4 - 0.5]);
    expect(arr(b)).toEqual([1.5]);
    expect(arr(g.W)).toEqual([0.1, -0.2, 0, 1]);
    expect(opt.state.step).toBe(1);
  });

  it("momentum after two steps: v₂ = μ g₁ + g₂, p₂ = p₀ − lr g₁ − lr (μ g₁ + g₂) (PyTorch, dampening 0)", () => {
    const p = vecFrom([1, -1]);
    const opt = createOptimizer({ kind: "momentum", lr: 0.1, momentum: 0.9 });
    opt.stepInPlace({ p }, { p: vecFrom([1, 2]) });
    expect(arr(p)[0]).toBeCloseTo(1 - 0.1 * 1, 15);
    opt.stepInPlace({ p }, { p: vecFrom([-1, 0]) });
    // v₂ = 0.9·[1, 2] + [−1, 0] = [−0.1, 1.8]
    expect(arr(p)[0]).toBeCloseTo(1 - 0.1 - 0.1 * -0.1, 14);
    expect(arr(p)[1]).toBeCloseTo(-1 - 0.2 - 0.1 * 1.8, 14);
    expect(arr(opt.state.buffers.p.velocity)[1]).toBeCloseTo(1.8, 15);
  });
});

describe("Adam and AdamW", () => {
  it("Adam's first step is lr·sign(g) when ε = 0, whatever the gradient's scale", () => {
    // m̂₁ = g, v̂₁ = g², so the step is lr · g / |g|.
    const p = vecFrom([0, 0, 0, 0]);
    const opt = createOptimizer({ kind: "adam", lr: 0.01, eps: 0 });
    opt.stepInPlace({ p }, { p: vecFrom([1e-6, -5, 200, -1e8]) });
    expect(arr(p)).toEqual([-0.01, 0.01, -0.01, 0.01].map((x) => expect.closeTo(x, 15)));
  });

  it("Adam's second step matches the bias-corrected formulas computed by hand", () => {
    const [lr, b1, b2, eps] = [0.1, 0.9, 0.999, 1e-8];
    const p = vecFrom([2]);
    const opt = createOptimizer({ kind: "adam", lr, beta1: b1, beta2: b2, eps });
    const [g1, g2] = [3, -1];
    opt.stepInPlace({ p }, { p: vecFrom([g1]) });
    opt.stepInPlace({ p }, { p: vecFrom([g2]) });
    let q = 2;
    let m = (1 - b1) * g1;
    let v = (1 - b2) * g1 * g1;
    q -= (lr * (m / (1 - b1))) / (Math.sqrt(v / (1 - b2)) + eps);
    m = b1 * m + (1 - b1) * g2;
    v = b2 * v + (1 - b2) * g2 * g2;
    q -= (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    expect(p[0]).toBeCloseTo(q, 13);
  });

  it("AdamW decays the weights outside the moments: p₁ = (1 − lr·wd) p₀ − lr·sign(g)", () => {
    const p = vecFrom([3, -4]);
    const opt = createOptimizer({ kind: "adamw", lr: 0.1, weightDecay: 0.5, eps: 0 });
    opt.stepInPlace({ p }, { p: vecFrom([0.2, 0.2]) });
    expect(p[0]).toBeCloseTo(3 * 0.95 - 0.1, 14);
    expect(p[1]).toBeCloseTo(-4 * 0.95 - 0.1, 14);
    // The moments saw g only, not the decay term.
    expect(opt.state.buffers.p.m[0]).toBeCloseTo(0.1 * 0.2, 15);
  });

  it("AdamW's default weight decay is PyTorch's 0.01; plain Adam refuses weightDecay", () => {
    expect(createOptimizer({ kind: "adamw", lr: 1e-3 }).config.weightDecay).toBe(0.01);
    expect(() => createOptimizer({ kind: "adam", lr: 1e-3, weightDecay: 0.1 })).toThrow(/config.weightDecay: not an option of "adam".*adamw/);
  });
});

describe("L2 penalty vs decoupled weight decay", () => {
  // f(p) = ½‖A p − c‖², ∇f = Aᵀ(A p − c); the L2 penalty λ/2‖p‖² adds λ p to the gradient.
  const A = [[2, 1], [0.5, 3], [1, -1]];
  const c = [1, -2, 0.5];
  const grad = (p: Vec, lambda: number): Vec => {
    const r = A.map((row, i) => row[0] * p[0] + row[1] * p[1] - c[i]);
    return vecFrom([0, 1].map((j) => A.reduce((s, row, i) => s + row[j] * r[i], 0) + lambda * p[j]));
  };
  const run = (config: OptimizerConfig, lambda: number): number[][] => {
    const p = vecFrom([1, 1]);
    const opt = createOptimizer(config);
    const path: number[][] = [];
    for (let k = 0; k < 50; k++) {
      opt.stepInPlace({ p }, { p: grad(p, lambda) });
      path.push(Array.from(p));
    }
    return path;
  };
  const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, k) => row.map((x, j) => Math.abs(x - b[k][j]))));

  it("for SGD, L2 with λ and decoupled decay with wd = λ give the same trajectory (to 1e-12)", () => {
    // p − lr(g + λp) = (1 − lr λ) p − lr g.
    const l2 = run({ kind: "sgd", lr: 0.05 }, 0.3);
    const decoupled = run({ kind: "sgd", lr: 0.05, weightDecay: 0.3 }, 0);
    expect(maxDiff(l2, decoupled)).toBeLessThan(1e-12);
  });

  it("for Adam they differ: the L2 gradient is normalised by √v̂, the decoupled decay is not", () => {
    const l2 = run({ kind: "adam", lr: 0.05 }, 0.3);
    const decoupled = run({ kind: "adamw", lr: 0.05, weightDecay: 0.3 }, 0);
    expect(maxDiff(l2, decoupled)).toBeGreaterThan(1e-2);
  });
});

describe("argument checks", () => {
  it("names the bad argument and leaves params untouched on a shape mismatch", () => {
    expect(() => createOptimizer({ kind: "sgd", lr: 0 })).toThrow(/config.lr: expected a positive learning rate, got 0/);
    expect(() => createOptimizer({ kind: "adam", lr: 1, beta2: 1 })).toThrow(/config.beta2: expected a number in \[0, 1\), got 1/);
    expect(() => createOptimizer({ kind: "rmsprop" as "sgd", lr: 1 })).toThrow(/config.kind/);
    expect(() => createOptimizer({ kind: "sgd", lr: 1, momentum: 0.9 })).toThrow(/config.momentum: not an option of "sgd"/);
    const a = vecFrom([1, 2]);
    const b = vecFrom([3]);
    const opt = createOptimizer({ kind: "sgd", lr: 1 });
    expect(() => opt.stepInPlace({ a, b }, { a: vecFrom([1, 1]), b: vecFrom([1, 1]) })).toThrow(/grads.b: expected 1 entries like params.b, got 2/);
    expect(() => opt.stepInPlace({ a, b }, { a: vecFrom([1, 1]) })).toThrow(/grads.b: missing/);
    expect(arr(a)).toEqual([1, 2]);
    expect(opt.state.step).toBe(0);
  });

  // The live weights must never receive a NaN/∞: every kind refuses the step, whichever tensor holds it, and
  // both the weights and the state (step count, velocity, m, v) stay exactly as before the call.
  for (const config of [
    { kind: "sgd", lr: 0.1 },
    { kind: "momentum", lr: 0.1 },
    { kind: "adam", lr: 0.1 },
    { kind: "adamw", lr: 0.1 },
  ] as OptimizerConfig[])
    it(`${config.kind}: a NaN or ±Infinity gradient is refused, naming the tensor and index; params and state unchanged`, () => {
      const W = matFrom([[1, 2], [3, 4]]);
      const b = vecFrom([0.5, -0.5]);
      const opt = createOptimizer(config);
      opt.stepInPlace({ W, b }, { W: matFrom([[0.1, 0.2], [0.3, 0.4]]), b: vecFrom([1, 1]) }); // state now has buffers
      const snapshot = () => ({ W: arr(W), b: arr(b), step: opt.state.step, buffers: structuredClone(opt.state.buffers) });
      const before = snapshot();
      // W (checked first) is fine, so a step that wrote as it went would already have changed it.
      for (const [bad, at] of [[NaN, 1], [Infinity, 0], [-Infinity, 1]] as const) {
        const gb = vecFrom([1, 1]);
        gb[at] = bad;
        expect(() => opt.stepInPlace({ W, b }, { W: matFrom([[1, 1], [1, 1]]), b: gb })).toThrow(
          `grads.b: expected finite numbers, got ${bad} at index ${at}; step 2 not taken (params and optimizer state unchanged)`,
        );
        expect(snapshot()).toEqual(before);
      }
      // A non-finite entry of a matrix is named by its flat index.
      expect(() => opt.stepInPlace({ W, b }, { W: matFrom([[1, 1], [1, NaN]]), b: vecFrom([1, 1]) })).toThrow(/grads\.W: .*got NaN at index 3/);
      expect(snapshot()).toEqual(before);
    });

  it("an optimizer state that does not fit a parameter is refused before any parameter is written", () => {
    const a = vecFrom([1, 2]);
    const c = vecFrom([3, 4]);
    const opt = createOptimizer({ kind: "adam", lr: 0.1 });
    opt.stepInPlace({ a, c }, { a: vecFrom([1, 1]), c: vecFrom([1, 1]) });
    const before = { a: arr(a), m: Array.from(opt.state.buffers.a!.m!) };
    const c3 = vecFrom([3, 4, 5]); // c now has 3 entries, its m and v still 2
    expect(() => opt.stepInPlace({ a, c: c3 }, { a: vecFrom([1, 1]), c: vecFrom([1, 1, 1]) })).toThrow(
      "params.c: has 3 entries, but the optimizer's m for it has 2",
    );
    expect({ a: arr(a), m: Array.from(opt.state.buffers.a!.m!) }).toEqual(before);
    expect(opt.state.step).toBe(1);
  });

  it("an empty parameter set is a no-op step", () => {
    const opt = createOptimizer({ kind: "adam", lr: 1 });
    opt.stepInPlace({}, {});
    expect(opt.state.step).toBe(1);
  });
});
