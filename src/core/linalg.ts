/**
 * Spectra of matrices: singular values, spectral norm, eigenvalues and spectral radius, and QR.
 *
 * The decompositions come from ml-matrix (a port of JAMA / EISPACK: Golub–Kahan SVD, Hessenberg + shifted
 * QR for eigenvalues, Householder QR); this file adapts them to our row-major `Mat` and checks inputs.
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from "ml-matrix";
import { assert, checkAllFinite, checkMat, checkPositive, transpose, type Mat } from "./tensor";

function toMl(m: Mat): Matrix {
  const out = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.set(i, j, m.data[i * m.cols + j]);
  return out;
}

function fromMl(m: Matrix): Mat {
  const data = new Float64Array(m.rows * m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) data[i * m.columns + j] = m.get(i, j);
  return { rows: m.rows, cols: m.columns, data };
}

/**
 * A / s with s = max |aᵢⱼ|, and entries below 1e-30 · s set to 0. Singular values and eigenvalues scale exactly
 * with the matrix (σ(cA) = c σ(A), λ(cA) = c λ(A)), and the decompositions need the normalisation: on a matrix
 * a diverging run produces (entries ~1e195 beside entries ~1e2) JAMA's iterations either loop or crawl through
 * subnormal arithmetic (seconds for 12×12). Dropping entries 1e-30 below the largest changes A by far less than
 * the algorithms' own backward error (~1e-16 ‖A‖).
 */
function normalized(a: Mat): { scaled: Mat; s: number } {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s = Math.max(s, Math.abs(a.data[i]));
  const tiny = 1e-30;
  const data = a.data.map((v) => {
    const x = s === 0 ? 0 : v / s;
    return Math.abs(x) < tiny ? 0 : x;
  });
  return { scaled: { rows: a.rows, cols: a.cols, data }, s };
}

function checkFiniteMat(name: string, m: unknown): Mat {
  const a = checkMat(name, m);
  checkAllFinite(`${name}.data`, a.data);
  return a;
}

/**
 * All singular values σ₁ ≥ σ₂ ≥ … ≥ σ_min(m,n) ≥ 0 of A, i.e. the square roots of the eigenvalues of AᵀA.
 * @example singularValues(matFrom([[3, 0], [0, 4]])) // Float64Array [4, 3]
 */
export function singularValues(a: Mat): Float64Array {
  checkFiniteMat("a", a);
  if (a.rows === 0 || a.cols === 0) return new Float64Array(0);
  const { scaled, s } = normalized(a);
  if (s === 0) return new Float64Array(Math.min(a.rows, a.cols));
  // JAMA's SVD wants rows ≥ cols; A and Aᵀ have the same singular values.
  const m = scaled.rows >= scaled.cols ? scaled : transpose(scaled);
  const svd = new SingularValueDecomposition(toMl(m), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  const sv = Float64Array.from(svd.diagonal, (x) => Math.max(0, x) * s);
  return sv.sort().reverse();
}

/** The spectral norm ‖A‖₂ = σ₁(A), the largest singular value (how much A can stretch a vector). */
export function spectralNorm(a: Mat): number {
  const s = singularValues(a);
  return s.length === 0 ? 0 : s[0];
}

/** An eigenvalue λ = re + i·im. */
export interface Complex {
  re: number;
  im: number;
}

/** The eigenvalues of a square matrix, sorted by decreasing modulus |λ|. */
export function eigenvalues(a: Mat): Complex[] {
  checkFiniteMat("a", a);
  assert(a.rows === a.cols, () => `a: expected a square matrix, got ${a.rows}×${a.cols}`);
  if (a.rows === 0) return [];
  const { scaled, s } = normalized(a);
  if (s === 0) return Array.from({ length: a.rows }, () => ({ re: 0, im: 0 }));
  const evd = new EigenvalueDecomposition(toMl(scaled), { assumeSymmetric: false });
  const re = evd.realEigenvalues;
  const im = evd.imaginaryEigenvalues;
  return re
    .map((r, i) => ({ re: r * s, im: im[i] * s }))
    .sort((p, q) => Math.hypot(q.re, q.im) - Math.hypot(p.re, p.im));
}

/**
 * The spectral radius ρ(A) = max |λᵢ(A)| of a square matrix. ρ(A) ≤ ‖A‖₂ always; for a linear RNN,
 * ‖A^k‖^(1/k) → ρ(A), so ρ > 1 makes W^(T−1) explode and ρ < 1 makes it vanish.
 */
export function spectralRadius(a: Mat): number {
  const ev = eigenvalues(a);
  return ev.length === 0 ? 0 : Math.hypot(ev[0].re, ev[0].im);
}

/**
 * The thin QR decomposition A = Q R (A is m×n with m ≥ n; Q m×n with orthonormal columns, R n×n upper
 * triangular), sign-normalised so that diag(R) ≥ 0 — which makes Q unique and, for a Gaussian A, Haar
 * distributed (Mezzadri 2007).
 */
export function qr(a: Mat): { q: Mat; r: Mat } {
  checkFiniteMat("a", a);
  assert(a.rows >= a.cols, () => `a: expected rows ≥ cols for a thin QR, got ${a.rows}×${a.cols}`);
  const dec = new QrDecomposition(toMl(a));
  const m = a.rows;
  const n = a.cols;
  const qThin = fromMl(dec.orthogonalMatrix).data; // ml-matrix returns the thin m×n factor
  const r = fromMl(dec.upperTriangularMatrix).data;
  assert(qThin.length === m * n && r.length === n * n, () => `qr: unexpected factor shapes from ml-matrix`);
  for (let j = 0; j < n; j++) {
    if (r[j * n + j] < 0) {
      for (let i = 0; i < m; i++) qThin[i * n + j] = -qThin[i * n + j];
      for (let k = j; k < n; k++) r[j * n + k] = -r[j * n + k]; // the zeros left of the diagonal stay +0
    }
  }
  return { q: { rows: m, cols: n, data: qThin }, r: { rows: n, cols: n, data: r } };
}

/**
 * W rescaled to spectral radius ρ (the largest |eigenvalue|):
 *
 *   W ← W · ρ_target / ρ(W)
 *
 * Exact up to rounding, since the eigenvalues of cW are c times those of W. Returns a new matrix.
 * @throws when ρ(W) = 0 (a nilpotent W, e.g. all zeros, cannot be scaled to a nonzero radius)
 * @example const W = scaleToSpectralRadius(randn(rng, 50, 50), 0.95);
 */
export function scaleToSpectralRadius(w: Mat, rho: number): Mat {
  const m = checkMat("w", w);
  assert(m.rows === m.cols, () => `w: expected a square matrix (the spectral radius needs eigenvalues), got ${m.rows}×${m.cols}`);
  const target = checkPositive("rho", rho);
  const r = spectralRadius(m);
  assert(r > 0, () => `w: its spectral radius is 0 (nilpotent, e.g. all zeros), so no multiple of it has radius ${target}`);
  return { rows: m.rows, cols: m.cols, data: m.data.map((x) => x * (target / r)) };
}

/**
 * W rescaled to spectral norm s (the largest singular value σ₁, Pascanu et al.'s λ₁):
 *
 *   W ← W · s / σ₁(W)
 *
 * With ‖diag(φ′)‖ ≤ γ, s < 1/γ guarantees vanishing gradients (Pascanu et al. 2013). Any shape.
 * @throws when W = 0
 */
export function scaleToSpectralNorm(w: Mat, s: number): Mat {
  const m = checkMat("w", w);
  const target = checkPositive("s", s);
  const n = spectralNorm(m);
  assert(n > 0, () => `w: its spectral norm is 0 (all zeros), so no multiple of it has spectral norm ${target}`);
  return { rows: m.rows, cols: m.cols, data: m.data.map((x) => x * (target / n)) };
}
