import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../../src/notebook/execute";
import { editionNotebook, inEdition } from "../../src/export/edition";
import type { NotebookCell, NotebookJson } from "../../src/notebook/types";

const code = (source: string, tags?: string[]): NotebookCell => ({
  cell_type: "code",
  metadata: tags ? { tags } : {},
  source,
  outputs: [{ output_type: "stream", name: "stdout", text: "ran\n" }],
  execution_count: 3,
});
const lab: NotebookJson = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: "markdown", metadata: {}, source: "# Lab" },
    code("exercise()"),
    code("answer()", ["solution"]),
    code("authorsOnly()", ["remove-cell"]),
    code("shownOutput()", ["hide-input"]),
  ],
};

describe("editions of a notebook", () => {
  test("the student edition drops solution and remove-cell cells; the instructor's drops only remove-cell", () => {
    const sources = (nb: NotebookJson) => nb.cells.map((c) => c.source);
    expect(sources(editionNotebook(lab, "student"))).toEqual(["# Lab", "exercise()", "shownOutput()"]);
    expect(sources(editionNotebook(lab, "instructor"))).toEqual(["# Lab", "exercise()", "answer()", "shownOutput()"]);
    expect(inEdition(lab.cells[2], "student")).toBe(false);
    expect(inEdition(lab.cells[2], "instructor")).toBe(true);
  });

  test("outputs and counts are cleared, tags kept, and the input notebook is left as it was", () => {
    const before = JSON.stringify(lab);
    const student = editionNotebook(lab, "instructor");
    for (const c of student.cells) if (c.cell_type === "code") expect([c.outputs, c.execution_count]).toEqual([[], null]);
    expect(student.cells[2].metadata.tags).toEqual(["solution"]);
    expect(JSON.stringify(lab)).toBe(before);
  });
});

describe("the lab's editions", () => {
  test("08: the student edition has none of its solution cells, the instructor edition has them all", () => {
    const lab = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "notebooks", "08-lab.ipynb"), "utf8")) as NotebookJson;
    const solutions = (nb: NotebookJson) => nb.cells.filter((c) => c.metadata.tags?.includes("solution")).map((c) => c.id);
    expect(solutions(lab).length).toBeGreaterThanOrEqual(3);
    expect(solutions(editionNotebook(lab, "student"))).toEqual([]);
    expect(solutions(editionNotebook(lab, "instructor"))).toEqual(solutions(lab));
  });
});
