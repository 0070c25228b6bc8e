// The instructor edition's solutions pass the checks: notebook 08's instructor edition, with the check calls that
// the lab should carry (the wiring proposed for issue 16) added after each solution cell, runs in the project
// kernel and prints ✓, never ✗, for every check. Slow (the lab's training runs, plus the reruns exercise 3's
// check makes): run it on its own, `npx vitest run tests/check/lab-edition.test.ts`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { editionNotebook } from "../../src/export/edition";
import { executeNotebook, formatFailures, joinText, PROJECT_ROOT, type NotebookCell, type NotebookJson } from "../../src/notebook/index";

/** The check cells, keyed by the id of the solution cell they follow (the same text as the wiring in the report). */
const LAB_CHECKS: { [after: string]: string } = {
  imports: `import { check } from "./src/index";`,
  "ex1-solution": [
    `const observed1 = rowsSgd[1].history.map((s) => s.gradNorm);`,
    `check.clipping.observedNorms(observed1, rowsSgd[1]);`,
    `for (const eta of [band.lo, band.hi]) check.clipping.threshold(eta, observed1);`,
  ].join("\n"),
  "ex2-solution": `check.spectra.orthogonal(ortho().recurrent());`,
  "ex3-solution": [
    `const runAt = (name: string) => (T: number) => compareConfigs(`,
    `  labConfigs(temporalOrder, adam).filter((c) => c.name === name),`,
    `  { ...common, task: temporalOrder, T, evalSet: temporalOrder.generate(createRng(7), 500, T) })[0];`,
    `for (const n of names3) check.lab.shortestFailingT(firstFailure.get(n) ?? NaN, runAt(n));`,
  ].join("\n"),
};

const code = (id: string, source: string): NotebookCell =>
  ({ cell_type: "code", id, metadata: {}, outputs: [], execution_count: null, source }) as NotebookCell;

describe("notebook 08's instructor edition passes the checks", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-lab-checks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints ✓ for every check after its solution cell, and no ✗", async () => {
    const lab = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "notebooks", "08-lab.ipynb"), "utf8")) as NotebookJson;
    const instructor = editionNotebook(lab, "instructor");
    const ids = instructor.cells.map((c) => (c as { id?: string }).id);
    for (const after of Object.keys(LAB_CHECKS)) expect(ids, `notebook 08 has no cell with id "${after}"`).toContain(after);
    // Once the lab carries these cells itself (ids check-imports, check-ex1-solution, …), run its own.
    const wired = new Set(ids.filter((id) => id?.startsWith("check-")));
    const cells = instructor.cells.flatMap((c) => {
      const id = (c as { id?: string }).id ?? "";
      return id in LAB_CHECKS && !wired.has(`check-${id}`) ? [c, code(`check-${id}`, LAB_CHECKS[id])] : [c];
    });
    const file = path.join(dir, "08-lab.instructor-checks.ipynb");
    writeFileSync(file, JSON.stringify({ ...instructor, cells }, null, 1));

    const { notebook, failures } = await executeNotebook(file, { timeoutSec: 400 });
    if (failures.length > 0) throw new Error(`notebook failed:\n${formatFailures(failures)}`);
    const lines = notebook.cells
      .filter((c) => ((c as { id?: string }).id ?? "").startsWith("check-ex"))
      .flatMap((c) => (c.cell_type === "code" ? c.outputs : []))
      .flatMap((o) => (o.output_type === "stream" ? joinText(o.text).split("\n") : []))
      .filter((l) => l.startsWith("✓") || l.startsWith("✗"));
    // ex1: observed norms + two thresholds; ex2: orthogonal; ex3: one per model (clipped, IRNN).
    expect(lines.filter((l) => l.startsWith("✗")), lines.join("\n")).toEqual([]);
    expect(lines.length, lines.join("\n")).toBe(6);
  }, 500_000);
});
