// End to end: the real `npm run handouts` command executes notebooks through the project kernel. One run
// covers a notebook that fails (first) and a small chart notebook (after it), to keep the test to two kernels.
// Both notebooks are written here, so the test does not depend on the tutorials.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM } from "../../src/export/browser";
import { PROJECT_KERNEL, PROJECT_ROOT, type NotebookJson } from "../../src/notebook/index";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe("npm run handouts", () => {
  const out = mkdtempSync(path.join(tmpdir(), "eg-handouts-cli-"));
  const broken = path.join(out, "broken.ipynb");
  const good = path.join(out, "e2e-chart.ipynb");
  const previous = path.join(out, "broken.html");
  let run: Run;

  beforeAll(() => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'bash src/setup/setup.sh'`);
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: PROJECT_KERNEL, display_name: "TypeScript (exploding-gradients)", language: "typescript" } },
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# Broken" },
        { cell_type: "code", metadata: {}, source: "const fine = 1;", outputs: [], execution_count: null },
        { cell_type: "code", metadata: {}, source: 'throw new Error("boom in cell three");', outputs: [], execution_count: null },
      ],
    };
    writeFileSync(broken, JSON.stringify(nb));
    const chart: NotebookJson = {
      ...nb,
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# End-to-end chart\n\nThe norm $0.9^k$ shrinks.\n\n## Run" },
        {
          cell_type: "code",
          metadata: {},
          outputs: [],
          execution_count: null,
          source: [
            'import { lineChart, show } from "./src/charts/index";\n',
            "const k = [0, 1, 2, 3, 4, 5];\n",
            'await show(lineChart({ title: "0.9^k", series: [{ name: "0.9^k", x: k, y: k.map((i) => 0.9 ** i) }], logY: true }));',
          ],
        },
        { cell_type: "code", metadata: { tags: ["solution"] }, outputs: [], execution_count: null, source: 'console.log("SOLUTION-MARKER", 0.9 ** 5);' },
      ],
    };
    writeFileSync(good, JSON.stringify(chart));
    writeFileSync(previous, "previous handout");
    const args = ["run", "--silent", "handouts", "--", "--notebook", broken, "--notebook", good, "--edition", "both", "--slides", "--out", out];
    const r = spawnSync("npm", args, { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 170_000 });
    run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }, 180_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("a failing cell: notebook, cell and message reported, previous handout kept, exit code 1", () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toContain(`FAILED ${path.relative(PROJECT_ROOT, broken)}`);
    expect(run.stdout).toMatch(/cell 3 \(code cell 2;[^\n]*: stderr: [\s\S]*boom in cell three/);
    expect(run.stderr).toContain("1 of 2 notebook(s) FAILED");
    expect(readFileSync(previous, "utf8")).toBe("previous handout");
    for (const name of ["broken.pdf", "broken.instructor.html", "broken.instructor.pdf", "broken.student.ipynb", "broken.slides.html", "broken.slides.pdf"]) expect(existsSync(path.join(out, name)), name).toBe(false);
    expect(readdirSync(out).filter((f) => f.includes(".tmp-")), "temporary files left").toEqual([]);
  });

  test("the next notebook still gets both editions (HTML + PDF + notebook), with progress per cell, and the index links them", () => {
    expect(run.stdout).toContain(`[2/2] ${path.relative(PROJECT_ROOT, good)}`);
    expect(run.stdout).toMatch(/cell 2 \(code 1\/2\)/);
    expect(run.stdout).toMatch(/cell 3 \(code 2\/2\)/);
    for (const name of ["e2e-chart.html", "e2e-chart.pdf", "e2e-chart.instructor.html", "e2e-chart.instructor.pdf", "index.html"]) {
      expect(existsSync(path.join(out, name)), name).toBe(true);
      expect(statSync(path.join(out, name)).size, name).toBeGreaterThan(1000);
    }
    const student = readFileSync(path.join(out, "e2e-chart.html"), "utf8");
    expect(student).toContain("<title>End-to-end chart</title>");
    expect(student).toMatch(/<figure class="output chart"[^>]*><div class="chart-static"><svg[\s\S]*class="mark-line role-mark/);
    expect(student).toContain('class="katex"');
    expect(student).not.toContain("SOLUTION-MARKER");
    const instructor = readFileSync(path.join(out, "e2e-chart.instructor.html"), "utf8");
    expect(instructor).toContain("SOLUTION-MARKER 0.5904900000000001"); // executed: its stdout is there
    expect(readFileSync(path.join(out, "e2e-chart.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
    const index = readFileSync(path.join(out, "index.html"), "utf8");
    for (const link of ["e2e-chart.html", "e2e-chart.pdf", "e2e-chart.student.ipynb", "e2e-chart.instructor.html", "e2e-chart.instructor.pdf", "e2e-chart.instructor.ipynb"]) {
      expect(index).toContain(`href="${link}"`);
    }
    expect(index).toContain("End-to-end chart");
  });

  test("--slides: each edition's deck (HTML + PDF), logged with its slide count, linked from the index", () => {
    expect(run.stdout).toMatch(/student slides: 2 slides \(one per ## heading\), \d+ after fitting/);
    expect(run.stdout).toMatch(/instructor slides: 2 slides/);
    for (const name of ["e2e-chart.slides.html", "e2e-chart.slides.pdf", "e2e-chart.instructor.slides.html", "e2e-chart.instructor.slides.pdf"]) {
      expect(existsSync(path.join(out, name)), name).toBe(true);
    }
    const deck = readFileSync(path.join(out, "e2e-chart.slides.html"), "utf8");
    expect(deck).toContain('<script data-lib="reveal.js 6.0.2">');
    // The "## Run" heading at the end of the first cell starts the second slide, with the chart cell.
    expect(deck).toMatch(/<section class="title-slide" data-cells="1">[\s\S]*<section data-cells="1,2"><div class="slide-body"><div class="cell markdown"[^>]*><h2>Run<\/h2>/);
    expect(deck).not.toContain("SOLUTION-MARKER");
    expect(readFileSync(path.join(out, "e2e-chart.instructor.slides.html"), "utf8")).toContain("SOLUTION-MARKER");
    const index = readFileSync(path.join(out, "index.html"), "utf8");
    expect(index).toContain('href="e2e-chart.slides.html">slides</a>');
    expect(index).toContain('href="e2e-chart.instructor.slides.pdf">instructor slides PDF</a>');
    // A deck is not listed again as a handout of its own.
    expect(index.split('href="e2e-chart.slides.html"')).toHaveLength(2);
  });

  test("the .ipynb editions: the student's without the solution cell, the instructor's with it, both without outputs", () => {
    const student = JSON.parse(readFileSync(path.join(out, "e2e-chart.student.ipynb"), "utf8")) as NotebookJson;
    const instructor = JSON.parse(readFileSync(path.join(out, "e2e-chart.instructor.ipynb"), "utf8")) as NotebookJson;
    const solutions = (nb: NotebookJson) => nb.cells.filter((c) => JSON.stringify(c.source).includes("SOLUTION-MARKER")).length;
    expect(solutions(student)).toBe(0);
    expect(solutions(instructor)).toBe(1);
    expect(student.cells).toHaveLength(2);
    // The source notebook (written into the same folder by this test) is untouched: it still has its solution.
    expect(solutions(JSON.parse(readFileSync(good, "utf8")) as NotebookJson)).toBe(1);
    for (const nb of [student, instructor]) {
      expect(nb.metadata.kernelspec?.name).toBe(PROJECT_KERNEL);
      for (const c of nb.cells) if (c.cell_type === "code") expect([c.outputs, c.execution_count]).toEqual([[], null]);
    }
  });

  test("a bad argument prints the usage and exits 2 without running anything", () => {
    const r = spawnSync("npx", ["ts-node", "--transpile-only", "src/export/handouts.ts", "--edition", "teacher"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--edition: expected student, instructor or both, got "teacher"');
    expect(r.stderr).toContain("Usage: npm run handouts");
  }, 60_000);
});
