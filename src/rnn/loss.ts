/**
 * Losses over a sequence of outputs, each returning the loss and ∂L/∂y_t for every step (the `dys` that
 * {@link rnnBackward} takes). A step whose target is `null` carries no loss (e.g. a task scored only at the end).
 */
import { NonFiniteError } from "../core/errors";
import { assert, checkAllFinite, checkInt, checkVec, describe, type Vec } from "../core/tensor";

/** A loss value and its gradient with respect to every output y_t. */
export interface LossResult {
  loss: number;
  /** dys[t − 1] = ∂L/∂y_t (zeros at steps without a target). */
  dys: Vec[];
}

function checkSequence(name: string, ys: unknown, targets: unknown): Vec[] {
  assert(Array.isArray(ys) && ys.length > 0, () => `ys: expected a non-empty array of outputs, got ${describe(ys)}`);
  assert(Array.isArray(targets), () => `${name}: expected an array, got ${describe(targets)}`);
  assert(
    targets.length === ys.length,
    () => `${name}: expected one entry per step (T = ${ys.length}), got ${targets.length}`,
  );
  ys.forEach((y, t) => checkVec(`ys[${t}]`, y));
  return ys as Vec[];
}

function checkLoss(loss: number, t: number): void {
  if (!Number.isFinite(loss)) throw new NonFiniteError("loss", t, loss, undefined, "the outputs overflowed");
}

/**
 * Squared error L = Σ_t ½ ‖y_t − target_t‖², summed over the steps that have a target; ∂L/∂y_t = y_t − target_t.
 * @example squaredError([vecFrom([1])], [vecFrom([0])]) // { loss: 0.5, dys: [[1]] }
 */
export function squaredError(ys: Vec[], targets: (Vec | null)[]): LossResult {
  checkSequence("targets", ys, targets);
  let loss = 0;
  const dys = ys.map((y, t) => {
    const target = targets[t];
    const d = new Float64Array(y.length);
    if (target === null) return d;
    checkVec(`targets[${t}]`, target, y.length);
    checkAllFinite(`targets[${t}]`, target);
    for (let i = 0; i < y.length; i++) {
      d[i] = y[i] - target[i];
      loss += 0.5 * d[i] * d[i];
    }
    checkLoss(loss, t + 1);
    return d;
  });
  return { loss, dys };
}

/**
 * Softmax cross-entropy L = −Σ_t log softmax(y_t)[c_t] over the steps with a class label c_t;
 * ∂L/∂y_t = softmax(y_t) − onehot(c_t). Computed with the log-sum-exp shift, so large logits do not overflow.
 */
export function softmaxCrossEntropy(ys: Vec[], labels: (number | null)[]): LossResult {
  checkSequence("labels", ys, labels);
  let loss = 0;
  const dys = ys.map((y, t) => {
    const c = labels[t];
    const d = new Float64Array(y.length);
    if (c === null) return d;
    checkInt(`labels[${t}]`, c);
    assert(c < y.length, () => `labels[${t}]: expected a class in [0, ${y.length}), got ${c}`);
    checkAllFinite(`ys[${t}]`, y);
    let m = -Infinity;
    for (let i = 0; i < y.length; i++) m = Math.max(m, y[i]);
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += Math.exp(y[i] - m);
    const logZ = m + Math.log(sum);
    for (let i = 0; i < y.length; i++) d[i] = Math.exp(y[i] - logZ);
    d[c] -= 1;
    loss += logZ - y[c];
    checkLoss(loss, t + 1);
    return d;
  });
  return { loss, dys };
}

/** The softmax probabilities of one output vector. */
export function softmax(y: Vec): Vec {
  let m = -Infinity;
  for (let i = 0; i < y.length; i++) m = Math.max(m, y[i]);
  const p = new Float64Array(y.length);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += p[i] = Math.exp(y[i] - m);
  for (let i = 0; i < y.length; i++) p[i] /= sum;
  return p;
}
