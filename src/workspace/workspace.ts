/**
 * The student's workspace: their own copies of the tutorials (the student edition: no `solution` cells), made
 * from notebooks/ at the first start and never overwritten after that. What a student writes there survives
 * server restarts, `npm ci` and setup, and `git pull` never collides with it (workspace/ is git-ignored).
 *
 * A hidden record (`.tutorials.json`) keeps, per copy, the hash of the edition it was made from. When a tutorial
 * changes later: a copy the student never changed is brought up to date; a changed one is left as it is and the
 * new version is put beside it, as `NAME.updated-YYYY-MM-DD.ipynb`. `resetNotebook` starts one notebook over,
 * keeping the student's version as `NAME.backup-YYYYMMDD-HHMMSS.ipynb`. Nothing here deletes or replaces a file
 * with content the student wrote: new files are linked into place only where no file is (EEXIST otherwise).
 */
import { createHash } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { editionNotebook } from "../export/edition";
import { notebookText, type NotebookJson } from "../notebook/types";

/** The record of the copies, in the workspace folder (hidden: JupyterLab does not list it). */
export const RECORD_FILE = ".tutorials.json";

interface CopyRecord {
  /** sha256 of the edition text the copy was made from. */
  madeFrom: string;
  /** sha256 of the newer edition last put beside the copy, if any. */
  offered?: string;
}

interface WorkspaceRecord {
  version: 1;
  copies: Record<string, CopyRecord>;
}

/** The workspace cannot be made or written (a file in its place, no permission, a read-only disk). */
export class WorkspaceError extends Error {
  override name = "WorkspaceError";
}

export interface WorkspaceOptions {
  /** The tutorials (default: notebooks/ of this checkout). */
  tutorials: string;
  /** The student's folder (default: workspace/ of this checkout). */
  workspace: string;
  /** Clock for the names of new versions and backups (default: now). */
  now?: Date;
}

/** What a sync did, notebook by notebook (file names relative to the workspace). */
export interface SyncReport {
  /** Copies made because there was none (first start, a new tutorial, or a copy the student deleted). */
  created: string[];
  /** Copies the student had not changed, brought up to date with their tutorial. */
  refreshed: string[];
  /** Changed copies whose tutorial changed too: the new version was put beside them. */
  offered: { notebook: string; newVersion: string }[];
  /** Workspace notebooks that are not valid JSON: reported, left as they are. */
  corrupt: { notebook: string; reason: string }[];
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The student edition of a tutorial, as the text a copy holds. */
function studentText(tutorial: string): string {
  const notebook = JSON.parse(readFileSync(tutorial, "utf8")) as NotebookJson;
  return notebookText(editionNotebook(notebook, "student"));
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/** Writes `text` to `file` only if no file is there (a hard link of a complete temporary file): true if written. */
function createExclusive(file: string, text: string): boolean {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** `base.tag-stamp.ipynb`, or with -2, -3, … when that name is taken by other content; reuses an identical file. */
function besideName(dir: string, notebook: string, tag: string, stamp: string, text: string | null): string {
  const base = notebook.replace(/\.ipynb$/, "");
  for (let n = 1; ; n++) {
    const name = `${base}.${tag}-${stamp}${n === 1 ? "" : `-${n}`}.ipynb`;
    const file = path.join(dir, name);
    if (!existsSync(file) || (text !== null && readFileSync(file, "utf8") === text)) return name;
  }
}

function readRecord(workspace: string): WorkspaceRecord {
  const file = path.join(workspace, RECORD_FILE);
  if (!existsSync(file)) return { version: 1, copies: {} };
  try {
    const record = JSON.parse(readFileSync(file, "utf8")) as WorkspaceRecord;
    if (record.version === 1 && record.copies && typeof record.copies === "object") return record;
  } catch {
    // fall through: an unreadable record only costs the knowledge of which tutorial each copy came from
  }
  return { version: 1, copies: {} };
}

function writeRecord(workspace: string, record: WorkspaceRecord): void {
  const file = path.join(workspace, RECORD_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(tmp, file);
}

/** Makes the workspace folder if needed and checks that files can be created in it; WorkspaceError otherwise. */
function prepareWorkspace(workspace: string): void {
  if (existsSync(workspace) && !statSync(workspace).isDirectory()) {
    throw new WorkspaceError(`cannot use ${workspace} as the workspace: it is a file, not a folder. Move the file away, or choose another folder with --workspace DIR.`);
  }
  try {
    mkdirSync(workspace, { recursive: true });
    const probe = path.join(workspace, `.write-test-${process.pid}`);
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    throw new WorkspaceError(
      `cannot use ${workspace} as the workspace (${errnoOf(e)}): it must be a folder you can write to. ` +
        "Fix its permissions, or choose another folder with --workspace DIR.",
    );
  }
}

function tutorialsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Brings the workspace up to date with the tutorials, never touching what the student changed (see the module
 * comment). Throws WorkspaceError when the folder cannot be written.
 * @example const report = syncWorkspace({ tutorials: "notebooks", workspace: "workspace" }); report.created
 */
export function syncWorkspace(options: WorkspaceOptions): SyncReport {
  const { tutorials, workspace } = options;
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  prepareWorkspace(workspace);
  const record = readRecord(workspace);
  const report: SyncReport = { created: [], refreshed: [], offered: [], corrupt: [] };
  for (const tutorial of tutorialsIn(tutorials)) {
    const name = path.basename(tutorial);
    const text = studentText(tutorial);
    const hash = sha256(text);
    const copy = path.join(workspace, name);
    const known = record.copies[name];
    if (!existsSync(copy)) {
      if (createExclusive(copy, text)) {
        record.copies[name] = { madeFrom: hash };
        report.created.push(name);
      }
      continue;
    }
    const current = readFileSync(copy, "utf8");
    try {
      JSON.parse(current);
    } catch (e) {
      report.corrupt.push({ notebook: name, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (known === undefined) {
      // A copy from before the record existed (or the record was lost): take it as made from this version.
      record.copies[name] = { madeFrom: hash };
      continue;
    }
    if (known.madeFrom === hash || known.offered === hash) continue;
    if (sha256(current) === known.madeFrom) {
      // Untouched since it was made: replacing it loses nothing of the student's.
      writeFileSync(`${copy}.tmp-${process.pid}`, text);
      renameSync(`${copy}.tmp-${process.pid}`, copy);
      record.copies[name] = { madeFrom: hash };
      report.refreshed.push(name);
      continue;
    }
    const newVersion = besideName(workspace, name, "updated", today, text);
    const file = path.join(workspace, newVersion);
    if (!existsSync(file)) createExclusive(file, text);
    record.copies[name] = { ...known, offered: hash };
    report.offered.push({ notebook: name, newVersion });
  }
  writeRecord(workspace, record);
  return report;
}

/**
 * Starts one workspace notebook over from its tutorial: the student's version is renamed to
 * `NAME.backup-YYYYMMDD-HHMMSS.ipynb` (kept, never deleted), and a fresh student edition takes its name.
 * @returns the names (relative to the workspace) of the fresh copy and of the backup (null if there was no copy).
 */
export function resetNotebook(tutorial: string, options: WorkspaceOptions): { notebook: string; backup: string | null } {
  const { workspace } = options;
  prepareWorkspace(workspace);
  const name = path.basename(tutorial);
  const text = studentText(tutorial);
  const copy = path.join(workspace, name);
  let backup: string | null = null;
  if (existsSync(copy)) {
    const stamp = (options.now ?? new Date()).toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    backup = besideName(workspace, name, "backup", stamp, null);
    renameSync(copy, path.join(workspace, backup));
  }
  if (!createExclusive(copy, text)) throw new WorkspaceError(`${copy} appeared while it was being reset; nothing was replaced`);
  const record = readRecord(workspace);
  record.copies[name] = { madeFrom: sha256(text) };
  writeRecord(workspace, record);
  return { notebook: name, backup };
}

/** One line per thing a student should know after a sync (empty when nothing happened worth saying). */
export function describeSync(report: SyncReport, workspace: string): string[] {
  const lines: string[] = [];
  if (report.created.length > 0) lines.push(`workspace: made your copies of ${report.created.join(", ")} in ${workspace}`);
  for (const name of report.refreshed) lines.push(`workspace: ${name} updated to the new version of its tutorial (you had not changed it)`);
  for (const o of report.offered) {
    lines.push(
      `workspace: the tutorial ${o.notebook} changed since your copy was made. Your copy is untouched; ` +
        `the new version is beside it as ${o.newVersion}.`,
    );
  }
  for (const c of report.corrupt) {
    lines.push(
      `workspace: ${c.notebook} is not a valid notebook (${c.reason}); it is left as it is. ` +
        `To start it over (your file is kept as a backup): npm run reset -- ${c.notebook.replace(/\.ipynb$/, "")}`,
    );
  }
  return lines;
}
