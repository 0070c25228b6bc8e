import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeWorkerPools, parallelMap, type WorkerStartup } from "../../src/core/parallel";
import { gradNormCurve, type SweepItem } from "../../src/bench/sweep";

const root = path.resolve(__dirname, "../..");
const mod = path.join(root, "src/bench/sweep.ts");
const fixture = path.join(__dirname, "parallel-fixture.ts");
const hookPath = path.join(root, "src/core/ts-require.cjs");
const items: SweepItem[] = [0.5, 1, 1.5, 2, 3].map((w) => ({ w, hidden: 8, steps: 20, seed: 1 }));

// This file's workers use a TypeScript cache folder of their own, initially empty, so that whether the cache
// was used is measured against a known state, and the project's cache is left alone.
let cacheDir: string;
let savedCacheEnv: string | undefined;
beforeAll(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-cache-"));
  savedCacheEnv = process.env.EXPLODING_GRADIENTS_TS_CACHE;
  process.env.EXPLODING_GRADIENTS_TS_CACHE = cacheDir;
});
afterAll(async () => {
  await closeWorkerPools();
  if (savedCacheEnv === undefined) delete process.env.EXPLODING_GRADIENTS_TS_CACHE;
  else process.env.EXPLODING_GRADIENTS_TS_CACHE = savedCacheEnv;
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** parallelMap that also returns what its start-up cost. */
async function mapWithStartup<T, R>(xs: T[], module: string, name: string): Promise<{ out: R[]; startup: WorkerStartup }> {
  let startup: WorkerStartup | undefined;
  const out = await parallelMap<T, R>(xs, { module, name }, { workers: 2, onStartup: (s) => (startup = s) });
  if (!startup) throw new Error("onStartup was not called");
  return { out, startup };
}

describe("parallelMap", () => {
  it("equals the serial map, in order (workers load the TypeScript module themselves)", async () => {
    const got = await parallelMap<SweepItem, number[]>(items, { module: mod, name: "gradNormCurve" }, { workers: 2 });
    expect(got).toEqual(items.map((it) => gradNormCurve(it)));
  }, 60_000);

  it("propagates a worker's error with the item index and message, then starts fresh workers", async () => {
    const bad = [...items, { w: -1, hidden: 8, steps: 5, seed: 1 }];
    await expect(parallelMap(bad, { module: mod, name: "failingCurve" }, { workers: 2 })).rejects.toThrow(
      /failingCurve\(items\[5\]\) threw in a worker: w must be ≥ 0, got -1/,
    );
    // The failed call's workers were ended, not returned to the pool.
    const { out, startup } = await mapWithStartup<SweepItem, number[]>(items, mod, "gradNormCurve");
    expect(startup.started).toHaveLength(2);
    expect(out).toEqual(items.map((it) => gradNormCurve(it)));
  }, 60_000);

  it("reports a worker's stack with the TypeScript file's lines (inline source maps)", async () => {
    const line = fs.readFileSync(fixture, "utf8").split("\n").findIndex((l) => l.includes("// THROW LINE")) + 1;
    await expect(parallelMap([0, 1], { module: fixture, name: "alwaysThrows" }, { workers: 2 })).rejects.toThrow(
      new RegExp(`thrown by the fixture\\n[^]*parallel-fixture\\.ts:${line}:`),
    );
  }, 60_000);

  it("names the file and line of a syntax error in the module", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-syntax-"));
    const m = path.join(dir, "broken.ts");
    fs.writeFileSync(m, "export function f(x: number): number {\n  return x +;\n}\n");
    try {
      await expect(parallelMap([1, 2], { module: m, name: "f" }, { workers: 2 })).rejects.toThrow(/cannot load "f" from .*broken\.ts in a worker: .*broken\.ts:2: Expression expected/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names a missing export", async () => {
    await expect(parallelMap(items, { module: mod, name: "noSuchFn" }, { workers: 2 })).rejects.toThrow(/noSuchFn/);
  }, 60_000);

  it("names a module that cannot be loaded", async () => {
    await expect(parallelMap(items, { module: path.join(root, "src/no-such-module.ts"), name: "f" }, { workers: 2 })).rejects.toThrow(
      /cannot load "f" from .*no-such-module\.ts in a worker: .*Cannot find module/,
    );
  }, 60_000);

  it("says what came instead of an array of items (a typed array by its name, not \"object\")", async () => {
    const notArray = new Float32Array(3) as unknown as number[];
    await expect(parallelMap(notArray, { module: mod, name: "gradNormCurve" })).rejects.toThrow(
      "parallelMap: items: expected an array, got Float32Array(3)",
    );
  });

  it("runs serially with workers: 1 and returns [] for no items", async () => {
    expect(await parallelMap<SweepItem, number[]>(items.slice(0, 2), { module: mod, name: "gradNormCurve" }, { workers: 1 })).toEqual(
      items.slice(0, 2).map((it) => gradNormCurve(it)),
    );
    expect(await parallelMap([], { module: mod, name: "gradNormCurve" })).toEqual([]);
  });
});

describe("parallelMap's TypeScript cache", () => {
  it("warm() fills the cache ahead of the workers (what setup runs): they then compile nothing", async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-warm-"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-warm-src-"));
    process.env.EXPLODING_GRADIENTS_TS_CACHE = fresh;
    try {
      await closeWorkerPools();
      fs.writeFileSync(path.join(dir, "double.ts"), "export function double(x: number): number {\n  return 2 * x;\n}\n");
      fs.writeFileSync(path.join(dir, "types.d.ts"), "export type N = number;\n"); // declarations are not compiled
      const hook = require(hookPath) as { warm(dir: string): number };
      expect(hook.warm(dir)).toBe(1);
      expect(hook.warm(dir)).toBe(0); // already there
      const { out, startup } = await mapWithStartup<number, number>([1, 2, 3], path.join(dir, "double.ts"), "double");
      expect(out).toEqual([2, 4, 6]);
      expect(startup.compiled).toBe(0);
      expect(startup.typescriptLoaded).toBe(false);
    } finally {
      process.env.EXPLODING_GRADIENTS_TS_CACHE = cacheDir;
      await closeWorkerPools();
      fs.rmSync(fresh, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("compiles on a cold start; a worker started later loads the JS from the cache, never the compiler", async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-cold-"));
    process.env.EXPLODING_GRADIENTS_TS_CACHE = fresh;
    try {
      await closeWorkerPools();
      const cold = await mapWithStartup<SweepItem, number[]>(items, mod, "gradNormCurve");
      expect(cold.startup.compiled).toBeGreaterThan(0);
      expect(cold.startup.typescriptLoaded).toBe(true); // the flag can be true: the check below can fail
      await closeWorkerPools(); // so that the next call starts workers again
      const warm = await mapWithStartup<SweepItem, number[]>(items, mod, "gradNormCurve");
      expect(warm.startup.started).toHaveLength(2);
      expect(warm.startup.compiled).toBe(0);
      expect(warm.startup.typescriptLoaded).toBe(false);
      expect(warm.out).toEqual(cold.out);
      expect(cold.out).toEqual(items.map((it) => gradNormCurve(it)));
      const entries = fs.readdirSync(fresh);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.filter((f) => !f.endsWith(".js"))).toEqual([]); // no temporary file left behind
    } finally {
      process.env.EXPLODING_GRADIENTS_TS_CACHE = cacheDir;
      await closeWorkerPools();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);

  it("writes an entry atomically: a concurrent reader sees all of it or nothing, never a part", async () => {
    // Two threads rewrite the same entry (1 MB of "a", resp. "b") while this thread reads it in a loop. A plain
    // writeFileSync truncates and then writes, so the reader would see short or empty files.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-atomic-"));
    const file = path.join(dir, "entry.js");
    const finished = new Int32Array(new SharedArrayBuffer(4));
    const size = 1 << 20;
    const writer = `
      const { workerData } = require("worker_threads");
      const { writeFileAtomic } = require(workerData.hookPath);
      const text = workerData.ch.repeat(workerData.size);
      for (let i = 0; i < 100; i++) writeFileAtomic(workerData.file, text);
      Atomics.add(workerData.finished, 0, 1);`;
    try {
      const writers = ["a", "b"].map((ch) => new Worker(writer, { eval: true, workerData: { hookPath, file, ch, size, finished } }));
      const bad: string[] = [];
      let reads = 0;
      const t0 = Date.now();
      while (Atomics.load(finished, 0) < 2 && Date.now() - t0 < 30_000) {
        let text: string;
        try {
          text = fs.readFileSync(file, "utf8");
        } catch {
          continue; // not written yet
        }
        reads++;
        if (text.length !== size || !(text === "a".repeat(size) || text === "b".repeat(size))) bad.push(`${text.length} bytes`);
      }
      await Promise.all(writers.map((w) => w.terminate()));
      expect(Atomics.load(finished, 0)).toBe(2);
      expect(reads).toBeGreaterThan(0);
      expect(bad.slice(0, 5)).toEqual([]);
      expect(fs.readdirSync(dir)).toEqual(["entry.js"]); // the temporary files were renamed, none is left
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("parallelMap's worker pool", () => {
  it("reuses the same worker threads across calls (and across exports of the module)", async () => {
    await closeWorkerPools();
    const a = await mapWithStartup<number, number>([0, 1, 2, 3], fixture, "threadIdOf");
    const b = await mapWithStartup<number, number>([0, 1, 2, 3], fixture, "threadIdOf");
    expect(a.startup.started).toHaveLength(2);
    expect(new Set(a.out)).toEqual(new Set(a.startup.started)); // each worker took an item
    expect(b.startup.started).toEqual([]);
    expect(new Set(b.out)).toEqual(new Set(a.out));
    expect(a.out).not.toContain(0); // not the main thread
  }, 60_000);

  it("serves two calls at once on the same module: the second does not take the first's busy workers", async () => {
    await closeWorkerPools();
    const [a, b] = await Promise.all([
      mapWithStartup<number, number>([0, 1, 2, 3], fixture, "threadIdOf"),
      mapWithStartup<number, number>([0, 1, 2, 3], fixture, "threadIdOf"),
    ]);
    expect(new Set(a.out)).toEqual(new Set(a.startup.threadIds));
    expect(new Set(b.out)).toEqual(new Set(b.startup.threadIds));
    expect(new Set([...a.out, ...b.out]).size).toBe(4);
    const c = await mapWithStartup<number, number>([0, 1, 2, 3], fixture, "threadIdOf");
    expect(c.startup.started).toEqual([]); // both calls returned their workers to the pool
  }, 60_000);

  it("starts fresh workers when a file the module imports has changed since", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-test-module-"));
    const m = path.join(dir, "scaled.ts");
    const dep = path.join(dir, "factor.ts");
    fs.writeFileSync(m, 'import { factor } from "./factor";\nexport function scaled(x: number): number {\n  return factor * x;\n}\n');
    fs.writeFileSync(dep, "export const factor: number = 2;\n");
    try {
      const a = await mapWithStartup<number, number>([1, 2, 3], m, "scaled");
      expect(a.out).toEqual([2, 4, 6]);
      fs.writeFileSync(dep, "export const factor: number = 3;\n");
      const later = new Date(Date.now() + 10_000); // a distinct mtime even on a coarse-grained file system
      fs.utimesSync(dep, later, later);
      const b = await mapWithStartup<number, number>([1, 2, 3], m, "scaled");
      expect(b.out).toEqual([3, 6, 9]);
      expect(b.startup.started).toHaveLength(2);
      expect(b.startup.threadIds.some((id) => a.startup.threadIds.includes(id))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("idle workers do not keep the process alive: a script that maps once exits by itself (under ts-node)", () => {
    const script = `
      const { parallelMap } = require(${JSON.stringify(path.join(root, "src/core/parallel.ts"))});
      parallelMap([0, 1, 2, 3], { module: ${JSON.stringify(fixture)}, name: "threadIdOf" }, { workers: 2 })
        .then((ids) => console.log(JSON.stringify(ids)));`;
    const r = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only", { paths: [root] }), "-e", script], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") },
      encoding: "utf8",
      timeout: 30_000, // a hang is killed here and fails below with status null
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const ids = JSON.parse(r.stdout) as number[];
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
  }, 60_000);
});
