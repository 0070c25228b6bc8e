// The handout of a small executed fixture notebook, checked in real headless Chromium with the network cut
// off, then as a PDF through poppler (text, fonts, images, first page rasterized).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PALETTE } from "../../src/charts/theme";
import { CHROMIUM, launchBrowser, openOffline, printPdf, waitForHandout, type HandoutBrowser } from "../../src/export/browser";
import { renderHandout, type RenderedHandout } from "../../src/export/render";
import type { NotebookJson } from "../../src/notebook/types";

const FIXTURE = path.join(__dirname, "fixtures", "handout.ipynb");
const SETUP_HINT = "run 'bash src/setup/setup.sh' (installs chromium and poppler-utils)";

/** Decodes a binary PPM (P6), which pdftoppm writes without -png: width, height and RGB bytes. */
function readPpm(file: string): { width: number; height: number; rgb: Buffer } {
  const buf = readFileSync(file);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error(`${file} is not a binary PPM`);
  const [whole, w, h] = header;
  return { width: Number(w), height: Number(h), rgb: buf.subarray(whole.length) };
}

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

describe("handout of the fixture notebook", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-handout-test-"));
  const notebook = JSON.parse(readFileSync(FIXTURE, "utf8")) as NotebookJson;
  const files = { student: path.join(dir, "student.html"), instructor: path.join(dir, "instructor.html") };
  const rendered: Partial<Record<keyof typeof files, RenderedHandout>> = {};
  let browser: HandoutBrowser;

  beforeAll(async () => {
    for (const tool of [CHROMIUM, "/usr/bin/pdftoppm", "/usr/bin/pdftotext", "/usr/bin/pdfimages", "/usr/bin/pdffonts"]) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: ${SETUP_HINT}`);
    }
    for (const edition of ["student", "instructor"] as const) {
      const r = await renderHandout(notebook, { edition, sourcePath: "tests/export/fixtures/handout.ipynb", date: "2026-01-02" });
      rendered[edition] = r;
      writeFileSync(files[edition], r.html);
    }
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the title block comes from the first H1; sections from the H2s; every formula typesets", () => {
    const r = rendered.student!;
    expect(r.title).toBe("Fixture: a gradient that shrinks");
    expect(r.sections).toEqual(["Setup", "A chart", "Exercise"]);
    expect(r.mathErrors).toEqual([]);
    expect(r.html).toContain("source: <code>tests/export/fixtures/handout.ipynb</code>");
    expect(r.html).toContain('<time datetime="2026-01-02">');
    // The H1 is shown once, in the title block.
    expect(r.html.match(/<h1>/g)).toHaveLength(1);
  });

  test("student edition: loads offline without errors, chart embedded with marks, math typeset, no solution", async () => {
    const { page, log } = await openOffline(browser, files.student);
    try {
      const state = await waitForHandout(page);
      expect(log.blocked, "requests that left the file").toEqual([]);
      expect(log.errors, "console errors").toEqual([]);
      expect(state).toEqual({ charts: 1, embedded: 1, failed: 0, done: true });
      // vega-embed replaced the static SVG with its own SVG view, which has drawn line marks.
      expect(await page.locator(".chart-static").count()).toBe(0);
      const paths = await page.locator("figure.chart .vega-embed svg .mark-line path").evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""));
      expect(paths.length).toBe(2); // one per series
      for (const d of paths) expect(d.length).toBeGreaterThan(20);
      // Math: 6 formulas in the student text (1 in the intro, 1 display, 2 in "A chart", 2 in the exercise).
      expect(await page.locator(".katex").count()).toBe(6);
      const prose = await page.locator(".cell.markdown").evaluateAll((els) =>
        els.map((e) => {
          const copy = e.cloneNode(true) as HTMLElement;
          copy.querySelectorAll("code, .katex-mathml").forEach((c) => c.remove());
          return copy.textContent ?? "";
        }).join("\n"),
      );
      expect(prose).not.toContain("$");
      // KaTeX's fonts are loaded (from data: URIs), so the math is not drawn in a fallback font.
      expect(await page.evaluate(() => document.fonts.check("16px KaTeX_Main"))).toBe(true);
      expect(await page.locator(".cell.solution").count()).toBe(0);
      const text = await page.locator("main").innerText();
      expect(text).not.toContain("SOLUTION-MARKER");
      expect(text).not.toContain("65.6");
      expect(text).toContain("0.3486784401000001"); // ordinary outputs stay
      await page.screenshot({ path: path.join(dir, "student.png"), fullPage: true });
    } finally {
      await page.close();
    }
  }, 30_000);

  test("instructor edition keeps the solution cells and their outputs, marked as solutions", async () => {
    const { page, log } = await openOffline(browser, files.instructor);
    try {
      await waitForHandout(page);
      expect(log.blocked).toEqual([]);
      expect(log.errors).toEqual([]);
      expect(await page.locator(".cell.solution").count()).toBe(2);
      const solutions = await page.locator(".cell.solution").allInnerTexts();
      expect(solutions.join("\n")).toContain("SOLUTION-MARKER");
      expect(solutions.join("\n")).toMatch(/^66$/m);
      expect(rendered.instructor!.html).toContain("Instructor edition");
    } finally {
      await page.close();
    }
  }, 30_000);

  test("without JavaScript the static SVG chart and the math are still there", async () => {
    const noJs = await launchBrowser({ javaScriptEnabled: false });
    try {
      const { page, log } = await openOffline(noJs, files.student);
      await page.evaluate(() => document.fonts.ready.then(() => undefined)).catch(() => undefined);
      expect(log.blocked).toEqual([]);
      expect(await page.locator("figure.chart .chart-static svg .mark-line path").count()).toBe(2);
      expect(await page.locator(".vega-embed").count()).toBe(0);
      expect(await page.locator(".katex").count()).toBe(6);
    } finally {
      await noJs.close();
    }
  }, 30_000);

  test("the offline check catches a request leaving the file (so the checks above can fail)", async () => {
    const leaky = path.join(dir, "leaky.html");
    writeFileSync(leaky, '<!DOCTYPE html><img src="https://example.com/x.png"><link rel="stylesheet" href="other.css">');
    const { page, log } = await openOffline(browser, leaky);
    await page.close();
    expect(log.blocked).toEqual(expect.arrayContaining(["https://example.com/x.png", expect.stringMatching(/^file:.*other\.css$/)]));
  }, 30_000);

  test("the PDF: vector chart on page 1, KaTeX fonts embedded, every section present in order", async () => {
    const pdf = path.join(dir, "student.pdf");
    await printPdf(browser, files.student, pdf, rendered.student!.title);

    const text = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" });
    const headingLines = text.split("\n").map((l) => l.trim()).filter((l) => rendered.student!.sections.includes(l));
    expect(headingLines).toEqual(["Setup", "A chart", "Exercise"]);
    expect(text).toContain("Fixture: a gradient that shrinks");
    expect(text).not.toContain("SOLUTION-MARKER");

    // No raster images at all: the chart is vector paths, the math is text.
    const images = execFileSync("pdfimages", ["-list", pdf], { encoding: "utf8" }).trim().split("\n").slice(2);
    expect(images).toEqual([]);
    expect(execFileSync("pdffonts", [pdf], { encoding: "utf8" })).toMatch(/KaTeX_Main-Regular/);
    // Headings become PDF bookmarks (Chromium's document outline).
    expect(readFileSync(pdf).toString("latin1")).toContain("/Outlines");

    // Rasterize page 1 at 60 dpi and find the two series colours: the chart is drawn on the first page.
    execFileSync("pdftoppm", ["-r", "60", "-f", "1", "-l", "1", pdf, path.join(dir, "page")]);
    const ppm = readPpm(path.join(dir, "page-1.ppm"));
    // A4 (8.27 × 11.69 in) at 60 dpi, rounded up by pdftoppm.
    expect(Math.abs(ppm.width - 496.1)).toBeLessThan(1.5);
    expect(Math.abs(ppm.height - 701.6)).toBeLessThan(1.5);
    let nonWhite = 0;
    const seriesPixels = [0, 0];
    const series = [hexRgb(PALETTE[0]!), hexRgb(PALETTE[1]!)];
    for (let i = 0; i < ppm.rgb.length; i += 3) {
      const [r, g, b] = [ppm.rgb[i]!, ppm.rgb[i + 1]!, ppm.rgb[i + 2]!];
      if (r < 240 || g < 240 || b < 240) nonWhite++;
      series.forEach(([sr, sg, sb], k) => {
        if (Math.abs(r - sr) + Math.abs(g - sg) + Math.abs(b - sb) < 30) seriesPixels[k]!++;
      });
    }
    console.log(`page 1: ${nonWhite} non-white pixels, series colour pixels ${seriesPixels.join(", ")}`);
    expect(nonWhite / (ppm.width * ppm.height)).toBeGreaterThan(0.02);
    // Each curve spans ~400 px of the chart, i.e. ~250 px at 60 dpi; anti-aliasing leaves fewer exact matches.
    expect(seriesPixels[0]).toBeGreaterThan(100);
    expect(seriesPixels[1]).toBeGreaterThan(100);
  }, 60_000);
});
