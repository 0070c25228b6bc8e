;; WebAssembly SIMD128 (f64x2) kernels for the RNN's hot products. Source of ./kernels-generated.ts
;; (assembled by `npm run build:wasm`, never at run time). Fixed-width SIMD only: no relaxed-simd, no FMA,
;; so every product is a separate multiply and add, as in the JavaScript kernels of ../kernels.ts.
;;
;; All pointers are BYTE offsets into the imported memory; matrices are row-major float64. Every kernel
;; ACCUMULATES into its output (y += A x, C += A B); the caller initialises it.
;; Loads and stores carry no alignment promise: rows of odd length start at 8-byte, not 16-byte, boundaries.
(module
;; The memory is imported and shared (WebAssembly threads): ./simd.ts creates it. (A worker thread once ran
  ;; this same module on it, the halves of a minibatch on two cores; removed in issue 17: no tutorial runs one.)
  ;; At most 32768 pages (2 GiB): a shared memory reserves its maximum up front, as address space only.
  (import "env" "memory" (memory 1 32768 shared))

  ;; y[i] += Σ_j A[i, j] x[j] for i < m, j < n (A m×n at $a, x at $x, y at $y).
  ;; Four rows at a time, two f64x2 accumulators per row (columns j..j+3), so that x is loaded once for
  ;; four rows and eight add chains are in flight; horizontal adds at the end of each row block.
  (func $gemv (export "gemv") (param $m i32) (param $n i32) (param $a i32) (param $x i32) (param $y i32)
    (local $i i32) (local $j i32) (local $rs i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $px i32) (local $py i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $xv v128) (local $xw v128) (local $xs f64) (local $acc f64)
    (local.set $rs (i32.shl (local.get $n) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rs))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $rs)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $rs)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $rs)))
        (local.set $px (local.get $x))
        (local.set $s0 (v128.const f64x2 0 0)) (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0)) (local.set $s3 (v128.const f64x2 0 0))
        (local.set $t0 (v128.const f64x2 0 0)) (local.set $t1 (v128.const f64x2 0 0))
        (local.set $t2 (v128.const f64x2 0 0)) (local.set $t3 (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (block $c4_done
          (loop $c4
            (br_if $c4_done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
            (local.set $xv (v128.load align=8 (local.get $px)))
            (local.set $xw (v128.load offset=16 align=8 (local.get $px)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load align=8 (local.get $p0)) (local.get $xv))))
            (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (v128.load offset=16 align=8 (local.get $p0)) (local.get $xw))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load align=8 (local.get $p1)) (local.get $xv))))
            (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (v128.load offset=16 align=8 (local.get $p1)) (local.get $xw))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load align=8 (local.get $p2)) (local.get $xv))))
            (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (v128.load offset=16 align=8 (local.get $p2)) (local.get $xw))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load align=8 (local.get $p3)) (local.get $xv))))
            (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (v128.load offset=16 align=8 (local.get $p3)) (local.get $xw))))
            (local.set $px (i32.add (local.get $px) (i32.const 32)))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
            (local.set $p1 (i32.add (local.get $p1) (i32.const 32)))
            (local.set $p2 (i32.add (local.get $p2) (i32.const 32)))
            (local.set $p3 (i32.add (local.get $p3) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $c4)))
        (if (i32.le_s (i32.add (local.get $j) (i32.const 2)) (local.get $n))
          (then
            (local.set $xv (v128.load align=8 (local.get $px)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load align=8 (local.get $p0)) (local.get $xv))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load align=8 (local.get $p1)) (local.get $xv))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load align=8 (local.get $p2)) (local.get $xv))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load align=8 (local.get $p3)) (local.get $xv))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
            (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
            (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
            (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $t0)))
        (local.set $s1 (f64x2.add (local.get $s1) (local.get $t1)))
        (local.set $s2 (f64x2.add (local.get $s2) (local.get $t2)))
        (local.set $s3 (f64x2.add (local.get $s3) (local.get $t3)))
        (if (i32.lt_s (local.get $j) (local.get $n))
          (then
            ;; the last column when n is odd: into lane 0
            (local.set $xv (f64x2.splat (f64.load (local.get $px))))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $p0))) (f64.const 0)) (local.get $xv))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $p1))) (f64.const 0)) (local.get $xv))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $p2))) (f64.const 0)) (local.get $xv))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $p3))) (f64.const 0)) (local.get $xv))))))
        (local.set $py (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
        (f64.store (local.get $py) (f64.add (f64.load (local.get $py))
          (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0)))))
        (f64.store offset=8 (local.get $py) (f64.add (f64.load offset=8 (local.get $py))
          (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1)))))
        (f64.store offset=16 (local.get $py) (f64.add (f64.load offset=16 (local.get $py))
          (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2)))))
        (f64.store offset=24 (local.get $py) (f64.add (f64.load offset=24 (local.get $py))
          (f64.add (f64x2.extract_lane 0 (local.get $s3)) (f64x2.extract_lane 1 (local.get $s3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows)))
    ;; leftover rows (m mod 4), one at a time, scalar
    (block $left_done
      (loop $left
        (br_if $left_done (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rs))))
        (local.set $px (local.get $x))
        (local.set $acc (f64.const 0))
        (local.set $j (i32.const 0))
        (block $c_done
          (loop $c
            (br_if $c_done (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $acc (f64.add (local.get $acc) (f64.mul (f64.load (local.get $p0)) (f64.load (local.get $px)))))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
            (local.set $px (i32.add (local.get $px) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $c)))
        (local.set $py (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
        (f64.store (local.get $py) (f64.add (f64.load (local.get $py)) (local.get $acc)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $left))))

  ;; C[i, j] += Σ_k A(i, k) B[k, j] for i < M, j < N, k < K, where A(i, k) is the float64 at byte
  ;; $a + i·$sai + k·$sak (so A row-major M×K is $sai = 8K, $sak = 8, and Aᵀ of a row-major K×M is
  ;; $sai = 8, $sak = 8M), B is row-major K×N at $b and C row-major M×N at $c.
  ;; 4×4 blocks of C held in eight f64x2 registers while k runs: per k, two loads of B's row and four
  ;; broadcasts of A feed 16 multiply-adds. Edges (M mod 4 rows, N mod 4 columns) are scalar.
;; The exported C += A B: $gemm_kernel over chunks of at most 128 values of k, so that the strips of A and B
  ;; it streams for every 4×4 block of C stay in cache when K is large (K = T·B rows in the weight gradients
  ;; of a minibatch: without chunking every block re-reads megabytes from memory).
  (func $gemm (export "gemm") (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $c i32)
    (local $k0 i32) (local $kc i32)
    (local.set $k0 (i32.const 0))
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_s (local.get $k0) (local.get $K)))
        (local.set $kc (i32.sub (local.get $K) (local.get $k0)))
        (if (i32.gt_s (local.get $kc) (i32.const 128)) (then (local.set $kc (i32.const 128))))
        (call $gemm_kernel (local.get $M) (local.get $N) (local.get $kc)
          (i32.add (local.get $a) (i32.mul (local.get $k0) (local.get $sak))) (local.get $sai) (local.get $sak)
          (i32.add (local.get $b) (i32.shl (i32.mul (local.get $k0) (local.get $N)) (i32.const 3))) (local.get $c))
        (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
        (br $chunks))))

  (func $gemm_kernel (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $c i32)
    (local $i i32) (local $j i32) (local $k i32) (local $ldb i32) (local $ldc i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $sa2 i32) (local $sa3 i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $M4 i32) (local $N4 i32)
    (local.set $ldb (i32.shl (local.get $N) (i32.const 3)))
    (local.set $ldc (local.get $ldb))
    (local.set $sa2 (i32.shl (local.get $sai) (i32.const 1)))
    (local.set $sa3 (i32.add (local.get $sa2) (local.get $sai)))
    (local.set $M4 (i32.and (local.get $M) (i32.const -4)))
    (local.set $N4 (i32.and (local.get $N) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $ib_done
      (loop $ib
        (br_if $ib_done (i32.ge_s (local.get $i) (local.get $M4)))
        (local.set $j (i32.const 0))
        (block $jb_done
          (loop $jb
            (br_if $jb_done (i32.ge_s (local.get $j) (local.get $N4)))
            (local.set $c00 (v128.const f64x2 0 0)) (local.set $c01 (v128.const f64x2 0 0))
            (local.set $c10 (v128.const f64x2 0 0)) (local.set $c11 (v128.const f64x2 0 0))
            (local.set $c20 (v128.const f64x2 0 0)) (local.set $c21 (v128.const f64x2 0 0))
            (local.set $c30 (v128.const f64x2 0 0)) (local.set $c31 (v128.const f64x2 0 0))
            (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $kl
                (br_if $k_done (i32.ge_s (local.get $k) (local.get $K)))
                (local.set $b0 (v128.load align=8 (local.get $pb)))
                (local.set $b1 (v128.load offset=16 align=8 (local.get $pb)))
                (local.set $av (v128.load64_splat (local.get $pa)))
                (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
                (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load64_splat (i32.add (local.get $pa) (local.get $sai))))
                (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b0))))
                (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load64_splat (i32.add (local.get $pa) (local.get $sa2))))
                (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b0))))
                (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load64_splat (i32.add (local.get $pa) (local.get $sa3))))
                (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b0))))
                (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $av) (local.get $b1))))
                (local.set $pa (i32.add (local.get $pa) (local.get $sak)))
                (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kl)))
            (local.set $pc (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 3))))
            (v128.store align=8 (local.get $pc) (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $c00)))
            (v128.store offset=16 align=8 (local.get $pc) (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $c01)))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (v128.store align=8 (local.get $pc) (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $c10)))
            (v128.store offset=16 align=8 (local.get $pc) (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $c11)))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (v128.store align=8 (local.get $pc) (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $c20)))
            (v128.store offset=16 align=8 (local.get $pc) (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $c21)))
            (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
            (v128.store align=8 (local.get $pc) (f64x2.add (v128.load align=8 (local.get $pc)) (local.get $c30)))
            (v128.store offset=16 align=8 (local.get $pc) (f64x2.add (v128.load offset=16 align=8 (local.get $pc)) (local.get $c31)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jb)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $ib)))
    ;; right edge: rows 0..M4, columns N4..N; bottom edge: rows M4..M, all columns
    (call $gemm_edge (i32.const 0) (local.get $M4) (local.get $N4) (local.get $N)
      (local.get $N) (local.get $K) (local.get $a) (local.get $sai) (local.get $sak) (local.get $b) (local.get $c))
    (call $gemm_edge (local.get $M4) (local.get $M) (i32.const 0) (local.get $N)
      (local.get $N) (local.get $K) (local.get $a) (local.get $sai) (local.get $sak) (local.get $b) (local.get $c)))

  ;; The scalar edge of $gemm: C[i, j] += Σ_k A(i, k) B[k, j] for i0 ≤ i < i1, j0 ≤ j < j1.
  (func $gemm_edge (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (param $N i32) (param $K i32) (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $c i32)
    (local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $s f64)
    (local.set $i (local.get $i0))
    (block $i_done
      (loop $il
        (br_if $i_done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $j_done
          (loop $jl
            (br_if $j_done (i32.ge_s (local.get $j) (local.get $j1)))
            (local.set $s (f64.const 0))
            (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $kl
                (br_if $k_done (i32.ge_s (local.get $k) (local.get $K)))
                (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $pa)) (f64.load (local.get $pb)))))
                (local.set $pa (i32.add (local.get $pa) (local.get $sak)))
                (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $N) (i32.const 3))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kl)))
            (local.set $pc (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 3))))
            (f64.store (local.get $pc) (f64.add (f64.load (local.get $pc)) (local.get $s)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il))))
  ;; ---- The recurrence whole: activations and the per-step products, without a return to JavaScript ----
  ;; Activation kinds: 0 linear, 1 tanh, 2 relu (sigmoid stays in JavaScript).

  ;; The constants of $tanh_row (and $one of $dact). Mutable globals, though never written: V8 rebuilds a v128.const (or an immutable
  ;; global, or a local set once to one) from an immediate at every use inside a loop, three instructions each —
  ;; twenty of them were half the loop; a mutable global is one load.
  (global $tanh_clamp (mut v128) (v128.const f64x2 20 20)) ;; tanh rounds to ±1 beyond
  (global $inv_ln2 (mut v128) (v128.const f64x2 0x1.71547652b82fep0 0x1.71547652b82fep0)) ;; 1/ln 2
  (global $round_magic (mut v128) (v128.const f64x2 0x1.8p52 0x1.8p52)) ;; 1.5·2^52: adding it rounds to an integer
  (global $ln2_hi (mut v128) (v128.const f64x2 0x1.62e42feep-1 0x1.62e42feep-1)) ;; ln 2 to 32 bits: k·ln2_hi is exact
  (global $ln2_lo (mut v128) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)) ;; ln 2 − ln2_hi
  (global $inv_fact2 (mut v128) (v128.const f64x2 0.5 0.5)) ;; 1/2!
  (global $inv_fact3 (mut v128) (v128.const f64x2 1.6666666666666666e-1 1.6666666666666666e-1)) ;; 1/3!
  (global $inv_fact4 (mut v128) (v128.const f64x2 4.1666666666666664e-2 4.1666666666666664e-2)) ;; 1/4!
  (global $inv_fact5 (mut v128) (v128.const f64x2 8.333333333333333e-3 8.333333333333333e-3)) ;; 1/5!
  (global $inv_fact6 (mut v128) (v128.const f64x2 1.388888888888889e-3 1.388888888888889e-3)) ;; 1/6!
  (global $inv_fact7 (mut v128) (v128.const f64x2 1.984126984126984e-4 1.984126984126984e-4)) ;; 1/7!
  (global $inv_fact8 (mut v128) (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5)) ;; 1/8!
  (global $inv_fact9 (mut v128) (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6)) ;; 1/9!
  (global $inv_fact10 (mut v128) (v128.const f64x2 2.7557319223985888e-7 2.7557319223985888e-7)) ;; 1/10!
  (global $inv_fact11 (mut v128) (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8)) ;; 1/11!
  (global $inv_fact12 (mut v128) (v128.const f64x2 2.08767569878681e-9 2.08767569878681e-9)) ;; 1/12!
  (global $inv_fact13 (mut v128) (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10)) ;; 1/13!
  (global $exp_bias (mut v128) (v128.const i64x2 4843621399236967425 4843621399236967425)) ;; bits(1.5·2^52) − 1023
  (global $one (mut v128) (v128.const f64x2 1 1))
  (global $two (mut v128) (v128.const f64x2 2 2))
  (global $sign_bit (mut v128) (v128.const i64x2 0x8000000000000000 0x8000000000000000))

  ;; h[i] = tanh z[i] for i < n, two lanes at a time (the odd last entry through lane 0); returns 1 when some
  ;; h[i] is not finite (NaN), else 0. Within a few ulps of Math.tanh (tests/core/wasm-recurrence.test.ts
  ;; measures how close):
  ;;   tanh|x| = e / (e + 2),   e = expm1(2|x|) = 2^k·expm1(r) + (2^k − 1),   2|x| = k·ln 2 + r, |r| ≤ ½ln 2,
  ;; with expm1(r) by its Taylor series to r^13 (the remainder is below 1e-17 of r), k rounded by adding
  ;; 1.5·2^52, and ln 2 split in two (Cody–Waite: k·ln2_hi is exact) so that r keeps full precision. Small |x|
  ;; (k = 0) keeps full relative precision: e = expm1(2|x|) exactly as computed, no 1 − … cancellation.
  ;; |x| is clamped at 20, beyond which tanh rounds to 1; NaN passes through min; the sign is put back last
  ;; (tanh is odd; −0 stays −0; ±∞ give ±1 as Math.tanh does).
  (func $tanh_row (param $n i32) (param $z i32) (param $h i32) (result i32)
    (local $i i32) (local $full i32) (local $x v128) (local $chk v128)
    (local $y v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128)
    (local $q v128) (local $s v128) (local $e v128)
    (local.set $chk (v128.const f64x2 0 0))
    (local.set $i (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $full (i32.le_s (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $x (if (result v128) (local.get $full)
          (then (v128.load align=8 (local.get $z)))
          (else (v128.load64_zero align=8 (local.get $z)))))
        (local.set $y (f64x2.min (f64x2.abs (local.get $x)) (global.get $tanh_clamp)))
        (local.set $y (f64x2.add (local.get $y) (local.get $y)))
        (local.set $t (f64x2.add (f64x2.mul (local.get $y) (global.get $inv_ln2)) (global.get $round_magic)))
        (local.set $k (f64x2.sub (local.get $t) (global.get $round_magic)))
        (local.set $r (f64x2.sub
          (f64x2.sub (local.get $y) (f64x2.mul (local.get $k) (global.get $ln2_hi)))
          (f64x2.mul (local.get $k) (global.get $ln2_lo))))
        ;; q = 1/2! + r/3! + … + r^11/13! by Estrin's scheme (pairs, then r², r⁴: a short dependency chain);
        ;; expm1(r) = r + r²·q
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
        (local.set $q (f64x2.add
          (f64x2.add (f64x2.add (global.get $inv_fact2) (f64x2.mul (global.get $inv_fact3) (local.get $r)))
            (f64x2.mul (local.get $r2) (f64x2.add (global.get $inv_fact4) (f64x2.mul (global.get $inv_fact5) (local.get $r)))))
          (f64x2.mul (local.get $r4) (f64x2.add
            (f64x2.add (f64x2.add (global.get $inv_fact6) (f64x2.mul (global.get $inv_fact7) (local.get $r)))
              (f64x2.mul (local.get $r2) (f64x2.add (global.get $inv_fact8) (f64x2.mul (global.get $inv_fact9) (local.get $r)))))
            (f64x2.mul (local.get $r4) (f64x2.add (f64x2.add (global.get $inv_fact10) (f64x2.mul (global.get $inv_fact11) (local.get $r)))
              (f64x2.mul (local.get $r2) (f64x2.add (global.get $inv_fact12) (f64x2.mul (global.get $inv_fact13) (local.get $r))))))))))
        (local.set $q (f64x2.add (local.get $r) (f64x2.mul (local.get $r2) (local.get $q))))
        ;; s = 2^k: k sits in the low bits of t, so bits(t) − bits(1.5·2^52) + 1023, shifted into the exponent
        (local.set $s (i64x2.shl (i64x2.sub (local.get $t) (global.get $exp_bias)) (i32.const 52)))
        (local.set $e (f64x2.add (f64x2.mul (local.get $s) (local.get $q)) (f64x2.sub (local.get $s) (global.get $one))))
        (local.set $x (v128.or
          (f64x2.div (local.get $e) (f64x2.add (local.get $e) (global.get $two)))
          (v128.and (local.get $x) (global.get $sign_bit))))
        (if (local.get $full)
          (then (v128.store align=8 (local.get $h) (local.get $x)))
          (else (v128.store64_lane align=8 0 (local.get $h) (local.get $x))))
        (local.set $chk (f64x2.add (local.get $chk) (f64x2.sub (local.get $x) (local.get $x))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (v128.any_true (f64x2.ne (local.get $chk) (local.get $chk))))

  ;; φ of both lanes for relu (kind 2: z > 0 ? z : 0, so NaN gives 0, as in JavaScript) and linear (kind 0);
  ;; tanh has its own loop ($tanh_row).
  (func $phi2 (param $kind i32) (param $z v128) (result v128)
    (if (result v128) (i32.eq (local.get $kind) (i32.const 2))
      (then (v128.and (local.get $z) (f64x2.gt (local.get $z) (v128.const f64x2 0 0))))
      (else (local.get $z))))

  ;; h[i] = φ(z[i]) for i < n; returns 1 when some h[i] is not finite, else 0.
  (func $act (param $kind i32) (param $n i32) (param $z i32) (param $h i32) (result i32)
    (local $i i32) (local $v v128) (local $chk v128)
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then (return (call $tanh_row (local.get $n) (local.get $z) (local.get $h)))))
    (local.set $chk (v128.const f64x2 0 0))
    (local.set $i (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $v (call $phi2 (local.get $kind) (v128.load align=8 (local.get $z))))
        (v128.store align=8 (local.get $h) (local.get $v))
        (local.set $chk (f64x2.add (local.get $chk) (f64x2.sub (local.get $v) (local.get $v))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_s (local.get $i) (local.get $n))
      (then
        (local.set $v (call $phi2 (local.get $kind) (f64x2.splat (f64.load (local.get $z)))))
        (f64.store (local.get $h) (f64x2.extract_lane 0 (local.get $v)))
        (local.set $chk (f64x2.add (local.get $chk) (f64x2.sub (local.get $v) (local.get $v))))))
    (v128.any_true (f64x2.ne (local.get $chk) (local.get $chk))))

  ;; dz[i] = dh[i]·φ′ for i < n, φ′ from h (tanh: 1 − h²) or z (relu: z > 0); returns 1 when some dh[i]
  ;; is not finite, else 0.
  (func $dact (param $kind i32) (param $n i32) (param $dh i32) (param $z i32) (param $h i32) (param $dz i32) (result i32)
    (local $i i32) (local $d v128) (local $hv v128) (local $chk v128)
    (local.set $chk (v128.const f64x2 0 0))
    (local.set $i (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (if (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $n) (i32.const 1)))
          (then
            (local.set $d (v128.load align=8 (local.get $dh)))
            (local.set $hv (v128.load align=8 (local.get $h))))
          (else ;; the last entry when n is odd: lane 1 zero
            (local.set $d (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $dh))) (f64.const 0)))
            (local.set $hv (f64x2.replace_lane 1 (f64x2.splat (f64.load (local.get $h))) (f64.const 0)))))
        (local.set $chk (f64x2.add (local.get $chk) (f64x2.sub (local.get $d) (local.get $d))))
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then (local.set $d (f64x2.mul (local.get $d)
            (f64x2.sub (global.get $one) (f64x2.mul (local.get $hv) (local.get $hv)))))))
        (if (i32.eq (local.get $kind) (i32.const 2))
          (then (local.set $d (v128.and (local.get $d)
            (f64x2.gt (if (result v128) (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $n) (i32.const 1)))
                        (then (v128.load align=8 (local.get $z)))
                        (else (f64x2.splat (f64.load (local.get $z)))))
                      (v128.const f64x2 0 0))))))
        (if (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $n) (i32.const 1)))
          (then (v128.store align=8 (local.get $dz) (local.get $d)))
          (else (f64.store (local.get $dz) (f64x2.extract_lane 0 (local.get $d)))))
        (local.set $dh (i32.add (local.get $dh) (i32.const 16)))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $dz (i32.add (local.get $dz) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (v128.any_true (f64x2.ne (local.get $chk) (local.get $chk))))

  ;; The forward recurrence of B sequences of hidden size H over T steps, rows of B×H blocks at $h (H_0..H_T)
  ;; and $z (Z_1..Z_T, holding X Wxhᵀ + bh on entry):  Z_t += H_{t−1} Whhᵀ,  H_t = φ(Z_t).
  ;; $w is Whh (row-major) when B = 1, used by gemv (z_t += Whh h_{t−1}); Whhᵀ when B > 1, used by gemm.
  ;; Returns the first step t whose H_t is not finite (and stops there), or −1.
  (func $rnn_forward (param $T i32) (param $B i32) (param $H i32) (param $kind i32)
    (param $w i32) (param $z i32) (param $h i32) (result i32)
    (local $t i32) (local $bh i32) (local $n i32)
    (local.set $n (i32.mul (local.get $B) (local.get $H)))
    (local.set $bh (i32.shl (local.get $n) (i32.const 3)))
    (local.set $t (i32.const 1))
    (block $done
      (loop $steps
        (br_if $done (i32.gt_s (local.get $t) (local.get $T)))
        (if (i32.eq (local.get $B) (i32.const 1))
          (then (call $gemv (local.get $H) (local.get $H) (local.get $w) (local.get $h) (local.get $z)))
          (else (call $gemm (local.get $B) (local.get $H) (local.get $H) (local.get $h)
            (i32.shl (local.get $H) (i32.const 3)) (i32.const 8) (local.get $w) (local.get $z))))
        (local.set $h (i32.add (local.get $h) (local.get $bh)))
        (if (call $act (local.get $kind) (local.get $n) (local.get $z) (local.get $h))
          (then (return (local.get $t))))
        (local.set $z (i32.add (local.get $z) (local.get $bh)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $steps)))
    (i32.const -1))

  ;; BPTT through the recurrence of $rnn_forward: H̄_t at $dh + t·BH (t = 0..T) holds the output layer's
  ;; part Ȳ_t Why on entry (zeros for t = 0); for t = T..1,  Z̄_t = H̄_t ⊙ φ′(Z_t) (written at $dz + (t−1)·BH),
  ;; H̄_{t−1} += Z̄_t Whh.  $w is Whhᵀ (row-major) when B = 1 (gemv: h̄_{t−1} += Whhᵀ z̄_t), Whh when B > 1.
  ;; $z (Z_1..Z_T) is read for relu only, $h (H_0..H_T) for tanh only. Returns the first step t (from T
  ;; down to 0) whose H̄_t is not finite (and stops there), or −1.
  (func $rnn_backward (param $T i32) (param $B i32) (param $H i32) (param $kind i32)
    (param $w i32) (param $dh i32) (param $dz i32) (param $z i32) (param $h i32) (result i32)
    (local $t i32) (local $bh i32) (local $n i32) (local $o i32) (local $prev i32)
    (local.set $n (i32.mul (local.get $B) (local.get $H)))
    (local.set $bh (i32.shl (local.get $n) (i32.const 3)))
    (local.set $t (local.get $T))
    (block $done
      (loop $steps
        (br_if $done (i32.lt_s (local.get $t) (i32.const 1)))
        (local.set $o (i32.mul (i32.sub (local.get $t) (i32.const 1)) (local.get $bh)))
        (local.set $prev (i32.add (local.get $dh) (local.get $o)))
        (if (call $dact (local.get $kind) (local.get $n) (i32.add (local.get $prev) (local.get $bh))
              (i32.add (local.get $z) (local.get $o)) (i32.add (i32.add (local.get $h) (local.get $o)) (local.get $bh))
              (i32.add (local.get $dz) (local.get $o)))
          (then (return (local.get $t))))
        (if (i32.eq (local.get $B) (i32.const 1))
          (then (call $gemv (local.get $H) (local.get $H) (local.get $w) (i32.add (local.get $dz) (local.get $o)) (local.get $prev)))
          (else (call $gemm (local.get $B) (local.get $H) (local.get $H) (i32.add (local.get $dz) (local.get $o))
            (i32.shl (local.get $H) (i32.const 3)) (i32.const 8) (local.get $w) (local.get $prev))))
        (local.set $t (i32.sub (local.get $t) (i32.const 1)))
        (br $steps)))
    ;; H̄_0: only checked (φ′ at step 0 is not needed); $dz is not written again
    (if (call $nonfinite (local.get $n) (local.get $dh)) (then (return (i32.const 0))))
    (i32.const -1))

  ;; 1 when some of the n doubles at $p is not finite, else 0: Σ (v − v) is 0 exactly when every v is finite
  ;; and NaN otherwise, kept in two f64x2 sums (four lanes) so that the adds do not wait on each other.
  (func $nonfinite (export "nonfinite") (param $n i32) (param $p i32) (result i32)
    (local $i i32) (local $s v128) (local $u v128) (local $v v128) (local $w v128)
    (local.set $s (v128.const f64x2 0 0))
    (local.set $u (v128.const f64x2 0 0))
    (local.set $i (i32.const 0))
    (block $done
      (loop $quads
        (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $v (v128.load align=8 (local.get $p)))
        (local.set $w (v128.load offset=16 align=8 (local.get $p)))
        (local.set $s (f64x2.add (local.get $s) (f64x2.sub (local.get $v) (local.get $v))))
        (local.set $u (f64x2.add (local.get $u) (f64x2.sub (local.get $w) (local.get $w))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quads)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $v (v128.load64_zero align=8 (local.get $p)))
        (local.set $s (f64x2.add (local.get $s) (f64x2.sub (local.get $v) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.set $s (f64x2.add (local.get $s) (local.get $u)))
    (v128.any_true (f64x2.ne (local.get $s) (local.get $s))))

  ;; h[i] = φ(z[i]) for i < n (the activation alone, for tests and for callers with their own products);
  ;; returns 1 when some h[i] is not finite.
  (func (export "act") (param $kind i32) (param $n i32) (param $z i32) (param $h i32) (result i32)
    (call $act (local.get $kind) (local.get $n) (local.get $z) (local.get $h)))
;; ---- Whole passes: what rnnForward/rnnBackward (B = 1) and the minibatch versions do in the kernels ----

  ;; Rows r < R of the R×n matrix at $c set to the n doubles at $v (a bias broadcast over rows).
  (func $fill_rows (param $R i32) (param $n i32) (param $v i32) (param $c i32)
    (local $r i32) (local $nb i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 3)))
    (local.set $r (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $r) (local.get $R)))
        (memory.copy (local.get $c) (local.get $v) (local.get $nb))
        (local.set $c (i32.add (local.get $c) (local.get $nb)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; b[j] += Σ_{r<R} D[r, j] for j < n (D R×n row-major at $d): a bias gradient.
  (func $colsum_add (param $R i32) (param $n i32) (param $d i32) (param $b i32)
    (local $r i32) (local $j i32) (local $pb i32) (local $pd i32)
    (local.set $pd (local.get $d))
    (local.set $r (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $r) (local.get $R)))
        (local.set $pb (local.get $b))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
            (v128.store align=8 (local.get $pb) (f64x2.add (v128.load align=8 (local.get $pb)) (v128.load align=8 (local.get $pd))))
            (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_s (local.get $j) (local.get $n))
          (then
            (f64.store (local.get $pb) (f64.add (f64.load (local.get $pb)) (f64.load (local.get $pd))))
            (local.set $pd (i32.add (local.get $pd) (i32.const 8)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; The forward pass of B sequences (B = 1: one sequence) over T steps, whole:
  ;;   Z = X Wxhᵀ + 1 bhᵀ (T·B rows),  Z_t += H_{t−1} Whhᵀ, H_t = φ(Z_t) (t = 1..T),  Y = H_{1..T} Whyᵀ + 1 byᵀ.
  ;; X (T·B×I) at $x, Wxhᵀ (I×H) at $wxt, Whh or Whhᵀ at $w (as $rnn_forward takes it), Whyᵀ (H×O) at $wyt,
  ;; bh at $bh, by at $by; H_0..H_T at $h (H_0 set by the caller), Z_1..Z_T at $z, Y_1..Y_T at $y (written).
  ;; Returns the first step whose H_t is not finite (Y then not computed), or −1.
  (func (export "rnn_forward_all") (param $T i32) (param $B i32) (param $I i32) (param $H i32) (param $O i32)
    (param $kind i32) (param $x i32) (param $wxt i32) (param $w i32) (param $wyt i32) (param $bh i32) (param $by i32)
    (param $h i32) (param $z i32) (param $y i32) (result i32)
    (local $R i32) (local $t i32)
    (local.set $R (i32.mul (local.get $T) (local.get $B)))
    (call $fill_rows (local.get $R) (local.get $H) (local.get $bh) (local.get $z))
    (call $gemm (local.get $R) (local.get $H) (local.get $I) (local.get $x)
      (i32.shl (local.get $I) (i32.const 3)) (i32.const 8) (local.get $wxt) (local.get $z))
    (local.set $t (call $rnn_forward (local.get $T) (local.get $B) (local.get $H) (local.get $kind)
      (local.get $w) (local.get $z) (local.get $h)))
    (if (i32.ge_s (local.get $t) (i32.const 0)) (then (return (local.get $t))))
    (call $fill_rows (local.get $R) (local.get $O) (local.get $by) (local.get $y))
    (call $gemm (local.get $R) (local.get $O) (local.get $H)
      (i32.add (local.get $h) (i32.shl (i32.mul (local.get $B) (local.get $H)) (i32.const 3)))
      (i32.shl (local.get $H) (i32.const 3)) (i32.const 8) (local.get $wyt) (local.get $y))
    (i32.const -1))

  ;; Full BPTT of B sequences (B = 1: one sequence), whole, ACCUMULATING the gradients into $gx (W̄xh, H×I),
  ;; $gh (W̄hh, H×H), $gy (W̄hy, O×H), $gbh, $gby (zeroed by the caller, or holding a sum to add to):
  ;;   W̄hy += Ȳᵀ H_{1..T}, b̄y += Ȳᵀ1, H̄_t = Ȳ_t Why, then $rnn_backward, W̄hh += Z̄ᵀ H_{0..T−1}, W̄xh += Z̄ᵀ X,
  ;;   b̄h += Z̄ᵀ1.
  ;; X at $x, Ȳ (T·B×O) at $dy, H_0..H_T at $h, Z_1..Z_T at $z (read for relu only), Why (O×H) at $wy,
  ;; Whh or Whhᵀ at $w (as $rnn_backward takes it); H̄_0..H̄_T written at $dh, Z̄_1..Z̄_T at $dz.
  ;; Returns the first step (T down to 0) whose H̄_t is not finite (gradients then incomplete), or −1.
  (func (export "rnn_backward_all") (param $T i32) (param $B i32) (param $I i32) (param $H i32) (param $O i32)
    (param $kind i32) (param $x i32) (param $dy i32) (param $h i32) (param $z i32) (param $wy i32) (param $w i32)
    (param $dh i32) (param $dz i32) (param $gx i32) (param $gh i32) (param $gy i32) (param $gbh i32) (param $gby i32)
    (result i32)
    (local $R i32) (local $t i32) (local $bh8 i32)
    (local.set $R (i32.mul (local.get $T) (local.get $B)))
    (local.set $bh8 (i32.shl (i32.mul (local.get $B) (local.get $H)) (i32.const 3)))
    (call $gemm (local.get $O) (local.get $H) (local.get $R) (local.get $dy)
      (i32.const 8) (i32.shl (local.get $O) (i32.const 3)) (i32.add (local.get $h) (local.get $bh8)) (local.get $gy))
    (call $colsum_add (local.get $R) (local.get $O) (local.get $dy) (local.get $gby))
    (memory.fill (local.get $dh) (i32.const 0) (i32.mul (i32.add (local.get $T) (i32.const 1)) (local.get $bh8)))
    (call $gemm (local.get $R) (local.get $H) (local.get $O) (local.get $dy)
      (i32.shl (local.get $O) (i32.const 3)) (i32.const 8) (local.get $wy) (i32.add (local.get $dh) (local.get $bh8)))
    (local.set $t (call $rnn_backward (local.get $T) (local.get $B) (local.get $H) (local.get $kind)
      (local.get $w) (local.get $dh) (local.get $dz) (local.get $z) (local.get $h)))
    (if (i32.ge_s (local.get $t) (i32.const 0)) (then (return (local.get $t))))
    (call $gemm (local.get $H) (local.get $H) (local.get $R) (local.get $dz)
      (i32.const 8) (i32.shl (local.get $H) (i32.const 3)) (local.get $h) (local.get $gh))
    (call $gemm (local.get $H) (local.get $I) (local.get $R) (local.get $dz)
      (i32.const 8) (i32.shl (local.get $H) (i32.const 3)) (local.get $x) (local.get $gx))
    (call $colsum_add (local.get $R) (local.get $H) (local.get $dz) (local.get $gbh))
    (i32.const -1))
)
