/**
 * First output: how long a fresh kernel, once ready, takes to run a notebook's library import and then all of its
 * cells, importing the library as the notebooks do, `from "exploding-gradients"` (src/ built once into build/ by
 * ../notebook/library-build.cjs: tslab reads its declarations, Node loads its JavaScript), and as they did before,
 * `from "./src/index"` (tslab type-checks and compiles all of src/ in every kernel). Same kernelspec, one fresh
 * kernel per run, the two ways alternating; kernel start-up (the launcher's build check included) is not counted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { executeNotebook, joinText, PROJECT_ROOT, type NotebookJson } from "../notebook/index";
import { median } from "./timing";

/** How a notebook imports the library. */
export const IMPORTS = { build: '"exploding-gradients"', source: '"./src/index"' } as const;
export type ImportWay = keyof typeof IMPORTS;

export interface FirstOutputRun {
  /** Seconds of the first cell that imports the library, and of all code cells, after the kernel was ready. */
  importSec: number;
  runAllSec: number;
}

/** `notebook` with its library imports written the given way, in `dir`; the path written. */
function variant(notebook: string, way: ImportWay, dir: string): string {
  const nb = JSON.parse(readFileSync(notebook, "utf8")) as NotebookJson;
  for (const cell of nb.cells) {
    if (cell.cell_type === "code") cell.source = joinText(cell.source).split(IMPORTS.build).join(IMPORTS[way]);
  }
  const file = path.join(dir, `${way}-${path.basename(notebook)}`);
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

/** One run of `notebook` in a fresh kernel, its imports written `way`. */
export async function runFirstOutput(notebook: string, way: ImportWay): Promise<FirstOutputRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-first-output-"));
  try {
    const file = variant(notebook, way, dir);
    const nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
    const importIndex = nb.cells.findIndex((c) => c.cell_type === "code" && joinText(c.source).includes(`from ${IMPORTS[way]}`));
    if (importIndex < 0) throw new Error(`${notebook}: no cell imports the library from ${IMPORTS.build}`);
    let importSec = NaN;
    let runAllSec = 0;
    const { failures } = await executeNotebook(file, {
      timeoutSec: 300,
      projectRoot: PROJECT_ROOT,
      onCell: (p) => {
        if (p.phase !== "done") return;
        runAllSec += p.seconds;
        if (p.cellIndex === importIndex) importSec = p.seconds;
      },
    });
    if (failures.length > 0) throw new Error(`${path.basename(notebook)} (${way}): ${failures.length} cell(s) failed`);
    return { importSec, runAllSec };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The bench's table: per notebook, the import cell and Run All after the kernel is ready, both ways, medians of
 * `rounds` runs each way; and the slowest notebook's import the notebooks' way.
 */
export async function firstOutputTable(notebooks: string[], rounds: number): Promise<{ table: string; slowestImportSec: number }> {
  const fmt = (x: number) => x.toFixed(2);
  let slowestImportSec = 0;
  const lines = [
    `| notebook | import, build (s) | import, src/ compiled in the kernel (s) | × | Run All, build (s) | Run All, src/ (s) |`,
    "|---|---|---|---|---|---|",
  ];
  for (const [i, notebook] of notebooks.entries()) {
    const runs: Record<ImportWay, FirstOutputRun[]> = { build: [], source: [] };
    for (let r = 0; r < rounds; r++) {
      // Which way goes first alternates (a run warms the file cache for the next)
      for (const way of (r + i) % 2 === 0 ? (["build", "source"] as const) : (["source", "build"] as const)) {
        runs[way].push(await runFirstOutput(notebook, way));
      }
    }
    const m = (way: ImportWay, k: keyof FirstOutputRun) => median(runs[way].map((run) => run[k]));
    slowestImportSec = Math.max(slowestImportSec, m("build", "importSec"));
    lines.push(
      `| ${path.basename(notebook, ".ipynb")} | ${fmt(m("build", "importSec"))} | ${fmt(m("source", "importSec"))} | ` +
        `${(m("source", "importSec") / m("build", "importSec")).toFixed(1)} | ${fmt(m("build", "runAllSec"))} | ${fmt(m("source", "runAllSec"))} |`,
    );
  }
  return { table: lines.join("\n"), slowestImportSec };
}
