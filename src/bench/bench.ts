/**
 * `npm run bench [-- --quick]`: vanilla tanh RNN, forward + full BPTT, input = hidden = output = H, one
 * sequence, squared-error gradient ∂L/∂y_t given. Ours (src/rnn/vanilla.ts) against the readable reference
 * (the "before"), a numpy peer (src/bench/rnn_numpy.py, run by .venv/bin/python), a JAX peer (src/bench/rnn_jax.py:
 * lax.scan, jax.grad, jit, float64; its compile time reported apart) and @tensorflow/tfjs on its CPU backend,
 * in the same run, same inputs; medians over repetitions after warm-up; gradients cross-checked. Ours runs on
 * whichever kernels the library picks (the native ones where built; the first lines say which); then a minibatch
 * training step (./minibatch.ts) against numpy's, in rounds; T = 10,000 in a child process; a parallel sweep; the
 * first output in a notebook kernel (./first-output.ts).
 *
 * Flop count: 16·H² per step — forward 3 mat-vecs (Wxh x, Whh h, Why h), backward 5 (Whyᵀ ȳ, Whhᵀ z̄ and the
 * three outer products into W̄hh, W̄xh, W̄hy), each 2·H²; element-wise work is not counted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { gemvAdd } from "../core/kernels";
import { nativeKernels, nativeStatus } from "../core/native/native";
import { simdKernels } from "../core/wasm/simd";
import { closeWorkerPools, parallelMap, type WorkerStartup } from "../core/parallel";
import { createRng, randnVec } from "../core/random";
import type { Vec } from "../core/tensor";
import { cloneRnnParams, initRnnParams } from "../rnn/params";
import { rnnBackward, rnnForward, type RnnParams } from "../rnn/vanilla";
import { rnnBackwardReference, rnnForwardReference } from "../rnn/vanilla-reference";
import { batchStep, flatGrads, minibatchCase, MINIBATCH, type MinibatchTimes } from "./minibatch";
import { listNotebooks, PROJECT_PYTHON } from "../notebook/execute";
import { firstOutputTable } from "./first-output";
import { findPython, readF64, relErr, runPeer, splitLike, writeCase, type Python } from "./peers";
import { gradNormCurve, type SweepItem } from "./sweep";
import { median, now, timeIt } from "./timing";

const quick = process.argv.includes("--quick");
const HS = [16, 64, 128, 256];
const TS = quick ? [200] : [50, 200, 1000];
const flops = (H: number, T: number) => 16 * H * H * T;
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "–");

interface Case { id: string; H: number; T: number; p: RnnParams; xs: Vec[]; dys: Vec[] }

function makeCase(H: number, T: number): Case {
  const rng = createRng(1000 * H + T);
  const p = initRnnParams(rng, { input: H, hidden: H, output: H, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
  for (let i = 0; i < H; i++) p.bh[i] = 0.1 * rng.normal();
  const xs = Array.from({ length: T }, () => randnVec(rng, H));
  const dys = Array.from({ length: T }, () => randnVec(rng, H, 0.1));
  return { id: `H${H}_T${T}`, H, T, p, xs, dys };
}

/** The peers' job for the one-sequence cases: the same warm-up and repetitions for numpy and JAX. */
function jobOf(cases: Case[], dir: string): { dir: string; cases: object[] } {
  return {
    dir,
    cases: cases.map((c) => {
      const estMs = c.T * (0.03 + (16 * c.H * c.H) / 2e6);
      return { id: c.id, I: c.H, H: c.H, O: c.H, T: c.T, warmup: 2, reps: Math.max(5, Math.min(30, Math.round((quick ? 300 : 600) / estMs))) };
    }),
  };
}

/** The numpy peer's median ms for the job's minibatch step alone. */
function numpyBatchMs(py: Python, job: object): number {
  try {
    return median((runPeer(py, "rnn_numpy.py", job) as { batch: number[] }).batch);
  } catch (e) {
    throw new Error(`numpy minibatch failed: ${(e as Error).message}`);
  }
}

/** The JAX peer's median ms for the job's minibatch step alone (compiled first, not timed). */
function jaxBatchMs(py: Python, job: object): number {
  try {
    return median((runPeer(py, "rnn_jax.py", job) as JaxReport).batch!.ms);
  } catch (e) {
    throw new Error(`JAX minibatch failed: ${(e as Error).message}`);
  }
}

/** What rnn_jax.py prints: per case (and the minibatch) the compile time, apart, and the timed runs (ms). */
type JaxReport = {
  info: Record<string, unknown>;
  cases: Record<string, { compile_ms: number; ms: number[] }>;
  batch?: { compile_ms: number; ms: number[] };
};

// ---- tfjs peer: the same forward pass in tf ops, BPTT by tf.grads of L = Σ_t ⟨y_t, ȳ_t⟩ (so ∂L/∂y_t = ȳ_t). ----
function tfjsGrads(c: Case): Float64Array[] {
  const tensors = tf.tidy((): tf.Tensor[] => {
    const { H, T, p } = c;
    const X = tf.tensor2d(Float32Array.from(c.xs.flatMap((x) => Array.from(x))), [T, H]);
    const DY = tf.tensor2d(Float32Array.from(c.dys.flatMap((x) => Array.from(x))), [T, H]);
    const xsT = tf.unstack(X).map((x) => x.reshape([1, H]));
    const f = (Wxh: tf.Tensor, Whh: tf.Tensor, bh: tf.Tensor, Why: tf.Tensor, by: tf.Tensor) => {
      let h: tf.Tensor = tf.zeros([1, H]);
      const hs: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        h = tf.tanh(tf.add(tf.add(tf.matMul(xsT[t], Wxh, false, true), tf.matMul(h, Whh, false, true)), bh));
        hs.push(h);
      }
      const Y = tf.add(tf.matMul(tf.concat(hs, 0), Why, false, true), by);
      return tf.sum(tf.mul(Y, DY)) as tf.Scalar;
    };
    const args = [
      tf.tensor2d(Float32Array.from(p.Wxh.data), [H, H]), tf.tensor2d(Float32Array.from(p.Whh.data), [H, H]),
      tf.tensor1d(Float32Array.from(p.bh)), tf.tensor2d(Float32Array.from(p.Why.data), [H, H]), tf.tensor1d(Float32Array.from(p.by)),
    ];
    return tf.grads(f)(args);
  });
  const out = tensors.map((g) => Float64Array.from(g.dataSync()));
  tf.dispose(tensors);
  return out;
}

// ---- plain mat-vec kernels, for the "fraction of the best mat-vec" figure. ----
function matvecNaive(n: number, a: Float64Array, x: Float64Array, y: Float64Array) {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += a[o + j] * x[j];
    y[i] = s;
  }
}
function matvec4acc(n: number, a: Float64Array, x: Float64Array, y: Float64Array) {
  const n4 = n & ~3;
  for (let i = 0; i < n; i++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const o = i * n;
    let j = 0;
    for (; j < n4; j += 4) {
      s0 += a[o + j] * x[j]; s1 += a[o + j + 1] * x[j + 1]; s2 += a[o + j + 2] * x[j + 2]; s3 += a[o + j + 3] * x[j + 3];
    }
    for (; j < n; j++) s0 += a[o + j] * x[j];
    y[i] = s0 + s1 + (s2 + s3);
  }
}
function matvecBench(H: number): Record<string, number> {
  const rng = createRng(H);
  const a = randnVec(rng, H * H), x = randnVec(rng, H), y = new Float64Array(H);
  const reps = Math.ceil(4e6 / (H * H));
  const kernels: Record<string, () => void> = {
    "naive (1 acc)": () => { for (let r = 0; r < reps; r++) matvecNaive(H, a, x, y); },
    "4 accumulators": () => { for (let r = 0; r < reps; r++) matvec4acc(H, a, x, y); },
    "4 rows × 2 (gemvAdd)": () => { for (let r = 0; r < reps; r++) gemvAdd(H, H, a, 0, x, 0, y, 0); },
  };
  // The WebAssembly SIMD gemv with A, x and y resident in its memory, as the recurrences use it.
  const simd = simdKernels();
  const mem = simd?.reserve(H * H + 2 * H);
  if (simd && mem) {
    mem.set(a, 0);
    mem.set(x, H * H);
    kernels["WASM SIMD f64x2 (gemv)"] = () => { for (let r = 0; r < reps; r++) simd.gemv(H, H, 0, H * H, H * H + H); };
  }
  // OpenBLAS's dgemv through the native kernels, the reps in one call (so no JavaScript call per product).
  const native = nativeKernels();
  const nmem = native?.reserve(H * H + 2 * H);
  if (native && nmem) {
    nmem.set(a, 0);
    nmem.set(x, H * H);
    kernels["OpenBLAS dgemv (native)"] = () => native.gemv(H, H, 0, H * H, H * H + H, reps);
  }
  const out: Record<string, number> = {};
  for (const [k, f] of Object.entries(kernels)) out[k] = (2 * H * H * reps) / timeIt(f, 150, 7) / 1e6;
  return out;
}

async function main(): Promise<void> {
  const tStart = now();
  await tf.setBackend("cpu");
  await tf.ready();
  const cpu = (fs.readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? "unknown";
  console.log(`# Vanilla RNN forward + full BPTT (tanh, input = hidden = output = H, one sequence)${quick ? " — quick" : ""}`);
  console.log(`machine: ${os.availableParallelism?.() ?? os.cpus().length} cores (nproc), ${cpu}; node ${process.version}; tfjs ${tf.version.tfjs} (${tf.getBackend()} backend, float32)`);
  console.log(`native kernels: ${nativeStatus()}`);
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" / ");
  console.log(`load average at start (1/5/15 min): ${load()} — on a shared 2-core machine anything above ~0.5 skews every column`);
  console.log(`flops counted: 16·H² per step (forward 3 mat-vecs, backward 5 mat-vec/outer products, 2·H² each)\n`);

  const cases = HS.flatMap((H) => TS.map((T) => makeCase(H, T)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rnn-bench-"));
  for (const c of cases) writeCase(dir, c.id, [c.p.Wxh.data, c.p.Whh.data, c.p.bh, c.p.Why.data, c.p.by, ...c.xs, ...c.dys]);
  const { B, H: BH, T: BT, lr, clip } = MINIBATCH;
  const { p: bp, xs: bxs, targets: btg } = minibatchCase();
  writeCase(dir, "batch", [bp.Wxh.data, bp.Whh.data, bp.bh, bp.Why.data, bp.by, ...bxs.map((m) => m.data), ...btg.map((m) => m.data)]);

  // numpy peer, one process for every case.
  const py = findPython("numpy");
  const pyJax = findPython("jax");
  const npBatch = { id: "batch", I: BH, H: BH, O: BH, T: BT, B, warmup: 3, reps: 25, lr, clip };
  type NumpyReport = { info: Record<string, unknown>; cases: Record<string, { plain: number[]; hoisted: number[] }>; batch?: number[] };
  let np: NumpyReport | null = null;
  if (py === null) console.log(`numpy: skipped (${PROJECT_PYTHON} has no numpy: run npm run setup)`);
  else {
    const job = { ...jobOf(cases, dir), batch: { ...npBatch, reps: 3 } }; // batch: the gradient check; timed in rounds below
    try {
      np = runPeer(py, "rnn_numpy.py", job) as NumpyReport;
    } catch (e) {
      console.log(`numpy: failed (${(e as Error).message})`);
    }
  }
  // JAX peer, one process for every case: each case's pass compiled once (timed apart), then timed.
  const jaxBatch = { ...npBatch };
  let jx: JaxReport | null = null;
  if (pyJax === null) console.log(`JAX: skipped (${PROJECT_PYTHON} has no jax: run npm run setup)`);
  else {
    try {
      jx = runPeer(pyJax, "rnn_jax.py", { ...jobOf(cases, dir), batch: { ...jaxBatch, reps: 3 } }) as JaxReport;
      const i = jx.info;
      console.log(`JAX: ${i.jax} on python ${i.python_version}, devices ${(i.devices as string[]).join(", ")}, float64 ${i.x64 ? "on" : "OFF"}`);
    } catch (e) {
      console.log(`JAX: failed (${(e as Error).message})`);
    }
  }
  if (np) {
    const i = np.info;
    console.log(`numpy: ${i.numpy} on python ${i.python_version} (${i.python}); BLAS ${i.blas}, OpenBLAS core ${i.openblas_core ?? "?"}, ${i.openblas_threads ?? "?"} threads; OPENBLAS_CORETYPE unset for this process\n`);
  }

  const rows: string[] = [];
  const summary: Record<string, { ours: number; np?: number; npHoist?: number; jax?: number; tfjs?: number; mv?: number }> = {};
  // Ours and the plain mat-vec kernels first, for every case, each mat-vec at H right before ours at H (the
  // machine's speed drifts over minutes; the % column compares the two), all before tfjs and the reference
  // fill this process's heap and make every later collection slower.
  const mvAll: Record<number, Record<string, number>> = {};
  const oursMs: Record<string, number> = {};
  for (const c of cases) {
    mvAll[c.H] ??= matvecBench(c.H);
    oursMs[c.id] = timeIt(() => rnnBackward(c.p, c.xs, rnnForward(c.p, c.xs), c.dys), quick ? 250 : 400);
  }
  rows.push("| H | T | ours ms | ours GFLOP/s | before (reference) ms | numpy plain ms | numpy hoisted ms | JAX ms | tfjs ms | vs numpy plain | vs numpy hoisted | vs JAX | vs tfjs | grads = numpy (1e-9) | grads = JAX (1e-9) | grads ≈ tfjs (f32, 1e-3) | % of best mat-vec |");
  rows.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  const compiles: string[] = [];
  for (const c of cases) {
    const { H, T, p, xs, dys } = c;
    const budget = quick ? 250 : 400;
    const ours = oursMs[c.id];
    const ref = timeIt(() => rnnBackwardReference(p, xs, rnnForwardReference(p, xs), dys), budget / 2, 3, 20);
    const g = flatGrads(rnnBackward(p, xs, rnnForward(p, xs), dys).grads);
    const gf = (ours: number) => flops(H, T) / ours / 1e6;
    let npPlain = NaN, npHoist = NaN, npOk = "–";
    if (np) {
      npPlain = median(np.cases[c.id].plain);
      npHoist = median(np.cases[c.id].hoisted);
      const e1 = relErr(splitLike(readF64(path.join(dir, c.id + ".plain.out")), g), g);
      const e2 = relErr(splitLike(readF64(path.join(dir, c.id + ".hoisted.out")), g), g);
      npOk = `${Math.max(e1, e2) < 1e-9 ? "✓" : "✗"} ${Math.max(e1, e2).toExponential(0)}`;
    }
    let jaxMs = NaN, jaxOk = "–";
    if (jx) {
      jaxMs = median(jx.cases[c.id].ms);
      compiles.push(`${c.id} ${fmt(jx.cases[c.id].compile_ms, 0)}`);
      const e = relErr(splitLike(readF64(path.join(dir, c.id + ".jax.out")), g), g);
      jaxOk = `${e < 1e-9 ? "✓" : "✗"} ${e.toExponential(0)}`;
    }
    const tfMs = timeIt(() => tfjsGrads(c), quick ? 300 : 500, 3, 10);
    const et = relErr(tfjsGrads(c), g);
    const best = Math.max(...Object.values(mvAll[H]));
    summary[c.id] = { ours, np: npPlain, npHoist, jax: jaxMs, tfjs: tfMs };
    rows.push(
      `| ${H} | ${T} | ${fmt(ours, 3)} | ${fmt(gf(ours))} | ${fmt(ref, 2)} | ${fmt(npPlain)} | ${fmt(npHoist)} | ${fmt(jaxMs, 3)} | ${fmt(tfMs, 1)} | ${fmt(npPlain / ours, 1)}× | ${fmt(npHoist / ours, 1)}× | ${fmt(jaxMs / ours, 2)}× | ${fmt(tfMs / ours, 0)}× | ${npOk} | ${jaxOk} | ${et < 1e-3 ? "✓" : "✗"} ${et.toExponential(0)} | ${fmt((100 * gf(ours)) / best, 0)}% |`,
    );
    console.error(`  done ${c.id} (${((now() - tStart) / 1000).toFixed(0)} s)`);
  }
  console.log(rows.join("\n"));
  if (compiles.length > 0) console.log(`\nJAX compile time (ms, jit's lower + compile, not in the timings above): ${compiles.join(", ")}`);
  console.log("\nPlain mat-vec kernels (GFLOP/s, y = A x, A H×H; 'best' above = the fastest of these at that H):");
  console.log("| kernel | " + HS.map((H) => `H = ${H}`).join(" | ") + " |\n|---|" + HS.map(() => "---|").join(""));
  for (const k of Object.keys(mvAll[HS[0]])) console.log(`| ${k} | ` + HS.map((H) => fmt(mvAll[H][k])).join(" | ") + " |");

  // Against JAX, one sequence at T = 200, in rounds — JAX in a fresh process, then ours here, every H — because
  // this machine's speed drifts over minutes (the table's columns were timed up to a minute apart): the ratio is
  // taken within each round, and its median reported (the targets below use it).
  const vsJax: Record<number, number[]> = {};
  if (jx !== null && pyJax !== null && TS.includes(200)) {
    const c200 = cases.filter((c) => c.T === 200);
    for (let r = 0; r < 3; r++) {
      const rep = runPeer(pyJax, "rnn_jax.py", jobOf(c200, dir)) as JaxReport;
      for (const c of c200) {
        const o = timeIt(() => rnnBackward(c.p, c.xs, rnnForward(c.p, c.xs), c.dys), quick ? 250 : 400);
        (vsJax[c.H] ??= []).push(median(rep.cases[c.id].ms) / o);
      }
    }
    const span = (xs: number[]) => `${fmt(median(xs), 2)}× (${xs.map((x) => fmt(x, 2)).join(", ")})`;
    console.log(`\nAgainst JAX, one sequence, T = 200, 3 rounds (JAX's process, then ours, each round): ${HS.map((H) => `H = ${H} ${span(vsJax[H])}`).join("; ")}`);
  }

  // Minibatch. Each side in a process of its own (a heap as clean as numpy's: tfjs, above, leaves this one's
  // large enough to make every collection slower), in rounds — numpy, then ours, back to back — because this
  // machine's speed drifts by up to 1.5× over minutes: the ratio is taken within each round, and its median
  // reported. Ours as the library runs it (the native kernels where built); in the first round also on the
  // WebAssembly kernels.
  let batchVsJax = NaN;
  const g0 = flatGrads(batchStep(cloneRnnParams(bp), bxs, btg, lr, clip));
  const bflops = 16 * BH * BH * BT * B;
  const rounds: { np: number; jax: number; ours: MinibatchTimes }[] = [];
  for (let r = 0; r < (quick ? 3 : 5); r++) {
    const npMs = py === null ? NaN : numpyBatchMs(py, { dir, cases: [], batch: { ...npBatch, reps: quick ? 25 : 50 } });
    const jaxMs = jx === null || pyJax === null ? NaN : jaxBatchMs(pyJax, { dir, cases: [], batch: { ...jaxBatch, reps: quick ? 25 : 50 } });
    const args = [path.join(__dirname, "minibatch.ts"), String(quick ? 1500 : 3000), ...(r === 0 ? ["wasm"] : [])];
    const mb = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], { cwd: path.resolve(__dirname, "../.."), maxBuffer: 1 << 20 });
    if (mb.status !== 0) throw new Error(`minibatch child failed: ${mb.stderr.toString().slice(-500)}`);
    rounds.push({ np: npMs, jax: jaxMs, ours: JSON.parse(mb.stdout.toString()) as MinibatchTimes });
  }
  const oursB = median(rounds.map((r) => r.ours.ours));
  const { kernels: kernelsB, wasm } = rounds[0].ours;
  let line = `\nMinibatch step (B = ${B}, H = ${BH}, T = ${BT}: forward + BPTT + clipped SGD; ${rounds.length} rounds, each side in its own process): ours ${fmt(oursB, 1)} ms on the ${kernelsB} kernels (${fmt(bflops / oursB / 1e6)} GFLOP/s; rounds ${rounds.map((r) => fmt(r.ours.ours, 1)).join(", ")}; on the WebAssembly kernels, where the native ones are not built: ${fmt(wasm ?? NaN, 1)} ms)`;
  if (np?.batch) {
    const e = relErr(splitLike(readF64(path.join(dir, "batch.batch.out")), g0), g0);
    const nb = median(rounds.map((r) => r.np));
    const ratios = rounds.map((r) => r.np / r.ours.ours);
    line += `, numpy batched ${fmt(nb, 1)} ms (${fmt(bflops / nb / 1e6)} GFLOP/s; rounds ${rounds.map((r) => fmt(r.np, 1)).join(", ")}) → ${fmt(median(ratios), 2)}× numpy (median of the rounds' ratios; ${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}×); grads ${e < 1e-9 ? "✓" : "✗"} ${e.toExponential(0)}`;
  }
  if (jx?.batch) {
    const e = relErr(splitLike(readF64(path.join(dir, "batch.jaxbatch.out")), g0), g0);
    const jb = median(rounds.map((r) => r.jax));
    const ratios = rounds.map((r) => r.jax / r.ours.ours);
    line += `; JAX ${fmt(jb, 1)} ms (compiled in ${fmt(jx.batch.compile_ms, 0)} ms, apart; rounds ${rounds.map((r) => fmt(r.jax, 1)).join(", ")}) → ${fmt(median(ratios), 2)}× JAX (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}×); grads ${e < 1e-9 ? "✓" : "✗"} ${e.toExponential(0)}`;
    batchVsJax = median(ratios);
  }
  console.log(line);

  // T = 10,000 in a child process, for a clean peak RSS.
  const long = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "long.ts")], { cwd: path.resolve(__dirname, "../..") });
  if (long.status === 0) {
    const l = JSON.parse(long.stdout.toString());
    console.log(`T = 10,000, H = 128 (child process): ${fmt(l.ms, 0)} ms, ${fmt(flops(128, 10000) / l.ms / 1e6)} GFLOP/s, peak RSS ${fmt(l.peakRssMB, 0)} MB (${fmt(l.rssBeforeMB, 0)} MB before the pass)`);
  } else console.log(`T = 10,000: failed: ${long.stderr.toString().slice(-300)}`);

  // Parallel sweep.
  // w ≤ 2.25: beyond that the 3000-step gradient overflows float64 and rnnBackward (rightly) throws.
  const items: SweepItem[] = Array.from({ length: 8 }, (_, i) => ({ w: 0.5 + 0.25 * i, hidden: 128, steps: 3000, seed: 3 }));
  let t0 = now();
  const serial = items.map((it) => gradNormCurve(it));
  const tSerial = now() - t0;
  const mod = { module: path.join(__dirname, "sweep.ts"), name: "gradNormCurve" };
  await closeWorkerPools(); // so that the first call starts its workers: its time includes their start-up
  let startup: WorkerStartup = { threadIds: [], started: [], ms: NaN, compiled: 0, typescriptLoaded: false };
  t0 = now();
  const par = await parallelMap<SweepItem, number[]>(items, mod, { workers: 2, onStartup: (s) => (startup = s) });
  const tPar = now() - t0;
  t0 = now();
  const parPooled = await parallelMap<SweepItem, number[]>(items, mod, { workers: 2 }); // the same workers again
  const tPooled = now() - t0;
  const same = [par, parPooled].every((r) => JSON.stringify(r) === JSON.stringify(serial));
  const cold = startup.compiled > 0 ? `, cold cache: ${startup.compiled} files compiled` : "";
  console.log(`Parallel sweep (${items.length} gradient-norm curves, H = 128, T = 3000): serial ${fmt(tSerial, 0)} ms; parallelMap on 2 workers ${fmt(tPar, 0)} ms with new workers (speed-up ${fmt(tSerial / tPar)}×, incl. ${fmt(startup.ms, 0)} ms start-up${cold}), ${fmt(tPooled, 0)} ms with the pool's (speed-up ${fmt(tSerial / tPooled)}×); results identical: ${same ? "✓" : "✗"}`);

  // First output in a notebook kernel (./first-output.ts).
  const notebooks = listNotebooks().filter((f) => !quick || /\/0[08]-/.test(f));
  console.log(`\nFirst output in a fresh notebook kernel, after it is ready (${quick ? "00 and 08, 1 run" : "2 runs"} each way, medians):`);
  const first = await firstOutputTable(notebooks, quick ? 1 : 2);
  console.log(first.table);

  // Targets at T = 200.
  console.log(`\nTarget: first output: the library import ≤ 1 s in every notebook: slowest ${fmt(first.slowestImportSec)} s: ${first.slowestImportSec <= 1 ? "met" : "NOT met"}`);
  if (TS.includes(200)) {
    console.log("\nTargets at T = 200:");
    const need: Record<number, number> = { 16: 8, 64: 3, 128: 1.5, 256: 1 };
    for (const H of HS) {
      const s = summary[`H${H}_T200`];
      const rNp = (s.np ?? NaN) / s.ours, rTf = (s.tfjs ?? NaN) / s.ours;
      const rJax = vsJax[H] ? median(vsJax[H]) : (s.jax ?? NaN) / s.ours, rHoist = (s.npHoist ?? NaN) / s.ours;
      const hoist = H === 256 ? `; ${fmt(rHoist, 2)}× numpy hoisted (need ≥ 1): ${rHoist >= 1 ? "met" : "NOT met"}` : "";
      console.log(`  H = ${H}: ${fmt(rNp, 1)}× numpy (need ≥ ${need[H]}): ${rNp >= need[H] ? "met" : "NOT met"}; ${fmt(rTf, 0)}× tfjs (need ≥ 10): ${rTf >= 10 ? "met" : "NOT met"}; ${fmt(rJax, 2)}× JAX (need ≥ 1): ${rJax >= 1 ? "met" : "NOT met"}${hoist}`);
    }
    console.log(`  minibatch: ${fmt(batchVsJax, 2)}× JAX (need ≥ 1): ${batchVsJax >= 1 ? "met" : "NOT met"}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`load average at end: ${load()}`);
  console.log(`\ntotal bench time ${((now() - tStart) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
