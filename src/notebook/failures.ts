import { joinText, type NotebookJson } from "./types";

/** Why a cell counts as failed. tslab reports compile and runtime errors only as stderr text. */
export type FailureKind = "stderr" | "error" | "timeout" | "kernel-died";

/** One failed cell, located both ways a reader may count. */
export interface CellFailure {
  /** The notebook file, as passed to executeNotebook. */
  notebook: string;
  /** 0-based index into `notebook.cells` (all cell types). */
  cellIndex: number;
  /** 1-based position among ALL cells, markdown included (what you count scrolling the notebook). */
  cellNumber: number;
  /** 1-based position among code cells only. */
  codeCellNumber: number;
  kind: FailureKind;
  /** The stderr text, "ename: evalue", or what stopped the run. */
  message: string;
  /** First line of the cell's source, to recognise it. */
  firstLine: string;
}

/** Where a cell sits: its 1-based number among all cells and among code cells. */
export function cellPosition(notebook: NotebookJson, cellIndex: number): { cellNumber: number; codeCellNumber: number } {
  const codeBefore = notebook.cells.slice(0, cellIndex + 1).filter((c) => c.cell_type === "code").length;
  return { cellNumber: cellIndex + 1, codeCellNumber: codeBefore };
}

/** Builds a failure record for cell `cellIndex` of `notebook`. */
export function cellFailure(
  notebookPath: string,
  notebook: NotebookJson,
  cellIndex: number,
  kind: FailureKind,
  message: string,
): CellFailure {
  const cell = notebook.cells[cellIndex];
  const firstLine = cell ? (joinText(cell.source).split("\n")[0] ?? "") : "";
  return { notebook: notebookPath, cellIndex, ...cellPosition(notebook, cellIndex), kind, message: message.trimEnd(), firstLine };
}

/**
 * Every cell of an executed notebook that wrote to stderr or produced an error output.
 * Any stderr counts: tslab prints compile errors ("2:7 - Type 'string' is not assignable …") and uncaught
 * exceptions there, and a tutorial that warns on stderr should be fixed too.
 */
export function findFailures(notebookPath: string, notebook: NotebookJson): CellFailure[] {
  const failures: CellFailure[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== "code") return;
    const stderr = cell.outputs
      .flatMap((o) => (o.output_type === "stream" && o.name === "stderr" ? [joinText(o.text)] : []))
      .join("");
    if (stderr.trim() !== "") failures.push(cellFailure(notebookPath, notebook, cellIndex, "stderr", stderr));
    for (const o of cell.outputs) {
      if (o.output_type === "error") {
        failures.push(cellFailure(notebookPath, notebook, cellIndex, "error", `${o.ename}: ${o.evalue}`));
      }
    }
  });
  return failures;
}

/** One readable paragraph per failure: "notebooks/x.ipynb, cell 4 (code cell 2): stderr: 3:1 - Cannot find name 'y'." */
export function formatFailure(f: CellFailure): string {
  const where = `${f.notebook}, cell ${f.cellNumber} (code cell ${f.codeCellNumber}; cells counted from 1, markdown included)`;
  const message = f.message.length > 2000 ? `${f.message.slice(0, 2000)}\n… (${f.message.length - 2000} more characters)` : f.message;
  return `${where}: ${f.kind}: ${message}\n    in cell starting: ${f.firstLine}`;
}

/** All failures as one message, first failure first (later ones are often its consequences). */
export function formatFailures(failures: readonly CellFailure[]): string {
  return failures.map(formatFailure).join("\n\n");
}
