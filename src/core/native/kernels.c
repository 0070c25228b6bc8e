/*
 * The vanilla RNN's whole forward pass and full BPTT over a minibatch, on OpenBLAS (cblas), for Node.js through
 * Node-API: the native twin of ../wasm/kernels.wat's rnn_forward_all / rnn_backward_all. The same maths, the
 * same results up to the rounding of BLAS's summation order, and the same tanh (bit for bit: the same operations
 * in the same order, with -ffp-contract=off so that no multiply-add is fused); but each operand is the caller's
 * own Float64Array (the weights, the trace, the gradients), read and written where it lies, and Whh is taken
 * as it is for every pass (BLAS's transpose flags, or a copy made here, instead of a transpose in JavaScript).
 * Nothing is copied in or out around a pass: at H = 256 those copies and transposes, with the JavaScript
 * finiteness check of the weights (done here now: nonfinite), were ≈ 1 ms of a 4.8 ms forward + BPTT. A large
 * pass runs on two threads ("the passes" below).
 *
 *   forward:  Z = X Wxhᵀ + 1 bhᵀ,  Z_t += H_{t−1} Whhᵀ,  H_t = φ(Z_t) (t = 1..T),  Y = H_{1..T} Whyᵀ + 1 byᵀ
 *   backward: W̄hy += Ȳᵀ H_{1..T}, b̄y += Ȳᵀ1, H̄_t = Ȳ_t Why, then for t = T..1 Z̄_t = H̄_t ⊙ φ′(Z_t) and
 *             H̄_{t−1} += Z̄_t Whh, then W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X, b̄h += Z̄ᵀ1
 *
 * Why native code at all: a minibatch step is a handful of matrix products (B·T × 128 × 128 at the bench's
 * sizes). WebAssembly has 2-wide vectors and no FMA, ≈ 20 GFLOP/s per core here; OpenBLAS's AVX-512 dgemm
 * runs 40–55 on one core and splits the large products over both. Built by ./build.cjs (from setup); when it
 * is not built, or cannot load, the library uses the WebAssembly kernels instead (./native.ts).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <node_api.h>
#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#undef I /* complex.h's imaginary unit, from openblas_config.h: I is the input size here */

extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);

/* ---- activations: the kernels' own tanh (as in kernels.wat), relu and linear; 0 linear, 1 tanh, 2 relu ---- */

static const double TANH_CLAMP = 20, INV_LN2 = 0x1.71547652b82fep0, ROUND_MAGIC = 0x1.8p52,
                    LN2_HI = 0x1.62e42feep-1, LN2_LO = 1.90821492927058770002e-10, F2 = 0.5,
                    F3 = 1.6666666666666666e-1, F4 = 4.1666666666666664e-2, F5 = 8.333333333333333e-3,
                    F6 = 1.388888888888889e-3, F7 = 1.984126984126984e-4, F8 = 2.48015873015873e-5,
                    F9 = 2.7557319223985893e-6, F10 = 2.7557319223985888e-7, F11 = 2.505210838544172e-8,
                    F12 = 2.08767569878681e-9, F13 = 1.6059043836821613e-10;
static const uint64_t EXP_BIAS = 4843621399236967425ull; /* bits(1.5·2^52) − 1023 */
static const uint64_t SIGN_BIT = 0x8000000000000000ull;

/* Vectorising loops compiled for AVX-512, AVX2 and plain x86-64, one picked at load time; elsewhere, as is. */
#if defined(__x86_64__) && defined(__GNUC__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static inline uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return u;
}
static inline double from_bits(uint64_t u) {
  double x;
  memcpy(&x, &u, 8);
  return x;
}

/*
 * h[i] = tanh z[i] for i < n; returns 1 when some h[i] is NaN. kernels.wat's $tanh_row lane by lane:
 *   tanh|x| = e / (e + 2),  e = expm1(2|x|) = 2^k·expm1(r) + (2^k − 1),  2|x| = k·ln 2 + r,
 * expm1(r) by its Taylor series to r^13 (Estrin), |x| clamped at 20, the sign put back last.
 * CLONES: compiled for AVX-512, AVX2 and plain x86-64, picked at load time, so that it vectorises.
 */
CLONES static int tanh_row(int n, const double *restrict z, double *restrict h) {
  int bad = 0;
  for (int i = 0; i < n; i++) {
    double x = z[i];
    double ax = from_bits(bits(x) & ~SIGN_BIT);
    double y = ax > TANH_CLAMP ? TANH_CLAMP : ax; /* NaN stays NaN, as with f64x2.min */
    y = y + y;
    double t = y * INV_LN2 + ROUND_MAGIC;
    double k = t - ROUND_MAGIC;
    double r = (y - k * LN2_HI) - k * LN2_LO;
    double r2 = r * r, r4 = r2 * r2;
    double q = ((F2 + F3 * r) + r2 * (F4 + F5 * r)) +
               r4 * (((F6 + F7 * r) + r2 * (F8 + F9 * r)) + r4 * ((F10 + F11 * r) + r2 * (F12 + F13 * r)));
    q = r + r2 * q;
    double s = from_bits((bits(t) - EXP_BIAS) << 52);
    double e = s * q + (s - 1);
    double v = from_bits(bits(e / (e + 2)) | (bits(x) & SIGN_BIT));
    h[i] = v;
    bad |= v != v;
  }
  return bad;
}

/* 1 when some of the n doubles at p is NaN or ±∞: its exponent bits all ones (integer operations, which
 * vectorise). */
CLONES static int nonfinite_row(int n, const double *p) {
  const uint64_t EXP = 0x7ff0000000000000ull;
  uint64_t bad = 0;
  for (int i = 0; i < n; i++) bad |= (bits(p[i]) & EXP) == EXP;
  return bad != 0;
}

/* h[i] = φ(z[i]) for i < n; returns 1 when some h[i] is not finite. relu: z > 0 ? z : 0 (NaN gives 0). */
static int act(int kind, int n, const double *z, double *h) {
  if (kind == 1) return tanh_row(n, z, h);
  if (kind == 2)
    for (int i = 0; i < n; i++) h[i] = z[i] > 0 ? z[i] : 0;
  else
    memmove(h, z, (size_t)n * 8);
  return nonfinite_row(n, h);
}

/* dz[i] = dh[i]·φ′ for i < n, φ′ from h (tanh: 1 − h²) or z (relu: z > 0); 1 when some dh[i] is not finite. */
static int dact(int kind, int n, const double *dh, const double *z, const double *h, double *dz) {
  if (nonfinite_row(n, dh)) return 1;
  if (kind == 1)
    for (int i = 0; i < n; i++) dz[i] = dh[i] * (1 - h[i] * h[i]);
  else if (kind == 2)
    for (int i = 0; i < n; i++) dz[i] = z[i] > 0 ? dh[i] : 0;
  else
    memmove(dz, dh, (size_t)n * 8);
  return 0;
}

/* Rows r < R of the R×n matrix c set to v (a bias broadcast). */
static void fill_rows(int R, int n, const double *v, double *c) {
  for (int r = 0; r < R; r++) memcpy(c + (size_t)r * n, v, (size_t)n * 8);
}

/* ---- the passes (operands already checked against their sizes) ----
 *
 * A pass is a list of tasks in rounds:
 *   round 0: the products over all T·B rows that come before the recurrence, in chunks (by rows of the result);
 *   rounds 1..S: the recurrence, one round per step, each of two tasks (one sequence at H ≥ ROW_SPLIT_MIN: the
 *      step's mat-vec by halves of its rows; a minibatch: halves of the sequences); for one sequence at smaller
 *      H, one task that runs the whole recurrence;
 *   round S + 1: the products that need the whole recurrence, in chunks (by rows of the result).
 * Tasks are taken in order from one ticket counter by whichever thread is free, and a round's tasks start once
 * the round before has finished. On the main thread, for a large enough pass, a helper thread joins in when it
 * wakes up (nobody waits for it to); otherwise this thread takes every task. So a thread that is descheduled (a
 * busy machine) holds the other up for at most the one task it took, and the split — fixed by the sizes alone —
 * gives the same numbers bit for bit on one thread or two, in the main thread or in parallelMap's workers.
 * OpenBLAS itself stays single-threaded, so that the two never compete for the cores. (Before: two fixed
 * halves per phase with futex barriers, the helper woken for each pass: ≈ 100 µs of each pass at H = 256 went
 * to waiting for it to wake.)
 */

typedef struct pass pass_t;
typedef void (*task_fn)(pass_t *, int round, int q);

/* The operands of one pass, and how it runs. */
struct pass {
  int T, B, I, H, O, kind;
  const double *x, *wxh, *whh, *why, *bh, *by, *dy, *z_in;
  double *h, *z, *y, *dh, *dz, *g[5]; /* gradients gx, gh, gy, gbh, gby (accumulated) */
  double *whh_t;                      /* backward, one sequence: Whhᵀ, made in round 0 */
  double *g1[5];                      /* backward: the second half's (over T·B) weight gradients, added at the end */
  int bad[2];                         /* each recurrence task's first non-finite step, or −1 */
  task_fn task;
  int n0, steps, per_step, n2, total; /* the rounds: n0 tasks, steps × per_step tasks, n2 tasks */
  atomic_int ticket, finished;        /* tasks taken, tasks finished */
};

/* The range [r0, r1) of R rows (or sequences) that part k of 2 takes. */
static void half(int R, int k, int *r0, int *r1) {
  *r0 = k == 0 ? 0 : R - R / 2;
  *r1 = k == 0 ? R - R / 2 : R;
}

/* The range [r0, r1) of R rows that chunk q of n takes. */
static void chunk(int R, int q, int n, int *r0, int *r1) {
  *r0 = (int)((long long)R * q / n);
  *r1 = (int)((long long)R * (q + 1) / n);
}

/* How many chunks (by rows) the products over R = T·B rows are cut into: 2, and up to 8 for a large minibatch
 * (≥ 128 rows each: each chunk's dgemm packs the whole weight matrix again, 512 KB at H = 256), so that a
 * descheduled thread holds up at most that share of the phase. */
static int chunks_of(long long R) {
  const long long n = R / 128;
  return n < 2 ? 2 : n > 8 ? 8 : (int)n;
}

/* z += W h for a small H×H W (row-major): four partial sums per row, as a register-friendly loop; for larger H
 * OpenBLAS's dgemv (its call costs more than the whole product at H = 16). */
static void matvec_add(int H, const double *w, const double *hv, double *z) {
  if (H > 48) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, H, H, 1, w, H, hv, 1, 1, z, 1);
    return;
  }
  for (int i = 0; i < H; i++) {
    const double *r = w + (size_t)i * H;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 4 <= H; j += 4) {
      s0 += r[j] * hv[j];
      s1 += r[j + 1] * hv[j + 1];
      s2 += r[j + 2] * hv[j + 2];
      s3 += r[j + 3] * hv[j + 3];
    }
    for (; j < H; j++) s0 += r[j] * hv[j];
    z[i] += (s0 + s1) + (s2 + s3);
  }
}

/* One sequence at H ≥ ROW_SPLIT_MIN: the recurrence's mat-vec of each step split by rows into two halves that
 * the two threads run at once, as OpenBLAS threads numpy's mat-vecs (at H = 256 the 400 mat-vecs were 2.0–2.3 ms
 * of a 4.5 ms pass on one thread, issue 7). Below it, one task runs the whole recurrence: a half mat-vec at
 * H = 64 is ≈ 0.3 µs, not much more than handing it over. */
#define ROW_SPLIT_MIN 128

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Waits until at least `n` tasks have finished (acquire: their writes are seen): spinning (a futex round trip,
 * ≈ 10–50 µs on this VM, costs more than most tasks), then yielding the core once it has waited ≈ 20 µs, so
 * that a thread waiting on a descheduled one gives its core away. */
static void wait_finished(pass_t *p, int n) {
  for (int i = 0; atomic_load_explicit(&p->finished, memory_order_acquire) < n; i++)
    if (i < 4096)
      CPU_RELAX();
    else
      sched_yield();
}

/* Takes tasks until none is left: ticket c is round r's task q, which starts once every task of the rounds
 * before has finished. A thread waits for that before it takes the ticket, never holding one: so when the other
 * thread is descheduled, this one takes the rest of the pass's tasks alone. After a non-finite step (bad), the
 * remaining tasks are skipped. */
static void take_tasks(pass_t *p) {
  const int rec = p->steps * p->per_step;
  for (int c = atomic_load_explicit(&p->ticket, memory_order_relaxed); c < p->total;) {
    int r, q, start;
    if (c < p->n0) {
      r = 0, q = c, start = 0;
    } else if (c < p->n0 + rec) {
      r = 1 + (c - p->n0) / p->per_step, q = (c - p->n0) % p->per_step, start = p->n0 + (r - 1) * p->per_step;
    } else {
      r = p->steps + 1, q = c - p->n0 - rec, start = p->n0 + rec;
    }
    if (atomic_load_explicit(&p->finished, memory_order_acquire) < start) {
      wait_finished(p, start);
      c = atomic_load_explicit(&p->ticket, memory_order_relaxed);
      continue;
    }
    if (!atomic_compare_exchange_weak_explicit(&p->ticket, &c, c + 1, memory_order_relaxed, memory_order_relaxed))
      continue; /* c now holds the ticket the other thread left */
    if (p->bad[0] < 0 && p->bad[1] < 0) p->task(p, r, q);
    atomic_fetch_add_explicit(&p->finished, 1, memory_order_release);
    c++;
  }
}

/* The recurrence's rounds: one sequence at H ≥ ROW_SPLIT_MIN, `steps` rounds of two (the halves of each step's
 * mat-vec); below, one round of one task (the whole recurrence); a minibatch, one round of two tasks (each half
 * of the sequences through the whole recurrence: they need nothing from each other, and a round per step, tried,
 * was slower on a busy machine — a thread descheduled mid-step held up every step after it). */
static void recurrence_rounds(pass_t *p, int steps) {
  const int rows = p->B == 1 && p->H >= ROW_SPLIT_MIN;
  p->steps = rows ? steps : 1;
  p->per_step = p->B == 1 && !rows ? 1 : 2;
}

/* forward, round 0 | the recurrence | the last round (the weights as they are, read transposed by dgemm):
 *   Z = X Wxhᵀ + 1 bhᵀ | Z_t += H_{t−1} Whhᵀ, H_t = φ(Z_t) | Y = H_{1..T} Whyᵀ + 1 byᵀ */
static void forward_task(pass_t *p, int r, int q) {
  const int T = p->T, B = p->B, I = p->I, H = p->H, O = p->O, n = B * H;
  int r0, r1;
  if (r == 0) {
    chunk(T * B, q, p->n0, &r0, &r1);
    fill_rows(r1 - r0, H, p->bh, p->z + (size_t)r0 * H);
    if (r1 > r0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, H, I, 1, p->x + (size_t)r0 * I, I, p->wxh, I,
                  1, p->z + (size_t)r0 * H, H);
  } else if (r > p->steps) {
    chunk(T * B, q, p->n2, &r0, &r1);
    fill_rows(r1 - r0, O, p->by, p->y + (size_t)r0 * O);
    if (r1 > r0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, O, H, 1, p->h + n + (size_t)r0 * H, H, p->why,
                  H, 1, p->y + (size_t)r0 * O, O);
  } else if (p->per_step == 1) {
    for (int t = 1; t <= T; t++) {
      const size_t o = (size_t)(t - 1) * H;
      matvec_add(H, p->whh, p->h + o, p->z + o);
      if (act(p->kind, H, p->z + o, p->h + o + H)) {
        p->bad[0] = t;
        return;
      }
    }
  } else if (B == 1) {
    /* step t = r, half q: rows [r0, r1) of the mat-vec */
    const int t = r;
    const size_t o = (size_t)(t - 1) * H;
    half(H, q, &r0, &r1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, r1 - r0, H, 1, p->whh + (size_t)r0 * H, H, p->h + o, 1, 1, p->z + o + r0, 1);
    if (act(p->kind, r1 - r0, p->z + o + r0, p->h + o + H + r0)) p->bad[q] = t;
  } else {
    /* sequences [r0, r1) through every step */
    half(B, q, &r0, &r1);
    for (int t = 1; t <= T && r1 > r0; t++) {
      const size_t o = (size_t)(t - 1) * n + (size_t)r0 * H;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, H, H, 1, p->h + o, H, p->whh, H, 1, p->z + o, H);
      if (act(p->kind, (r1 - r0) * H, p->z + o, p->h + o + n)) {
        p->bad[q] = t;
        return;
      }
    }
  }
}

/* One half (over rows) of a weight gradient: G += Dᵀ A and b += Dᵀ1 (q = 0: into the caller's sums), or G = Dᵀ A
 * and b = Dᵀ1 (q = 1: the second half's, added at the end), D R×m, A R×k, G m×k. Split by the T·B rows they sum
 * over, not by G's rows: each dgemm packs its whole second operand, 3200 × 128 for the minibatch's. */
static void gradient_half(int q, int m, int k, int R, const double *d, const double *a, double *g, double *b) {
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, k, R, 1, d, m, a, k, q == 0 ? 1 : 0, g, k);
  if (b == NULL) return;
  if (q == 1) memset(b, 0, (size_t)m * 8);
  for (int r = 0; r < R; r++)
    for (int j = 0; j < m; j++) b[j] += d[(size_t)r * m + j];
}

/* Rows [r0, r1) of Whhᵀ (n×n) into t: columns r0..r1 of Whh, in tiles that stay in L1. */
static void transpose_rows(int n, int r0, int r1, const double *w, double *t) {
  for (int i0 = r0; i0 < r1; i0 += 32)
    for (int j0 = 0; j0 < n; j0 += 32)
      for (int i = i0; i < r1 && i < i0 + 32; i++)
        for (int j = j0; j < n && j < j0 + 32; j++) t[(size_t)i * n + j] = w[(size_t)j * n + i];
}

/* backward, round 0 | the recurrence | the last round:
 *   W̄hy += Ȳᵀ H_{1..T}, b̄y += Ȳᵀ1, H̄_{1..T} = Ȳ Why, H̄_0 = 0 (and Whhᵀ, for one sequence) |
 *   Z̄_t = H̄_t ⊙ φ′, H̄_{t−1} += Z̄_t Whh | W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X, b̄h += Z̄ᵀ1
 * The weight gradients in chunks of their rows, each summed over all T·B steps into the caller's arrays. */
static void backward_task(pass_t *p, int r, int q) {
  const int T = p->T, B = p->B, I = p->I, H = p->H, O = p->O, n = B * H, R = T * B;
  int r0, r1;
  if (r == 0) {
    if (q < 2) {
      half(R, q, &r0, &r1);
      gradient_half(q, O, H, r1 - r0, p->dy + (size_t)r0 * O, p->h + n + (size_t)r0 * H, q == 0 ? p->g[2] : p->g1[2],
                    q == 0 ? p->g[4] : p->g1[4]);
    }
    chunk(R, q, p->n0, &r0, &r1);
    memset(p->dh + n + (size_t)r0 * H, 0, (size_t)(r1 - r0) * H * 8);
    if (r1 > r0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, H, O, 1, p->dy + (size_t)r0 * O, O, p->why, H,
                  1, p->dh + n + (size_t)r0 * H, H);
    if (q == 0) memset(p->dh, 0, (size_t)n * 8);
    if (p->whh_t != NULL) {
      chunk(H, q, p->n0, &r0, &r1);
      transpose_rows(H, r0, r1, p->whh, p->whh_t);
    }
  } else if (r > p->steps) {
    half(R, q, &r0, &r1);
    double *const *g = q == 0 ? p->g : p->g1;
    gradient_half(q, H, H, r1 - r0, p->dz + (size_t)r0 * H, p->h + (size_t)r0 * H, g[1], g[3]);
    gradient_half(q, H, I, r1 - r0, p->dz + (size_t)r0 * H, p->x + (size_t)r0 * I, g[0], NULL);
  } else if (p->per_step == 1) {
    for (int t = T; t >= 1; t--) {
      const size_t o = (size_t)(t - 1) * H;
      if (dact(p->kind, H, p->dh + o + H, p->z_in + o, p->h + o + H, p->dz + o)) {
        p->bad[0] = t;
        return;
      }
      matvec_add(H, p->whh_t, p->dz + o, p->dh + o);
    }
    if (nonfinite_row(H, p->dh)) p->bad[0] = 0;
  } else if (B == 1) {
    /* step t = T + 1 − r (T..0), half q: h̄_t += Whhᵀ z̄_{t+1} on rows [r0, r1) (from the copy Whhᵀ, whose rows
     * are contiguous: dgemv on a block of Whh's columns took 4.6 µs a half at H = 256, on rows 3.5), then
     * z̄_t = h̄_t ⊙ φ′ on them (for t ≥ 1; for t = 0, h̄_0 checked for NaN/∞) */
    const int t = T + 1 - r;
    const size_t o = (size_t)t * H;
    half(H, q, &r0, &r1);
    if (t < T)
      cblas_dgemv(CblasRowMajor, CblasNoTrans, r1 - r0, H, 1, p->whh_t + (size_t)r0 * H, H, p->dz + o, 1, 1,
                  p->dh + o + r0, 1);
    if (t == 0) {
      if (nonfinite_row(r1 - r0, p->dh + r0)) p->bad[q] = 0;
    } else if (dact(p->kind, r1 - r0, p->dh + o + r0, p->z_in + o - H + r0, p->h + o + r0, p->dz + o - H + r0))
      p->bad[q] = t;
  } else {
    /* sequences [r0, r1) through every step: Z̄_t = H̄_t ⊙ φ′, H̄_{t−1} += Z̄_t Whh (t = T..1), then H̄_0 checked */
    half(B, q, &r0, &r1);
    const int m = (r1 - r0) * H;
    for (int t = T; t >= 1 && m > 0; t--) {
      const size_t o = (size_t)(t - 1) * n + (size_t)r0 * H;
      if (dact(p->kind, m, p->dh + o + n, p->z_in + o, p->h + o + n, p->dz + o)) {
        p->bad[q] = t;
        return;
      }
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, H, H, 1, p->dz + o, H, p->whh, H, 1, p->dh + o, H);
    }
    if (m > 0 && nonfinite_row(m, p->dh + (size_t)r0 * H)) p->bad[q] = 0;
  }
}

/* Below this many multiply-adds, T·B·H·(I + H + O), a pass runs here alone: the helper's hand-overs cost about
 * what the split saves (measured: one sequence at H = 64, T = 200 — 2.5·10⁶ — is no faster split; at H = 128 —
 * 9.8·10⁶ — and a minibatch of 32 at H = 128 it is, by up to 1.8×). */
#define SPLIT_MIN_WORK (1LL << 22)

/* How long the helper keeps watching for the next pass after one (ns), yielding its core to any thread that
 * wants it, before it sleeps: a forward pass and its backward pass, or a training loop's steps, follow each other
 * this closely, and a sleeping helper joins a pass ≈ 50–100 µs late. */
#define HELPER_WATCH_NS 300000LL

/* The helper: one thread, started on first use and kept (OpenBLAS keeps per-thread buffers, which a new thread
 * per pass would allocate again each time). The main thread posts a pass (pass_open = its number) and starts on
 * its tasks; the helper joins it (pass_open |= JOINED) if it wakes before the main thread has closed it (then the
 * main thread waits for helper_done before returning, since the pass lives on its stack). */
#define JOINED 1UL
static pthread_mutex_t helper_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_cv = PTHREAD_COND_INITIALIZER;
static int helper_state;    /* 0 not started, 1 running, −1 could not start */
static int helper_sleeping; /* under helper_mu */
static atomic_ulong helper_posted, pass_open, helper_done; /* passes posted (numbers 2, 4, …); open; done */
static pass_t *helper_pass;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *helper_main(void *unused) {
  (void)unused;
  unsigned long seen = 0;
  for (;;) {
    unsigned long job = atomic_load_explicit(&helper_posted, memory_order_acquire);
    for (long long i = 0, until = 0; job == seen; i++, job = atomic_load_explicit(&helper_posted, memory_order_acquire)) {
      if (i < 256) {
        CPU_RELAX();
        continue;
      }
      if (until == 0) until = now_ns() + HELPER_WATCH_NS;
      if ((i & 15) == 0 && now_ns() > until) {
        pthread_mutex_lock(&helper_mu);
        while ((job = atomic_load_explicit(&helper_posted, memory_order_acquire)) == seen) {
          helper_sleeping = 1;
          pthread_cond_wait(&helper_cv, &helper_mu);
        }
        helper_sleeping = 0;
        pthread_mutex_unlock(&helper_mu);
        break;
      }
      sched_yield();
    }
    seen = job;
    unsigned long open = job;
    if (atomic_compare_exchange_strong(&pass_open, &open, job | JOINED)) {
      take_tasks(helper_pass);
      atomic_store_explicit(&helper_done, job, memory_order_release);
    }
  }
  return NULL;
}

/* The cores this process may run on: its CPU affinity (what taskset or a container's cpuset allows, as Node's
 * os.availableParallelism() counts them), else the online count. */
static int usable_cores(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
  return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static int helper_ready(void) {
  if (helper_state == 0) {
    pthread_t t;
    helper_state = -1;
    if (usable_cores() > 1 && pthread_create(&t, NULL, helper_main, NULL) == 0) {
      pthread_detach(t);
      helper_state = 1;
    }
  }
  return helper_state == 1;
}

/* Runs the pass's tasks (p->task, rounds already set): here, and on the helper when allowed (the main thread
 * only: the helper is one per process) and large enough. */
static void run_pass(pass_t *p, int may_use_helper) {
  const long long work = (long long)p->T * p->B * p->H * (p->I + p->H + p->O);
  p->bad[0] = p->bad[1] = -1;
  p->total = p->n0 + p->steps * p->per_step + p->n2;
  atomic_init(&p->ticket, 0);
  atomic_init(&p->finished, 0);
  if (!(may_use_helper && work >= SPLIT_MIN_WORK && helper_ready())) {
    take_tasks(p);
    return;
  }
  pthread_mutex_lock(&helper_mu);
  helper_pass = p;
  const unsigned long job = atomic_load_explicit(&helper_posted, memory_order_relaxed) + 2;
  atomic_store_explicit(&pass_open, job, memory_order_release);
  atomic_store_explicit(&helper_posted, job, memory_order_release);
  if (helper_sleeping) pthread_cond_signal(&helper_cv);
  pthread_mutex_unlock(&helper_mu);
  take_tasks(p);
  wait_finished(p, p->total);
  unsigned long open = job;
  if (!atomic_compare_exchange_strong(&pass_open, &open, 0)) { /* the helper joined: wait until it has let go */
    for (int i = 0; atomic_load_explicit(&helper_done, memory_order_acquire) != job; i++) {
      if (i < 4096)
        CPU_RELAX();
      else
        sched_yield();
    }
  }
}

/* Returns the first step whose H_t is not finite (Y then not computed), or −1. */
static int forward_all(pass_t *p, int may_use_helper) {
  const long long R = (long long)p->T * p->B;
  p->task = forward_task;
  p->n0 = p->n2 = chunks_of(R);
  recurrence_rounds(p, p->T);
  run_pass(p, may_use_helper);
  const int a = p->bad[0], b = p->bad[1];
  return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Returns the first step (T down to 0) whose H̄_t is not finite (gradients then incomplete), or −1; −2 when
 * out of memory. Gradients ACCUMULATED into p->g. */
static int backward_all(pass_t *p, int may_use_helper) {
  const int H = p->H, I = p->I, O = p->O;
  const size_t len[5] = {(size_t)H * I, (size_t)H * H, (size_t)O * H, (size_t)H, (size_t)O};
  const size_t sums = len[0] + len[1] + len[2] + len[3] + len[4];
  double *scratch = malloc((sums + (p->B == 1 ? (size_t)H * H : 0)) * 8);
  if (scratch == NULL) return -2;
  for (size_t k = 0, o = 0; k < 5; o += len[k], k++) p->g1[k] = scratch + o;
  p->whh_t = p->B == 1 ? scratch + sums : NULL;
  p->task = backward_task;
  p->n0 = chunks_of((long long)p->T * p->B);
  recurrence_rounds(p, p->T + 1);
  p->n2 = 2;
  run_pass(p, may_use_helper);
  const int bad = p->bad[0] > p->bad[1] ? p->bad[0] : p->bad[1];
  if (bad < 0)
    for (int k = 0; k < 5; k++)
      for (size_t i = 0; i < len[k]; i++) p->g[k][i] += p->g1[k][i];
  free(scratch);
  return bad;
}

/* ---- Node-API glue ---- */

#define MAX_ARGS 24

/* Throws a RangeError and returns 0 unless every region [pos, pos + len) lies inside its memory (of mem_len[k]
 * doubles for region k). */
static int regions_fit(napi_env env, const char *fn, const size_t *mem_len, const int64_t *pos, const int64_t *len,
                       int k) {
  for (int i = 0; i < k; i++) {
    if (pos[i] < 0 || len[i] < 0 || (uint64_t)(pos[i] + len[i]) > mem_len[i]) {
      char msg[200];
      snprintf(msg, sizeof msg, "%s: operand %d at [%lld, %lld) lies outside its memory of %zu doubles", fn, i,
               (long long)pos[i], (long long)(pos[i] + len[i]), mem_len[i]);
      napi_throw_range_error(env, NULL, msg);
      return 0;
    }
  }
  return 1;
}

/* Reads `nmem` Float64Arrays (memories or operands), then `ints` int32 arguments; throws a TypeError naming a bad
 * one. */
static int read_args(napi_env env, napi_callback_info info, const char *fn, size_t nmem, size_t ints, double **mem,
                     size_t *mem_len, int32_t *out) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  char msg[200];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc != nmem + ints) {
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, nmem + ints, argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  for (size_t k = 0; k < nmem; k++) {
    bool is_ta = false;
    napi_typedarray_type type;
    void *data;
    if (napi_is_typedarray(env, argv[k], &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, argv[k], &type, &mem_len[k], &data, NULL, NULL) != napi_ok ||
        type != napi_float64_array) {
      snprintf(msg, sizeof msg, "%s: argument %zu: expected a Float64Array", fn, k);
      napi_throw_type_error(env, NULL, msg);
      return 0;
    }
    mem[k] = data;
  }
  for (size_t i = 0; i < ints; i++)
    if (napi_get_value_int32(env, argv[nmem + i], &out[i]) != napi_ok) {
      snprintf(msg, sizeof msg, "%s: argument %zu: expected an int32", fn, nmem + i);
      napi_throw_type_error(env, NULL, msg);
      return 0;
    }
  return 1;
}

static napi_value int_value(napi_env env, int v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* Throws a RangeError naming the size or kind that is out of range (a[0..4] = T, B, I, H, O; a[5] = kind). */
static int sizes_ok(napi_env env, const char *fn, const int32_t *a) {
  static const char *const names[5] = {"T", "B", "I", "H", "O"};
  char msg[200];
  for (int i = 0; i < 5; i++)
    if (a[i] < 1) {
      snprintf(msg, sizeof msg, "%s: %s: expected a size of at least 1, got %d", fn, names[i], a[i]);
      napi_throw_range_error(env, NULL, msg);
      return 0;
    }
  if (a[5] < 0 || a[5] > 2) {
    snprintf(msg, sizeof msg, "%s: kind: expected 0 (linear), 1 (tanh) or 2 (relu), got %d", fn, a[5]);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* Throws a RangeError and returns 0 unless each operand k holds at least need[k] doubles, naming the first that
 * does not (by names[k]) and the product of sizes its length should be (by what[k]). */
static int operands_fit(napi_env env, const char *fn, const size_t *len, const int64_t *need, const char *const *names,
                        const char *const *what, int k) {
  for (int i = 0; i < k; i++)
    if (len[i] < (uint64_t)need[i]) {
      char msg[200];
      snprintf(msg, sizeof msg, "%s: %s: expected at least %s = %lld doubles, got a Float64Array of %zu", fn, names[i],
               what[i], (long long)need[i], len[i]);
      napi_throw_range_error(env, NULL, msg);
      return 0;
    }
  return 1;
}

/* forwardAll(x, wxh, whh, why, bh, by, h, z, y, T, B, I, H, O, kind, helper) → first non-finite step or −1:
 * each operand a Float64Array of its own (row-major, B×size blocks per step; the weights as they are), H_0 in h
 * on entry, H_1..H_T, Z, Y written into h, z, y; helper: 1 when the pass may use the helper thread (the main
 * thread's). */
static napi_value js_forward_all(napi_env env, napi_callback_info info) {
  static const char *const names[9] = {"x", "wxh", "whh", "why", "bh", "by", "h", "z", "y"};
  static const char *const what[9] = {"T·B·I", "H·I", "H·H", "O·H", "H", "O", "(T + 1)·B·H", "T·B·H", "T·B·O"};
  double *m[9];
  size_t len[9];
  int32_t a[7];
  if (!read_args(env, info, "forwardAll", 9, 7, m, len, a) || !sizes_ok(env, "forwardAll", a)) return NULL;
  const int64_t T = a[0], B = a[1], I = a[2], H = a[3], O = a[4], R = T * B;
  const int64_t need[9] = {R * I, H * I, H * H, O * H, H, O, (T + 1) * B * H, R * H, R * O};
  if (!operands_fit(env, "forwardAll", len, need, names, what, 9)) return NULL;
  pass_t p = {.T = (int)T, .B = (int)B, .I = (int)I, .H = (int)H, .O = (int)O, .kind = a[5], .x = m[0], .wxh = m[1],
              .whh = m[2], .why = m[3], .bh = m[4], .by = m[5], .h = m[6], .z = m[7], .y = m[8]};
  return int_value(env, forward_all(&p, a[6] == 1));
}

/* backwardAll(x, dy, h, z, why, whh, dh, dz, gx, gh, gy, gbh, gby, T, B, I, H, O, kind, helper) → the first step
 * (T down to 0) whose H̄_t is not finite, or −1: each operand a Float64Array of its own; H̄_0..H̄_T written into
 * dh, Z̄ into dz (scratch), the gradients ACCUMULATED into gx (H×I), gh (H×H), gy (O×H), gbh, gby; z is read for
 * relu only (it may be empty for tanh and linear). */
static napi_value js_backward_all(napi_env env, napi_callback_info info) {
  static const char *const names[13] = {"x", "dy", "h", "z", "why", "whh", "dh", "dz", "gx", "gh", "gy", "gbh", "gby"};
  static const char *const what[13] = {"T·B·I", "T·B·O", "(T + 1)·B·H", "T·B·H", "O·H", "H·H", "(T + 1)·B·H",
                                       "T·B·H", "H·I", "H·H", "O·H", "H", "O"};
  double *m[13];
  size_t len[13];
  int32_t a[7];
  if (!read_args(env, info, "backwardAll", 13, 7, m, len, a) || !sizes_ok(env, "backwardAll", a)) return NULL;
  const int64_t T = a[0], B = a[1], I = a[2], H = a[3], O = a[4], R = T * B;
  const int64_t need[13] = {R * I, R * O, (T + 1) * B * H, a[5] == 2 ? R * H : 0, O * H, H * H, (T + 1) * B * H,
                            R * H, H * I, H * H, O * H, H, O};
  if (!operands_fit(env, "backwardAll", len, need, names, what, 13)) return NULL;
  pass_t p = {.T = (int)T, .B = (int)B, .I = (int)I, .H = (int)H, .O = (int)O, .kind = a[5], .x = m[0], .dy = m[1],
              .h = m[2], .z_in = m[3], .why = m[4], .whh = m[5], .dh = m[6], .dz = m[7],
              .g = {m[8], m[9], m[10], m[11], m[12]}};
  const int r = backward_all(&p, a[6] == 1);
  if (r == -2) {
    napi_throw_error(env, NULL, "backwardAll: out of memory for the second half's gradient sums");
    return NULL;
  }
  return int_value(env, r);
}

/* nonfinite(a) → true when some entry of the Float64Array a is NaN or ±∞ */
static napi_value js_nonfinite(napi_env env, napi_callback_info info) {
  double *m;
  size_t len;
  int32_t unused;
  if (!read_args(env, info, "nonfinite", 1, 0, &m, &len, &unused)) return NULL;
  napi_value r;
  napi_get_boolean(env, nonfinite_row((int)len, m) != 0, &r);
  return r;
}

/* gemv(memory, m, n, a, x, y, reps): y += A x, reps times, by OpenBLAS's dgemv (A m×n row-major): the bench's
 * plain mat-vec contestant, timed without a call from JavaScript per product */
static napi_value js_gemv(napi_env env, napi_callback_info info) {
  double *m;
  size_t len;
  int32_t a[6];
  if (!read_args(env, info, "gemv", 1, 6, &m, &len, a)) return NULL;
  const int64_t pos[3] = {a[2], a[3], a[4]}, lens[3] = {(int64_t)a[0] * a[1], a[1], a[0]};
  const size_t in[3] = {len, len, len};
  if (!regions_fit(env, "gemv", in, pos, lens, 3)) return NULL;
  for (int r = 0; r < a[5]; r++)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, a[0], a[1], 1, m + a[2], a[1], m + a[3], 1, 1, m + a[4], 1);
  return NULL;
}

/* act(memory, kind, n, z, h) → true when some h[i] is not finite (the activation alone, for tests) */
static napi_value js_act(napi_env env, napi_callback_info info) {
  double *m;
  size_t len;
  int32_t a[4];
  if (!read_args(env, info, "act", 1, 4, &m, &len, a)) return NULL;
  const int64_t pos[2] = {a[2], a[3]}, lens[2] = {a[1], a[1]};
  const size_t in[2] = {len, len};
  if (!regions_fit(env, "act", in, pos, lens, 2)) return NULL;
  napi_value r;
  napi_get_boolean(env, act(a[0], a[1], m + a[2], m + a[3]) != 0, &r);
  return r;
}

/* helperPasses() → how many passes have run on two threads (for tests: that a pass was split) */
static napi_value js_helper_passes(napi_env env, napi_callback_info info) {
  (void)info;
  const unsigned long n = atomic_load(&helper_posted) / 2;
  napi_value r;
  napi_create_double(env, (double)n, &r);
  return r;
}

/* info() → { core, config, threads, passThreads }: what OpenBLAS picked on this machine (it runs single-threaded:
 * threads = 1), and how many threads a large pass on the main thread uses (2, or 1 on a one-core machine) */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "core", v);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "config", v);
  napi_set_named_property(env, o, "threads", int_value(env, openblas_get_num_threads()));
  napi_set_named_property(env, o, "passThreads", int_value(env, usable_cores() > 1 ? 2 : 1));
  return o;
}

NAPI_MODULE_INIT() {
  openblas_set_num_threads(1); /* the passes split the work over two threads themselves (run_pass) */
  napi_property_descriptor props[] = {
      {"forwardAll", NULL, js_forward_all, NULL, NULL, NULL, napi_enumerable, NULL},
      {"backwardAll", NULL, js_backward_all, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nonfinite", NULL, js_nonfinite, NULL, NULL, NULL, napi_enumerable, NULL},
      {"act", NULL, js_act, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gemv", NULL, js_gemv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"helperPasses", NULL, js_helper_passes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
