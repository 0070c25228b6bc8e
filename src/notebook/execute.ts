import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { cellFailure, findFailures, type CellFailure } from "./failures";
import type { NotebookJson } from "./types";

/** The project checkout this file belongs to (src/notebook/ → root). */
export const PROJECT_ROOT: string = path.resolve(__dirname, "..", "..");

/** The kernelspec registered by src/setup/setup.sh; it starts tslab in the project root. */
export const PROJECT_KERNEL = "exploding-gradients";

/** The project's Python environment (made by src/setup/setup.sh), which has nbclient. */
export const PROJECT_PYTHON: string = path.join(PROJECT_ROOT, ".venv", "bin", "python");
const HELPER = path.join(__dirname, "run-notebook.py");
/** Node fires a timer longer than 2³¹ − 1 ms after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The backstop kills the helper this long after the budget, in case the helper itself hangs. */
const BACKSTOP_GRACE_SEC = 20;

/** Progress of one code cell, reported as the kernel runs it. */
export interface CellProgress {
  /** 0-based index into the notebook's cells (all cell types). */
  cellIndex: number;
  /** 1-based position among code cells, and the number of code cells. */
  codeCellNumber: number;
  codeCells: number;
  phase: "start" | "done";
  /** Seconds the cell took (0 at "start"). */
  seconds: number;
}

export interface ExecuteOptions {
  /** Budget for the whole notebook, kernel start included; the cell running at the deadline fails as "timeout". */
  timeoutSec: number;
  /** Called when each code cell starts and finishes. */
  onCell?: (progress: CellProgress) => void;
  /** Checkout whose ./src the notebook imports (kernel working directory). Default: this checkout. */
  projectRoot?: string;
  /** Kernelspec name. Default: "exploding-gradients" whatever the notebook's metadata says. */
  kernelName?: string;
}

export interface ExecutionResult {
  /** The notebook with fresh outputs (execution counts stay null under tslab). */
  notebook: NotebookJson;
  /** Failed cells in notebook order; empty when every cell ran cleanly. */
  failures: CellFailure[];
  /** Seconds to start the kernel and to run everything, kernel start included. */
  kernelStartSec: number;
  totalSec: number;
}

/** The run itself could not happen (python/nbclient missing, kernel did not start, helper crashed). */
export class NotebookRunError extends Error {
  override name = "NotebookRunError";
}

type HelperEvent =
  | { event: "kernel"; pid: number | null; seconds: number }
  | { event: "cell"; index: number; phase: "start" | "done"; seconds: number }
  | { event: "stopped"; index: number; reason: "timeout" | "kernel-died"; message: string }
  | { event: "done"; notebook: NotebookJson };

/**
 * Runs `notebookPath` top to bottom in a fresh project kernel (via nbclient, like nbconvert --execute) and
 * returns the executed notebook with every failed cell. Errors do not stop the run: each cell executes and
 * reports its own output. Rejects with NotebookRunError only when the run itself is impossible.
 *
 * @example
 *   const { notebook, failures } = await executeNotebook("notebooks/00-start-here.ipynb", { timeoutSec: 60 });
 *   if (failures.length > 0) throw new Error(formatFailures(failures));
 */
export function executeNotebook(notebookPath: string, options: ExecuteOptions): Promise<ExecutionResult> {
  const { timeoutSec, onCell } = options;
  const root = path.resolve(options.projectRoot ?? PROJECT_ROOT);
  const kernelName = options.kernelName ?? PROJECT_KERNEL;
  if (typeof timeoutSec !== "number" || !(timeoutSec > 0) || (timeoutSec + BACKSTOP_GRACE_SEC) * 1000 > MAX_TIMER_MS) {
    const max = Math.floor(MAX_TIMER_MS / 1000) - BACKSTOP_GRACE_SEC;
    throw new RangeError(`executeNotebook: options.timeoutSec: expected a number of seconds in (0, ${max}], got ${timeoutSec}`);
  }
  if (!existsSync(notebookPath)) throw new NotebookRunError(`${notebookPath}: no such notebook`);
  if (!existsSync(PROJECT_PYTHON)) throw new NotebookRunError(`${PROJECT_PYTHON} not found: run 'bash src/setup/setup.sh'`);

  const started = Date.now();
  const child = spawn(PROJECT_PYTHON, [HELPER, path.resolve(notebookPath), root, kernelName, String(timeoutSec)], {
    cwd: root,
    // The kernel inherits this: its launcher then starts tslab in `root` even for a notebook outside it.
    env: { ...process.env, EXPLODING_GRADIENTS_ROOT: root, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });

  let kernelPid: number | null = null;
  let kernelStartSec = NaN;
  let notebook: NotebookJson | null = null;
  const codeCells = countCodeCells(notebookPath);
  const codeNumberOf = new Map<number, number>();
  const stops: { index: number; reason: "timeout" | "kernel-died"; message: string }[] = [];
  let callbackError: unknown = null;

  const lines = readline.createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    let ev: HelperEvent;
    try {
      ev = JSON.parse(line) as HelperEvent;
    } catch {
      stderr += `\n(unparsed helper output) ${line.slice(0, 500)}`;
      return;
    }
    if (ev.event === "kernel") {
      kernelPid = ev.pid;
      kernelStartSec = ev.seconds;
    } else if (ev.event === "cell") {
      if (!codeNumberOf.has(ev.index)) codeNumberOf.set(ev.index, codeNumberOf.size + 1);
      try {
        onCell?.({ cellIndex: ev.index, codeCellNumber: codeNumberOf.get(ev.index) ?? 0, codeCells, phase: ev.phase, seconds: ev.seconds });
      } catch (e) {
        callbackError ??= e;
      }
    } else if (ev.event === "stopped") {
      stops.push(ev);
    } else if (ev.event === "done") {
      notebook = ev.notebook;
    }
  });

  // Backstop in case the helper itself hangs: the helper enforces the budget; this allows it a grace beyond.
  let killedByBackstop = false;
  const killAll = (signal: NodeJS.Signals): void => {
    for (const pid of [kernelPid, child.pid]) {
      if (pid == null) continue;
      try {
        process.kill(pid === kernelPid ? -pid : pid, signal);
      } catch {
        // already gone
      }
    }
  };
  const backstop = setTimeout(() => {
    killedByBackstop = true;
    child.kill("SIGTERM");
    setTimeout(() => killAll("SIGKILL"), 5000).unref();
  }, (timeoutSec + BACKSTOP_GRACE_SEC) * 1000);

  return new Promise<ExecutionResult>((resolve, reject) => {
    child.on("error", (e) => {
      clearTimeout(backstop);
      reject(new NotebookRunError(`${notebookPath}: cannot run ${PROJECT_PYTHON}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(backstop);
      lines.close();
      const totalSec = (Date.now() - started) / 1000;
      if (callbackError !== null) {
        reject(callbackError);
        return;
      }
      if (notebook === null) {
        const why = killedByBackstop
          ? `the runner did not finish within ${timeoutSec} s (+20 s grace) and was killed`
          : `the runner exited with ${signal ?? `code ${code}`}`;
        const hint = /NoSuchKernel/.test(stderr)
          ? `\nThe kernelspec '${kernelName}' is not registered: run 'bash src/setup/setup.sh'.`
          : "";
        reject(new NotebookRunError(`${notebookPath}: ${why}.${hint}\n--- runner stderr (tail) ---\n${stderr.trim()}`));
        return;
      }
      const nb: NotebookJson = notebook;
      // A timed-out cell is interrupted on the way out; that interruption trace is not a second failure.
      const interrupted = (f: CellFailure): boolean =>
        f.kind === "stderr" && stops.some((s) => s.index === f.cellIndex) && f.message.includes("ERR_SCRIPT_EXECUTION_INTERRUPTED");
      const failures = findFailures(notebookPath, nb).filter((f) => !interrupted(f));
      for (const s of stops) failures.push(cellFailure(notebookPath, nb, s.index, s.reason, s.message));
      failures.sort((a, b) => a.cellIndex - b.cellIndex);
      resolve({ notebook: nb, failures, kernelStartSec, totalSec });
    });
  });
}

/**
 * The tutorial notebooks, in reading order: notebooks/*.ipynb sorted by file name ("00-…", "01-…").
 * Subfolders (e.g. .ipynb_checkpoints) are not tutorials and are skipped. Returns absolute paths.
 */
export function listNotebooks(projectRoot: string = PROJECT_ROOT): string[] {
  const dir = path.join(projectRoot, "notebooks");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ipynb"))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, "en"))
    .map((name) => path.join(dir, name));
}

function countCodeCells(notebookPath: string): number {
  try {
    return (JSON.parse(readFileSync(notebookPath, "utf8")) as NotebookJson).cells.filter((c) => c.cell_type === "code").length;
  } catch {
    return 0; // unreadable here; the helper reports the real problem
  }
}

/**
 * The notebooks a selector names: an existing .ipynb path, or every notebook in notebooks/ whose file name
 * contains the fragment (case-insensitive). Throws, naming `flag` and listing the notebooks, when nothing matches.
 */
export function selectNotebooks(selectors: readonly string[], available: readonly string[] = listNotebooks(), flag = "--notebook"): string[] {
  if (selectors.length === 0) return [...available];
  const chosen: string[] = [];
  for (const sel of selectors) {
    if (sel.endsWith(".ipynb") && existsSync(sel)) {
      chosen.push(path.resolve(sel));
      continue;
    }
    const matches = available.filter((f) => path.basename(f).toLowerCase().includes(path.basename(sel).toLowerCase().replace(/\.ipynb$/, "")));
    if (matches.length === 0) {
      const names = available.map((f) => `  ${path.relative(PROJECT_ROOT, f)}`).join("\n");
      throw new Error(`${flag} ${sel}: no such file and no notebook name contains it. Notebooks:\n${names}`);
    }
    chosen.push(...matches);
  }
  return [...new Set(chosen)];
}
