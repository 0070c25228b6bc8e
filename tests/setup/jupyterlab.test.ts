// The notebooks where students work: JupyterLab 4 (and Notebook 7) started by src/setup/start.sh, driven in
// Debian's Chromium. The charts must be JupyterLab's own interactive Vega-Lite views: a slider that redraws the
// curve, tooltips with formatted numbers, a live training chart that redraws while the cell runs.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { VEGALITE_MIME } from "../../src/charts/display";
import { executeNotebook, PROJECT_ROOT, type NotebookJson } from "../../src/notebook/index";
import { notebookUrl, openNotebook, runAllCells, watchPage, withJupyter, type JupyterServer, type PageWatch } from "./jupyter";

const EXPLORE = "03-many-units.ipynb";
const LIVE = "05-gradient-clipping.ipynb";

/** Code cells of a notebook as the server holds it (the workspace has the student edition). */
function codeCells(server: JupyterServer, name: string): number {
  const nb = JSON.parse(readFileSync(path.join(server.dir, name), "utf8")) as NotebookJson;
  return nb.cells.filter((c) => c.cell_type === "code").length;
}

/** Significant digits of a number as printed ("0.0007261" → 4, "1.2e+3" → 2, "37" → 2). */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^[-−+]/, "").split(/e/i)[0].replace(".", "").replace(/^0+/, "");
  return mantissa.replace(/0+$/, "").length || 1;
}

/** Moves the mouse over a chart until Vega's tooltip shows; returns its key → value rows. */
async function hoverForTooltip(page: Page, chart: Locator): Promise<Record<string, string>> {
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.locator("canvas, svg.marks").first().boundingBox();
  if (!box) throw new Error("the chart has no drawn area");
  const tooltip = page.locator("#vg-tooltip-element.visible");
  for (let y = box.y + 8; y < box.y + box.height - 8; y += 5) {
    for (let x = box.x + 30; x < box.x + box.width - 8; x += 6) {
      await page.mouse.move(x, y);
      if ((await tooltip.count()) > 0) {
        const rows = await tooltip.locator("tr").evaluateAll((trs) =>
          trs.map((tr) => [tr.querySelector(".key")?.textContent ?? "", tr.querySelector(".value")?.textContent ?? ""]),
        );
        return Object.fromEntries(rows.map(([k, v]) => [k.replace(/:$/, ""), v]));
      }
    }
  }
  throw new Error("no tooltip appeared anywhere over the chart");
}

/** The outputs of kind stderr on the page (tslab's only error channel), with their text. */
async function stderrOutputs(page: Page): Promise<string[]> {
  return page.locator("[data-mime-type='application/vnd.jupyter.stderr']").allTextContents();
}

/** Opens 03, runs it all and checks the explorable chart, its slider and tooltips; shared by both front ends. */
async function exploreNotebook03(page: Page, server: JupyterServer, app: "lab" | "notebook"): Promise<PageWatch> {
  const watch = await watchPage(page, server.base);
  await openNotebook(page, notebookUrl(server, app, EXPLORE));
  await runAllCells(page, watch, codeCells(server, EXPLORE), 90_000);
  expect(await stderrOutputs(page)).toEqual([]);
  // Drawn by JupyterLab's Vega-Lite renderer, not shown as the bundle's static SVG.
  expect(await page.locator(".jp-RenderedVegaLite .vega-embed").count()).toBeGreaterThanOrEqual(5);
  expect(await page.locator(".jp-OutputArea-output[data-mime-type='image/svg+xml']").count()).toBe(0);

  const chart = page.locator(".jp-RenderedVegaLite:has(input[type=range])").first();
  const slider = chart.locator("input[type=range]");
  await slider.scrollIntoViewIfNeeded();
  const label = chart.locator(".vega-bind label > span:last-child");
  const before = await chart.locator(".chart-wrapper").screenshot();
  const [min, max] = [Number(await slider.getAttribute("min")), Number(await slider.getAttribute("max"))];
  const target = min + 0.8 * (max - min);
  await slider.fill(String(target));
  await page.waitForTimeout(300);
  const after = await chart.locator(".chart-wrapper").screenshot();
  expect(after.equals(before), "moving the slider redraws the chart").toBe(false);
  // The label shows the slider's value cleanly (no 0.899999999999999).
  const shown = (await label.innerText()).trim();
  expect(shown).toMatch(/^-?\d+(\.\d{1,4})?$/);
  expect(Math.abs(Number(shown) - target)).toBeLessThanOrEqual((max - min) / 10);

  const rows = await hoverForTooltip(page, chart);
  const numbers = Object.values(rows).filter((v) => /^[-−]?\d[\d.]*(e[-+−]?\d+)?$/i.test(v.trim()));
  expect(numbers.length, `tooltip ${JSON.stringify(rows)} shows a number`).toBeGreaterThan(0);
  for (const v of numbers) expect(significantDigits(v.trim()), `tooltip value ${v}`).toBeLessThanOrEqual(4);
  return watch;
}

describe("JupyterLab 4 as npm start opens it", () => {
  const lab = withJupyter("lab");

  test("03: Run All draws interactive charts; the slider redraws the curve; tooltips show formatted numbers", async () => {
    const page = await lab.browser.context.newPage();
    try {
      const watch = await exploreNotebook03(page, lab.server, "lab");
      expect(watch.offsite).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
      // New notebooks get the project kernel (.venv's Jupyter config).
      const headers = { Authorization: `token ${lab.server.token}` };
      const specs = (await (await fetch(`${lab.server.base}/api/kernelspecs`, { headers })).json()) as { default: string };
      expect(specs.default).toBe("exploding-gradients");
      // The kernel said in the server's log which checkout's src/ it imports.
      expect(lab.server.log()).toContain(`exploding-gradients kernel: using ${PROJECT_ROOT} (from EXPLODING_GRADIENTS_ROOT)`);
    } finally {
      await page.close();
    }
  }, 180_000);

  test("an executed notebook opens with its interactive charts and makes no request off 127.0.0.1", async () => {
    const name = "02-executed.ipynb";
    const source = path.join(PROJECT_ROOT, "notebooks", "02-iterated-functions.ipynb");
    const { notebook, failures } = await executeNotebook(source, { timeoutSec: 60 });
    expect(failures).toEqual([]);
    writeFileSync(path.join(lab.workspace, name), JSON.stringify(notebook));
    const charts = notebook.cells.filter((c) => c.cell_type === "code" && c.outputs.some((o) => "data" in o && o.data?.[VEGALITE_MIME])).length;
    expect(charts).toBeGreaterThan(0);
    const page = await lab.browser.context.newPage();
    try {
      const watch = await watchPage(page, lab.server.base);
      await openNotebook(page, notebookUrl(lab.server, "lab", name));
      const views = page.locator(".jp-RenderedVegaLite .vega-embed canvas");
      await expect.poll(() => views.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(charts);
      expect(watch.offsite).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  test("05: the live training chart is redrawn in the page while its cell runs", async () => {
    const page = await lab.browser.context.newPage();
    try {
      // Every chart canvas put into the page, with its time: each redraw of the live chart is a new Vega view.
      await page.addInitScript(() => {
        const drawn: number[] = [];
        (window as unknown as { drawn: number[] }).drawn = drawn;
        new MutationObserver((records) => {
          for (const r of records)
            for (const n of Array.from(r.addedNodes))
              if (n instanceof HTMLCanvasElement || (n instanceof HTMLElement && n.querySelector("canvas"))) drawn.push(Date.now());
        }).observe(document, { childList: true, subtree: true });
      });
      const watch = await watchPage(page, lab.server.base);
      await openNotebook(page, notebookUrl(lab.server, "lab", LIVE));
      await runAllCells(page, watch, codeCells(lab.server, LIVE), 120_000);
      expect(await stderrOutputs(page)).toEqual([]);
      const updates = watch.messages.filter((m) => m.type === "update_display_data").map((m) => m.at);
      expect(updates.length, "update_display_data messages in one run").toBeGreaterThanOrEqual(5);
      const span = updates[updates.length - 1] - updates[0];
      expect(span / (updates.length - 1), "mean time between redraws (ms)").toBeLessThanOrEqual(600);
      const drawn = await page.evaluate(() => (window as unknown as { drawn: number[] }).drawn);
      const redrawn = drawn.filter((t) => t >= updates[0] && t <= updates[updates.length - 1] + 1000);
      expect(redrawn.length, "Vega views drawn while the live cell ran").toBeGreaterThanOrEqual(5);
      expect(watch.offsite).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
});

describe("Notebook 7 as npm start -- --notebook opens it", () => {
  const nb7 = withJupyter("notebook");

  test("03: Run All, the slider and the tooltips work in Notebook 7 too", async () => {
    const page = await nb7.browser.context.newPage();
    try {
      const watch = await exploreNotebook03(page, nb7.server, "notebook");
      expect(watch.offsite).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
});
