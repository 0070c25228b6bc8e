// Live slides in JupyterLab: jupyterlab-rise (pinned in src/setup/python/requirements.in) pulls
// jupyterlab-mathjax3, a JupyterLab 3 extension that `jupyter labextension list` marks incompatible. This checks
// what the README promises in spite of that, in JupyterLab started by start.sh and driven in Chromium with every
// request off the server blocked: math still renders in the notebook, the page raises no error, and the RISE
// slideshow shows the notebook's slides with typeset math and runs a cell live.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import type { NotebookJson } from "../../src/notebook/index";
import { watchPage, withJupyter } from "./jupyter";

const DECK = "rise-deck.ipynb";

describe("jupyterlab-rise in JupyterLab 4", () => {
  const lab = withJupyter("lab", (workspace) => {
    const nb = JSON.parse(readFileSync(path.join(__dirname, "..", "export", "fixtures", "handout.ipynb"), "utf8")) as NotebookJson;
    const types = ["slide", "slide", "-", "slide", "fragment", "slide", "skip", "skip", "notes"];
    nb.cells.forEach((c, i) => (c.metadata = { ...c.metadata, slideshow: { slide_type: types[i] } }));
    const setup = nb.cells[2]!;
    if (setup.cell_type === "code") Object.assign(setup, { source: 'console.log("RISE-LIVE", 6 * 7);', outputs: [], execution_count: null });
    writeFileSync(path.join(workspace, DECK), JSON.stringify(nb));
  });

  test("the notebook: math rendered by MathJax, RISE's toolbar button, no page error, nothing fetched off the server", async () => {
    const page = await lab.browser.context.newPage();
    try {
      const watch = await watchPage(page, lab.server.base);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${lab.server.base}/lab/tree/${DECK}?token=${lab.server.token}&reset`, { waitUntil: "load" });
      // All 8 formulas: the 6 of the student text and the 2 of the solution (a notebook shows every cell).
      await expect.poll(() => page.locator(".jp-Notebook .jp-RenderedMarkdown mjx-container").count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(8);
      expect(await page.locator(".jp-Notebook mjx-merror").count()).toBe(0);
      expect(await page.locator("[data-command='RISE:slideshow'], [data-command='RISE:preview']").count()).toBeGreaterThan(0);
      expect(watch.pageErrors).toEqual([]);
      expect(watch.offsite).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  test("the slideshow (/rise/…): the notebook's slides, math typeset, a chart, and a cell run live", async () => {
    const page = await lab.browser.context.newPage();
    try {
      const watch = await watchPage(page, lab.server.base);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.goto(`${lab.server.base}/rise/${DECK}?token=${lab.server.token}`, { waitUntil: "load" });
      await page.locator(".reveal .slides section").first().waitFor({ timeout: 60_000 });
      await expect.poll(() => page.locator(".reveal mjx-container").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
      expect(await page.locator(".reveal mjx-merror").count()).toBe(0);
      expect(await page.locator(".reveal .slides > section").count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator(".reveal .vega-embed svg, .reveal .vega-embed canvas").count()).toBeGreaterThan(0);
      // Slide 2 holds the code cell: run it in the slideshow.
      await page.keyboard.press("ArrowRight");
      await page.locator(".reveal section.present .jp-CodeCell .cm-content").first().click();
      await page.keyboard.press("Shift+Enter");
      await page.locator(".reveal").getByText("RISE-LIVE 42").first().waitFor({ timeout: 60_000 });
      expect(watch.pageErrors).toEqual([]);
      // RISE's default theme @imports Google Fonts (blocked here: it falls back to the system's fonts); nothing else.
      expect(watch.offsite.filter((u) => !u.startsWith("https://fonts.googleapis.com/"))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);
});
