// The Jupyter experience: the classic Notebook server, started as src/setup/start.sh starts it (127.0.0.1,
// token, project kernel as default), runs a chart notebook through the UI (Cell → Run All) and shows the chart.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM, launchBrowser, type HandoutBrowser } from "../../src/export/browser";
import { PROJECT_KERNEL, PROJECT_ROOT, type NotebookJson } from "../../src/notebook/index";

const JUPYTER = "/usr/bin/jupyter";

function freePort(): Promise<number> {
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

async function waitForServer(base: string, token: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited with ${server.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter notebook did not answer on ${base} within 40 s:\n${log()}`);
}

describe("Jupyter Notebook (classic UI) runs a chart notebook", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-notebook-server-"));
  const token = Array.from({ length: 24 }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  let server: ChildProcess | undefined;
  let serverLog = "";
  let base = "";
  let browser: HandoutBrowser | undefined;

  beforeAll(async () => {
    for (const tool of [JUPYTER, CHROMIUM]) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: run 'bash src/setup/setup.sh'`);
    }
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: PROJECT_KERNEL, display_name: "TypeScript (exploding-gradients)", language: "typescript" } },
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# Live chart\n\nThe norm $0.9^k$ against $k$." },
        {
          cell_type: "code",
          metadata: {},
          outputs: [],
          execution_count: null,
          source: [
            'import { lineChart, show } from "./src/charts/index";\n',
            "const k = [0, 1, 2, 3, 4, 5];\n",
            'await show(lineChart({ title: "0.9^k", series: [{ name: "0.9^k", x: k, y: k.map((i) => 0.9 ** i) }], logY: true }));',
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, "chart.ipynb"), JSON.stringify(nb, null, 1));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The arguments of src/setup/start.sh, with this test's folder as notebook dir. The kernel is told the
    // project root, since the notebook is not inside the checkout.
    const args = ["notebook", `--notebook-dir=${dir}`, "--ip=127.0.0.1", `--port=${port}`, "--NotebookApp.port_retries=0",
      `--MultiKernelManager.default_kernel_name=${PROJECT_KERNEL}`, "--no-browser"];
    if (process.getuid?.() === 0) args.push("--allow-root");
    server = spawn(JUPYTER, args, {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, JUPYTER_TOKEN: token, EXPLODING_GRADIENTS_ROOT: PROJECT_ROOT, JUPYTER_RUNTIME_DIR: path.join(dir, "runtime") },
    });
    const collect = (chunk: Buffer): void => {
      serverLog = (serverLog + chunk.toString()).slice(-6000);
    };
    server.stdout?.on("data", collect);
    server.stderr?.on("data", collect);
    await waitForServer(base, token, server, () => serverLog);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid !== undefined && server.exitCode === null) {
      // Shut the kernels down through the API (they run in their own process groups), then the server.
      try {
        const headers = { Authorization: `token ${token}` };
        const sessions = (await (await fetch(`${base}/api/sessions`, { headers })).json()) as { id: string }[];
        await Promise.all(sessions.map((s) => fetch(`${base}/api/sessions/${s.id}`, { method: "DELETE", headers })));
      } catch {
        // the server is going away anyway
      }
      const exited = new Promise((r) => server?.once("exit", r));
      process.kill(-server.pid, "SIGTERM");
      const timer = setTimeout(() => server?.pid !== undefined && process.kill(-server.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test("Cell → Run All shows the chart's SVG with marks and no stderr; no request leaves the server", async () => {
    const context = browser!.context;
    const page = await context.newPage();
    const offsite: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`) || url.startsWith("data:")) return route.continue();
      offsite.push(url);
      return route.abort("blockedbyclient");
    });
    try {
      await page.goto(`${base}/notebooks/chart.ipynb?token=${token}`, { waitUntil: "load" });
      // The project kernel is connected and idle before we run anything.
      await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 40_000 });
      expect(await page.locator(".kernel_indicator_name, #kernel_indicator .kernel_indicator_name").first().innerText()).toContain(
        "exploding-gradients",
      );
      await page.click("#celllink");
      await page.click("#run_all_cells > a");
      // Classic Notebook has no Vega-Lite renderer: it shows the bundle's SVG, which must contain line marks.
      const marks = page.locator(".output_subarea svg .mark-line path");
      await marks.first().waitFor({ timeout: 60_000 });
      expect(await marks.count()).toBe(1);
      expect((await marks.first().getAttribute("d"))?.length ?? 0).toBeGreaterThan(20);
      expect(await page.locator(".output_stderr").count()).toBe(0);
      expect(offsite).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
