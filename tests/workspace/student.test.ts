// A student's session in JupyterLab, and an author's: edits are kept where they belong, and nothing leaks into
// the repository's notebooks/ (no outputs, no stray changes).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, type HandoutBrowser } from "../../src/export/browser";
import { PROJECT_ROOT } from "../../src/notebook/execute";
import { joinText, notebookText, type NotebookJson } from "../../src/notebook/types";
import { notebookUrl, openNotebook, startJupyter, type JupyterServer, type StartOptions } from "../setup/jupyter";

const NOTEBOOK = "00-start-here.ipynb";
const env = { EXPLODING_GRADIENTS_ROOT: PROJECT_ROOT };

const gitStatus = (): string => execFileSync("git", ["status", "--porcelain", "notebooks/"], { cwd: PROJECT_ROOT, encoding: "utf8" });

/** Appends a line to the first code cell of the open notebook, runs that cell, saves, and waits for `file` to have it. */
async function editRunSave(page: Page, line: string, file: string): Promise<void> {
  const editor = page.locator(".jp-Notebook .jp-CodeCell .cm-content").first();
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText(line);
  await page.keyboard.press("Control+Enter"); // run the cell, stay in it
  await page.locator(".jp-Notebook .jp-CodeCell").first().locator(".jp-OutputArea-output").first().waitFor({ timeout: 60_000 });
  await page.keyboard.press("Control+s");
  await expect.poll(() => readFileSync(file, "utf8").includes(JSON.stringify(line).slice(1, -1)), { timeout: 15_000 }).toBe(true);
}

async function firstCodeCellText(page: Page): Promise<string> {
  return page.locator(".jp-Notebook .jp-CodeCell .cm-content").first().innerText();
}

describe("a student's work in the workspace", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "eg-student-"));
  const options: StartOptions = { app: "lab", serve: path.join(tmp, "workspace"), state: path.join(tmp, "state"), env };
  let browser: HandoutBrowser;
  const statusBefore = gitStatus();

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  test("an edited, run and saved cell is still there after the server restarts; notebooks/ is untouched", async () => {
    const line = `const myNote = "kept across restarts ${process.pid}";`;
    let server: JupyterServer = await startJupyter(options);
    try {
      const page = await browser.context.newPage();
      await page.route("**/*", (r) => (r.request().url().startsWith(server.base) ? r.continue() : r.abort()));
      await openNotebook(page, notebookUrl(server, "lab", NOTEBOOK));
      await editRunSave(page, line, path.join(server.dir, NOTEBOOK));
      await page.close();
    } finally {
      await server.stop();
    }
    const saved = JSON.parse(readFileSync(path.join(options.serve as string, NOTEBOOK), "utf8")) as NotebookJson;
    const cell = saved.cells.find((c) => c.cell_type === "code")!;
    expect(joinText(cell.source)).toContain(line);
    expect(cell.cell_type === "code" && cell.outputs.length).toBeGreaterThan(0); // the student's own outputs are theirs

    server = await startJupyter(options); // the next `npm start`: sync runs again and must leave the copy alone
    try {
      expect(server.log()).not.toMatch(/00-start-here\.ipynb (changed|updated)/);
      const page = await browser.context.newPage();
      await openNotebook(page, notebookUrl(server, "lab", NOTEBOOK));
      expect(await firstCodeCellText(page)).toContain(line);
      await page.close();
    } finally {
      await server.stop();
    }
    expect(gitStatus()).toBe(statusBefore);
  }, 240_000);
});

describe("author mode (npm start -- --author)", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "eg-author-"));
  const file = path.join(PROJECT_ROOT, "notebooks", NOTEBOOK);
  const original = readFileSync(file, "utf8");
  let browser: HandoutBrowser;

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    writeFileSync(file, original); // the tutorial as it was, whatever happened
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  test("saving a tutorial stores the edit and no outputs: the file differs from the original only by the edit", async () => {
    const line = "// an author's edit";
    const server = await startJupyter({ app: "lab", serve: "author", state: path.join(tmp, "state"), env });
    try {
      const page = await browser.context.newPage();
      await page.route("**/*", (r) => (r.request().url().startsWith(server.base) ? r.continue() : r.abort()));
      await openNotebook(page, notebookUrl(server, "lab", NOTEBOOK));
      await editRunSave(page, line, file);
      await page.close();
    } finally {
      await server.stop();
    }
    const expected = JSON.parse(original) as NotebookJson;
    const cell = expected.cells.find((c) => c.cell_type === "code")!;
    cell.source = `${joinText(cell.source)}\n${line}`;
    expect(readFileSync(file, "utf8")).toBe(notebookText(expected));
  }, 180_000);
});
