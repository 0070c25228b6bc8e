// A real Jupyter server started the way `npm start` starts it (src/setup/start.sh), and the browser moves the
// UI tests make in it: open a notebook, run all cells, watch the kernel's messages, keep requests on 127.0.0.1.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser, type HandoutBrowser } from "../../src/export/browser";
import { PROJECT_ROOT } from "../../src/notebook/index";

export interface JupyterServer {
  /** http://127.0.0.1:PORT */
  base: string;
  token: string;
  /** The folder the server serves: the workspace, or notebooks/ in author mode. */
  dir: string;
  /** The server's output so far (for failure messages). */
  log(): string;
  /** Shuts every kernel down and stops the server and its process group. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  app: "lab" | "notebook";
  /** The student's workspace folder (start.sh --workspace), e.g. a temporary one; or "author" (--author). */
  serve: string | "author";
  /** Where JupyterLab keeps its settings, workspaces and runtime files (keeps the user's own as they were). */
  state: string;
  env?: Record<string, string>;
}

/**
 * Runs `bash src/setup/start.sh [--notebook] (--workspace DIR | --author)` with a free JUPYTER_PORT and a fresh
 * JUPYTER_TOKEN, and waits until the server answers.
 */
export async function startJupyter(options: StartOptions): Promise<JupyterServer> {
  const { state } = options;
  mkdirSync(state, { recursive: true });
  const dir = options.serve === "author" ? path.join(PROJECT_ROOT, "notebooks") : options.serve;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const token = randomBytes(24).toString("hex");
  const args = [
    path.join(PROJECT_ROOT, "src/setup/start.sh"),
    ...(options.serve === "author" ? ["--author"] : ["--workspace", options.serve]),
    ...(options.app === "notebook" ? ["--notebook"] : []),
  ];
  const server: ChildProcess = spawn("bash", args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      JUPYTER_PORT: String(port),
      JUPYTER_TOKEN: token,
      JUPYTERLAB_SETTINGS_DIR: path.join(state, "settings"),
      JUPYTERLAB_WORKSPACES_DIR: path.join(state, "workspaces"),
      JUPYTER_RUNTIME_DIR: path.join(state, "runtime"),
      ...options.env,
    },
  });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on("data", collect);
  server.stderr?.on("data", collect);

  const stop = async (): Promise<void> => {
    if (server.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      try {
        // Kernels run in process groups of their own: shut them down through the API first.
        const headers = { Authorization: `token ${token}` };
        const kernels = (await (await fetch(`${base}/api/kernels`, { headers })).json()) as { id: string }[];
        await Promise.all(kernels.map((k) => fetch(`${base}/api/kernels/${k.id}`, { method: "DELETE", headers })));
      } catch {
        // the server is going away anyway
      }
      const exited = new Promise((r) => server.once("exit", r));
      process.kill(-server.pid, "SIGTERM");
      const timer = setTimeout(() => server.pid !== undefined && process.kill(-server.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`start.sh exited with ${server.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return { base, token, dir, log: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the Jupyter server did not answer on ${base} within 60 s:\n${output}`);
}

/** What a page did: requests it tried outside the server (all aborted) and the kernel messages it received. */
export interface PageWatch {
  offsite: string[];
  /** msg_type and arrival time (ms) of every kernel message, in order. */
  messages: { type: string; at: number }[];
  pageErrors: string[];
}

/** Aborts every request that is not to the server (or a data:/blob: URL) and records the kernel's messages. */
export async function watchPage(page: Page, base: string): Promise<PageWatch> {
  const watch: PageWatch = { offsite: [], messages: [], pageErrors: [] };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    watch.offsite.push(url);
    return route.abort("blockedbyclient");
  });
  page.on("pageerror", (e) => watch.pageErrors.push(e.message));
  page.on("websocket", (ws) => {
    if (!ws.url().startsWith(base.replace(/^http/, "ws"))) watch.offsite.push(ws.url());
    ws.on("framereceived", (frame) => {
      const text = typeof frame.payload === "string" ? frame.payload : frame.payload.toString("latin1");
      // The header comes first in both the JSON and the binary (v1.kernel.websocket.jupyter.org) framing.
      const type = /"msg_type":\s*"(\w+)"/.exec(text)?.[1];
      if (type) watch.messages.push({ type, at: Date.now() });
    });
  });
  return watch;
}

/** The URL of a notebook of the server's folder; JupyterLab's starts from an empty workspace (`reset`), so the
 * notebook opened before is not restored beside it. */
export function notebookUrl(server: JupyterServer, app: "lab" | "notebook", name: string): string {
  const route = app === "lab" ? "lab/tree" : "notebooks";
  return `${server.base}/${route}/${encodeURIComponent(name)}?token=${server.token}${app === "lab" ? "&reset" : ""}`;
}

/** Opens a notebook's URL and waits until the project kernel is connected and idle. */
export async function openNotebook(page: Page, url: string): Promise<void> {
  // The width students read at (narrower, JupyterLab folds toolbar items such as the kernel name away).
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url, { waitUntil: "load" });
  await page.locator(".jp-NotebookPanel-toolbar .jp-KernelName").filter({ hasText: "TypeScript (exploding-gradients)" }).first().waitFor({ timeout: 60_000 });
  await page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']").first().waitFor({ timeout: 60_000 });
}

/**
 * Run → Run All Cells from the menu bar, then waits until the kernel has replied to every code cell
 * (`codeCells` execute_reply messages after the click).
 */
export async function runAllCells(page: Page, watch: PageWatch, codeCells: number, timeoutMs: number): Promise<void> {
  const before = watch.messages.filter((m) => m.type === "execute_reply").length;
  await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
  await page.getByRole("menuitem", { name: /^Run All Cells/ }).click();
  const deadline = Date.now() + timeoutMs;
  while (watch.messages.filter((m) => m.type === "execute_reply").length - before < codeCells) {
    if (Date.now() > deadline) {
      const got = watch.messages.filter((m) => m.type === "execute_reply").length - before;
      throw new Error(`Run All: ${got} of ${codeCells} code cells answered within ${timeoutMs / 1000} s`);
    }
    await page.waitForTimeout(200);
  }
}

/** What {@link withJupyter} provides to the tests of its describe block (valid once its beforeAll has run). */
export interface JupyterFixture {
  server: JupyterServer;
  browser: HandoutBrowser;
  /** The temporary workspace the server serves. */
  workspace: string;
}

/**
 * In the calling describe block: before its tests, a server started by start.sh on a temporary workspace (which
 * `prepare` may fill first) and a browser; after them, both stopped and the folder removed.
 */
export function withJupyter(app: "lab" | "notebook", prepare?: (workspace: string) => void): JupyterFixture {
  const tmp = mkdtempSync(path.join(tmpdir(), `eg-${app}-`));
  const fixture = { workspace: path.join(tmp, "workspace") } as JupyterFixture;
  beforeAll(async () => {
    if (prepare) {
      mkdirSync(fixture.workspace);
      prepare(fixture.workspace);
    }
    // A workspace outside the checkout: the kernel is told which checkout's src/ it imports.
    const env = { EXPLODING_GRADIENTS_ROOT: PROJECT_ROOT };
    fixture.server = await startJupyter({ app, serve: fixture.workspace, state: path.join(tmp, "state"), env });
    fixture.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
  return fixture;
}
