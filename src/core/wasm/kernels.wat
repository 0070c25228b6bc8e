;; WebAssembly SIMD128 (f64x2) kernels for the RNN's hot products. Source of ./kernels-generated.ts
;; (assembled by `npm run build:wasm`, never at run time). Fixed-width SIMD only: no relaxed-simd, no FMA,
;; so every product is a separate multiply and add, as in the JavaScript kernels of ../kernels.ts.
;;
;; All pointers are BYTE offsets into the exported memory; matrices are row-major float64. Every kernel
;; ACCUMULATES into its output (y += A x, C += A B); the caller initialises it.
;; Loads and stores carry no alignment promise: rows of odd length start at 8-byte, not 16-byte, boundaries.
(module
  (memory (export "memory") 1)

  ;; y[i] += Σ_j A[i, j] x[j] for i < m, j < n (A m×n at $a, x at $x, y at $y).
  ;; Four rows at a time, two f64x2 accumulators per row (columns j..j+3), so that x is loaded once for
  ;; four rows and eight add chains are in flight; horizontal adds at the end of each row block.
  (func (export "gemv") (param $m i32) (param $n i32) (param $a i32) (param $x i32) (param $y i32)
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
  (func (export "gemm") (param $M i32) (param $N i32) (param $K i32)
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
)
