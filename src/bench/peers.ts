/**
 * The bench's Python peers (./rnn_numpy.py, ./rnn_jax.py): each reads a JSON job on stdin and its inputs as raw
 * float64 files in a folder, writes its gradients there and prints a JSON report. What bench.ts and the tests
 * (tests/bench/peers.test.ts: the peers' gradients equal ours) share to run them and read what they wrote.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_PYTHON } from "../notebook/execute";

/** The project's Python (.venv, pinned by src/setup/python/requirements.lock) when it can import `module`. */
export interface Python {
  exe: string;
  env: NodeJS.ProcessEnv;
}

/** .venv's Python when it imports `module` (numpy, jax), else null: run npm run setup. */
export function findPython(module: string): Python | null {
  // OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE may be set on this machine for old OpenBLAS builds; they slow a current
  // numpy, so the peers run without both (in their own processes only).
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PROJECT_PYTHON, ["-c", `import ${module}`], { env });
  return r.status === 0 ? { exe: PROJECT_PYTHON, env } : null;
}

/** Runs a peer script (a file of this folder) on a job in a process of its own; its JSON report, or throws with its last stderr line. */
export function runPeer(py: Python, script: "rnn_numpy.py" | "rnn_jax.py", job: object): unknown {
  const r = spawnSync(py.exe, [path.join(__dirname, script)], { input: JSON.stringify(job), env: py.env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr.toString().trim().split("\n").pop());
  return JSON.parse(r.stdout.toString());
}

/** Writes the parts back to back as raw float64 to <dir>/<id>.in, the layout the peers read. */
export function writeCase(dir: string, id: string, parts: ArrayLike<number>[]): void {
  const n = parts.reduce((s, x) => s + x.length, 0);
  const buf = new Float64Array(n);
  let o = 0;
  for (const x of parts) {
    buf.set(x, o);
    o += x.length;
  }
  fs.writeFileSync(path.join(dir, id + ".in"), Buffer.from(buf.buffer));
}

/** A raw float64 file a peer wrote. */
export function readF64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

/** buf cut into consecutive pieces as long as `like`'s arrays (a peer's flat gradients, as our tensors). */
export function splitLike(buf: Float64Array, like: ArrayLike<number>[]): Float64Array[] {
  let o = 0;
  return like.map((x) => buf.subarray(o, (o += x.length)));
}

/** max over tensors of max|a − b| / max|b|. */
export function relErr(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let worst = 0;
  a.forEach((x, k) => {
    let d = 0, s = 1e-300;
    for (let i = 0; i < x.length; i++) {
      d = Math.max(d, Math.abs(x[i] - b[k][i]));
      s = Math.max(s, Math.abs(b[k][i]));
    }
    worst = Math.max(worst, d / s);
  });
  return worst;
}
