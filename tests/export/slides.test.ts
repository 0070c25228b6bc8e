// Slide decks of the handout fixture, checked in real headless Chromium with the network cut off: the breaks that
// slideshow.slide_type asks for (or one slide per ## heading), typeset math, live charts, nothing outside the
// 1280 × 720 slide, and the PDF's one page per slide (poppler's pdfinfo).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM, deckOverflows, launchBrowser, openOffline, printDeckPdf, waitForDeck, waitForHandout, type HandoutBrowser } from "../../src/export/browser";
import { planSlides, renderDeck, slideTypeOf, splitAtH2, type SlideType } from "../../src/export/slides";
import type { NotebookCell, NotebookJson } from "../../src/notebook/types";

const FIXTURE = path.join(__dirname, "fixtures", "handout.ipynb");
const fixture = (): NotebookJson => JSON.parse(readFileSync(FIXTURE, "utf8")) as NotebookJson;

/** The fixture with a slide type on each cell (title, setup-md, setup, chart-md, chart, exercise-md, solution-md, solution, outro). */
function withSlideTypes(types: SlideType[]): NotebookJson {
  const nb = fixture();
  nb.cells.forEach((cell, i) => (cell.metadata = { ...cell.metadata, slideshow: { slide_type: types[i] } }));
  return nb;
}
const TAGGED: SlideType[] = ["slide", "slide", "subslide", "slide", "fragment", "slide", "notes", "skip", "notes"];

const lines = (text: string): string[] => text.split(/(?<=\n)/);
/** A notebook whose slides cannot fit as they are: a 60-line output, a long list, a formula wider than a slide. */
function longNotebook(): NotebookJson {
  const md = (text: string): NotebookCell => ({ cell_type: "markdown", metadata: {}, source: lines(text) });
  const printed = Array.from({ length: 60 }, (_, k) => `step ${String(k).padStart(2)}: ‖g‖ = ${(1.1 ** k).toFixed(6)}`).join("\n");
  const wide = Array.from({ length: 40 }, (_, k) => `w_{${k}} h_{${k}}`).join(" + ");
  const chart = fixture().cells[4]!;
  const chartOutputs = chart.cell_type === "code" ? chart.outputs : [];
  return {
    ...fixture(),
    cells: [
      md("# A long deck\n\nEvery slide here is too big for 1280 × 720 until it is fitted.\n"),
      md("## A long output\n\nThe norm at every step:\n"),
      { cell_type: "code", metadata: {}, execution_count: 1, source: lines("for (let k = 0; k < 60; k++) console.log(k);"), outputs: [{ output_type: "stream", name: "stdout", text: lines(`${printed}\n`) }] },
      md(`## A long list\n\n${Array.from({ length: 30 }, (_, k) => `- item ${k}: $\\gamma^{${k}}$ shrinks`).join("\n")}\n`),
      md(`## A wide formula\n\n$$\nz = ${wide}\n$$\n`),
      md("## A chart after a long output\n"),
      {
        cell_type: "code", metadata: {}, execution_count: 2, source: lines("console.log(table);\nawait show(chart);"),
        outputs: [{ output_type: "stream", name: "stdout", text: lines(`${printed.split("\n").slice(0, 12).join("\n")}\n`) }, ...chartOutputs],
      },
    ],
  };
}

describe("slide_type metadata → slides", () => {
  test("slide, subslide, fragment, notes and skip make the stacks nbconvert and RISE make", () => {
    const plan = planSlides(withSlideTypes(TAGGED), "student");
    expect(plan.byHeadings).toBe(false);
    // Solution cells (6, 7) are not in the student edition; cell 8 is a note of the exercise slide.
    expect(plan.stacks.map((stack) => stack.map((s) => ({ cells: s.cells.map((c) => (c.fragment ? `${c.index}f` : `${c.index}`)), notes: s.notes })))).toEqual([
      [{ cells: ["0"], notes: [] }],
      [{ cells: ["1"], notes: [] }, { cells: ["2"], notes: [] }],
      [{ cells: ["3", "4f"], notes: [] }],
      [{ cells: ["5"], notes: [8] }],
    ]);
    expect(planSlides(withSlideTypes(TAGGED), "instructor").stacks[3]).toEqual([{ cells: [{ index: 5, fragment: false }], notes: [6, 8] }]);
  });

  test("without any slide type, each ## heading starts a slide", () => {
    const plan = planSlides(fixture(), "student");
    expect(plan.byHeadings).toBe(true);
    expect(plan.stacks.map((stack) => stack.map((s) => s.cells.map((c) => c.index)))).toEqual([[[0]], [[1, 2]], [[3, 4]], [[5, 8]]]);
  });

  test("a ## heading inside a markdown cell also starts a slide (not one inside fenced code, not ###)", () => {
    expect(splitAtH2("Intro\n\n## A\ntext\n### A.1\n```md\n## not a heading\n```\n## B\n")).toEqual([
      "Intro\n\n",
      "## A\ntext\n### A.1\n```md\n## not a heading\n```\n",
      "## B\n",
    ]);
    expect(splitAtH2("## Only\ntext")).toEqual(["## Only\ntext"]);
    const nb = fixture();
    nb.cells[6]!.metadata = {}; // the solution's text, now an ordinary cell ending in a heading
    nb.cells[6]!.source = "Before the heading.\n\n## Wrap-up\n\nAfter it.\n";
    const plan = planSlides(nb, "student");
    expect(plan.stacks.map((stack) => stack[0]!.cells.map((c) => c.part ?? c.index))).toEqual([
      [0], [1, 2], [3, 4], [5, "Before the heading.\n\n"], ["## Wrap-up\n\nAfter it.\n", 8],
    ]);
  });

  test("an unknown slide type names the cell", () => {
    const nb = fixture();
    nb.cells[3]!.metadata = { slideshow: { slide_type: "Slide" } };
    expect(() => planSlides(nb, "student")).toThrow(/cell 4: slideshow\.slide_type must be one of slide, subslide, fragment, skip, notes, -; got "Slide"/);
    expect(slideTypeOf({ cell_type: "markdown", metadata: {}, source: "" })).toBe("-");
  });
});

describe("slide decks in offline Chromium", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "eg-slides-test-"));
  const files = { tagged: path.join(dir, "tagged.slides.html"), headings: path.join(dir, "headings.slides.html"), long: path.join(dir, "long.slides.html") };
  let browser: HandoutBrowser;

  beforeAll(async () => {
    for (const tool of [CHROMIUM, "/usr/bin/pdfinfo"]) if (!existsSync(tool)) throw new Error(`${tool} is missing: run 'bash src/setup/setup.sh'`);
    const opts = { edition: "student" as const, sourcePath: "tests/export/fixtures/handout.ipynb", date: "2026-01-02" };
    const decks = {
      tagged: await renderDeck(withSlideTypes(TAGGED), opts),
      headings: await renderDeck(fixture(), opts),
      long: await renderDeck(longNotebook(), { ...opts, sourcePath: "long.ipynb" }),
    };
    for (const [name, deck] of Object.entries(decks)) {
      expect(deck.mathErrors, name).toEqual([]);
      writeFileSync(files[name as keyof typeof files], deck.html);
    }
    expect(decks.tagged.slides).toBe(5);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("slide_type deck: offline, one section per break, fragment and notes, math typeset, chart live", async () => {
    const { page, log } = await openOffline(browser, files.tagged, { viewport: { width: 1280, height: 720 } });
    try {
      const deck = await waitForDeck(page);
      const charts = await waitForHandout(page);
      expect(log.blocked, "requests that left the file").toEqual([]);
      expect(log.errors, "console errors").toEqual([]);
      // Four horizontal slides; the second has a subslide below it: five sections that hold no section. The author
      // chose the breaks, so the "A chart" slide (text, formula, code and chart: taller than 720 px) is shrunk, not split.
      expect(deck).toMatchObject({ slides: 5, split: 0, scaled: 1 });
      expect(await page.locator(".reveal .slides > section").count()).toBe(4);
      expect(await page.locator(".reveal .slides > section > section").count()).toBe(2);
      expect(await page.locator(".reveal .slides section .fragment").count()).toBe(1);
      expect(await page.locator(".reveal .slides section .fragment figure.chart").count()).toBe(1);
      const notes = await page.locator("aside.notes").allTextContents();
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain("That is all");
      expect(await page.locator(".cell.solution").count()).toBe(0);
      // Math: the student text's 6 formulas (as in the handout) as KaTeX, KaTeX's fonts loaded, no $ left.
      expect(await page.locator(".slide-body .katex").count()).toBe(6);
      expect(await page.evaluate(() => document.fonts.check("26px KaTeX_Main"))).toBe(true);
      const prose = await page.locator(".slide-body .cell.markdown").evaluateAll((els) =>
        els.map((e) => {
          const copy = e.cloneNode(true) as HTMLElement;
          copy.querySelectorAll("code, .katex-mathml").forEach((c) => c.remove());
          return copy.textContent ?? "";
        }).join("\n"),
      );
      expect(prose).not.toContain("$");
      // The chart: vega-embed replaced the static SVG with a live view that drew both series.
      expect(charts).toEqual({ charts: 1, embedded: 1, failed: 0, done: true });
      expect(await page.locator(".chart-static").count()).toBe(0);
      expect(await page.locator("figure.chart .vega-embed svg .mark-line path").count()).toBe(2);
      expect(await deckOverflows(page)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  test("the speaker view (key S) opens from the file, offline, with the slide's notes", async () => {
    const { page, log } = await openOffline(browser, files.tagged, { viewport: { width: 1280, height: 720 } });
    try {
      await waitForDeck(page);
      await page.evaluate(() => (window as unknown as { Reveal: { slide(h: number): void } }).Reveal.slide(3));
      const popup = browser.context.waitForEvent("page", { timeout: 10_000 });
      await page.keyboard.press("s");
      const speaker = await popup;
      await speaker.locator(".speaker-controls-notes").filter({ hasText: "That is all" }).waitFor({ timeout: 10_000 });
      await speaker.close();
      expect(log.blocked).toEqual([]);
      expect(log.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  test("heading deck: each ## heading opens a slide, the title block the first", async () => {
    const { page, log } = await openOffline(browser, files.headings, { viewport: { width: 1280, height: 720 } });
    try {
      const deck = await waitForDeck(page);
      expect(log.blocked).toEqual([]);
      expect(log.errors).toEqual([]);
      const firsts = await page.locator(".reveal .slides section:not(.continued-slide) > .slide-body > :first-child").evaluateAll((els) => els.map((e) => e.querySelector("h1, h2")?.textContent ?? e.tagName));
      expect(firsts).toEqual(["Fixture: a gradient that shrinks", "Setup", "A chart", "Exercise"]);
      expect(deck.slides).toBe(4 + deck.split);
      // The chart, alone on its slide with its code, grows into the room below it (and still fits: checked next).
      expect(deck.grown).toBe(1);
      expect(Number(await page.locator("figure.chart").evaluate((e) => (e as HTMLElement).style.getPropertyValue("zoom")))).toBeGreaterThan(1.1);
      expect(await deckOverflows(page)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  test("long slides are split (by headings), wide blocks shrunk, until nothing lies outside 1280 × 720", async () => {
    const { page, log } = await openOffline(browser, files.long, { viewport: { width: 1280, height: 720 } });
    try {
      const deck = await waitForDeck(page);
      expect(log.errors).toEqual([]);
      // The 60-line output and the 30-item list each need more than one slide; the wide formula is shrunk on its own.
      expect(deck.split).toBeGreaterThanOrEqual(2);
      expect(deck.narrowed).toBe(1);
      expect(Number(await page.locator(".math-display").evaluate((e) => (e as HTMLElement).style.getPropertyValue("zoom")))).toBeLessThan(1);
      expect(await page.locator("section.continued-slide ul li").count()).toBeGreaterThan(0);
      expect(await page.locator("section.continued-slide p.continued").first().textContent()).toMatch(/\(continued\)$/);
      const text = (await page.locator(".reveal .slides").textContent()) ?? "";
      for (const k of [0, 30, 59]) expect(text).toContain(`step ${String(k).padStart(2)}:`);
      expect(await deckOverflows(page)).toEqual([]);
      // The chart of a cell broken into pieces is the live view itself, not a copy: its tooltip answers the mouse.
      const chartSlide = await page.locator("section:has(figure.chart)").evaluate((s) => {
        const reveal = (window as unknown as { Reveal: { getIndices(e: Element): { h: number; v?: number }; slide(h: number, v?: number): void } }).Reveal;
        const { h, v } = reveal.getIndices(s);
        reveal.slide(h, v);
        return s.querySelector(".continued") !== null;
      });
      expect(chartSlide, "the chart sits on a continuation slide (its cell was split)").toBe(true);
      // The chart is the live view itself, moved there, not a copy (a copy keeps the drawing but loses vega's view
      // and with it tooltips and sliders).
      expect(await page.locator("section.present figure.chart .chart-live").evaluateAll((els) =>
        els.map((e) => typeof (e as unknown as { __view?: { signal?: unknown } }).__view?.signal),
      )).toEqual(["function"]);
      // The measurement can fail: a block taller than the slide is reported.
      await page.evaluate(() => {
        const tall = document.createElement("div");
        tall.style.height = "900px";
        document.querySelector(".reveal .slides section .slide-body")!.appendChild(tall);
      });
      const reported = (await deckOverflows(page))[0] ?? "";
      expect(reported).toMatch(/^slide 1: content \d+ × \d+$/);
      expect(Number(reported.split(" × ")[1])).toBeGreaterThan(900);
    } finally {
      await page.close();
    }
  }, 60_000);

  test("the PDF has one page per slide, each the slide's 16:9 shape", async () => {
    for (const name of ["tagged", "long"] as const) {
      const pdf = files[name].replace(/\.html$/, ".pdf");
      const slides = await printDeckPdf(browser, files[name], pdf);
      const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
      expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]), `${name}: ${info}`).toBe(slides);
      const [w, h] = /^Page size:\s+([\d.]+) x ([\d.]+)/m.exec(info)!.slice(1).map(Number);
      expect(w! / h!).toBeCloseTo(16 / 9, 2);
      if (name === "tagged") {
        expect(slides).toBe(5);
        // The fragment (the chart) is on its slide's page, not a page of its own; math is text in KaTeX fonts.
        expect(execFileSync("pdffonts", [pdf], { encoding: "utf8" })).toMatch(/KaTeX_Main-Regular/);
        expect(execFileSync("pdftotext", ["-f", "4", "-l", "4", pdf, "-"], { encoding: "utf8" })).toContain("Gradient norm against distance");
      }
    }
  }, 90_000);
});
