// src/notebook/library-build.cjs: src/ built once into build/ for the kernel's `import … from "exploding-gradients"`,
// again only after a change; and through the real kernel, "edit src/, restart the kernel, re-run" runs the edit.
// Everything runs on small libraries in temp folders, never on this checkout's src/ or build/.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { executeNotebook, joinText, PROJECT_KERNEL, PROJECT_ROOT, type NotebookJson } from "../../src/notebook";

const BUILD_SCRIPT = path.join(PROJECT_ROOT, "src", "notebook", "library-build.cjs");
interface Where {
  root: string;
  src: string;
  out: string;
  link: string;
}
const { build } = require(BUILD_SCRIPT) as {
  build(o: Partial<Where> & { quiet?: boolean }): { built: boolean; diagnostics: string[] };
};

const scratch = mkdtempSync(path.join(tmpdir(), "eg-library-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const V1 = 'export function probe(): string {\n  return "v1";\n}\nexport function boom(): never {\n  throw new Error("boom");\n}\n';

/** A checkout-like folder: this checkout's tsconfig.json, its node_modules (for tslab's TypeScript), and `files`. */
function tempLibrary(name: string, files: Record<string, string>): Where {
  const root = path.join(scratch, name);
  mkdirSync(root);
  copyFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
  symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  // node_modules is this checkout's: the package link goes elsewhere.
  return { root, src: path.join(root, "src"), out: path.join(root, "build"), link: path.join(root, "linked", "exploding-gradients") };
}

/** What a fresh Node prints for `expression` with `lib` = require(link). */
function inFreshNode(link: string, expression: string): string {
  const r = spawnSync(process.execPath, ["-e", `const lib = require(${JSON.stringify(link)}); console.log(${expression});`], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  return r.stdout.trim();
}

describe("the library build", () => {
  test("writes JavaScript and declarations, links the package and the non-TypeScript files; unchanged, it does nothing", () => {
    const w = tempLibrary("fresh", {
      "src/index.ts": 'export { double } from "./math";\nexport const helper: number = require("./native/helper.cjs");\n',
      "src/math.ts": "export function double(x: number): number {\n  return 2 * x;\n}\n",
      "src/native/helper.cjs": "module.exports = 7;\n",
    });
    expect(build({ ...w, quiet: true })).toEqual({ built: true, diagnostics: [] });
    for (const f of ["index.js", "index.d.ts", "index.js.map", "math.js", "math.d.ts"]) expect(existsSync(path.join(w.out, f)), f).toBe(true);
    expect(lstatSync(path.join(w.out, "native", "helper.cjs")).isSymbolicLink()).toBe(true);
    expect(path.resolve(w.out, "native", readlinkSync(path.join(w.out, "native", "helper.cjs")))).toBe(path.join(w.src, "native", "helper.cjs"));
    expect(path.resolve(path.dirname(w.link), readlinkSync(w.link))).toBe(w.out);
    expect(inFreshNode(w.link, "lib.double(21), lib.helper")).toBe("42 7");

    expect(build({ ...w, quiet: true })).toEqual({ built: false, diagnostics: [] });
    rmSync(w.link); // e.g. npm ci emptied node_modules: the link comes back without a compile
    expect(build({ ...w, quiet: true }).built).toBe(false);
    expect(inFreshNode(w.link, "lib.double(1)")).toBe("2");
  });

  test("an edit is rebuilt; a type error is reported with its place, and the JavaScript emitted all the same", () => {
    const w = tempLibrary("edit", { "src/index.ts": V1 });
    build({ ...w, quiet: true });
    writeFileSync(path.join(w.src, "index.ts"), V1.replace('"v1"', '"v2"'));
    expect(build({ ...w, quiet: true })).toEqual({ built: true, diagnostics: [] });
    expect(inFreshNode(w.link, "lib.probe()")).toBe("v2");

    writeFileSync(path.join(w.src, "index.ts"), V1.replace('"v1"', "3"));
    const { built, diagnostics } = build({ ...w, quiet: true });
    expect(built).toBe(true);
    expect(diagnostics).toEqual([expect.stringMatching(/^src\/index\.ts:2:3 - error TS2322: Type 'number' is not assignable to type 'string'\.$/)]);
    expect(inFreshNode(w.link, "lib.probe()")).toBe("3");
    // Nothing but the edit changed since: no compile, and the diagnostics are still those of the build.
    expect(build({ ...w, quiet: true })).toEqual({ built: false, diagnostics });

    // A module added, then deleted: its output goes with it.
    writeFileSync(path.join(w.src, "extra.ts"), "export const extra = 1;\n");
    writeFileSync(path.join(w.src, "index.ts"), `${V1}export { extra } from "./extra";\n`);
    build({ ...w, quiet: true });
    expect(existsSync(path.join(w.out, "extra.js"))).toBe(true);
    rmSync(path.join(w.src, "extra.ts"));
    writeFileSync(path.join(w.src, "index.ts"), V1);
    build({ ...w, quiet: true });
    expect(readdirSync(w.out).filter((f) => f.startsWith("extra"))).toEqual([]);
  });

  test("two builds at once: one compiles, the other waits for it; a lock left by a dead process is taken over", async () => {
    const w = tempLibrary("race", { "src/index.ts": V1 });
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const script = `console.log(JSON.stringify(require(${JSON.stringify(BUILD_SCRIPT)}).build(${JSON.stringify({ ...w, quiet: true })})))`;
        const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.on("close", (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run()]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results.map((r) => (JSON.parse(r.out) as { built: boolean }).built).sort()).toEqual([false, true]);
    expect(readdirSync(w.out)).not.toContain(".lock");

    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    mkdirSync(path.join(w.out, ".lock"));
    writeFileSync(path.join(w.out, ".lock", "pid"), dead);
    writeFileSync(path.join(w.src, "index.ts"), V1.replace('"v1"', '"v3"'));
    expect(build({ ...w, quiet: true }).built).toBe(true);
    expect(inFreshNode(w.link, "lib.probe()")).toBe("v3");
  });
});

/**
 * A project the kernel launcher accepts, in a temp folder, whose build and package link are its own: node_modules
 * is a folder of links to this checkout's packages (not a link to the folder, which holds this checkout's link).
 */
function tempProject(name: string): string {
  const { root } = tempLibrary(name, {
    "package.json": JSON.stringify({ name: "exploding-gradients", private: true }),
    "src/index.ts": V1,
  });
  rmSync(path.join(root, "node_modules"));
  mkdirSync(path.join(root, "node_modules"));
  for (const entry of readdirSync(path.join(PROJECT_ROOT, "node_modules"))) {
    if (entry !== "exploding-gradients") symlinkSync(path.join(PROJECT_ROOT, "node_modules", entry), path.join(root, "node_modules", entry));
  }
  mkdirSync(path.join(root, "src", "notebook"));
  for (const f of ["kernel-hooks.cjs", "kernel-report.cjs", "library-build.cjs"]) {
    symlinkSync(path.join(PROJECT_ROOT, "src", "notebook", f), path.join(root, "src", "notebook", f));
  }
  return root;
}

function writeNotebook(root: string, name: string, cells: string[]): string {
  const nb: NotebookJson = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: PROJECT_KERNEL, display_name: "TypeScript (exploding-gradients)", language: "typescript" } },
    cells: cells.map((source) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source })),
  };
  const file = path.join(root, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

/** Each code cell's stdout and stderr. */
function streams(nb: NotebookJson): { stdout: string; stderr: string }[] {
  return nb.cells.map((c) => {
    const outs = c.cell_type === "code" ? c.outputs : [];
    const text = (name: string) => outs.map((o) => (o.output_type === "stream" && o.name === name ? joinText(o.text) : "")).join("");
    return { stdout: text("stdout"), stderr: text("stderr") };
  });
}

describe("in the real kernel", () => {
  const TIMEOUT_SEC = 90;
  test("an edit of src/ is announced, and runs after a restart; errors point at src/ lines; type errors are said", async () => {
    const root = tempProject("kernel");
    const edit = (text: string) => `import { writeFileSync } from "fs";\nwriteFileSync("src/index.ts", ${JSON.stringify(text)});`;
    const importCell = 'import { boom, probe } from "exploding-gradients";\nconsole.log(probe());';
    const first = writeNotebook(root, "first.ipynb", [importCell, "boom();", edit(V1.replace('"v1"', '"v2"')), "console.log(probe());"]);
    const run1 = await executeNotebook(first, { timeoutSec: TIMEOUT_SEC, projectRoot: root });
    expect(streams(run1.notebook)).toEqual([
      { stdout: "v1\n", stderr: "" },
      { stdout: "", stderr: "Error: boom\n    at boom (src/index.ts:5)\n    at this cell, line 1\n" },
      { stdout: "", stderr: "" },
      { stdout: "v1\n", stderr: "src/index.ts changed since this kernel loaded it: restart the kernel to use it\n" },
    ]);

    // A restart is a new kernel: the launcher rebuilds, and the edit runs.
    const second = writeNotebook(root, "second.ipynb", [importCell, edit(V1.replace('"v1"', "3"))]);
    const run2 = await executeNotebook(second, { timeoutSec: TIMEOUT_SEC, projectRoot: root });
    expect(streams(run2.notebook)[0]).toEqual({ stdout: "v2\n", stderr: "" });

    const third = writeNotebook(root, "third.ipynb", [importCell]);
    const run3 = await executeNotebook(third, { timeoutSec: TIMEOUT_SEC, projectRoot: root });
    expect(streams(run3.notebook)[0]).toEqual({
      stdout: "3\n",
      stderr: expect.stringMatching(
        /^The library in src\/ has type errors; this kernel loads it as built anyway \(build\/diagnostics\.txt\):\nsrc\/index\.ts:2:3 - error TS2322: [^\n]+\n$/,
      ),
    });
  }, 4 * (TIMEOUT_SEC + 30) * 1000);
});
