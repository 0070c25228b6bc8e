// Every tutorial notebook must run top to bottom in the real project kernel with no stderr or error output.
// tslab reports compile and runtime errors only as stderr text, so "ran" means "wrote nothing to stderr".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  executeNotebook,
  formatFailures,
  joinText,
  listNotebooks,
  PROJECT_KERNEL,
  PROJECT_ROOT,
  type NotebookCell,
  type NotebookJson,
} from "../src/notebook";
import { claimFailures, notebookClaims, storedCellFailures, withClaimProbes } from "../src/prose/claims";
import { editionNotebook, inEdition } from "../src/export/edition";
import { check } from "../src/index";
import { checkCalls, checkVerdicts, EXERCISE_NOTEBOOK, isCheckCell } from "./check/check-cells";

/** Budget per notebook: kernel start (~3 s) plus the cells; tutorials should stay well inside it. */
const NOTEBOOK_TIMEOUT_SEC = 60;
/** Longest code line a notebook may hold: what JupyterLab shows at 1280 px without cutting it off. */
const MAX_CODE_LINE = 100;

const notebooks = listNotebooks();
const exerciseNotebooks = notebooks.filter((f) => EXERCISE_NOTEBOOK.test(path.basename(f)));

function readNotebook(file: string): NotebookJson {
  return JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
}

describe("notebooks/ as stored", () => {
  test("there is at least one notebook", () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  test.each(notebooks.map((f) => [path.basename(f), f]))("%s has no outputs and uses the project kernel", (_name, file) => {
    const nb = readNotebook(file);
    expect(nb.metadata.kernelspec?.name, "kernelspec name (pick 'TypeScript (exploding-gradients)')").toBe(PROJECT_KERNEL);
    expect(nb.metadata.kernelspec?.language).toBe("typescript");
    // Outputs belong to executed copies (tests, handouts); stored notebooks stay diffable.
    const withOutputs = nb.cells
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.cell_type === "code" && (c.outputs.length > 0 || c.execution_count !== null))
      .map(({ i }) => i + 1);
    expect(withOutputs, "cells (1-based, all cells) stored with outputs: clear outputs before committing").toEqual([]);
  });

  test.each(notebooks.map((f) => [path.basename(f), f]))(`%s: code lines are at most ${MAX_CODE_LINE} characters`, (_name, file) => {
    // JupyterLab shows about 100 characters of a code line at 1280 px; longer lines are cut off or wrapped badly.
    const long = readNotebook(file).cells.flatMap((c, i) =>
      c.cell_type !== "code"
        ? []
        : joinText(c.source)
            .split("\n")
            .flatMap((line, k) => {
              const n = [...line].length; // characters as shown, not UTF-16 units ("‖", "₁" are one each)
              return n > MAX_CODE_LINE ? [`cell ${i + 1}${c.id ? ` ("${c.id}")` : ""}, line ${k + 1}: ${n} characters: ${line.slice(0, 50)}…`] : [];
            }),
    );
    expect(long, `code lines over ${MAX_CODE_LINE} characters: break them (imports one group per line)`).toEqual([]);
  });

  test("the tutorials 00–07 and the lab 08 are all there to carry exercise checks", () => {
    expect(exerciseNotebooks.map((f) => path.basename(f).slice(0, 3))).toEqual(["00-", "01-", "02-", "03-", "04-", "05-", "06-", "07-", "08-"]);
  });

  test.each(exerciseNotebooks.map((f) => [path.basename(f), f]))("%s: its exercises answer back (check cells in both editions)", (_name, file) => {
    // Issue 16: a student calls a check on their answer. The run below requires ✓ from every check cell here, and
    // tests/check/editions.test.ts hints (✗) from the student edition, where the starters' placeholders stand.
    const nb = readNotebook(file);
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => ({ id: c.id ?? "", source: joinText(c.source) }));
    expect(code.some((c) => /import\s*\{[^}]*\bcheck\b[^}]*\}\s*from\s*["'][^"']+["']/.test(c.source)), "`check` is not imported").toBe(true);
    const checkCells = nb.cells.filter(isCheckCell);
    expect(checkCells.length, "no check cell (a code cell whose id is check or check-…)").toBeGreaterThan(0);
    const groups: { [concept: string]: { [exercise: string]: unknown } } = check;
    for (const c of checkCells) {
      expect(inEdition(c, "student") && inEdition(c, "instructor"), `check cell "${c.id}" is left out of an edition`).toBe(true);
      const calls = checkCalls(joinText(c.source));
      expect(calls.length, `check cell "${c.id}" calls no check.<concept>.<exercise>(…)`).toBeGreaterThan(0);
      for (const k of calls) expect(typeof groups[k.split(".")[0]]?.[k.split(".")[1]], `check.${k} (cell "${c.id}")`).toBe("function");
    }
    const elsewhere = nb.cells.filter((c) => c.cell_type === "code" && checkCalls(joinText(c.source)).length > 0 && !isCheckCell(c)).map((c) => c.id);
    expect(elsewhere, "cells that call a check but are not check cells (id check or check-…), whose verdicts no test reads").toEqual([]);
    // What the notebook run below executes is the instructor edition, cell for cell.
    expect(editionNotebook(nb, "instructor").cells.length).toBe(nb.cells.length);
  });

  test.each(notebooks.map((f) => [path.basename(f), f]))("%s: every claim in metadata.claims is well formed", (_name, file) => {
    // Checked again against the outputs when the notebook runs (below); this part needs no kernel.
    expect(notebookClaims(readNotebook(file)).problems).toEqual([]);
  });
});

/**
 * Runs a notebook with probe cells for its prose's claims (src/prose/claims.ts), from a copy in `dir`; reports name
 * the stored notebook's file and cells. Returns the executed copy and every failure: cells that wrote to stderr,
 * then claims the outputs do not bear out.
 */
async function executeWithClaims(file: string, dir: string): Promise<{ notebook: NotebookJson; failures: string[] }> {
  const rel = path.relative(process.cwd(), file);
  const stored = readNotebook(file);
  const probed = withClaimProbes(stored);
  const copy = path.join(dir, `with-claims-${path.basename(file)}`);
  writeFileSync(copy, JSON.stringify(probed.notebook, null, 1));
  const { notebook, failures } = await executeNotebook(copy, { timeoutSec: NOTEBOOK_TIMEOUT_SEC });
  const cells = storedCellFailures(rel, stored, probed, failures);
  return { notebook, failures: [...(cells.length > 0 ? [`notebook failed:\n${cells.join("\n\n")}`] : []), ...claimFailures(rel, stored, notebook)] };
}

/**
 * What in an output's MIME bundle would make a front end fetch something when it draws it: a Vega-Lite `url`
 * (data, image marks, fonts), any string that is a remote or file URL, an `href`/`src` to one in SVG or HTML.
 */
function remoteReferences(value: unknown, where: string): string[] {
  if (typeof value === "string") {
    const urls = value.match(/(?:\b(?:href|src)\s*=\s*["']?|url\(\s*["']?|^)(?:https?:|ftp:|file:|\/\/)[^\s"')>]*/gi) ?? [];
    return urls.map((u) => `${where}: ${u}`);
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => remoteReferences(v, `${where}[${i}]`));
  if (value && typeof value === "object") {
    // `$schema` names the Vega-Lite version; renderers read it, they do not fetch it.
    return Object.entries(value).flatMap(([k, v]) =>
      k === "url" ? [`${where}.url: ${JSON.stringify(v)}`] : k === "$schema" ? [] : remoteReferences(v, `${where}.${k}`),
    );
  }
  return [];
}

describe("the remote-reference check", () => {
  test("finds data URLs, image marks' URLs and remote hrefs, and passes inline data", () => {
    expect(remoteReferences({ data: { url: "data/x.csv" } }, "spec")).toEqual(['spec.data.url: "data/x.csv"']);
    expect(remoteReferences({ mark: "image", encoding: { url: { value: "https://x.org/a.png" } } }, "s")).toHaveLength(1);
    expect(remoteReferences('<svg><image href="https://x.org/a.png"/></svg>', "svg")).toEqual(['svg: href="https://x.org/a.png']);
    expect(remoteReferences({ data: { values: [{ x: 1, label: "see http in text" }] }, "image/svg+xml": "<svg/>" }, "ok")).toEqual([]);
    expect(remoteReferences({ $schema: "https://vega.github.io/schema/vega-lite/v5.json" }, "ok")).toEqual([]);
  });
});

describe("notebooks/ execute cleanly in the project kernel, and their prose agrees with the outputs", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-notebook-claims-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(notebooks.map((f) => [path.basename(f), f]))(
    "%s",
    async (_name, file) => {
      const { notebook, failures } = await executeWithClaims(file, dir);
      if (failures.length > 0) throw new Error(failures.join("\n"));
      // The instructor edition's answers (the solution cells) pass every check after them.
      const verdicts = checkVerdicts(notebook);
      for (const v of verdicts) expect(v.lines, `check cell "${v.id}" printed no ✓ or ✗ line`).not.toEqual([]);
      const notPassed = verdicts.flatMap((v) => v.lines.filter((l) => !l.startsWith("✓")).map((l) => `${v.id}: ${l}`));
      expect(notPassed, "checks that the instructor edition's answers do not pass").toEqual([]);
      // Opening the executed notebook fetches nothing: every chart carries its data and draws no remote image.
      const refs = notebook.cells.flatMap((c, i) =>
        (c.cell_type === "code" ? c.outputs : []).flatMap((o) => ("data" in o && o.data ? remoteReferences(o.data, `cell ${i + 1}`) : [])),
      );
      expect(refs, "outputs that would make the front end fetch something").toEqual([]);
    },
    (NOTEBOOK_TIMEOUT_SEC + 30) * 1000,
  );
});

describe("the notebook checker catches failures", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-notebook-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const code = (source: string): NotebookCell => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source });
  const markdown = (source: string): NotebookCell => ({ cell_type: "markdown", metadata: {}, source });
  function writeNotebook(name: string, cells: NotebookCell[]): string {
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: PROJECT_KERNEL, display_name: "TypeScript (exploding-gradients)", language: "typescript" } },
      cells,
    };
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(nb, null, 1));
    return file;
  }

  test("a throwing cell and a type error are reported with notebook, cell and message", async () => {
    const file = writeNotebook("broken.ipynb", [
      markdown("# A broken notebook"),
      code('import { kernelProbe } from "./src/setup/kernel-probe";\nconsole.log(kernelProbe());'),
      code('throw new Error("boom from cell three");'),
      markdown("Type errors are compile errors: tslab prints them to stderr."),
      code('const n: number = "not a number";'),
      code('console.log("still runs");'),
    ]);
    const progress: string[] = [];
    const { notebook, failures } = await executeNotebook(file, {
      timeoutSec: NOTEBOOK_TIMEOUT_SEC,
      onCell: (p) => progress.push(`${p.codeCellNumber}/${p.codeCells} ${p.phase}`),
    });

    // The import from ./src works although the notebook lives in a temp dir: the kernel runs in the project root.
    const probe = notebook.cells[1];
    expect(probe?.cell_type === "code" && probe.outputs.map((o) => (o.output_type === "stream" ? joinText(o.text) : "")).join("")).toContain(
      `root ${PROJECT_ROOT}`,
    );

    expect(failures.map((f) => [f.cellNumber, f.codeCellNumber, f.kind])).toEqual([
      [3, 2, "stderr"],
      [5, 3, "stderr"],
    ]);
    expect(failures[0]?.message).toContain("boom from cell three");
    expect(failures[1]?.message).toContain("Type 'string' is not assignable to type 'number'");
    const report = formatFailures(failures);
    expect(report).toContain(`${file}, cell 3 (code cell 2;`);
    expect(report).toContain(`${file}, cell 5 (code cell 3;`);

    // Cells after a failure still run (the runner waits out tslab's post-error abort window).
    const last = notebook.cells[5];
    expect(last?.cell_type === "code" && last.outputs.map((o) => (o.output_type === "stream" ? joinText(o.text) : "")).join("")).toBe(
      "still runs\n",
    );
    expect(progress).toEqual(["1/4 start", "1/4 done", "2/4 start", "2/4 done", "3/4 start", "3/4 done", "4/4 start", "4/4 done"]);
  }, 90_000);

  test("prose whose numbers or comparisons the outputs do not bear out fails, naming the cell, the prose and both values", async () => {
    const file = writeNotebook("claims.ipynb", [
      code("const norms = [0.094, 0.44, 7.975];"),
      {
        ...markdown("Five steps with norms 0.09–0.44, then a wall at about 9, the largest by far."),
        id: "after-run",
        metadata: {
          claims: [
            { text: "0.09–0.44", value: "[norms[0], norms[1]]" },
            { text: "about 9", value: "norms[2]" },
            { text: "the largest by far", check: "norms[2] > 10 * norms[1]" },
            { text: "Five steps", check: "norms.length === 5" },
          ],
        },
      },
      { ...markdown("A claim on nothing."), id: "broken", metadata: { claims: [{ text: "nothing", check: "nothingDefined > 0" }] } },
      code('console.log("still runs");'),
    ]);
    const rel = path.relative(process.cwd(), file);
    const { notebook, failures } = await executeWithClaims(file, dir);
    expect(failures).toEqual([
      expect.stringMatching(/^notebook failed:\n.*the claims of markdown cell 3 \("broken"\), evaluated after cell 1: stderr: .*Cannot find name 'nothingDefined'/s),
      `${rel}, cell 2 ("after-run"), claim "about 9": the prose says 9 vs computed 7.975 (rounds to 9 only within ±0.5)`,
      `${rel}, cell 2 ("after-run"), claim "Five steps": check \`norms.length === 5\` gave false, not true`,
      `${rel}, cell 3 ("broken"), claim "nothing": not evaluated (its probe, after cell 1, failed: see above)`,
    ]);
    // A claim that does not compile fails its own probe only: the notebook's cells and the other claims still ran.
    const last = notebook.cells[notebook.cells.length - 1];
    expect(last?.cell_type === "code" && last.outputs.map((o) => (o.output_type === "stream" ? joinText(o.text) : "")).join("")).toBe("still runs\n");
  }, 90_000);

  test("a cell that never finishes fails as a timeout of that cell", async () => {
    const file = writeNotebook("hangs.ipynb", [code("const a = 1;"), code("while (true) {}"), code('console.log("unreached");')]);
    const started = Date.now();
    const { failures } = await executeNotebook(file, { timeoutSec: 10 });
    expect(failures.map((f) => [f.cellNumber, f.kind])).toEqual([[2, "timeout"]]);
    expect((Date.now() - started) / 1000).toBeLessThan(30);
  }, 60_000);

  test("a budget past what a Node timer can hold is refused with the allowed range, before any kernel starts", () => {
    const file = writeNotebook("budget.ipynb", [code("const a = 1;")]);
    const range = /options\.timeoutSec: expected a number of seconds in \(0, 2147463\]/;
    for (const bad of [Infinity, 3_000_000, 0, NaN]) {
      expect(() => executeNotebook(file, { timeoutSec: bad })).toThrow(range);
    }
  });
});
