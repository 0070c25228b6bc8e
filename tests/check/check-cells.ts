// The notebooks' check cells (issue 16, "exercises that answer back"): where they are and what they printed. Shared
// by tests/notebooks.test.ts (stored notebooks, which hold the instructor edition) and tests/check/editions.test.ts.
import { joinText, type CodeCell, type NotebookJson } from "../../src/notebook/index";

/** Notebooks whose exercises answer back: the tutorials 00–07 ("Things to try") and the lab, 08. */
export const EXERCISE_NOTEBOOK = /^0[0-8]-.*\.ipynb$/;

/** A check cell is a code cell whose id is `check` or starts with `check-` (e.g. `check-ex1`). */
export function isCheckCell(cell: { cell_type: string; id?: string }): cell is CodeCell {
  return cell.cell_type === "code" && /^check(-|$)/.test(cell.id ?? "");
}

/** The calls `check.<concept>.<exercise>(` in a cell's source, as "concept.exercise". */
export function checkCalls(source: string): string[] {
  return [...source.matchAll(/\bcheck\.(\w+)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`);
}

/** Per check cell of an executed notebook: its id and the lines it printed that start with ✓ or ✗. */
export function checkVerdicts(executed: NotebookJson): { id: string; lines: string[] }[] {
  return executed.cells.filter(isCheckCell).map((c) => ({
    id: c.id ?? "",
    lines: c.outputs
      .flatMap((o) => (o.output_type === "stream" && o.name === "stdout" ? joinText(o.text).split("\n") : []))
      .filter((l) => l.startsWith("✓") || l.startsWith("✗")),
  }));
}
