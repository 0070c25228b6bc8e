// The student edition of every notebook with exercises (00–08) runs cleanly in the project kernel, and its check
// cells answer the starters' placeholders with hints: ✗ lines, never an error and never ✓ (a placeholder that
// passed would give the answer away). The instructor edition is what tests/notebooks.test.ts runs (the stored
// notebooks), and there every check must print ✓. One kernel run per notebook, as there: about 2–3 minutes in all.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { editionNotebook, tagsOf } from "../../src/export/edition";
import { executeNotebook, formatFailures, listNotebooks, type NotebookJson } from "../../src/notebook/index";
import { checkVerdicts, EXERCISE_NOTEBOOK } from "./check-cells";

/** The notebook test's budget per notebook. */
const TIMEOUT_SEC = 60;

describe("the student editions: the starters' answers get hints from the checks", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-student-checks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = listNotebooks().filter((f) => EXERCISE_NOTEBOOK.test(path.basename(f)));

  test.each(files.map((f) => [path.basename(f), f]))(
    "%s",
    async (name, file) => {
      const student = editionNotebook(JSON.parse(readFileSync(file, "utf8")) as NotebookJson, "student");
      expect(student.cells.filter((c) => tagsOf(c).includes("solution"))).toEqual([]);
      const copy = path.join(dir, name.replace(/\.ipynb$/, ".student.ipynb"));
      writeFileSync(copy, JSON.stringify(student, null, 1));

      const { notebook, failures } = await executeNotebook(copy, { timeoutSec: TIMEOUT_SEC });
      if (failures.length > 0) throw new Error(`the student edition of ${name} failed:\n${formatFailures(failures)}`);
      const verdicts = checkVerdicts(notebook);
      expect(verdicts, "no check cell ran").not.toEqual([]);
      for (const v of verdicts) expect(v.lines, `check cell "${v.id}" printed no ✓ or ✗ line`).not.toEqual([]);
      const passed = verdicts.flatMap((v) => v.lines.filter((l) => !l.startsWith("✗")).map((l) => `${v.id}: ${l}`));
      expect(passed, "checks that pass on the student edition's placeholders").toEqual([]);
    },
    (TIMEOUT_SEC + 30) * 1000,
  );
});
