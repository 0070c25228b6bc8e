import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { createRng, randnVec } from "../../src/core/random";
import type { Mat } from "../../src/core/tensor";
import { batchStep, flatGrads } from "../../src/bench/minibatch";
import { findPython, readF64, relErr, runPeer, splitLike, writeCase } from "../../src/bench/peers";
import { cloneRnnParams, initRnnParams } from "../../src/rnn/params";
import { rnnBackward, rnnForward } from "../../src/rnn/vanilla";

// The bench prints ratios against its Python peers; a ratio means something only if the peer computes the same
// gradients. Here each peer runs on a small case and must equal ours to 1e-9, as the bench's ✓ columns demand.
// I, H and O all differ and B is odd, so that a transposed weight or a swapped axis cannot pass.
const I = 3, H = 5, O = 4, T = 7, B = 3;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "peers-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rng = createRng(17);
const p = initRnnParams(rng, { input: I, hidden: H, output: O, activation: "tanh", recurrentStd: 1.1 / Math.sqrt(H) });
for (let i = 0; i < H; i++) p.bh[i] = 0.1 * rng.normal();
for (let i = 0; i < O; i++) p.by[i] = 0.1 * rng.normal();
const xs = Array.from({ length: T }, () => randnVec(rng, I));
const dys = Array.from({ length: T }, () => randnVec(rng, O, 0.1));
const bxs: Mat[] = Array.from({ length: T }, () => ({ rows: B, cols: I, data: randnVec(rng, B * I) }));
const btg: Mat[] = Array.from({ length: T }, () => ({ rows: B, cols: O, data: randnVec(rng, B * O) }));
const weights = [p.Wxh.data, p.Whh.data, p.bh, p.Why.data, p.by];
writeCase(dir, "seq", [...weights, ...xs, ...dys]);
writeCase(dir, "batch", [...weights, ...bxs.map((m) => m.data), ...btg.map((m) => m.data)]);
const job = {
  dir,
  cases: [{ id: "seq", I, H, O, T, warmup: 0, reps: 1 }],
  batch: { id: "batch", I, H, O, T, B, warmup: 0, reps: 1, lr: 0.1, clip: 0.5 },
};
const ours = flatGrads(rnnBackward(p, xs, rnnForward(p, xs), dys).grads);
const oursBatch = flatGrads(batchStep(cloneRnnParams(p), bxs, btg, 0.1, 0.5));

/** The peer's gradients from `file`, as our tensors, after checking it wrote exactly as many numbers. */
function peerGrads(file: string, like: Float64Array[]): Float64Array[] {
  const flat = readF64(path.join(dir, file));
  expect(flat.length).toBe(like.reduce((s, g) => s + g.length, 0));
  return splitLike(flat, like);
}

const jax = findPython("jax");
const numpy = findPython("numpy");

describe("the bench's peers compute our gradients", () => {
  it.skipIf(jax === null)("JAX (rnn_jax.py): one sequence and the minibatch step, to 1e-9", () => {
    const report = runPeer(jax!, "rnn_jax.py", job) as { info: { x64: boolean }; cases: { seq: { compile_ms: number } } };
    expect(report.info.x64).toBe(true); // float32 would miss 1e-9 by far
    expect(report.cases.seq.compile_ms).toBeGreaterThan(0);
    expect(relErr(peerGrads("seq.jax.out", ours), ours)).toBeLessThan(1e-9);
    expect(relErr(peerGrads("batch.jaxbatch.out", oursBatch), oursBatch)).toBeLessThan(1e-9);
  }, 60_000);

  it.skipIf(numpy === null)("numpy (rnn_numpy.py): plain, hoisted and the minibatch step, to 1e-9", () => {
    runPeer(numpy!, "rnn_numpy.py", job);
    for (const impl of ["plain", "hoisted"]) expect(relErr(peerGrads(`seq.${impl}.out`, ours), ours)).toBeLessThan(1e-9);
    expect(relErr(peerGrads("batch.batch.out", oursBatch), oursBatch)).toBeLessThan(1e-9);
  }, 60_000);

  it("the check would catch a peer that computed something else (a gradient off by 1e-6)", () => {
    const off = ours.map((g) => g.slice());
    off[1][0] += 1e-6 * Math.max(...off[1].map(Math.abs));
    expect(relErr(off, ours)).toBeGreaterThan(1e-9);
  });
});
