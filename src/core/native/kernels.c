/*
 * The vanilla RNN's whole forward pass and full BPTT over a minibatch, on OpenBLAS (cblas), for Node.js through
 * Node-API: the native twin of ../wasm/kernels.wat's rnn_forward_all / rnn_backward_all. Same arguments, same
 * layout (positions, in doubles, in a Float64Array "memory" the caller lays the operands out in; the results may
 * go straight into a second one, the caller's own), same results up to the rounding of BLAS's summation order,
 * and the same tanh (bit for bit: the same operations in the same order, with -ffp-contract=off so that no
 * multiply-add is fused). A large pass runs on two threads (see "the passes" below).
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

/* Rows r < R of the R×n matrix c set to v (a bias broadcast); b[j] += Σ_r D[r, j] (a bias gradient). */
static void fill_rows(int R, int n, const double *v, double *c) {
  for (int r = 0; r < R; r++) memcpy(c + (size_t)r * n, v, (size_t)n * 8);
}
static void colsum_add(int R, int n, const double *d, double *b) {
  for (int r = 0; r < R; r++)
    for (int j = 0; j < n; j++) b[j] += d[(size_t)r * n + j];
}

/* ---- the passes (pointers already checked against the memory's length) ----
 *
 * A pass runs in three phases, each split in two parts:
 *   0. the products over all T·B rows that come before the recurrence: split by rows;
 *   1. the recurrence, step after step: split by sequences (rows b of every step's B×H block; the second part
 *      is empty for one sequence);
 *   2. the products over all rows that need the whole recurrence: split by rows.
 * On the main thread, for a large enough pass, the two parts run at once, on this thread and a helper thread,
 * with a barrier between phases (OpenBLAS itself stays single-threaded, so that the two never compete for the
 * cores); otherwise one after the other, here. The split is the same either way, so the numbers are too, bit for
 * bit: on one core or two, in the main thread or in parallelMap's workers. The weight gradients are the two
 * parts' sums added at the end.
 */

typedef struct pass pass_t;
typedef void (*phase_fn)(pass_t *, int k, int phase);

/* The operands of one pass, and how it runs. */
struct pass {
  int T, B, I, H, O, kind;
  const double *x, *wxh, *w, *why, *bh, *by, *dy, *wy, *z_in;
  double *h, *z, *y, *dh, *dz, *g[5], *g1[5]; /* gradients gx, gh, gy, gbh, gby: part 0's, part 1's */
  int bad[2];                                  /* each part's first non-finite step, or −1 */
  int threads;
  phase_fn fn;
  pthread_barrier_t barrier;
  atomic_int ticket, finished; /* the half tasks of a row-split recurrence: taken, finished (run_rounds) */
};

/* The range [r0, r1) of R rows (or sequences) that part k of 2 takes. */
static void half(int R, int k, int *r0, int *r1) {
  *r0 = k == 0 ? 0 : R - R / 2;
  *r1 = k == 0 ? R - R / 2 : R;
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

/* The recurrence's product for a block of M sequences (M×H, row-major): C += A W, or for one sequence (B = 1,
 * when w holds W's transpose, as for kernels.wat's mat-vecs) c += w a. */
static void step_product(int B, int M, int H, const double *a, const double *w, double *c) {
  if (B == 1)
    matvec_add(H, w, a, c);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, H, H, 1, a, H, w, H, 1, c, H);
}

/* One sequence at H ≥ ROW_SPLIT_MIN: the recurrence's mat-vec of each step split by rows into two halves that
 * the two threads run at once, as OpenBLAS threads numpy's mat-vecs. For one sequence the split by sequences
 * leaves the helper idle through the recurrence, and at H = 256 the 400 mat-vecs were 2.0–2.3 ms of a 4.5 ms
 * pass (issue 7).
 *
 * Each step is a round of two tasks (its halves), taken by whichever thread is free, in order, from one ticket
 * counter; a round starts when the one before has finished. So a thread that is descheduled (a busy machine)
 * never holds the other up for more than the half it took: the other takes the rest of the pass's halves alone.
 * Whoever computes a half, it is the same half mat-vec, so the numbers are the same bit for bit on one thread or
 * two. The atomics order each round's writes before the next round's reads. */
#define ROW_SPLIT_MIN 128
static int row_split(const pass_t *p) { return p->B == 1 && p->H >= ROW_SPLIT_MIN; }

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

typedef void (*half_fn)(pass_t *, int round, int q);

/* Runs rounds 0..n−1 of half tasks (q = 0, 1) on this thread, sharing them with the other through the ticket
 * counter (alone: the other thread runs nothing); stops after a round whose step (step_of) some half flagged in
 * p->bad. A thread waits only for a half the other has taken and not finished: spinning (a futex round trip,
 * ≈ 10 µs on this VM, would cost more than the half), then yielding its core. */
static void run_rounds(pass_t *p, int k, int n, half_fn task, int (*step_of)(const pass_t *, int)) {
  if (p->threads == 1 && k == 1) return; /* part 0's thread runs every half */
  for (int r = 0; r < n; r++) {
    if (r > 0) {
      for (int i = 0; atomic_load_explicit(&p->finished, memory_order_acquire) < 2 * r; i++)
        if (i < 4096)
          CPU_RELAX();
        else
          sched_yield();
      const int t = step_of(p, r - 1);
      if (p->bad[0] == t || p->bad[1] == t) return;
    }
    for (int c = atomic_load_explicit(&p->ticket, memory_order_relaxed); c < 2 * (r + 1);) {
      if (atomic_compare_exchange_weak_explicit(&p->ticket, &c, c + 1, memory_order_relaxed, memory_order_relaxed)) {
        task(p, r, c - 2 * r);
        atomic_fetch_add_explicit(&p->finished, 1, memory_order_release);
        c++;
      }
    }
  }
}

/* Forward, round r = step t = r + 1, half q (rows [r0, r1)): z_t += W h_{t−1}, h_t = φ(z_t) on those rows. */
static int forward_step_of(const pass_t *p, int r) { (void)p; return r + 1; }
static void forward_half(pass_t *p, int r, int q) {
  const int H = p->H, t = r + 1;
  const size_t o = (size_t)(t - 1) * H;
  int r0, r1;
  half(H, q, &r0, &r1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, r1 - r0, H, 1, p->w + (size_t)r0 * H, H, p->h + o, 1, 1, p->z + o + r0, 1);
  if (act(p->kind, r1 - r0, p->z + o + r0, p->h + o + H + r0)) p->bad[q] = t;
}

/* Backward (w = Whhᵀ), round r = step t = T − r (t = T..0), half q (rows [r0, r1)): h̄_t += w z̄_{t+1} on those
 * rows (for t < T), then z̄_t = h̄_t ⊙ φ′ on them (for t ≥ 1; for t = 0, h̄_0 checked for NaN/∞). */
static int backward_step_of(const pass_t *p, int r) { return p->T - r; }
static void backward_half(pass_t *p, int r, int q) {
  const int H = p->H, t = p->T - r;
  int r0, r1;
  half(H, q, &r0, &r1);
  if (t < p->T)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, r1 - r0, H, 1, p->w + (size_t)r0 * H, H, p->dz + (size_t)t * H, 1, 1,
                p->dh + (size_t)t * H + r0, 1);
  if (t == 0) {
    if (nonfinite_row(r1 - r0, p->dh + r0)) p->bad[q] = 0;
  } else if (dact(p->kind, r1 - r0, p->dh + (size_t)t * H + r0, p->z_in + (size_t)(t - 1) * H + r0,
                  p->h + (size_t)t * H + r0, p->dz + (size_t)(t - 1) * H + r0))
    p->bad[q] = t;
}

/* forward, phases 0 | 1 | 2:  Z = X Wxhᵀ + 1 bhᵀ | Z_t += H_{t−1} Whhᵀ, H_t = φ(Z_t) | Y = H_{1..T} Whyᵀ + 1 byᵀ
 * (w = Whh when B = 1, else Whhᵀ; Wxh and Why as they are, read transposed by dgemm: no copy transposes them) */
static void forward_phase(pass_t *p, int k, int phase) {
  const int T = p->T, B = p->B, I = p->I, H = p->H, O = p->O, n = B * H;
  int r0, r1;
  if (phase == 0) {
    half(T * B, k, &r0, &r1);
    fill_rows(r1 - r0, H, p->bh, p->z + (size_t)r0 * H);
    if (r1 > r0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, H, I, 1, p->x + (size_t)r0 * I, I, p->wxh, I,
                  1, p->z + (size_t)r0 * H, H);
  } else if (phase == 1 && row_split(p)) {
    run_rounds(p, k, p->T, forward_half, forward_step_of);
  } else if (phase == 1) {
    half(B, k, &r0, &r1);
    p->bad[k] = -1;
    for (int t = 1; t <= T && r1 > r0; t++) {
      const size_t o = (size_t)(t - 1) * n + (size_t)r0 * H;
      step_product(B, r1 - r0, H, p->h + o, p->w, p->z + o);
      if (act(p->kind, (r1 - r0) * H, p->z + o, p->h + o + n)) {
        p->bad[k] = t;
        break;
      }
    }
  } else if (p->bad[0] < 0 && p->bad[1] < 0) {
    half(T * B, k, &r0, &r1);
    fill_rows(r1 - r0, O, p->by, p->y + (size_t)r0 * O);
    if (r1 > r0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, O, H, 1, p->h + n + (size_t)r0 * H, H, p->why,
                  H, 1, p->y + (size_t)r0 * O, O);
  }
}

/* backward, phases 0 | 1 | 2 (part k's gradient sums in g for part 0, g1 for part 1; w = Whhᵀ when B = 1, else Whh):
 *   W̄hy += Ȳᵀ H_{1..T}, b̄y += Ȳᵀ1, H̄_{1..T} = Ȳ Why, H̄_0 = 0 | Z̄_t = H̄_t ⊙ φ′, H̄_{t−1} += Z̄_t Whh |
 *   W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X, b̄h += Z̄ᵀ1 */
static void backward_phase(pass_t *p, int k, int phase) {
  const int T = p->T, B = p->B, I = p->I, H = p->H, O = p->O, n = B * H;
  double *const *g = k == 0 ? p->g : p->g1;
  int r0, r1;
  if (phase == 0) {
    half(T * B, k, &r0, &r1);
    memset(p->dh + n + (size_t)r0 * H, 0, (size_t)(r1 - r0) * H * 8);
    if (r1 > r0) {
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, H, r1 - r0, 1, p->dy + (size_t)r0 * O, O,
                  p->h + n + (size_t)r0 * H, H, 1, g[2], H);
      colsum_add(r1 - r0, O, p->dy + (size_t)r0 * O, g[4]);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, H, O, 1, p->dy + (size_t)r0 * O, O, p->wy, H,
                  1, p->dh + n + (size_t)r0 * H, H);
    }
    half(B, k, &r0, &r1);
    memset(p->dh + (size_t)r0 * H, 0, (size_t)(r1 - r0) * H * 8);
  } else if (phase == 1 && row_split(p)) {
    run_rounds(p, k, p->T + 1, backward_half, backward_step_of);
  } else if (phase == 1) {
    half(B, k, &r0, &r1);
    const int m = (r1 - r0) * H;
    p->bad[k] = -1;
    for (int t = T; t >= 1 && m > 0; t--) {
      const size_t o = (size_t)(t - 1) * n + (size_t)r0 * H;
      if (dact(p->kind, m, p->dh + o + n, p->z_in + o, p->h + o + n, p->dz + o)) {
        p->bad[k] = t;
        break;
      }
      step_product(B, r1 - r0, H, p->dz + o, p->w, p->dh + o);
    }
    if (m > 0 && p->bad[k] < 0 && nonfinite_row(m, p->dh + (size_t)r0 * H)) p->bad[k] = 0;
  } else if (p->bad[0] < 0 && p->bad[1] < 0) {
    half(T * B, k, &r0, &r1);
    if (r1 > r0) {
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, r1 - r0, 1, p->dz + (size_t)r0 * H, H,
                  p->h + (size_t)r0 * H, H, 1, g[1], H);
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, I, r1 - r0, 1, p->dz + (size_t)r0 * H, H,
                  p->x + (size_t)r0 * I, I, 1, g[0], I);
      colsum_add(r1 - r0, H, p->dz + (size_t)r0 * H, g[3]);
    }
  }
}

/* Below this many multiply-adds, T·B·H·(I + H + O), a pass runs here alone: waking the helper and the two
 * barriers (≈ 10–50 µs) cost about what the split saves (measured: one sequence at H = 64, T = 200 — 2.5·10⁶ —
 * is no faster split; at H = 128 — 9.8·10⁶ — and a minibatch of 32 at H = 128 it is, by up to 1.8×). */
#define SPLIT_MIN_WORK (1LL << 22)

/* The helper: one thread, started on first use and kept (OpenBLAS keeps per-thread buffers, which a new
 * thread per pass would allocate again each time), asleep on a condition variable between passes. */
static pthread_mutex_t helper_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_cv = PTHREAD_COND_INITIALIZER;
static int helper_state; /* 0 not started, 1 running, −1 could not start */
static unsigned long helper_posted, helper_done; /* helper_posted: also how many passes ran on two threads */
static pass_t *helper_pass;

/* Part k's three phases, with the barrier between them (the two parts running at once). */
static void run_part(pass_t *p, int k) {
  for (int phase = 0; phase < 3; phase++) {
    p->fn(p, k, phase);
    if (phase < 2) pthread_barrier_wait(&p->barrier);
  }
}

static void *helper_main(void *unused) {
  (void)unused;
  unsigned long seen = 0;
  pthread_mutex_lock(&helper_mu);
  for (;;) {
    while (helper_posted == seen) pthread_cond_wait(&helper_cv, &helper_mu);
    seen = helper_posted;
    pass_t *p = helper_pass;
    pthread_mutex_unlock(&helper_mu);
    run_part(p, 1);
    pthread_mutex_lock(&helper_mu);
    helper_done = seen;
    pthread_cond_broadcast(&helper_cv);
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

/* Runs the pass's two parts: at once on this thread and the helper when allowed (the main thread only: the
 * helper is one per process) and large enough, else one after the other, phase by phase. */
static void run_pass(pass_t *p, phase_fn fn, int may_use_helper) {
  const long long work = (long long)p->T * p->B * p->H * (p->I + p->H + p->O);
  p->fn = fn;
  p->bad[0] = p->bad[1] = -1;
  atomic_init(&p->ticket, 0);
  atomic_init(&p->finished, 0);
  p->threads = may_use_helper && work >= SPLIT_MIN_WORK && helper_ready() ? 2 : 1;
  if (p->threads == 1) {
    for (int phase = 0; phase < 3; phase++)
      for (int k = 0; k < 2; k++) fn(p, k, phase);
    return;
  }
  pthread_barrier_init(&p->barrier, NULL, 2);
  pthread_mutex_lock(&helper_mu);
  helper_pass = p;
  const unsigned long job = ++helper_posted;
  pthread_cond_broadcast(&helper_cv);
  pthread_mutex_unlock(&helper_mu);
  run_part(p, 0);
  pthread_mutex_lock(&helper_mu);
  while (helper_done != job) pthread_cond_wait(&helper_cv, &helper_mu);
  pthread_mutex_unlock(&helper_mu);
  pthread_barrier_destroy(&p->barrier);
}

/* Returns the first step whose H_t is not finite (Y then not computed), or −1. */
static int forward_all(pass_t *p, int may_use_helper) {
  run_pass(p, forward_phase, may_use_helper);
  const int a = p->bad[0], b = p->bad[1];
  return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Returns the first step (T down to 0) whose H̄_t is not finite (gradients then incomplete), or −1; −2 when
 * out of memory. Gradients ACCUMULATED into p->g. */
static int backward_all(pass_t *p, int may_use_helper) {
  const int H = p->H, I = p->I, O = p->O;
  const size_t len[5] = {(size_t)H * I, (size_t)H * H, (size_t)O * H, (size_t)H, (size_t)O};
  double *g1 = calloc(len[0] + len[1] + len[2] + len[3] + len[4], 8);
  if (g1 == NULL) return -2;
  for (int k = 0, o = 0; k < 5; o += (int)len[k], k++) p->g1[k] = g1 + o;
  run_pass(p, backward_phase, may_use_helper);
  const int bad = p->bad[0] > p->bad[1] ? p->bad[0] : p->bad[1];
  if (bad < 0)
    for (int k = 0; k < 5; k++)
      for (size_t i = 0; i < len[k]; i++) p->g[k][i] += p->g1[k][i];
  free(g1);
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

/* Reads `nmem` Float64Arrays (the memories), then `ints` int32 arguments; throws a TypeError naming a bad one. */
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
      snprintf(msg, sizeof msg, "%s: memory %zu: expected a Float64Array", fn, k);
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

/* forwardAll(memory, out, T, B, I, H, O, kind, x, wxh, w, why, bh, by, h, z, y, helper) → first non-finite step
 * or −1 (unlike kernels.wat's rnn_forward_all, Wxh and Why as they are, not transposed): the operands in memory, except H_0..H_T, Z and Y, in out (which may be memory itself); helper: 1 when the
 * pass may use the helper thread (on the main thread) */
static napi_value js_forward_all(napi_env env, napi_callback_info info) {
  double *m[2];
  size_t len[2];
  int32_t a[16];
  if (!read_args(env, info, "forwardAll", 2, 16, m, len, a) || !sizes_ok(env, "forwardAll", a)) return NULL;
  const int64_t T = a[0], B = a[1], I = a[2], H = a[3], O = a[4], R = T * B;
  const int64_t pos[9] = {a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]};
  const int64_t lens[9] = {R * I, I * H, H * H, H * O, H, O, (T + 1) * B * H, R * H, R * O};
  const size_t in[9] = {len[0], len[0], len[0], len[0], len[0], len[0], len[1], len[1], len[1]};
  if (!regions_fit(env, "forwardAll", in, pos, lens, 9)) return NULL;
  double *const mi = m[0], *const mo = m[1];
  pass_t p = {.T = (int)T, .B = (int)B, .I = (int)I, .H = (int)H, .O = (int)O, .kind = a[5], .x = mi + a[6],
              .wxh = mi + a[7], .w = mi + a[8], .why = mi + a[9], .bh = mi + a[10], .by = mi + a[11],
              .h = mo + a[12], .z = mo + a[13], .y = mo + a[14]};
  return int_value(env, forward_all(&p, a[15] == 1));
}

/* backwardAll(memory, out, T, B, I, H, O, kind, x, dy, h, z, wy, w, dh, dz, gx, gh, gy, gbh, gby, helper) → step
 * or −1: the operands in memory, except H̄_0..H̄_T, in out (which may be memory itself) */
static napi_value js_backward_all(napi_env env, napi_callback_info info) {
  double *m[2];
  size_t len[2];
  int32_t a[20];
  if (!read_args(env, info, "backwardAll", 2, 20, m, len, a) || !sizes_ok(env, "backwardAll", a)) return NULL;
  const int64_t T = a[0], B = a[1], I = a[2], H = a[3], O = a[4], R = T * B;
  const int64_t pos[13] = {a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18]};
  /* z is read for relu only: a caller may lay out no Z for tanh and linear */
  const int64_t lens[13] = {R * I, R * O, (T + 1) * B * H, a[5] == 2 ? R * H : 0, O * H, H * H, (T + 1) * B * H,
                            R * H, H * I, H * H, O * H, H, O};
  size_t in[13];
  for (int k = 0; k < 13; k++) in[k] = k == 6 ? len[1] : len[0];
  if (!regions_fit(env, "backwardAll", in, pos, lens, 13)) return NULL;
  double *const mi = m[0];
  pass_t p = {.T = (int)T, .B = (int)B, .I = (int)I, .H = (int)H, .O = (int)O, .kind = a[5], .x = mi + a[6],
              .dy = mi + a[7], .h = mi + a[8], .z_in = mi + a[9], .wy = mi + a[10], .w = mi + a[11],
              .dh = m[1] + a[12], .dz = mi + a[13], .g = {mi + a[14], mi + a[15], mi + a[16], mi + a[17], mi + a[18]}};
  const int r = backward_all(&p, a[19] == 1);
  if (r == -2) {
    napi_throw_error(env, NULL, "backwardAll: out of memory for the second part's gradient sums");
    return NULL;
  }
  return int_value(env, r);
}

/* nonfinite(memory, n, p) → true when some of the n doubles from position p is NaN or ±∞ */
static napi_value js_nonfinite(napi_env env, napi_callback_info info) {
  double *m;
  size_t len;
  int32_t a[2];
  if (!read_args(env, info, "nonfinite", 1, 2, &m, &len, a)) return NULL;
  const int64_t pos[1] = {a[1]}, lens[1] = {a[0]};
  if (!regions_fit(env, "nonfinite", &len, pos, lens, 1)) return NULL;
  napi_value r;
  napi_get_boolean(env, nonfinite_row(a[0], m + a[1]) != 0, &r);
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
  pthread_mutex_lock(&helper_mu);
  const unsigned long n = helper_posted;
  pthread_mutex_unlock(&helper_mu);
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
