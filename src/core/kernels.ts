/**
 * Why they stay (issue 17): sigmoid units, which neither compiled kernel set has, run on them — 9–20× the
 * readable reference at H = 16–128, T = 200 (measured on a loaded machine, ratios within one process) — and
 * they are the last fallback where WebAssembly SIMD is missing.
 *
 * Low-level float64 kernels for the hot loops of the RNN: matrix-vector and matrix-matrix products on raw
 * row-major buffers with offsets, so that one big Float64Array can hold every step's vectors.
 *
 * They ACCUMULATE into the output (y += A x, C += A B): the caller initialises it (with a bias, an earlier
 * term, or zeros). No argument checks here: these are called T times per sequence from code that has already
 * checked the shapes; use `matVec`/`matmul` from ./tensor for checked, allocating versions.
 *
 * Why the blocking: V8 does not vectorise, so speed comes from register blocking. A mat-vec that runs 4 rows
 * at once, each with 2 partial sums, loads x[j] once for 4 rows and keeps 8 independent add chains in flight
 * (≈ 2.5–3 GFLOP/s here against ≈ 1.2 for the one-accumulator loop); a 4×4 block of C kept in 16 locals while
 * k runs loads 8 numbers per 16 multiply-adds (≈ 4–4.5 GFLOP/s).
 */

/**
 * y[yOff + i] += Σ_j A[aOff + i·n + j] · x[xOff + j] for i < m, j < n (A is m×n row-major).
 * @example gemvAdd(2, 2, Float64Array.of(1, 2, 3, 4), 0, Float64Array.of(1, 1), 0, y, 0) // y += [3, 7]
 */
export function gemvAdd(
  m: number,
  n: number,
  a: Float64Array,
  aOff: number,
  x: Float64Array,
  xOff: number,
  y: Float64Array,
  yOff: number,
): void {
  const n2 = n & ~1;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const o0 = aOff + i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    let j = 0;
    for (; j < n2; j += 2) {
      const x0 = x[xOff + j];
      const x1 = x[xOff + j + 1];
      s0 += a[o0 + j] * x0;
      t0 += a[o0 + j + 1] * x1;
      s1 += a[o1 + j] * x0;
      t1 += a[o1 + j + 1] * x1;
      s2 += a[o2 + j] * x0;
      t2 += a[o2 + j + 1] * x1;
      s3 += a[o3 + j] * x0;
      t3 += a[o3 + j + 1] * x1;
    }
    if (j < n) {
      const xj = x[xOff + j];
      s0 += a[o0 + j] * xj;
      s1 += a[o1 + j] * xj;
      s2 += a[o2 + j] * xj;
      s3 += a[o3 + j] * xj;
    }
    y[yOff + i] += s0 + t0;
    y[yOff + i + 1] += s1 + t1;
    y[yOff + i + 2] += s2 + t2;
    y[yOff + i + 3] += s3 + t3;
  }
  for (; i < m; i++) {
    const o = aOff + i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += a[o + j] * x[xOff + j];
    y[yOff + i] += s;
  }
}

/**
 * C += A B with A M×K, B K×N and C M×N, all row-major and dense, starting at the given offsets.
 * @example gemmAdd(1, 1, 2, Float64Array.of(1, 2), 0, Float64Array.of(3, 4), 0, c, 0) // c[0] += 11
 */
export function gemmAdd(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
): void {
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const a0 = aOff + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let bo = bOff + j;
      for (let k = 0; k < K; k++, bo += N) {
        const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3];
        let v = a[a0 + k];
        c00 += v * b0; c01 += v * b1; c02 += v * b2; c03 += v * b3;
        v = a[a1 + k];
        c10 += v * b0; c11 += v * b1; c12 += v * b2; c13 += v * b3;
        v = a[a2 + k];
        c20 += v * b0; c21 += v * b1; c22 += v * b2; c23 += v * b3;
        v = a[a3 + k];
        c30 += v * b0; c31 += v * b1; c32 += v * b2; c33 += v * b3;
      }
      let co = cOff + i * N + j;
      c[co] += c00; c[co + 1] += c01; c[co + 2] += c02; c[co + 3] += c03;
      co += N;
      c[co] += c10; c[co + 1] += c11; c[co + 2] += c12; c[co + 3] += c13;
      co += N;
      c[co] += c20; c[co + 1] += c21; c[co + 2] += c22; c[co + 3] += c23;
      co += N;
      c[co] += c30; c[co + 1] += c31; c[co + 2] += c32; c[co + 3] += c33;
    }
    for (; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let bo = bOff + j;
      for (let k = 0; k < K; k++, bo += N) {
        const bk = b[bo];
        s0 += a[a0 + k] * bk; s1 += a[a1 + k] * bk; s2 += a[a2 + k] * bk; s3 += a[a3 + k] * bk;
      }
      const co = cOff + i * N + j;
      c[co] += s0; c[co + N] += s1; c[co + 2 * N] += s2; c[co + 3 * N] += s3;
    }
  }
  for (; i < M; i++) {
    // Leftover rows: c_i += a_i B, one row of B at a time (contiguous).
    const ao = aOff + i * K;
    const co = cOff + i * N;
    for (let k = 0; k < K; k++) {
      const v = a[ao + k];
      if (v === 0) continue;
      const bo = bOff + k * N;
      for (let j = 0; j < N; j++) c[co + j] += v * b[bo + j];
    }
  }
}

/**
 * C += Aᵀ B with A K×M, B K×N and C M×N, all row-major: the sum over k of outer products a_k b_kᵀ, which is how
 * BPTT's weight gradients W̄ = Σ_t z̄_t h_{t−1}ᵀ are accumulated over all steps in one pass (A = the z̄_t as rows).
 * @example gemmTNAdd(2, 1, 1, Float64Array.of(1, 2), 0, Float64Array.of(3), 0, c, 0) // c += [[3], [6]]
 */
export function gemmTNAdd(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
): void {
  let i = 0;
  for (; i + 3 < M; i += 4) {
    let j = 0;
    for (; j + 3 < N; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let ao = aOff + i;
      let bo = bOff + j;
      for (let k = 0; k < K; k++, ao += M, bo += N) {
        const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3];
        let v = a[ao];
        c00 += v * b0; c01 += v * b1; c02 += v * b2; c03 += v * b3;
        v = a[ao + 1];
        c10 += v * b0; c11 += v * b1; c12 += v * b2; c13 += v * b3;
        v = a[ao + 2];
        c20 += v * b0; c21 += v * b1; c22 += v * b2; c23 += v * b3;
        v = a[ao + 3];
        c30 += v * b0; c31 += v * b1; c32 += v * b2; c33 += v * b3;
      }
      let co = cOff + i * N + j;
      c[co] += c00; c[co + 1] += c01; c[co + 2] += c02; c[co + 3] += c03;
      co += N;
      c[co] += c10; c[co + 1] += c11; c[co + 2] += c12; c[co + 3] += c13;
      co += N;
      c[co] += c20; c[co + 1] += c21; c[co + 2] += c22; c[co + 3] += c23;
      co += N;
      c[co] += c30; c[co + 1] += c31; c[co + 2] += c32; c[co + 3] += c33;
    }
    for (; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ao = aOff + i;
      let bo = bOff + j;
      for (let k = 0; k < K; k++, ao += M, bo += N) {
        const bk = b[bo];
        s0 += a[ao] * bk; s1 += a[ao + 1] * bk; s2 += a[ao + 2] * bk; s3 += a[ao + 3] * bk;
      }
      const co = cOff + i * N + j;
      c[co] += s0; c[co + N] += s1; c[co + 2 * N] += s2; c[co + 3 * N] += s3;
    }
  }
  for (; i < M; i++) {
    const co = cOff + i * N;
    for (let k = 0; k < K; k++) {
      const v = a[aOff + k * M + i];
      if (v === 0) continue;
      const bo = bOff + k * N;
      for (let j = 0; j < N; j++) c[co + j] += v * b[bo + j];
    }
  }
}

/** The transpose of the rows×cols row-major matrix at `a` as a new cols×rows row-major buffer. */
export function transposeData(rows: number, cols: number, a: Float64Array): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) t[j * rows + i] = a[o + j];
  }
  return t;
}

/** out[j] += Σ_r A[aOff + r·n + j] for r < m: the column sums of an m×n block (bias gradients Σ_t z̄_t). */
export function colSumAdd(m: number, n: number, a: Float64Array, aOff: number, out: Float64Array): void {
  for (let r = 0; r < m; r++) {
    const o = aOff + r * n;
    for (let j = 0; j < n; j++) out[j] += a[o + j];
  }
}
