/**
 * Dense vectors and row-major matrices in float64, with the argument checks every other module relies on.
 *
 * A `Mat` is plain data (`{ rows, cols, data }`, entry (i, j) at `data[i * cols + j]`), so it serialises,
 * copies and crosses worker boundaries without a class in the way.
 */

/** A vector: a plain `Float64Array`. */
export type Vec = Float64Array;

/** A row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Throws an `Error` with the message built by `msg` when `cond` is false (the message is built lazily). */
export function assert(cond: boolean, msg: () => string): asserts cond {
  if (!cond) throw new Error(msg());
}

/**
 * Describes a value for an error message: its kind and, for arrays and matrices, its shape; a plain object by
 * its first few fields (one level deep), so that e.g. a Mat whose data is a Float32Array shows as such.
 * @example describe(new Float32Array(3)) // "Float32Array(3)"
 */
export function describe(x: unknown): string {
  if (typeof x === "object" && x !== null && !ArrayBuffer.isView(x) && !Array.isArray(x) && !isMat(x)) {
    const proto = Object.getPrototypeOf(x) as unknown;
    if (proto !== Object.prototype && proto !== null) return typeof x;
    const keys = Object.keys(x);
    const fields = keys.slice(0, 4).map((k) => `${k}: ${describeOne((x as Record<string, unknown>)[k])}`);
    return `{${fields.join(", ")}${keys.length > 4 ? ", …" : ""}}`;
  }
  return describeOne(x);
}

function describeOne(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  // Every typed array by its own name (a Float32Array is not a Float64Array: say which it is).
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return `${x.constructor.name}(${(x as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  if (isMat(x)) return `Mat ${x.rows}×${x.cols}`;
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  if (typeof x === "string") return JSON.stringify(x);
  return typeof x;
}

/** True when `x` has the shape of a `Mat` with consistent dimensions. */
export function isMat(x: unknown): x is Mat {
  if (typeof x !== "object" || x === null) return false;
  const m = x as Partial<Mat>;
  return (
    typeof m.rows === "number" &&
    typeof m.cols === "number" &&
    m.data instanceof Float64Array &&
    m.data.length === m.rows * m.cols
  );
}

/** Checks that `n` is a whole number ≥ `min`, naming `name` in the error. */
export function checkInt(name: string, n: unknown, min = 0): number {
  assert(
    typeof n === "number" && Number.isInteger(n) && n >= min,
    () => `${name}: expected an integer ≥ ${min}, got ${describe(n)}`,
  );
  return n as number;
}

/** Checks that `x` is a finite number, naming `name` in the error. */
export function checkFiniteNumber(name: string, x: unknown): number {
  assert(typeof x === "number" && Number.isFinite(x), () => `${name}: expected a finite number, got ${describe(x)}`);
  return x as number;
}

/**
 * Checks that `x` is a positive finite number, naming `name`. (Zero, negative, NaN, ±Infinity and non-numbers
 * are all rejected: as a threshold, rate or scale each would silently disable or destroy what it controls.)
 */
export function checkPositive(name: string, x: unknown): number {
  assert(typeof x === "number" && Number.isFinite(x) && x > 0, () => `${name}: expected a positive finite number, got ${describe(x)}`);
  return x as number;
}

/** Checks that `x` is a finite number ≥ 0, naming `name`. */
export function checkNonNegative(name: string, x: unknown): number {
  assert(typeof x === "number" && Number.isFinite(x) && x >= 0, () => `${name}: expected a finite number ≥ 0, got ${describe(x)}`);
  return x as number;
}

/** Checks that `v` is a `Float64Array` of length `n` (any length when `n` is omitted). */
export function checkVec(name: string, v: unknown, n?: number): Vec {
  assert(v instanceof Float64Array, () => `${name}: expected a Float64Array, got ${describe(v)}`);
  assert(n === undefined || v.length === n, () => `${name}: expected length ${n}, got length ${v.length}`);
  return v;
}

/** Checks that `m` is a `Mat` of shape rows × cols (either may be omitted). */
export function checkMat(name: string, m: unknown, rows?: number, cols?: number): Mat {
  assert(isMat(m), () => `${name}: expected a Mat {rows, cols, data: Float64Array(rows*cols)}, got ${describe(m)}`);
  assert(
    (rows === undefined || m.rows === rows) && (cols === undefined || m.cols === cols),
    () => `${name}: expected shape ${rows ?? "?"}×${cols ?? "?"}, got ${m.rows}×${m.cols}`,
  );
  return m;
}

/**
 * Index of the first NaN or ±Infinity in `a`, or −1 when every entry is finite.
 * Used to report where a non-finite number appeared instead of passing it on.
 */
export function firstNonFinite(a: ArrayLike<number>): number {
  if (a instanceof Float64Array && allFiniteF64(a)) return -1; // the common case, checked without a branch per entry
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * True when every entry of `a` is finite: Σ (aᵢ − aᵢ) is 0 exactly then and NaN otherwise (∞ − ∞ = NaN). A
 * monomorphic loop over a Float64Array, several times faster than Number.isFinite per entry on the arrays of
 * every forward and backward pass.
 */
function allFiniteF64(a: Float64Array): boolean {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] - a[i];
  return s === 0;
}

/** Throws when `a` holds a NaN or ±Infinity, naming `name`, the index and the value. */
export function checkAllFinite(name: string, a: ArrayLike<number>): void {
  const i = firstNonFinite(a);
  assert(i < 0, () => `${name}: expected finite numbers, got ${a[i]} at index ${i}`);
}

/** The flat float64 storage of a vector or matrix. */
export function tensorData(t: Mat | Vec): Float64Array {
  return isMat(t) ? t.data : t;
}

/** A vector of `n` zeros. */
export function zerosVec(n: number): Vec {
  return new Float64Array(checkInt("n", n));
}

/** A rows × cols matrix of zeros. */
export function zeros(rows: number, cols: number): Mat {
  checkInt("rows", rows);
  checkInt("cols", cols);
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** The n × n identity matrix, times `scale` (IRNN uses a scaled identity). */
export function identity(n: number, scale = 1): Mat {
  checkInt("n", n);
  checkFiniteNumber("scale", scale);
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = scale;
  return m;
}

/**
 * A matrix from nested rows, e.g. `matFrom([[1, 2], [3, 4]])`.
 * @param rows an array of equally long rows of numbers
 */
export function matFrom(rows: readonly (readonly number[])[]): Mat {
  assert(Array.isArray(rows), () => `rows: expected an array of rows, got ${describe(rows)}`);
  const r = rows.length;
  for (let i = 0; i < r; i++) checkNumbers(`rows[${i}]`, rows[i]);
  const c = r === 0 ? 0 : rows[0].length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    assert(rows[i].length === c, () => `rows[${i}]: expected length ${c} like rows[0], got length ${rows[i].length}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
  }
  return m;
}

/**
 * A vector from numbers, e.g. `vecFrom([1, 2, 3])`. NaN and ±Infinity are numbers and are kept (to build a
 * bad input on purpose); anything that is not a number is refused rather than turned into NaN.
 */
export function vecFrom(xs: ArrayLike<number>): Vec {
  return Float64Array.from(checkNumbers("xs", xs));
}

/** Checks that `xs` is an array (or typed array) of numbers, naming the first entry that is not one. */
function checkNumbers(name: string, xs: unknown): ArrayLike<number> {
  assert(
    Array.isArray(xs) || (ArrayBuffer.isView(xs) && !(xs instanceof DataView)),
    () => `${name}: expected an array of numbers, got ${describe(xs)}`,
  );
  const a = xs as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++)
    assert(typeof a[i] === "number", () => `${name}[${i}]: expected a number, got ${describe(a[i])}`);
  return a as ArrayLike<number>;
}

/** The matrix as nested arrays of rows (for display and tests). */
export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** A deep copy of `m`. */
export function cloneMat(m: Mat): Mat {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Entry (i, j) of `m`. */
export function get(m: Mat, i: number, j: number): number {
  return m.data[i * m.cols + j];
}

/** The transpose Aᵀ. */
export function transpose(a: Mat): Mat {
  const t = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** The matrix product A B. */
export function matmul(a: Mat, b: Mat): Mat {
  assert(a.cols === b.rows, () => `matmul: inner dimensions differ: a is ${a.rows}×${a.cols}, b is ${b.rows}×${b.cols}`);
  const out = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const oi = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) out.data[oi + j] += aik * b.data[bk + j];
    }
  }
  return out;
}

/** The matrix-vector product A x. */
export function matVec(a: Mat, x: Vec): Vec {
  assert(x.length === a.cols, () => `matVec: x has length ${x.length}, expected ${a.cols} (a is ${a.rows}×${a.cols})`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const o = i * a.cols;
    for (let j = 0; j < a.cols; j++) s += a.data[o + j] * x[j];
    out[i] = s;
  }
  return out;
}

/** The product Aᵀ x without forming Aᵀ. */
export function matTVec(a: Mat, x: Vec): Vec {
  assert(x.length === a.rows, () => `matTVec: x has length ${x.length}, expected ${a.rows} (a is ${a.rows}×${a.cols})`);
  const out = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const o = i * a.cols;
    for (let j = 0; j < a.cols; j++) out[j] += a.data[o + j] * xi;
  }
  return out;
}

/** The element-wise scaled copy s · A. */
export function scaleMat(a: Mat, s: number): Mat {
  const out = cloneMat(a);
  for (let i = 0; i < out.data.length; i++) out.data[i] *= s;
  return out;
}

/** The dot product xᵀ y. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert(x.length === y.length, () => `dot: lengths differ: ${x.length} and ${y.length}`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/**
 * The Euclidean norm ‖x‖₂ = √(Σ xᵢ²), computed with scaling so that it neither overflows for huge
 * entries nor underflows for tiny ones (as LAPACK's dnrm2 does).
 */
export function norm2(x: ArrayLike<number>): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v !== 0) {
      const a = Math.abs(v);
      if (!Number.isFinite(a)) return Number.isNaN(a) ? NaN : Infinity;
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else ssq += (a / scale) * (a / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

/** The Frobenius norm of a matrix (the 2-norm of its entries). */
export function frobenius(m: Mat): number {
  return norm2(m.data);
}
