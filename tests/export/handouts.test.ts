// The handouts command's argument checks, which need neither Jupyter nor a browser: the budget per notebook and
// the output folder are refused, with the flag, what was expected and what came, before anything runs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { checkTimeoutSec, handoutProblem, MAX_TIMEOUT_SEC, parseHandoutsArgs, prepareOutDir } from "../../src/export/handouts";
import { renderHandout } from "../../src/export/render";
import type { NotebookJson } from "../../src/notebook/types";
import { PROJECT_ROOT } from "../../src/notebook/index";

const range = `expected a number of seconds in (0, ${MAX_TIMEOUT_SEC}] (at most ≈ 11.6 days; Node's timers cannot wait beyond 2^31 − 1 ms ≈ 24.8 days)`;

describe("--timeout", () => {
  test("values Node's timers cannot wait for (over 2^31 − 1 ms, Infinity) are refused with the allowed range", () => {
    // Node fires a timer set beyond 2^31 − 1 ms after 1 ms: these used to kill every notebook at once.
    for (const bad of ["3000000", "2147484", "Infinity", "1e400"])
      expect(() => parseHandoutsArgs([`--timeout=${bad}`])).toThrow(`--timeout: ${range}, got "${bad}"`);
    for (const bad of ["0", "-5", "abc", "", " ", "NaN"])
      expect(() => parseHandoutsArgs([`--timeout=${bad}`])).toThrow(`--timeout: ${range}, got "${bad}"`);
  });

  test("every value in (0, MAX_TIMEOUT_SEC] passes, and MAX_TIMEOUT_SEC plus the runner's grace fits a Node timer", () => {
    for (const [given, sec] of [["300", 300], ["0.5", 0.5], [String(MAX_TIMEOUT_SEC), MAX_TIMEOUT_SEC]] as const) {
      const o = parseHandoutsArgs(["--timeout", given]);
      expect(o !== "help" && o.timeoutSec).toBe(sec);
    }
    expect((MAX_TIMEOUT_SEC + 60) * 1000).toBeLessThan(2 ** 31 - 1);
  });

  test("the library call is checked too (buildHandouts runs checkTimeoutSec on options.timeoutSec)", () => {
    expect(() => checkTimeoutSec("timeoutSec", Infinity)).toThrow(`timeoutSec: ${range}, got "Infinity"`);
    expect(() => checkTimeoutSec("timeoutSec", NaN)).toThrow(`timeoutSec: ${range}, got "NaN"`);
    expect(checkTimeoutSec("timeoutSec", 60)).toBe(60);
  });
});

describe("--out", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-handouts-out-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a missing folder is created with its missing parents", () => {
    const deep = path.join(dir, "a", "b", "c");
    prepareOutDir(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    prepareOutDir(deep); // existing: fine, and nothing left behind
    expect(existsSync(path.join(deep, `.handouts-write-test-${process.pid}`))).toBe(false);
  });

  test("a folder under /proc fails at once, naming the level that cannot be made (Node's recursive mkdir spins there forever)", () => {
    expect(() => prepareOutDir("/proc/x")).toThrow(
      "--out /proc/x: cannot create the folder /proc/x: /proc exists but takes no new folders (a virtual file system such as /proc or /sys?) (ENOENT)",
    );
    expect(() => prepareOutDir("/proc/x/y/z")).toThrow("--out /proc/x/y/z: cannot create the folder /proc/x:");
    expect(() => prepareOutDir("/proc/self")).toThrow(/^--out \/proc\/self: cannot write files in \/proc\/self \(/);
  });

  test("a file on the way is named", () => {
    const file = path.join(dir, "plain-file");
    writeFileSync(file, "x");
    expect(() => prepareOutDir(path.join(file, "out"))).toThrow(`--out ${path.join(file, "out")}: ${file} is a file, not a folder`);
    expect(() => prepareOutDir(file)).toThrow(`--out ${file}: ${file} is a file, not a folder`);
  });

  test("the command ends with exit code 2 and the message, without hanging", () => {
    // node itself (not npx), so that the timeout kills the process that would spin
    const tsNode = path.join(PROJECT_ROOT, "node_modules", "ts-node", "dist", "bin.js");
    const r = spawnSync(process.execPath, [tsNode, "--transpile-only", "src/export/handouts.ts", "--out", "/proc/x", "--html-only"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 60_000, // the old behaviour: a recursive mkdir at 100% CPU until killed
      killSignal: "SIGKILL",
    });
    expect(r.signal, "killed: the command hung").toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("handouts: --out /proc/x: cannot create the folder /proc/x: /proc exists but takes no new folders");
  }, 70_000);
});

describe("a handout that would fetch something when opened is not written", () => {
  test("the message names each cell, the element and the URL, and says why", async () => {
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# Offline\n\nA [link](https://example.com) is fine." },
        { cell_type: "markdown", metadata: {}, source: "![plot](https://example.com/plot.png)" },
        { cell_type: "markdown", metadata: {}, source: '<iframe src="https://www.youtube.com/embed/x"></iframe>' },
      ],
    };
    const handout = await renderHandout(nb, { edition: "student", sourcePath: "offline.ipynb" });
    const problem = handoutProblem(handout);
    expect(problem).toMatch(/^a handout must work offline, but 2 reference\(s\) would be fetched when it is opened; handouts not written:\n/);
    expect(problem).toContain("  cell 2: <img src> https://example.com/plot.png\n    a remote image: ");
    expect(problem).toContain("  cell 3: <iframe src> https://www.youtube.com/embed/x\n    a remote resource: ");
    expect(handoutProblem({ ...handout, externalReferences: [] })).toBeUndefined();
  });
});
