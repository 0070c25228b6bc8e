/**
 * Editions of a notebook, decided by cell tags: the student edition leaves out cells tagged `solution`, the
 * instructor edition keeps them; both leave out `remove-cell`. The handouts (HTML, PDF), the `.ipynb` editions for
 * lecturers and the students' workspace copies all choose their cells here.
 */
import type { NotebookCell, NotebookJson } from "../notebook/types";

/** Student handouts leave out cells tagged `solution`; instructor handouts keep (and mark) them. */
export type Edition = "student" | "instructor";

/** Cell tags the exporter understands (set them in JupyterLab: the property inspector's "Cell Tags"). */
export const TAGS = {
  /** Exercise solution: omitted, with its outputs, from the student edition. */
  solution: "solution",
  /** Show only the cell's outputs. */
  hideInput: "hide-input",
  /** Show only the cell's source. */
  hideOutput: "hide-output",
  /** Leave the cell out of every handout. */
  removeCell: "remove-cell",
} as const;

/** The cell's tags (metadata.tags), strings only. */
export function tagsOf(cell: NotebookCell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** Whether `cell` belongs to `edition`: not `remove-cell`, and not `solution` in the student edition. */
export function inEdition(cell: NotebookCell, edition: Edition): boolean {
  const tags = tagsOf(cell);
  return !tags.includes(TAGS.removeCell) && !(edition === "student" && tags.includes(TAGS.solution));
}

/**
 * The notebook as `edition` hands it out to run: only that edition's cells, every output cleared. The input is
 * not changed.
 * @example editionNotebook(lab, "student").cells.some((c) => tagsOf(c).includes("solution")) === false
 */
export function editionNotebook(notebook: NotebookJson, edition: Edition): NotebookJson {
  const cells = notebook.cells
    .filter((cell) => inEdition(cell, edition))
    .map((cell): NotebookCell => (cell.cell_type === "code" ? { ...cell, outputs: [], execution_count: null } : { ...cell }));
  return { ...notebook, cells };
}
