/**
 * Shared plumbing of the remedies: named collections of tensors, their checks and element-wise copies.
 * Internal to src/remedies (not re-exported): the public types live in clip.ts.
 */
import { assert, describe, isMat, type Mat, type Vec } from "../core/tensor";

/** Any object whose every field is a Mat or a Vec, e.g. `RnnGrads` or `{ W: Mat, b: Vec }`. */
export type TensorFields<G> = { [K in keyof G]: Mat | Vec };

/** A tensor shaped like `t` holding `data` (a Mat keeps its rows × cols). */
export function withData<T extends Mat | Vec>(t: T, data: Float64Array): T {
  return (t instanceof Float64Array ? data : { rows: (t as Mat).rows, cols: (t as Mat).cols, data }) as T;
}

/** Checks that every field of `g` is a Mat or a Float64Array; returns the field names. */
export function checkTensorFields(name: string, g: unknown): string[] {
  assert(typeof g === "object" && g !== null && !Array.isArray(g), () => `${name}: expected an object of named Mat/Float64Array tensors, got ${describe(g)}`);
  const keys = Object.keys(g);
  for (const k of keys) {
    const v = (g as Record<string, unknown>)[k];
    assert(v instanceof Float64Array || isMat(v), () => `${name}.${k}: expected a Mat or a Float64Array, got ${describe(v)}`);
  }
  return keys;
}

/** Checks that `p[k]` has the same shape as `g[k]` (a Mat of the same rows × cols, or a Vec of the same length). */
export function checkSameShape(pName: string, p: unknown, gName: string, g: Mat | Vec): void {
  if (g instanceof Float64Array) {
    assert(p instanceof Float64Array && p.length === g.length, () => `${pName}: expected a Float64Array(${g.length}) like ${gName}, got ${describe(p)}`);
  } else {
    assert(isMat(p) && p.rows === g.rows && p.cols === g.cols, () => `${pName}: expected a Mat ${g.rows}×${g.cols} like ${gName}, got ${describe(p)}`);
  }
}

/**
 * Which tensors a regularizer applies to: the names in `include` (each must exist and be a tensor), or by
 * default every Mat (weight matrices), leaving vectors (biases) alone, as is usual.
 */
export function selectTensors(name: string, obj: object, include: readonly string[] | undefined): Set<string> {
  const rec = obj as Record<string, unknown>;
  const tensorKeys = Object.keys(rec).filter((k) => rec[k] instanceof Float64Array || isMat(rec[k]));
  if (include === undefined) return new Set(tensorKeys.filter((k) => isMat(rec[k])));
  assert(Array.isArray(include), () => `opts.include: expected an array of tensor names, got ${describe(include)}`);
  for (const k of include)
    assert(tensorKeys.includes(k), () => `opts.include: ${describe(k)} is not a tensor of ${name} (have ${tensorKeys.join(", ")})`);
  return new Set(include);
}
