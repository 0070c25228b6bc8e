/**
 * One executed notebook → one self-contained reveal.js slide deck (HTML string), from the same cell renderer as
 * the handout (./render): KaTeX math, highlighted code, charts upgraded from their static SVG by vega-embed.
 *
 * Slide breaks follow Jupyter's `slideshow.slide_type` cell metadata (what RISE and `nbconvert --to slides` read):
 * "slide" starts a slide, "subslide" a slide below the current one (reveal.js's vertical stack), "fragment" shows
 * the cell on the next click, "notes" puts it in the speaker notes, "skip" leaves it out, "-" (or none) continues the
 * slide. A notebook that sets none gets a slide per `## heading` (a markdown cell is cut where one starts inside it). Either way, in the browser, a slide taller or
 * wider than 1280 × 720 is fitted before reveal.js starts: split at cell (then paragraph, output, line) boundaries
 * where the deck was made by headings, shrunk (CSS zoom) where the author chose the breaks or a piece is still too big.
 */
import type { NotebookCell, NotebookJson } from "../notebook/types";
import { loadAssets, loadDeckAssets, type DeckAssets, type HandoutAssets } from "./assets";
import { inEdition } from "./edition";
import { escapeHtml } from "./markdown";
import { CHART_BOOT_SCRIPT, chartScripts, editionNote, h2Texts, renderCell, startPage, titleHtml, type RenderedHandout, type RenderOptions } from "./render";

/** Jupyter's slide types (JupyterLab: property inspector → Common Tools → Slide Type). "-" continues the slide. */
export const SLIDE_TYPES = ["slide", "subslide", "fragment", "skip", "notes", "-"] as const;
export type SlideType = (typeof SLIDE_TYPES)[number];

/** The slide size reveal.js lays out and scales to the window; the PDF has one page of this shape per slide. */
export const SLIDE_WIDTH = 1280;
export const SLIDE_HEIGHT = 720;

/** The cell's `metadata.slideshow.slide_type`, "-" when unset. An unknown value is an error naming the cell. */
export function slideTypeOf(cell: NotebookCell, cellNumber = 0): SlideType {
  const slideshow = cell.metadata?.["slideshow"] as { slide_type?: unknown } | undefined;
  const type = slideshow?.slide_type;
  if (type === undefined || type === null || type === "") return "-";
  if (typeof type === "string" && (SLIDE_TYPES as readonly string[]).includes(type)) return type as SlideType;
  throw new Error(`cell ${cellNumber}: slideshow.slide_type must be one of ${SLIDE_TYPES.join(", ")}; got ${JSON.stringify(type)}`);
}

/**
 * One slide: the cells it shows (some as fragments) and those that are its speaker notes, as 0-based cell indices.
 * `part` is the piece of a markdown cell that a deck made by headings cut at a `##` heading inside the cell.
 */
export interface PlannedSlide {
  cells: { index: number; fragment: boolean; part?: string }[];
  notes: number[];
}

/** The deck's layout: horizontal stacks of slides (a stack of one is an ordinary slide). */
export interface SlidePlan {
  stacks: PlannedSlide[][];
  /** True when no cell sets a slide type, so the breaks are the `##` headings and long slides may be split. */
  byHeadings: boolean;
}

/**
 * A markdown cell's text cut before each `## heading` line (ATX, outside fenced code): where a deck made by
 * headings starts a slide, also in the middle of a cell.
 * @example splitAtH2("Intro\n\n## A\ntext\n## B\n") // ["Intro\n\n", "## A\ntext\n", "## B\n"]
 */
export function splitAtH2(source: string): string[] {
  const parts: string[] = [];
  let current = "";
  let fence: string | undefined;
  for (const line of source.split(/(?<=\n)/)) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence === undefined ? marker : undefined;
    else if (fence === undefined && /^ {0,3}##(?:[ \t]|$)/.test(line) && current.trim() !== "") {
      parts.push(current);
      current = "";
    }
    current += line;
  }
  if (current !== "" || parts.length === 0) parts.push(current);
  return parts;
}

const startsWithH2 = (text: string): boolean => /^ {0,3}##(?:[ \t]|$)/.test(text.trimStart().split("\n")[0] ?? "");

/**
 * Groups a notebook's cells (those of `edition`) into slides, following `slideshow.slide_type` or, when no cell
 * sets one, starting a slide at each cell that begins with a `##` heading.
 * @example planSlides(nb, "student").stacks.flat().length // the number of slides before any splitting
 */
export function planSlides(notebook: NotebookJson, edition: RenderOptions["edition"]): SlidePlan {
  const types = notebook.cells.map((cell, i) => slideTypeOf(cell, i + 1));
  const byHeadings = types.every((t) => t === "-");
  const stacks: PlannedSlide[][] = [];
  const current = (): PlannedSlide => {
    if (stacks.length === 0) stacks.push([{ cells: [], notes: [] }]);
    const stack = stacks[stacks.length - 1]!;
    return stack[stack.length - 1]!;
  };
  const isEmpty = (s: PlannedSlide): boolean => s.cells.length === 0 && s.notes.length === 0;
  const place = (index: number, type: SlideType, part?: string): void => {
    if (type === "skip") return;
    if (type === "slide" && stacks.length > 0) stacks.push([{ cells: [], notes: [] }]);
    else if (type === "subslide" && stacks.length > 0 && !isEmpty(current())) stacks[stacks.length - 1]!.push({ cells: [], notes: [] });
    const slide = current();
    if (type === "notes") slide.notes.push(index);
    else slide.cells.push(part === undefined ? { index, fragment: type === "fragment" } : { index, fragment: false, part });
  };
  for (const [index, cell] of notebook.cells.entries()) {
    if (!inEdition(cell, edition)) continue;
    if (!byHeadings) place(index, types[index]!);
    else if (cell.cell_type !== "markdown") place(index, "-");
    else {
      const parts = splitAtH2(Array.isArray(cell.source) ? cell.source.join("") : cell.source);
      if (parts.length === 1) place(index, startsWithH2(parts[0]!) ? "slide" : "-");
      else for (const part of parts) place(index, startsWithH2(part) ? "slide" : "-", part);
    }
  }
  return { stacks, byHeadings };
}

export interface DeckOptions extends RenderOptions {
  /** reveal.js and the deck's CSS (default: loadDeckAssets()). */
  deckAssets?: DeckAssets;
}

/** A rendered deck: the handout's reports (title, math errors, references that would be fetched, …) and its slides. */
export interface RenderedDeck extends Omit<RenderedHandout, "sections"> {
  /** Slides as planned (before the browser splits long ones): one `<section>` each. */
  slides: number;
  /** Level-2 headings, in order. */
  sections: string[];
  byHeadings: boolean;
}

/**
 * Renders an executed notebook as a reveal.js deck in one HTML file that works offline (reveal.js, its theme and
 * fonts, KaTeX, highlight.js and the chart libraries inlined). The first slide carries the title block.
 * @example
 *   const deck = await renderDeck(executed, { edition: "student", sourcePath: "notebooks/02-iterated-functions.ipynb" });
 *   writeFileSync("02.slides.html", deck.html); // open it; S opens the speaker view, ?print-pdf prints one page a slide
 */
export async function renderDeck(notebook: NotebookJson, options: DeckOptions): Promise<RenderedDeck> {
  const assets: HandoutAssets = options.assets ?? loadAssets();
  const deckAssets = options.deckAssets ?? loadDeckAssets();
  const page = startPage(notebook, options);
  const plan = planSlides(notebook, options.edition);
  const cellHtml = new Map<number, string>();
  const partHtml = new Map<string, string>();
  const cutCells = new Set(plan.stacks.flat().flatMap((s) => s.cells.filter((c) => c.part !== undefined).map((c) => c.index)));
  for (const [index, cell] of notebook.cells.entries()) {
    // Every cell goes through renderCell, so that omitted cells, math errors and references are reported as in handouts.
    if (slideTypeOf(cell, index + 1) === "skip" && inEdition(cell, options.edition)) continue;
    if (!cutCells.has(index)) cellHtml.set(index, await renderCell(cell, index, page));
  }
  for (const c of plan.stacks.flat().flatMap((s) => s.cells)) {
    if (c.part !== undefined) partHtml.set(`${c.index}:${c.part}`, await renderCell({ ...notebook.cells[c.index]!, source: c.part }, c.index, page));
  }
  const htmlOf = (c: PlannedSlide["cells"][number]): string => (c.part === undefined ? cellHtml.get(c.index) : partHtml.get(`${c.index}:${c.part}`)) ?? "";
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const titleBlock =
    `<header class="title-block"><h1>${titleHtml(notebook, page)}</h1>` +
    `<p class="meta"><span class="edition">${editionNote(options.edition)}</span> · <time datetime="${escapeHtml(date)}">${escapeHtml(date)}</time> · source: <code>${escapeHtml(options.sourcePath)}</code></p></header>`;

  let slideCount = 0;
  const renderSlide = (slide: PlannedSlide, first: boolean): string => {
    const body = slide.cells
      .map((c) => ({ html: htmlOf(c), fragment: c.fragment }))
      .filter((c) => c.html !== "")
      .map((c) => (c.fragment ? `<div class="fragment">${c.html}</div>` : c.html));
    const notes = slide.notes.map((i) => cellHtml.get(i) ?? "").filter((h) => h !== "");
    if (!first && body.length === 0) return "";
    slideCount++;
    const cells = slide.cells.map((c) => c.index + 1).join(",");
    return (
      `<section${first ? ' class="title-slide"' : ""} data-cells="${cells}"><div class="slide-body">` +
      `${first ? titleBlock : ""}${body.join("\n")}</div>` +
      `${notes.length > 0 ? `<aside class="notes">${notes.join("\n")}</aside>` : ""}</section>`
    );
  };
  const sections: string[] = [];
  for (const [s, stack] of plan.stacks.entries()) {
    const slides = stack.map((slide, v) => renderSlide(slide, s === 0 && v === 0)).filter((h) => h !== "");
    if (slides.length === 1) sections.push(slides[0]!);
    else if (slides.length > 1) sections.push(`<section>\n${slides.join("\n")}\n</section>`);
  }
  if (sections.length === 0) sections.push(renderSlide({ cells: [], notes: [] }, true));

  const config = { width: SLIDE_WIDTH, height: SLIDE_HEIGHT, split: plan.byHeadings };
  const scripts = [chartScripts(page, assets), ...deckAssets.scripts.map((s) => `<script data-lib="${escapeHtml(s.name)}">${s.code}</script>`)];
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="exploding-gradients slides (src/export)">
<meta name="handout-source" content="${escapeHtml(options.sourcePath)}">
<meta name="handout-edition" content="${options.edition}">
<title>${escapeHtml(page.title)}</title>
<style>
${deckAssets.css}
</style>
</head>
<body class="edition-${options.edition}">
<div class="reveal"><div class="slides">
${sections.join("\n")}
</div></div>
${scripts.filter((s) => s !== "").join("\n")}
<script type="application/json" id="deck-config">${JSON.stringify(config)}</script>
<script>${CHART_BOOT_SCRIPT}</script>
<script>${DECK_BOOT_SCRIPT}</script>
</body>
</html>
`;
  const { title, charts, omittedCells, mathErrors, externalReferences } = page;
  const h2 = h2Texts(sections.join("\n").replace(/<aside class="notes">[\s\S]*?<\/aside>/g, ""));
  return { html, title, sections: h2, charts, omittedCells, mathErrors, externalReferences, slides: slideCount, byHeadings: plan.byHeadings };
}

/** State the deck's boot script publishes in window.__deck (the PDF printer and the tests wait for `done`). */
export interface DeckPageState {
  done: boolean;
  /** Slides after fitting (reveal.js's count). */
  slides: number;
  /** Slides added by splitting long ones. */
  split: number;
  /** Slides shrunk to fit. */
  scaled: number;
  /** Blocks wider than the slide (formulas, tables) shrunk on their own. */
  narrowed: number;
  /** Charts enlarged into the room left on their slide. */
  grown: number;
  /** reveal.js's print layout is ready (only with ?print-pdf). */
  pdfReady: boolean;
  error?: string;
}

/**
 * Runs in the page, after the charts are embedded and the fonts loaded: fits every slide into 1280 × 720, then
 * starts reveal.js. Fitting measures each slide's `.slide-body` at slide size. A deck made by headings is split:
 * cells are packed greedily onto a slide and its continuations ("… (continued)"); a cell too tall on its own is
 * broken into its paragraphs / its input and each output, a list or a text output into halves. Whatever still does
 * not fit (one tall chart) is shrunk with CSS zoom until it does. A block wider than the slide (a long formula, a wide
 * table) is shrunk on its own first, so that it neither takes a slide of its own nor shrinks its neighbours.
 */
const DECK_BOOT_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById("deck-config").textContent);
  var W = config.width, H = config.height;
  var state = (window.__deck = { done: false, slides: 0, split: 0, scaled: 0, narrowed: 0, grown: 0, pdfReady: false });
  var print = /print-pdf/i.test(window.location.search);

  function leaves() {
    return Array.prototype.filter.call(document.querySelectorAll(".reveal .slides section"), function (s) { return !s.querySelector("section"); });
  }
  function measureOn(section) {
    section.style.cssText = "display:block;position:absolute;visibility:hidden;left:0;top:0;width:" + W + "px;transform:none";
  }
  function measureOff(section) { section.style.cssText = ""; }
  function overflows(body) { return tooTall(body) || body.scrollWidth > W + 0.5; }
  function tooTall(body) { return body.scrollHeight > H + 0.5; }
  /** Shrinks, one by one, the blocks wider than the slide (a long formula, a wide table), not the whole slide. */
  function narrow(body) {
    Array.prototype.forEach.call(body.querySelectorAll(".math-display, table, p, li, .output"), function (el) {
      if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) return;
      var zoom = el.clientWidth / el.scrollWidth;
      for (var i = 0; i < 30; i++) {
        el.style.zoom = String(zoom);
        if (el.scrollWidth <= el.clientWidth + 1) break;
        zoom *= 0.96;
      }
      state.narrowed++;
    });
  }
  function units(body) {
    return Array.prototype.filter.call(body.children, function (c) { return !c.classList.contains("continued"); });
  }
  function shell(el) { var copy = el.cloneNode(false); copy.removeAttribute("id"); return copy; }
  function wrap(outer, child) { var w = shell(outer); w.appendChild(child); return w; }
  function kids(el) { return Array.prototype.slice.call(el.children); }
  /**
   * Smaller pieces of a unit that is too tall on its own (and already out of the page), or [] when it cannot be
   * broken. The pieces take the unit's own nodes, never copies: a live chart keeps its vega view and its handlers.
   */
  function explode(unit) {
    if (unit.classList.contains("cell") && unit.classList.contains("code")) {
      var parts = [];
      kids(unit).forEach(function (c) {
        if (c.classList.contains("outputs") && c.children.length > 1) {
          kids(c).forEach(function (o) { parts.push(wrap(unit, wrap(c, o))); });
        } else parts.push(wrap(unit, c));
      });
      if (parts.length > 1) return parts;
      kids(parts[0]).forEach(function (c) { unit.appendChild(c); }); // one piece: give it back
    } else if (unit.classList.contains("cell") && unit.children.length > 1) {
      return kids(unit).map(function (c) { return wrap(unit, c); });
    }
    // A list alone: halves by items (an ordered list keeps its numbering).
    var list = unit.children.length === 1 ? unit.firstElementChild : null;
    if (list && (list.tagName === "UL" || list.tagName === "OL") && list.children.length > 1) {
      var items = kids(list);
      var mid = Math.ceil(items.length / 2);
      var start = Number(list.getAttribute("start") || 1);
      return [items.slice(0, mid), items.slice(mid)].map(function (part, k) {
        var l = shell(list);
        if (list.tagName === "OL" && k === 1) l.setAttribute("start", String(start + mid));
        part.forEach(function (li) { l.appendChild(li); });
        return wrap(unit, l);
      });
    }
    // A single text output (or a unit wrapping only one): halves by lines.
    var pres = unit.querySelectorAll("pre.output");
    if (pres.length === 1 && unit.textContent.trim() === pres[0].textContent.trim()) {
      var lines = pres[0].textContent.split("\\n");
      if (lines.length < 2) return [];
      var half = Math.ceil(lines.length / 2);
      return [lines.slice(0, half), lines.slice(half)].map(function (part) {
        var copy = unit.cloneNode(true);
        copy.querySelector("pre.output").textContent = part.join("\\n");
        return copy;
      });
    }
    return [];
  }
  function headingOf(section) {
    var h = section.querySelector(".slide-body h2, .slide-body h1");
    return h ? h.textContent.trim() : document.title;
  }
  function newContinuation(after, heading) {
    var section = document.createElement("section");
    section.className = "continued-slide";
    section.setAttribute("data-cells", after.getAttribute("data-cells") || "");
    var body = document.createElement("div");
    body.className = "slide-body";
    var note = document.createElement("p");
    note.className = "continued";
    note.textContent = heading + " (continued)";
    body.appendChild(note);
    section.appendChild(body);
    after.parentNode.insertBefore(section, after.nextSibling);
    return section;
  }
  function split(section) {
    var body = section.querySelector(":scope > .slide-body");
    if (!tooTall(body)) return [section];
    var heading = headingOf(section);
    var queue = units(body);
    queue.forEach(function (u) { u.remove(); });
    var out = [section], current = section, currentBody = body, placed = 0;
    while (queue.length > 0) {
      var unit = queue.shift();
      currentBody.appendChild(unit);
      if (!tooTall(currentBody)) { placed++; continue; }
      unit.remove();
      if (placed > 0) {
        measureOff(current);
        current = newContinuation(current, heading);
        measureOn(current);
        currentBody = current.querySelector(".slide-body");
        out.push(current);
        placed = 0;
        queue.unshift(unit);
        continue;
      }
      var pieces = explode(unit);
      if (pieces.length > 1) { queue = pieces.concat(queue); continue; }
      currentBody.appendChild(unit); // cannot be broken: keep it alone here, it will be shrunk
      placed++;
    }
    measureOff(current);
    state.split += out.length - 1;
    return out;
  }
  function shrink(section) {
    var body = section.querySelector(":scope > .slide-body");
    if (!overflows(body)) return;
    var box = document.createElement("div");
    box.className = "slide-zoom";
    while (body.firstChild) box.appendChild(body.firstChild);
    body.appendChild(box);
    var zoom = Math.min(W / body.scrollWidth, H / body.scrollHeight, 1);
    for (var i = 0; i < 40; i++) {
      box.style.zoom = String(zoom);
      if (!overflows(body)) break;
      zoom *= 0.96;
    }
    state.scaled++;
  }
  /**
   * A slide's only chart grows into the room left below it (at most 1.6×): Vega's sizes suit a page, and a chart
   * using 40% of a slide is hard to read from the back of a room.
   */
  function grow(section) {
    var body = section.querySelector(":scope > .slide-body");
    var charts = body.querySelectorAll("figure.chart");
    if (charts.length !== 1 || body.querySelector(".slide-zoom") || tooTall(body)) return;
    var chart = charts[0], h = chart.offsetHeight;
    var drawn = chart.querySelector("svg, canvas");
    var w = drawn ? drawn.getBoundingClientRect().width : chart.offsetWidth;
    var zoom = Math.min(1.6, (h + H - body.scrollHeight) / Math.max(h, 1), chart.offsetWidth / Math.max(w, 1));
    if (!(zoom > 1.05)) return;
    for (var i = 0; i < 20 && zoom > 1.05; i++) {
      chart.style.zoom = String(zoom);
      if (!overflows(body)) { state.grown++; return; }
      zoom *= 0.96;
    }
    chart.style.zoom = "";
  }
  function fit() {
    leaves().forEach(function (section) {
      measureOn(section);
      narrow(section.querySelector(":scope > .slide-body"));
      var parts = config.split ? split(section) : [section];
      parts.forEach(function (part) { measureOn(part); shrink(part); grow(part); measureOff(part); });
    });
  }

  Promise.resolve(window.__handoutCharts)
    .then(function () { return document.fonts.ready; })
    .then(function () {
      fit();
      if (print) Reveal.on("pdf-ready", function () { state.pdfReady = true; });
      return Reveal.initialize({
        width: W, height: H, margin: 0.04, minScale: 0.1, maxScale: 3, center: false, hash: true,
        slideNumber: "c/t", transition: "none", backgroundTransition: "none",
        pdfMaxPagesPerSlide: 1, pdfSeparateFragments: false,
        plugins: typeof RevealNotes === "undefined" ? [] : [RevealNotes]
      });
    })
    .then(function () {
      state.slides = Reveal.getTotalSlides();
      state.done = true;
    }, function (error) {
      state.error = String(error);
      state.done = true;
      console.error("slides: " + error);
    });
})();
`;
