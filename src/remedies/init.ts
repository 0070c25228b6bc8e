/**
 * Initialization: where the recurrent matrix starts decides whether gradients explode or vanish at step 0.
 *
 * All random schemes take an `Rng` (src/core/random), so a seed reproduces them exactly. The plain Gaussian
 * N(0, σ²) is `randn(rng, rows, cols, σ)` and the (scaled) identity of IRNN is `identity(n, scale)`, both
 * from src/core/tensor and src/core/random; {@link initRnn} names them as schemes. Our matrices are
 * (out × in): rows = fan-out, cols = fan-in, and row u holds the weights INTO unit u.
 */
import { qr, scaleToSpectralRadius } from "../core/linalg";
import { randn, randUniform, type Rng } from "../core/random";
import { assert, checkFiniteNumber, checkInt, checkPositive, describe, identity, transpose, type Mat } from "../core/tensor";
import { initRnnParams, type RnnInitOptions } from "../rnn/params";
import type { RnnParams } from "../rnn/vanilla";

/**
 * Xavier/Glorot normal init (Glorot & Bengio 2010; d2l.ai): W ~ N(0, σ²) with
 *
 *   σ = gain · √(2 / (n_in + n_out)),   n_in = cols, n_out = rows
 *
 * @example const Wxh = xavierNormal(createRng(0), 32, 4);
 */
export function xavierNormal(rng: Rng, rows: number, cols: number, gain = 1): Mat {
  checkInt("rows", rows, 1);
  checkInt("cols", cols, 1);
  return randn(rng, rows, cols, checkPositive("gain", gain) * Math.sqrt(2 / (rows + cols)));
}

/**
 * Xavier/Glorot uniform init: W ~ U(−a, a) with a = gain · √(6 / (n_in + n_out)), which has the same
 * variance a²/3 = 2/(n_in + n_out) as {@link xavierNormal}.
 */
export function xavierUniform(rng: Rng, rows: number, cols: number, gain = 1): Mat {
  checkInt("rows", rows, 1);
  checkInt("cols", cols, 1);
  const a = checkPositive("gain", gain) * Math.sqrt(6 / (rows + cols));
  return randUniform(rng, rows, cols, -a, a);
}

/**
 * Orthogonal init (Saxe, McClelland & Ganguli 2014; PyTorch `orthogonal_`): the Q factor of the QR
 * decomposition of a Gaussian matrix, sign-corrected so that diag(R) > 0 (which makes Q Haar-distributed,
 * Mezzadri 2007), times `gain`.
 *
 *   A ~ N(0, 1)^{m×n}, A = Q R  →  W = gain · Q
 *
 * Square: QᵀQ = QQᵀ = I, every singular value 1, so ‖Wᵏ h‖ = ‖h‖ for a linear RNN. Tall (rows > cols):
 * orthonormal columns, WᵀW = gain² I. Wide (rows < cols): orthonormal rows, WWᵀ = gain² I (the QR of the
 * transposed Gaussian, transposed back).
 *
 * @example const Whh = orthogonal(createRng(1), 64, 64);
 */
export function orthogonal(rng: Rng, rows: number, cols: number, gain = 1): Mat {
  checkInt("rows", rows, 1);
  checkInt("cols", cols, 1);
  const g = checkPositive("gain", gain);
  const tall = rows >= cols;
  const { q } = qr(tall ? randn(rng, rows, cols) : randn(rng, cols, rows));
  const w = tall ? q : transpose(q);
  for (let i = 0; i < w.data.length; i++) w.data[i] *= g;
  return w;
}

/** Options of {@link sparseRecurrent}. */
export interface SparseRecurrentOptions {
  /** Incoming connections per unit, i.e. nonzeros per ROW (default min(15, n), Pascanu et al.'s 15). */
  k?: number;
  /** The spectral radius to scale to (default 0.95, Pascanu et al.'s "smart tanh"). */
  spectralRadius?: number;
}

/**
 * Sparse recurrent init (Martens & Sutskever 2011; Pascanu et al. 2013's "smart tanh": k = 15, ρ = 0.95):
 * each unit gets exactly k incoming connections from k distinct units chosen uniformly (self-connections
 * allowed), with N(0, 1) weights, and the matrix is then scaled to spectral radius ρ.
 *
 *   W[u, j] ~ N(0, 1) for j ∈ S_u (|S_u| = k),  0 elsewhere;   W ← W · ρ / ρ(W)
 *
 * @param n the number of hidden units (W is n×n)
 * @example const Whh = sparseRecurrent(createRng(0), 50);   // 15 nonzeros per row, ρ = 0.95
 */
export function sparseRecurrent(rng: Rng, n: number, opts: SparseRecurrentOptions = {}): Mat {
  checkInt("n", n, 1);
  const k = opts.k === undefined ? Math.min(15, n) : checkInt("opts.k", opts.k, 1);
  assert(k <= n, () => `opts.k: expected at most n = ${n} connections per unit, got ${k}`);
  const rho = opts.spectralRadius ?? 0.95;
  checkPositive("opts.spectralRadius", rho);
  const w: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
  const cols = Array.from({ length: n }, (_, j) => j);
  for (let u = 0; u < n; u++) {
    // Partial Fisher–Yates: the first k entries of `cols` become a uniform k-subset.
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      [cols[i], cols[j]] = [cols[j], cols[i]];
      let v = rng.normal();
      while (v === 0) v = rng.normal(); // exactly k nonzeros, even in the measure-zero case
      w.data[u * n + cols[i]] = v;
    }
  }
  return scaleToSpectralRadius(w, rho);
}

/** The recurrent schemes {@link initRnn} knows. */
export type RecurrentInit = "gaussian" | "xavier" | "orthogonal" | "identity" | "sparse";

/** Options of {@link initRnn}: {@link RnnInitOptions} with a named scheme for Whh. */
export interface InitRnnOptions extends Omit<RnnInitOptions, "recurrent"> {
  /**
   * How Whh starts: "gaussian" N(0, recurrentStd²) (default σ = 1/√H), "xavier" (σ² = 2/(H + H) = 1/H),
   * "orthogonal" (× gain), "identity" (× identityScale, IRNN), "sparse" (k per row, ρ = 0.95 unless given).
   */
  recurrent: RecurrentInit;
  /** Orthogonal: the gain (default 1). */
  gain?: number;
  /** Identity: Whh = scale · I (default 1; Le et al. 2015 also use a small scaled identity). */
  identityScale?: number;
  /** Sparse: incoming connections per unit (default min(15, hidden)). */
  k?: number;
  /** Rescale Whh to this spectral radius afterwards (sparse: default 0.95; other schemes: only when given). */
  spectralRadius?: number;
}

const SCHEMES: readonly RecurrentInit[] = ["gaussian", "xavier", "orthogonal", "identity", "sparse"];

/**
 * Full RNN parameters with a named recurrent scheme; Wxh and Why are Gaussian with zero biases, exactly as
 * {@link initRnnParams} draws them (default σ = 1/√fan_in; `inputStd`, `outputStd` override).
 * "gaussian" without `spectralRadius` gives exactly initRnnParams(rng, opts).
 *
 * @example
 * const irnn  = initRnn(createRng(0), { input: 1, hidden: 100, output: 10, activation: "relu", recurrent: "identity" });
 * const smart = initRnn(createRng(0), { input: 6, hidden: 50, output: 4, activation: "tanh", recurrent: "sparse",
 *                                       inputStd: 0.01, outputStd: 0.01 });   // Pascanu et al.'s "smart tanh"
 */
export function initRnn(rng: Rng, opts: InitRnnOptions): RnnParams {
  assert(typeof opts === "object" && opts !== null, () => `opts: expected initRnn options, got ${describe(opts)}`);
  const scheme = opts.recurrent;
  assert(
    (SCHEMES as readonly string[]).includes(scheme),
    () => `opts.recurrent: expected one of ${SCHEMES.map((s) => `"${s}"`).join(", ")}, got ${describe(scheme)}`,
  );
  const H = checkInt("opts.hidden", opts.hidden, 1);
  const rho = opts.spectralRadius === undefined ? undefined : checkPositive("opts.spectralRadius", opts.spectralRadius);
  const { recurrent: _scheme, gain, identityScale, k, spectralRadius: _rho, ...base } = opts;
  if (scheme === "gaussian") {
    const p = initRnnParams(rng, base);
    return rho === undefined ? p : { ...p, Whh: scaleToSpectralRadius(p.Whh, rho) };
  }
  let W: Mat;
  if (scheme === "xavier") W = xavierNormal(rng, H, H);
  else if (scheme === "orthogonal") W = orthogonal(rng, H, H, gain ?? 1);
  else if (scheme === "identity") W = identity(H, checkFiniteNumber("opts.identityScale", identityScale ?? 1));
  else W = sparseRecurrent(rng, H, { k, spectralRadius: rho ?? 0.95 });
  if (rho !== undefined && scheme !== "sparse") W = scaleToSpectralRadius(W, rho);
  return initRnnParams(rng, { ...base, recurrent: W });
}
