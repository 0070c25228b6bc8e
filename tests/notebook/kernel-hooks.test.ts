// src/notebook/kernel-hooks.cjs in the real kernel (tslab through the project's kernelspec, via nbclient):
// errors read message first with TypeScript lines, edited library files are announced, adding and deleting
// files breaks nothing, skipped cells say why. The file tests run in a minimal copy of the project in a temp
// folder (EXPLODING_GRADIENTS_ROOT), so that nothing is ever written into this checkout's src/.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createRng, initRnnParams, rnnForward } from "../../src/index";
import {
  executeNotebook,
  joinText,
  PROJECT_KERNEL,
  PROJECT_PYTHON,
  PROJECT_ROOT,
  type NotebookCell,
  type NotebookJson,
} from "../../src/notebook";

const TIMEOUT_SEC = 90;
const HOOKS = path.join(PROJECT_ROOT, "src", "notebook", "kernel-hooks.cjs");
const SKIPPED_NOTE = (require("../../src/notebook/kernel-report.cjs") as { SKIPPED_NOTE: string }).SKIPPED_NOTE;

const scratch = mkdtempSync(path.join(tmpdir(), "eg-kernel-hooks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const code = (source: string): NotebookCell => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source });

function writeNotebook(name: string, cells: string[]): string {
  const nb: NotebookJson = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: PROJECT_KERNEL, display_name: "TypeScript (exploding-gradients)", language: "typescript" } },
    cells: cells.map(code),
  };
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

/** Each code cell's stdout and stderr text. */
function streams(nb: NotebookJson): { stdout: string; stderr: string }[] {
  return nb.cells.map((c) => {
    const outs = c.cell_type === "code" ? c.outputs : [];
    const text = (name: string) => outs.map((o) => (o.output_type === "stream" && o.name === name ? joinText(o.text) : "")).join("");
    return { stdout: text("stdout"), stderr: text("stderr") };
  });
}

/**
 * A minimal project the kernel launcher accepts, in a temp folder: package.json, this checkout's node_modules and
 * kernel hooks (symlinked, so the hooks under test are this checkout's), and the given files.
 */
function tempProject(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  mkdirSync(path.join(root, "src", "notebook"), { recursive: true });
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "exploding-gradients", private: true }));
  symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
  for (const f of ["kernel-hooks.cjs", "kernel-report.cjs"]) {
    symlinkSync(path.join(PROJECT_ROOT, "src", "notebook", f), path.join(root, "src", "notebook", f));
  }
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe("an error thrown in a cell", () => {
  // The reference: the same call here, where vitest maps the stack to TypeScript lines with its own source maps.
  const p = initRnnParams(createRng(0), { input: 2, hidden: 4, output: 1, activation: "tanh" });
  let expected: Error = new Error("rnnForward did not throw");
  try {
    rnnForward(p, [new Float64Array(3)]);
  } catch (e) {
    expected = e as Error;
  }
  /** vitest's frames in src/, as the kernel should print them: "    at fn (src/x.ts:line)". */
  const srcFrames = (expected.stack ?? "")
    .split("\n")
    .flatMap((l) => {
      const m = /^\s+at (\S+) \((.+?):(\d+):\d+\)$/.exec(l);
      return m?.[1] && m[2]?.startsWith(path.join(PROJECT_ROOT, "src")) ? [`    at ${m[1]} (${path.relative(PROJECT_ROOT, m[2])}:${m[3]})`] : [];
    });

  test("reads its message first, then the frames in src/*.ts and in the cell with TypeScript lines, nothing internal", async () => {
    expect(srcFrames.length, "vitest's reference stack has frames in src/").toBeGreaterThan(1);
    const file = writeNotebook("error.ipynb", [
      [
        "import {",
        "  createRng,",
        "  initRnnParams,",
        "  rnnForward,",
        '} from "exploding-gradients";',
        'const p = initRnnParams(createRng(0), { input: 2, hidden: 4, output: 1, activation: "tanh" });',
      ].join("\n"),
      [
        "// A function in the cell, so that the cell has two frames.", // 1
        "function run(n: number): number {", // 2
        "  const xs: Float64Array[] = [new Float64Array(n)];", // 3
        "", // 4
        "  rnnForward(p, xs);", // 5
        "  return 1;", // 6
        "}", // 7
        "run(3);", // 8
      ].join("\n"),
      'console.log("the next cell runs");',
      ["const t: number = 10;", "await new Promise((r) => setTimeout(r, t));", "rnnForward(p, [new Float64Array(3)]);"].join("\n"),
    ]);
    const { notebook } = await executeNotebook(file, { timeoutSec: TIMEOUT_SEC });
    const out = streams(notebook);

    // Another engineer's edit in src/ during the run would put a change notice first: that line is not under test.
    const notNotice = (s: string | undefined) => (s ?? "").replace(/^.* since this kernel loaded (it|them): restart the kernel.*\n/gm, "");
    const syncError = notNotice(out[1]?.stderr);
    expect(syncError).toBe([`Error: ${expected.message}`, ...srcFrames, "    at run (this cell, line 5)", "    at this cell, line 8", ""].join("\n"));
    expect(out[2]?.stdout).toBe("the next cell runs\n");
    // After an await: the same frames in src/, the cell's line, and none of the async machinery.
    expect(notNotice(out[3]?.stderr)).toBe([`Error: ${expected.message}`, ...srcFrames, "    at this cell, line 3", ""].join("\n"));
    for (const text of [syncError, notNotice(out[3]?.stderr)]) {
      expect(text).not.toMatch(/node:|node_modules|tslab|evalmachine|kernel-hooks|\.js\b/);
    }
  }, (TIMEOUT_SEC + 30) * 1000);
});

describe("library files that change while the kernel runs", () => {
  test("an edited or deleted file the kernel compiled is announced once, in the next cell", async () => {
    const root = tempProject("edit", {
      "src/tiny.ts": 'export function tiny(): string {\n  return "tiny 1";\n}\n',
      "src/gone.ts": "export const gone = 1;\n",
    });
    const file = writeNotebook("edit.ipynb", [
      'import { tiny } from "./src/tiny";\nimport { gone } from "./src/gone";\nconsole.log(tiny(), gone);',
      'import { writeFileSync } from "fs";\nwriteFileSync("src/tiny.ts", \'export function tiny(): string {\\n  return "tiny, edited";\\n}\\n\');',
      "console.log(tiny());",
      'console.log("said once");',
      'import { unlinkSync } from "fs";\nunlinkSync("src/gone.ts");',
      'console.log("after the deletion");',
      'console.log("said once");',
    ]);
    const { notebook } = await executeNotebook(file, { timeoutSec: TIMEOUT_SEC, projectRoot: root });
    expect(streams(notebook)).toEqual([
      { stdout: "tiny 1 1\n", stderr: "" },
      { stdout: "", stderr: "" },
      // The kernel still runs the version it loaded, and says so.
      { stdout: "tiny 1\n", stderr: "src/tiny.ts changed since this kernel loaded it: restart the kernel to use it\n" },
      { stdout: "said once\n", stderr: "" },
      { stdout: "", stderr: "" },
      { stdout: "after the deletion\n", stderr: "src/gone.ts was deleted since this kernel loaded it: restart the kernel to stop using it\n" },
      { stdout: "said once\n", stderr: "" },
    ]);
  }, (TIMEOUT_SEC + 30) * 1000);

  test("adding and deleting .ts files (in src/, a new folder, the root) breaks no cell", async () => {
    // A JSON import makes TypeScript watch src/ (it looks for tiny-data.json.ts first: a "failed lookup"), as the
    // library's imports of data/ do; a file appearing there is what broke tslab.
    const root = tempProject("add", {
      "src/tiny.ts": 'import data from "./tiny-data.json";\nexport const tiny: string = data.name;\n',
      "src/tiny-data.json": '{ "name": "tiny" }\n',
    });
    // TypeScript's recursive directory watcher reports a change after 1 s, and schedules its reaction 250 ms later.
    const wait = 'await new Promise((r) => setTimeout(r, 2000));\nconsole.log("waited");';
    const file = writeNotebook("add.ipynb", [
      'import { tiny } from "./src/tiny";\nconsole.log(tiny);',
      [
        'import { mkdirSync, writeFileSync } from "fs";',
        'writeFileSync("src/added.ts", "export const added = 2;\\n");',
        'mkdirSync("src/new-folder");',
        'writeFileSync("src/new-folder/deep.ts", "export const deep = 3;\\n");',
        'writeFileSync("root-file.ts", "export const r = 4;\\n");',
      ].join("\n"),
      wait,
      "console.log(tiny);",
      'import { added } from "./src/added";\nconsole.log(added);',
      'import { rmSync } from "fs";\nrmSync("src/new-folder", { recursive: true });\nrmSync("root-file.ts");',
      wait,
      "console.log(tiny, added);",
    ]);
    const { notebook } = await executeNotebook(file, { timeoutSec: TIMEOUT_SEC, projectRoot: root });
    expect(streams(notebook)).toEqual([
      { stdout: "tiny\n", stderr: "" },
      { stdout: "", stderr: "" },
      { stdout: "waited\n", stderr: "" },
      { stdout: "tiny\n", stderr: "" },
      { stdout: "2\n", stderr: "" },
      { stdout: "", stderr: "" },
      { stdout: "waited\n", stderr: "" },
      { stdout: "tiny 2\n", stderr: "" },
    ]);
  }, (TIMEOUT_SEC + 30) * 1000);
});

describe("cells queued behind a failing one (Run All)", () => {
  test("say why they did not run; with stop_on_error false (errors allowed) they all run", () => {
    type Result = { status: string; stdout: string; stderr: string };
    const cells = ['throw new Error("first fails");', 'console.log("second");', 'console.log("third");'];
    const run = spawnSync(
      PROJECT_PYTHON,
      [path.join(__dirname, "requests-at-once.py"), PROJECT_KERNEL, JSON.stringify([{ stop_on_error: true, cells }, { stop_on_error: false, cells }])],
      { cwd: PROJECT_ROOT, encoding: "utf8", timeout: TIMEOUT_SEC * 1000, env: { ...process.env, EXPLODING_GRADIENTS_ROOT: PROJECT_ROOT } },
    );
    expect(run.status, run.stderr).toBe(0);
    const [stopping, continuing] = JSON.parse(run.stdout) as Result[][];
    expect(stopping?.map((r) => r.status)).toEqual(["error", "abort", "abort"]);
    expect(stopping?.[0]?.stderr).toMatch(/^Error: first fails\n/);
    expect(stopping?.slice(1)).toEqual([
      { status: "abort", stdout: "", stderr: `${SKIPPED_NOTE}\n` },
      { status: "abort", stdout: "", stderr: `${SKIPPED_NOTE}\n` },
    ]);
    expect(continuing?.map((r) => [r.status, r.stdout, r.stderr === "" ? "" : r.stderr.split("\n")[0]])).toEqual([
      ["error", "", "Error: first fails"],
      ["ok", "second\n", ""],
      ["ok", "third\n", ""],
    ]);
  }, (TIMEOUT_SEC + 30) * 1000);
});

describe("the hooks fail safe", () => {
  function preload(cwd: string): { stdout: string; stderr: string; status: number | null } {
    const r = spawnSync(process.execPath, ["--require", HOOKS, "-e", 'console.log("the process runs")'], { cwd, encoding: "utf8" });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  }

  test("another tslab version: nothing is patched, one line in the server log says why", () => {
    const root = path.join(scratch, "other-tslab");
    mkdirSync(path.join(root, "node_modules", "tslab"), { recursive: true });
    writeFileSync(path.join(root, "node_modules", "tslab", "package.json"), JSON.stringify({ name: "tslab", version: "9.9.9" }));
    const r = preload(root);
    expect(r).toMatchObject({ status: 0, stdout: "the process runs\n" });
    expect(r.stderr).toMatch(/^exploding-gradients kernel hooks: not installed, the kernel runs as tslab made it: .*tslab 9\.9\.9 \(expected 1\.0\.22\)[^\n]*\n$/);
  });

  test("no tslab at all: the same", () => {
    const root = path.join(scratch, "no-tslab");
    mkdirSync(root, { recursive: true });
    const r = preload(root);
    expect(r).toMatchObject({ status: 0, stdout: "the process runs\n" });
    expect(r.stderr).toMatch(/^exploding-gradients kernel hooks: not installed[^\n]*tslab[^\n]*\n$/);
  });

  test("this checkout's tslab: installed without a word", () => {
    expect(preload(PROJECT_ROOT)).toEqual({ status: 0, stdout: "the process runs\n", stderr: "" });
    expect(readFileSync(path.join(PROJECT_ROOT, "node_modules", "tslab", "package.json"), "utf8")).toContain('"version": "1.0.22"');
  });
});

describe("the kernel ends with its server", () => {
  test("a kernel whose Jupyter server is killed exits by itself instead of running on", async () => {
    const { freePort } = await import("../setup/jupyter");
    const port = await freePort();
    const token = "kernel-exit-test";
    const dir = mkdtempSync(path.join(scratch, "server-"));
    const { spawn } = await import("node:child_process");
    const server = spawn(path.join(PROJECT_ROOT, ".venv/bin/jupyter"), ["server", `--ServerApp.port=${port}`, `--ServerApp.root_dir=${dir}`,
      "--ServerApp.port_retries=0", ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], {
      env: { ...process.env, JUPYTER_TOKEN: token, JUPYTER_RUNTIME_DIR: path.join(dir, ".runtime") },
      stdio: "ignore",
    });
    const alive = (pid: number) => spawnSync("kill", ["-0", String(pid)]).status === 0;
    let kernelPid = 0;
    try {
      const base = `http://127.0.0.1:${port}`;
      const headers = { Authorization: `token ${token}`, "Content-Type": "application/json" };
      await expect.poll(async () => (await fetch(`${base}/api/status`, { headers }).catch(() => null))?.status, { timeout: 30_000 }).toBe(200);
      const res = await fetch(`${base}/api/kernels`, { method: "POST", headers, body: JSON.stringify({ name: PROJECT_KERNEL }) });
      const { id } = (await res.json()) as { id: string };
      await expect
        .poll(() => (kernelPid = Number(spawnSync("pgrep", ["-f", `kernel-${id}.json`], { encoding: "utf8" }).stdout.split("\n")[0]) || 0), { timeout: 30_000 })
        .toBeGreaterThan(0);
      // Booted and waiting (sleeping for a few checks in a row): a kernel still loading TypeScript runs no timers yet.
      const sleeping = () => spawnSync("ps", ["-o", "stat=", "-p", String(kernelPid)], { encoding: "utf8" }).stdout.trim().startsWith("S");
      let quiet = 0;
      await expect.poll(() => (quiet = sleeping() ? quiet + 1 : 0), { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(4);
      server.kill("SIGKILL"); // no chance to shut its kernels down
      await expect.poll(() => alive(kernelPid), { timeout: 10_000, message: "the orphaned kernel is still running" }).toBe(false);
    } finally {
      server.kill("SIGKILL");
      if (kernelPid > 0 && alive(kernelPid)) process.kill(kernelPid, "SIGKILL");
    }
  }, 90_000);
});
