/**
 * Headless Debian Chromium driven by playwright-core, kept offline: every request other than the page's own
 * file is aborted and recorded. Used to print handout PDFs and by the browser tests.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { SLIDE_HEIGHT, SLIDE_WIDTH, type DeckPageState } from "./slides";

/** Debian's chromium, installed by src/setup/setup.sh (playwright cannot download browsers here). */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless run that does not phone home. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** A running browser with its own fresh profile, removed by close(). */
export interface HandoutBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh user-data-dir. Fails with the setup command if Chromium is missing.
 * @example const b = await launchBrowser(); try { … } finally { await b.close(); }
 */
export async function launchBrowser(options: { javaScriptEnabled?: boolean } = {}): Promise<HandoutBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run 'bash src/setup/setup.sh' (it installs Debian's chromium)`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), "eg-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      viewport: { width: 1000, height: 1300 },
      offline: false,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What happened while a page loaded offline. */
export interface OfflineLog {
  /** Requests that were not the page's own file (all aborted). Empty means the page is self-contained. */
  blocked: string[];
  /** console.error messages and uncaught exceptions. */
  errors: string[];
}

/**
 * Opens a local HTML file in a new page with the network cut off: only the file itself may load; any other
 * request (http, https, file, …; data: URIs never reach the network) is aborted and listed in `log.blocked`.
 */
export async function openOffline(
  browser: HandoutBrowser | BrowserContext,
  htmlFile: string,
  options: { query?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ page: Page; log: OfflineLog; url: string }> {
  const context = "context" in browser ? browser.context : browser;
  // The query (e.g. "?print-pdf" for a slide deck) is part of the file's own URL, not another request.
  const url = pathToFileURL(path.resolve(htmlFile)).href + (options.query ?? "");
  const log: OfflineLog = { blocked: [], errors: [] };
  const page = await context.newPage();
  if (options.viewport) await page.setViewportSize(options.viewport);
  page.on("console", (msg) => {
    if (msg.type() === "error") log.errors.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (e) => log.errors.push(`uncaught: ${e.message}`));
  page.on("request", (req) => {
    if (req.url() !== url && !req.url().startsWith("data:")) log.blocked.push(req.url());
  });
  await page.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort("blockedbyclient")));
  await page.goto(url, { waitUntil: "load" });
  return { page, log, url };
}

/** State the handout's boot script publishes (see render.ts). */
export interface HandoutPageState {
  charts: number;
  embedded: number;
  failed: number;
  done: boolean;
}

/** Waits until every chart has been embedded (or kept static after a failure) and fonts are loaded. */
export async function waitForHandout(page: Page, timeoutMs = 20_000): Promise<HandoutPageState> {
  const hasScripts = await page.evaluate(() => "__handout" in window).catch(() => false);
  if (hasScripts) {
    await page.waitForFunction(() => (window as unknown as { __handout?: { done: boolean } }).__handout?.done === true, undefined, {
      timeout: timeoutMs,
    });
  }
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (!hasScripts) return { charts: 0, embedded: 0, failed: 0, done: true };
  return page.evaluate(() => (window as unknown as { __handout: HandoutPageState }).__handout);
}

/**
 * Prints a handout to an A4 PDF (vector: charts stay SVG, math stays text in KaTeX fonts), with the title and
 * page numbers in the footer and the headings as PDF bookmarks. Fails if the page asked for anything off-file
 * or logged an error.
 */
export async function printPdf(browser: HandoutBrowser, htmlFile: string, pdfFile: string, title: string): Promise<void> {
  const { page, log } = await openOffline(browser, htmlFile);
  try {
    const state = await waitForHandout(page);
    if (log.blocked.length > 0) throw new Error(`${htmlFile}: the page requested ${log.blocked.join(", ")} (handouts must be self-contained)`);
    if (log.errors.length > 0) throw new Error(`${htmlFile}: errors in the page: ${log.errors.join("; ")}`);
    if (state.failed > 0) throw new Error(`${htmlFile}: ${state.failed} of ${state.charts} charts failed to embed`);
    await page.emulateMedia({ media: "print" });
    const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    await page.pdf({
      path: pdfFile,
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: `<div style="font: 8px 'DejaVu Sans', sans-serif; color: #666; width: 100%; margin: 0 15mm; display: flex; justify-content: space-between;"><span>${esc}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`,
      margin: { top: "16mm", bottom: "18mm", left: "15mm", right: "15mm" },
      outline: true,
      tagged: true,
    });
  } finally {
    await page.close();
  }
}

/** Waits until a slide deck (src/export/slides.ts) has embedded its charts, fitted its slides and started reveal.js. */
export async function waitForDeck(page: Page, timeoutMs = 30_000): Promise<DeckPageState> {
  await page.waitForFunction(() => (window as unknown as { __deck?: { done: boolean } }).__deck?.done === true, undefined, { timeout: timeoutMs });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const state = await page.evaluate(() => (window as unknown as { __deck: DeckPageState }).__deck);
  if (state.error !== undefined) throw new Error(`the deck did not start: ${state.error}`);
  return state;
}

/**
 * Prints a slide deck to PDF with reveal.js's print-pdf mode: one page per slide (fragments shown, no separate
 * pages for them), the page the slide's shape, vector charts and text math as in the handouts. Fails if the deck
 * asked for anything off-file, logged an error, or left anything outside a slide. Returns the number of slides.
 */
export async function printDeckPdf(browser: HandoutBrowser, htmlFile: string, pdfFile: string): Promise<number> {
  // First as shown on screen (print-pdf lays slides out as pages, which deckOverflows does not read): nothing cut off.
  const screen = await openOffline(browser, htmlFile, { viewport: { width: SLIDE_WIDTH, height: SLIDE_HEIGHT } });
  try {
    await waitForDeck(screen.page);
    const cut = await deckOverflows(screen.page);
    if (cut.length > 0) throw new Error(`${htmlFile}: content outside the ${SLIDE_WIDTH} × ${SLIDE_HEIGHT} slide: ${cut.join("; ")}`);
  } finally {
    await screen.page.close();
  }
  const { page, log } = await openOffline(browser, htmlFile, { query: "?print-pdf" });
  try {
    const state = await waitForDeck(page);
    await page.waitForFunction(() => (window as unknown as { __deck: DeckPageState }).__deck.pdfReady, undefined, { timeout: 30_000 });
    const charts = await waitForHandout(page);
    if (log.blocked.length > 0) throw new Error(`${htmlFile}: the deck requested ${log.blocked.join(", ")} (decks must be self-contained)`);
    if (log.errors.length > 0) throw new Error(`${htmlFile}: errors in the deck: ${log.errors.join("; ")}`);
    if (charts.failed > 0) throw new Error(`${htmlFile}: ${charts.failed} of ${charts.charts} charts failed to embed`);
    await page.emulateMedia({ media: "print" });
    // reveal.js sets @page to the slide's size (plus its margin): keep that, and print the slide backgrounds.
    await page.pdf({ path: pdfFile, preferCSSPageSize: true, printBackground: true, tagged: true });
    return state.slides;
  } finally {
    await page.close();
  }
}

/**
 * For every slide of a started deck (shown in turn by reveal.js): what lies outside the 1280 × 720 slide, in slide
 * pixels: the slide body's scroll size, or the first element whose box leaves the slide's box. Empty when nothing
 * is cut off. Leaves the deck on its first slide.
 */
export async function deckOverflows(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ W, H }) => {
      const reveal = (window as unknown as { Reveal: { slide(h: number, v?: number): void; getScale(): number; getIndices(s: Element): { h: number; v?: number } } }).Reveal;
      const leaves = Array.from(document.querySelectorAll(".reveal .slides section")).filter((s) => !s.querySelector("section"));
      const problems: string[] = [];
      for (const [n, section] of leaves.entries()) {
        const { h, v } = reveal.getIndices(section);
        reveal.slide(h, v);
        const body = section.querySelector(":scope > .slide-body") as HTMLElement;
        if (body.scrollHeight > H + 1 || body.scrollWidth > W + 1) problems.push(`slide ${n + 1}: content ${body.scrollWidth} × ${body.scrollHeight}`);
        const scale = reveal.getScale();
        const box = section.getBoundingClientRect();
        for (const el of Array.from(section.querySelectorAll(".slide-body *"))) {
          if (el.closest(".katex-mathml, aside.notes")) continue; // KaTeX's MathML copy is clipped away on purpose
          // Inside an inline <svg> (a chart), marks beyond its viewport are clipped by it: the <svg> box is what shows.
          if ((el as SVGElement).ownerSVGElement) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue; // paints nothing (KaTeX's struts and empty spans)
          const [x0, y0, x1, y1] = [(r.left - box.left) / scale, (r.top - box.top) / scale, (r.right - box.left) / scale, (r.bottom - box.top) / scale];
          if (x0 < -1 || y0 < -1 || x1 > W + 1 || y1 > H + 1) {
            problems.push(`slide ${n + 1}: <${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> at ${[x0, y0, x1, y1].map(Math.round).join(", ")}`);
            break;
          }
        }
      }
      reveal.slide(0, 0);
      return problems;
    },
    { W: SLIDE_WIDTH, H: SLIDE_HEIGHT },
  );
}
