import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../../src/notebook/execute";
import type { NotebookCell, NotebookJson } from "../../src/notebook/types";
import { describeSync, resetNotebook, syncWorkspace, WorkspaceError } from "../../src/workspace/workspace";

const code = (source: string, tags?: string[]): NotebookCell => ({ cell_type: "code", metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null });
const tutorial = (...cells: NotebookCell[]): NotebookJson => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const day1 = new Date("2026-12-04T10:00:00Z");
const day2 = new Date("2026-12-09T08:30:15Z");

let tmp: string;
let tutorials: string;
let workspace: string;
const write = (file: string, nb: NotebookJson) => writeFileSync(file, JSON.stringify(nb));
const read = (name: string) => readFileSync(path.join(workspace, name), "utf8");
const sources = (name: string) => (JSON.parse(read(name)) as NotebookJson).cells.map((c) => c.source.toString());
const sync = (now = day1) => syncWorkspace({ tutorials, workspace, now });

beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "eg-workspace-"));
  tutorials = path.join(tmp, "notebooks");
  workspace = path.join(tmp, "workspace");
  mkdirSync(tutorials);
  write(path.join(tutorials, "01-a.ipynb"), tutorial(code("exercise()"), code("answer()", ["solution"])));
  write(path.join(tutorials, "02-b.ipynb"), tutorial(code("b()")));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe("syncWorkspace", () => {
  test("the first start makes the student edition of every tutorial; the second does nothing", () => {
    expect(sync().created).toEqual(["01-a.ipynb", "02-b.ipynb"]);
    expect(sources("01-a.ipynb")).toEqual(["exercise()"]);
    const again = sync();
    expect(again).toEqual({ created: [], refreshed: [], offered: [], corrupt: [] });
    expect(describeSync(again, "workspace")).toEqual([]);
  });

  test("the real lab: its workspace copy has none of the tutorial's solution cells", () => {
    const tutorials = path.join(PROJECT_ROOT, "notebooks");
    syncWorkspace({ tutorials, workspace });
    const tagged = (nb: NotebookJson) => nb.cells.filter((c) => c.metadata.tags?.includes("solution")).length;
    const lab = readdirSync(tutorials).find((f) => f.startsWith("08"))!;
    expect(tagged(JSON.parse(readFileSync(path.join(tutorials, lab), "utf8")) as NotebookJson)).toBeGreaterThan(0);
    expect(tagged(JSON.parse(read(lab)) as NotebookJson)).toBe(0);
  });

  test("a changed tutorial: the student's edited copy stays byte for byte, the new version goes beside it, once", () => {
    sync();
    const edited = read("01-a.ipynb").replace("exercise()", "myAnswer()");
    writeFileSync(path.join(workspace, "01-a.ipynb"), edited);
    write(path.join(tutorials, "01-a.ipynb"), tutorial(code("exercise(2)"), code("answer(2)", ["solution"])));
    const report = sync(day2);
    expect(report.offered).toEqual([{ notebook: "01-a.ipynb", newVersion: "01-a.updated-2026-12-09.ipynb" }]);
    expect(read("01-a.ipynb")).toBe(edited);
    expect(sources("01-a.updated-2026-12-09.ipynb")).toEqual(["exercise(2)"]);
    expect(describeSync(report, "workspace")[0]).toMatch(/01-a.ipynb changed since your copy was made\. Your copy is untouched; the new version is beside it as 01-a\.updated-2026-12-09\.ipynb/);
    expect(sync(day2).offered).toEqual([]); // said once
  });

  test("a name the student already uses for something else is never overwritten: the new version takes -2", () => {
    sync();
    writeFileSync(path.join(workspace, "01-a.ipynb"), read("01-a.ipynb").replace("exercise()", "mine()"));
    writeFileSync(path.join(workspace, "01-a.updated-2026-12-09.ipynb"), "my own notes");
    write(path.join(tutorials, "01-a.ipynb"), tutorial(code("exercise(2)")));
    expect(sync(day2).offered[0].newVersion).toBe("01-a.updated-2026-12-09-2.ipynb");
    expect(read("01-a.updated-2026-12-09.ipynb")).toBe("my own notes");
  });

  test("a copy the student never changed is brought up to date in place", () => {
    sync();
    write(path.join(tutorials, "02-b.ipynb"), tutorial(code("b(2)")));
    const report = sync(day2);
    expect(report.refreshed).toEqual(["02-b.ipynb"]);
    expect(sources("02-b.ipynb")).toEqual(["b(2)"]);
    expect(readdirSync(workspace).filter((f) => f.includes("updated"))).toEqual([]);
  });

  test("a copy the student deleted is made again; a new tutorial gets its copy", () => {
    sync();
    unlinkSync(path.join(workspace, "02-b.ipynb"));
    write(path.join(tutorials, "03-c.ipynb"), tutorial(code("c()")));
    expect(sync().created).toEqual(["02-b.ipynb", "03-c.ipynb"]);
  });

  test("a corrupt copy is reported by name and left as it is", () => {
    sync();
    writeFileSync(path.join(workspace, "01-a.ipynb"), '{"cells": [ half a notebook');
    write(path.join(tutorials, "01-a.ipynb"), tutorial(code("exercise(2)")));
    const report = sync(day2);
    expect(report.corrupt.map((c) => c.notebook)).toEqual(["01-a.ipynb"]);
    expect(read("01-a.ipynb")).toBe('{"cells": [ half a notebook');
    expect(describeSync(report, "workspace")[0]).toMatch(/01-a\.ipynb is not a valid notebook .* left as it is\. .*npm run reset -- 01-a/);
    expect(readdirSync(workspace).filter((f) => f.includes("updated"))).toEqual([]);
  });

  test("a workspace that cannot be made or written is a WorkspaceError naming the folder, not a crash", () => {
    const blocker = path.join(tmp, "a-file");
    writeFileSync(blocker, "");
    expect(() => syncWorkspace({ tutorials, workspace: path.join(blocker, "ws") })).toThrow(WorkspaceError);
    expect(() => syncWorkspace({ tutorials, workspace: path.join(blocker, "ws") })).toThrow(/cannot use .*a-file\/ws as the workspace \(ENOTDIR\)/);
    if (process.getuid?.() !== 0) {
      // (root may write anywhere: the read-only case is only checkable as another user)
      const readOnly = path.join(tmp, "ro");
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o555);
      expect(() => syncWorkspace({ tutorials, workspace: readOnly })).toThrow(/EACCES/);
    }
  });
});

describe("resetNotebook", () => {
  test("keeps the student's version as a backup and starts the notebook over; the next sync offers nothing", () => {
    sync();
    const mine = read("01-a.ipynb").replace("exercise()", "myWork()");
    writeFileSync(path.join(workspace, "01-a.ipynb"), mine);
    write(path.join(tutorials, "01-a.ipynb"), tutorial(code("exercise(2)")));
    const { notebook, backup } = resetNotebook(path.join(tutorials, "01-a.ipynb"), { tutorials, workspace, now: day2 });
    expect([notebook, backup]).toEqual(["01-a.ipynb", "01-a.backup-20261209-083015.ipynb"]);
    expect(read(backup!)).toBe(mine);
    expect(sources("01-a.ipynb")).toEqual(["exercise(2)"]);
    expect(sync(day2)).toEqual({ created: [], refreshed: [], offered: [], corrupt: [] });
    // twice in the same second: the first backup is kept, the second gets its own name
    expect(resetNotebook(path.join(tutorials, "01-a.ipynb"), { tutorials, workspace, now: day2 }).backup).toBe("01-a.backup-20261209-083015-2.ipynb");
    expect(read("01-a.backup-20261209-083015.ipynb")).toBe(mine);
  });
});

describe("npm run reset", () => {
  test("takes a part of a tutorial's name; an unknown name lists the tutorials and exits 2", () => {
    const ws = path.join(tmp, "ws");
    const run = (...args: string[]) =>
      spawnSync("npm", ["run", "-s", "reset", "--", ...args, "--workspace", ws], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 });
    const ok = run("start-here");
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/00-start-here\.ipynb starts over from its tutorial/);
    expect(existsSync(path.join(ws, "00-start-here.ipynb"))).toBe(true);
    const bad = run("no-such-tutorial");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/reset no-such-tutorial: no such file and no notebook name contains it[\s\S]*00-start-here/);
  }, 60_000);
});
