/**
 * Gradient checking by central differences:
 *
 *   ∂L/∂θᵢ ≈ (L(θ + ε eᵢ) − L(θ − ε eᵢ)) / (2ε),   error O(ε²)
 *
 * Every hand-written backward pass in this library is checked this way; notebooks can check their own.
 */
import { createRng } from "../core/random";
import { assert, checkFiniteNumber, checkInt, describe, tensorData, type Mat, type Vec } from "../core/tensor";

/** A named collection of tensors (parameters or gradients). */
export type TensorMap = { [name: string]: Mat | Vec };

/**
 * The central-difference gradient of `f` at `x`, perturbing `x` in place and restoring it.
 * @param indices which entries to perturb (all when omitted); the others are left 0 in the result
 */
export function numericalGradient(f: () => number, x: Float64Array, eps = 1e-5, indices?: number[]): Float64Array {
  checkFiniteNumber("eps", eps);
  assert(eps > 0, () => `eps: expected a positive step, got ${eps}`);
  const g = new Float64Array(x.length);
  const idx = indices ?? Array.from(x.keys());
  for (const i of idx) {
    const old = x[i];
    x[i] = old + eps;
    const up = f();
    x[i] = old - eps;
    const down = f();
    x[i] = old;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** How one tensor's analytic gradient compares with central differences. */
export interface TensorCheck {
  name: string;
  /** Entries compared. */
  checked: number;
  maxAbsError: number;
  /** max |a − n| / max(|a|, |n|) over entries where either exceeds `atol`. */
  maxRelError: number;
  /** The entry with the largest error beyond tolerance, or the largest absolute error. */
  worst: { index: number; analytic: number; numeric: number };
  ok: boolean;
}

/** The result of {@link gradCheck}. */
export interface GradCheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  tensors: TensorCheck[];
}

/** Options of {@link gradCheck}. */
export interface GradCheckOptions {
  /** Finite-difference step ε (default 1e-5). */
  eps?: number;
  /** Absolute tolerance (default 1e-7). */
  atol?: number;
  /** Relative tolerance (default 1e-5): an entry passes when |a − n| ≤ atol + rtol · max(|a|, |n|). */
  rtol?: number;
  /** Check at most this many randomly chosen entries per tensor (all when omitted). */
  maxEntriesPerTensor?: number;
  /** Seed for choosing the entries (default 0). */
  seed?: number;
}

/**
 * Compares analytic gradients with central differences of `loss`, which must recompute the loss from the
 * current contents of `params` (they are perturbed in place and restored).
 *
 * @example
 * const report = gradCheck(() => lossOf(params), { Whh: params.Whh }, { Whh: grads.Whh });
 * report.ok; // true when every entry agrees within atol + rtol · max(|a|, |n|)
 */
export function gradCheck(
  loss: () => number,
  params: TensorMap,
  grads: TensorMap,
  opts: GradCheckOptions = {},
): GradCheckReport {
  const eps = opts.eps ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  const rtol = opts.rtol ?? 1e-5;
  const rng = createRng(opts.seed ?? 0);
  const tensors: TensorCheck[] = [];
  for (const name of Object.keys(grads)) {
    assert(name in params, () => `grads.${name}: no parameter of that name in params (have ${Object.keys(params).join(", ")})`);
    const x = tensorData(params[name]);
    const a = tensorData(grads[name]);
    assert(
      a.length === x.length,
      () => `grads.${name}: expected ${x.length} entries like params.${name}, got ${a.length} (${describe(grads[name])})`,
    );
    let indices: number[] | undefined;
    if (opts.maxEntriesPerTensor !== undefined && checkInt("opts.maxEntriesPerTensor", opts.maxEntriesPerTensor, 1) < x.length) {
      const all = Array.from(x.keys());
      for (let i = all.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      indices = all.slice(0, opts.maxEntriesPerTensor);
    }
    const n = numericalGradient(loss, x, eps, indices);
    let maxAbs = 0;
    let maxRel = 0;
    let worst = { index: -1, analytic: 0, numeric: 0 };
    let worstExcess = -Infinity;
    let ok = true;
    for (const i of indices ?? Array.from(x.keys())) {
      const err = Math.abs(a[i] - n[i]);
      const scale = Math.max(Math.abs(a[i]), Math.abs(n[i]));
      maxAbs = Math.max(maxAbs, err);
      if (scale > atol) maxRel = Math.max(maxRel, err / scale);
      const excess = err - (atol + rtol * scale);
      if (!(excess <= 0)) ok = false; // also catches NaN
      if (excess > worstExcess || Number.isNaN(excess)) {
        worstExcess = Number.isNaN(excess) ? Infinity : excess;
        worst = { index: i, analytic: a[i], numeric: n[i] };
      }
    }
    tensors.push({ name, checked: indices?.length ?? x.length, maxAbsError: maxAbs, maxRelError: maxRel, worst, ok });
  }
  return {
    ok: tensors.every((t) => t.ok),
    maxAbsError: Math.max(0, ...tensors.map((t) => t.maxAbsError)),
    maxRelError: Math.max(0, ...tensors.map((t) => t.maxRelError)),
    tensors,
  };
}
