/**
 * Runs the tutorial notebooks in the real project kernel (tslab via nbclient) and reports failed cells.
 * Used by tests/notebooks.test.ts and the handouts exporter.
 */
export { executeNotebook, listNotebooks, NotebookRunError, PROJECT_KERNEL, PROJECT_PYTHON, PROJECT_ROOT, selectNotebooks } from "./execute";
export type { CellProgress, ExecuteOptions, ExecutionResult } from "./execute";
export { cellPosition, findFailures, formatFailure, formatFailures } from "./failures";
export type { CellFailure, FailureKind } from "./failures";
export { joinText, notebookText } from "./types";
export type * from "./types";
