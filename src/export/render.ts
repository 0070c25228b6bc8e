/**
 * One executed notebook → one self-contained HTML handout (string). Markdown and math are rendered here, on
 * the server; charts are shown as their static SVG and upgraded to interactive vega-embed views when scripts
 * run (all scripts are inlined, so the page makes no request at all).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "../charts/render";
import { VEGALITE_MIME } from "../charts/display";
import { joinText, type CellOutput, type MimeBundle, type NotebookCell, type NotebookJson } from "../notebook/types";
import { loadAssets, type HandoutAssets } from "./assets";
import { createMarkdown, escapeHtml, highlightCode, renderMath, type MarkdownEnv } from "./markdown";
import { inEdition, tagsOf, TAGS, type Edition } from "./edition";
import { keepOffline, type ExternalReference } from "./offline";

export interface RenderOptions {
  edition: Edition;
  /** The notebook's path as readers should see it, e.g. "notebooks/02-jacobians.ipynb". */
  sourcePath: string;
  /** Date printed in the title block (default: today, YYYY-MM-DD). */
  date?: string;
  /** Folder of the notebook, for images that markdown cells reference by relative path (inlined as data: URIs). */
  notebookDir?: string;
  /** Assets to inline (default: loadAssets()). */
  assets?: HandoutAssets;
}

/** A formula KaTeX rejected, located by 1-based cell number (all cells counted). */
export interface HandoutMathError {
  cellNumber: number;
  tex: string;
  message: string;
}

/** A reference the page would fetch when opened (a remote image, an iframe, …), by 1-based cell number. */
export interface HandoutExternalReference extends ExternalReference {
  cellNumber: number;
}

export interface RenderedHandout {
  html: string;
  /** From the notebook's first level-1 heading (else the file name). */
  title: string;
  /** Text of the level-2 headings, in order: the handout's sections. */
  sections: string[];
  /** Number of Vega-Lite charts on the page. */
  charts: number;
  /** Cells left out because of the edition or a remove-cell tag (1-based cell numbers). */
  omittedCells: number[];
  mathErrors: HandoutMathError[];
  /** What would be fetched from outside the page (handouts must work offline): write no handout while any. */
  externalReferences: HandoutExternalReference[];
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Text with terminal colour codes removed (tslab colours inspected values). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

const IMAGE_MIME: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml" };

/**
 * An image reference of a markdown cell as a data: URI: "attachment:NAME" from the cell's attachments, or a
 * relative path to a local image next to the notebook. Anything else (http…, missing files) gives undefined:
 * {@link keepOffline} then reports it with the cell, and no handout is written.
 */
function imageResolver(cell: NotebookCell, notebookDir: string | undefined): (src: string) => string | undefined {
  return (src) => {
    if (src.startsWith("attachment:")) {
      const bundle = cell.cell_type === "markdown" ? cell.attachments?.[decodeURIComponent(src.slice("attachment:".length))] : undefined;
      const mime = bundle ? Object.keys(bundle).find((m) => m.startsWith("image/")) : undefined;
      return bundle && mime ? `data:${mime};base64,${asText(bundle[mime]).replace(/\s+/g, "")}` : undefined;
    }
    if (!notebookDir || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("/")) return undefined;
    const file = path.resolve(notebookDir, decodeURIComponent(src.split(/[?#]/)[0]!));
    const mime = IMAGE_MIME[path.extname(file).toLowerCase()];
    if (!mime || !existsSync(file)) return undefined;
    return `data:${mime};base64,${readFileSync(file).toString("base64")}`;
  };
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Gives every id in an inline SVG a prefix (and rewrites its references), so that several charts on one page
 * do not share clip-path or gradient ids (Vega numbers them per process, so two kernels' charts can clash).
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set(Array.from(svg.matchAll(/\sid="([^"]+)"/g), (m) => m[1]!));
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : m))
    .replace(/(href=")#([^"]+)"/g, (m, a: string, id: string) => (ids.has(id) ? `${a}#${prefix}${id}"` : m));
}

/** JSON that can sit inside a <script type="application/json"> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(String).join("");
  return JSON.stringify(value, null, 2);
}

async function renderChart(spec: TopLevelSpec, svg: string | undefined, description: string, page: NotebookPage): Promise<string> {
  const n = ++page.charts;
  const staticSvg = prefixSvgIds(svg ?? (await renderSvg(spec)), `c${n}-`);
  return (
    `<figure class="output chart" id="chart-${n}" aria-label="${escapeHtml(description)}">` +
    `<div class="chart-static">${staticSvg}</div>` +
    `<script type="application/json" class="chart-spec">${scriptJson(spec)}</script>` +
    `</figure>`
  );
}

/** The richest representation of one display_data/execute_result bundle that a static page can show. */
async function renderBundle(data: MimeBundle, page: NotebookPage): Promise<string> {
  const plain = data["text/plain"] !== undefined ? stripAnsi(asText(data["text/plain"])) : "";
  if (data[VEGALITE_MIME] !== undefined) {
    const spec = (typeof data[VEGALITE_MIME] === "string" ? JSON.parse(data[VEGALITE_MIME] as string) : data[VEGALITE_MIME]) as TopLevelSpec;
    const svg = data["image/svg+xml"] !== undefined ? asText(data["image/svg+xml"]) : undefined;
    return renderChart(spec, svg, plain, page);
  }
  if (data["image/svg+xml"] !== undefined) {
    const svg = prefixSvgIds(asText(data["image/svg+xml"]), `s${++page.svgs}-`);
    return `<figure class="output image">${svg}</figure>`;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) {
      const b64 = asText(data[mime]).replace(/\s+/g, "");
      return `<figure class="output image"><img alt="${escapeHtml(plain)}" src="data:${mime};base64,${b64}"></figure>`;
    }
  }
  if (data["text/html"] !== undefined) return `<div class="output html">${asText(data["text/html"])}</div>`;
  if (data["text/markdown"] !== undefined) return `<div class="output markdown">${page.md.render(asText(data["text/markdown"]), page.env)}</div>`;
  if (data["text/latex"] !== undefined) {
    const tex = asText(data["text/latex"]).trim().replace(/^\$\$?([\s\S]*?)\$\$?$/, "$1");
    return `<div class="output math-display">${renderMath(tex, true, page.env)}</div>`;
  }
  if (plain !== "") return `<pre class="output text">${escapeHtml(plain)}</pre>`;
  return "";
}

async function renderOutputs(outputs: CellOutput[], page: NotebookPage): Promise<string> {
  const parts: string[] = [];
  // Consecutive stream chunks of the same stream read as one block, as in Jupyter.
  let stream: { name: string; text: string } | undefined;
  const flush = (): void => {
    if (stream && stream.text !== "") {
      parts.push(`<pre class="output stream ${stream.name}">${escapeHtml(stripAnsi(stream.text).replace(/\n$/, ""))}</pre>`);
    }
    stream = undefined;
  };
  for (const o of outputs) {
    if (o.output_type === "stream") {
      if (stream && stream.name !== o.name) flush();
      stream = { name: o.name, text: (stream?.text ?? "") + joinText(o.text) };
      continue;
    }
    flush();
    if (o.output_type === "error") {
      const trace = o.traceback.length > 0 ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`;
      parts.push(`<pre class="output error">${escapeHtml(stripAnsi(trace))}</pre>`);
    } else {
      parts.push(await renderBundle(o.data, page));
    }
  }
  flush();
  return parts.filter((p) => p !== "").join("\n");
}

/** The notebook's title: the text of its first level-1 heading, or undefined if it has none. */
export function notebookTitle(notebook: NotebookJson): string | undefined {
  return findTitle(notebook, createMarkdown())?.title.trim() || undefined;
}

/** The first level-1 heading of the notebook: its text, and where it is (to leave it out of the body). */
function findTitle(notebook: NotebookJson, md: NotebookPage["md"]): { title: string; source: string; cellIndex: number } | undefined {
  for (const [cellIndex, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "markdown") continue;
    const tokens = md.parse(joinText(cell.source), { mathErrors: [] });
    const open = tokens.findIndex((t) => t.type === "heading_open" && t.tag === "h1");
    const inline = tokens[open + 1];
    if (open >= 0 && inline) return { title: inline.children?.map((c) => c.content).join("") ?? "", source: inline.content, cellIndex };
  }
  return undefined;
}

/** Renders markdown with its first h1 removed (the title block shows it). */
function renderWithoutFirstH1(source: string, page: NotebookPage): string {
  const tokens = page.md.parse(source, page.env);
  const open = tokens.findIndex((t) => t.type === "heading_open" && t.tag === "h1");
  const close = tokens.findIndex((t, i) => i > open && t.type === "heading_close");
  if (open >= 0 && close > open) tokens.splice(open, close - open + 1);
  return page.md.renderer.render(tokens, page.md.options, page.env);
}

/**
 * What rendering one notebook's cells collects, shared by the handout (renderHandout) and the slide deck
 * (src/export/slides.ts), so that both show a cell the same way.
 */
export interface NotebookPage {
  md: ReturnType<typeof createMarkdown>;
  env: MarkdownEnv;
  charts: number;
  svgs: number;
  options: RenderOptions;
  language: string;
  /** From the notebook's first level-1 heading (else the file name). */
  title: string;
  /** Where that heading is: its cell is rendered without it (the title block shows it). */
  found: { title: string; source: string; cellIndex: number } | undefined;
  omittedCells: number[];
  mathErrors: HandoutMathError[];
  externalReferences: HandoutExternalReference[];
}

/** Starts rendering `notebook`: the title, and empty lists of what the cells will report. */
export function startPage(notebook: NotebookJson, options: RenderOptions): NotebookPage {
  const md = createMarkdown();
  const found = findTitle(notebook, md);
  const fileName = options.sourcePath.split(/[\\/]/).pop()?.replace(/\.ipynb$/, "") ?? options.sourcePath;
  return {
    md,
    env: { mathErrors: [] },
    charts: 0,
    svgs: 0,
    options,
    language: String(notebook.metadata.language_info?.name ?? notebook.metadata.kernelspec?.language ?? "typescript"),
    title: found?.title.trim() || fileName,
    found,
    omittedCells: [],
    mathErrors: [],
    externalReferences: [],
  };
}

/** A cell's HTML with its images inlined; what would still be fetched is recorded under its number. */
function offline(page: NotebookPage, html: string, index: number, inlineImage?: (src: string) => string | undefined): string {
  const kept = keepOffline(html, inlineImage);
  for (const r of kept.references) page.externalReferences.push({ cellNumber: index + 1, ...r });
  return kept.html;
}

/**
 * One cell as a `<div class="cell …" data-cell="N">` block: markdown rendered (its first H1 left out when it is
 * the title), code highlighted with its outputs (honouring hide-input / hide-output), solutions labelled. Returns
 * "" for a cell that is not in the edition (recorded in `page.omittedCells`) or shows nothing.
 */
export async function renderCell(cell: NotebookCell, index: number, page: NotebookPage): Promise<string> {
  const tags = tagsOf(cell);
  const isSolution = tags.includes(TAGS.solution);
  if (!inEdition(cell, page.options.edition)) {
    page.omittedCells.push(index + 1);
    return "";
  }
  const before = page.env.mathErrors.length;
  const classes = ["cell", cell.cell_type, ...(isSolution ? ["solution"] : [])].join(" ");
  const label = isSolution ? `<div class="solution-label">Solution</div>` : "";
  let html = "";
  if (cell.cell_type === "markdown") {
    const source = joinText(cell.source);
    const rendered = page.found && page.found.cellIndex === index ? renderWithoutFirstH1(source, page) : page.md.render(source, page.env);
    const body = offline(page, rendered, index, imageResolver(cell, page.options.notebookDir));
    if (body.trim() !== "") html = `<div class="${classes}" data-cell="${index + 1}">${label}${body}</div>`;
  } else if (cell.cell_type === "code") {
    const source = joinText(cell.source).replace(/\s+$/, "");
    const input = tags.includes(TAGS.hideInput) || source === "" ? "" : `<div class="input">${highlightCode(source, page.language)}</div>`;
    const outputs = tags.includes(TAGS.hideOutput) ? "" : offline(page, await renderOutputs(cell.outputs, page), index);
    if (input !== "" || outputs !== "") {
      html = `<div class="${classes}" data-cell="${index + 1}">${label}${input}${outputs ? `<div class="outputs">${outputs}</div>` : ""}</div>`;
    }
  } else {
    const raw = joinText(cell.source);
    if (raw.trim() !== "") html = `<div class="${classes}" data-cell="${index + 1}"><pre>${escapeHtml(raw)}</pre></div>`;
  }
  for (const e of page.env.mathErrors.slice(before)) page.mathErrors.push({ cellNumber: index + 1, ...e });
  return html;
}

/** The title as HTML (its inline markdown and math rendered), for the title block. */
export function titleHtml(notebook: NotebookJson, page: NotebookPage): string {
  const found = page.found;
  const titleCell = found ? notebook.cells[found.cellIndex] : undefined;
  return found && titleCell && found.source.trim()
    ? offline(page, page.md.renderInline(found.source, page.env), found.cellIndex, imageResolver(titleCell, page.options.notebookDir))
    : escapeHtml(page.title);
}

/** "Student edition", or "Instructor edition (with solutions)". */
export function editionNote(edition: Edition): string {
  return edition === "instructor" ? "Instructor edition (with solutions)" : "Student edition";
}

/** The inlined Vega, Vega-Lite and vega-embed scripts, when the page has charts (else ""). */
export function chartScripts(page: NotebookPage, assets: HandoutAssets): string {
  return page.charts > 0 ? assets.scripts.map((s) => `<script data-lib="${escapeHtml(s.name)}">${s.code}</script>`).join("\n") : "";
}

/** The text of the level-2 headings in `html`, in order. */
export function h2Texts(html: string): string[] {
  return Array.from(html.matchAll(/<h2[^>]*>([\s\S]*?)<\/h2>/g), (m) =>
    m[1]!.replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim(),
  );
}

/**
 * Renders an executed notebook as a self-contained HTML page (KaTeX CSS and fonts, highlight.js theme and
 * Vega/Vega-Lite/vega-embed inlined). Stored outputs are used as they are: execute the notebook first.
 * Titles come from the first `# heading`, sections from the `## headings`.
 * @example
 *   const { html, sections } = await renderHandout(executed, { edition: "student", sourcePath: "notebooks/01-rnn.ipynb" });
 */
export async function renderHandout(notebook: NotebookJson, options: RenderOptions): Promise<RenderedHandout> {
  const assets = options.assets ?? loadAssets();
  const page = startPage(notebook, options);
  const { title } = page;
  const body: string[] = [];
  for (const [index, cell] of notebook.cells.entries()) {
    const html = await renderCell(cell, index, page);
    if (html !== "") body.push(html);
  }
  const sections = h2Texts(body.join("\n"));
  const date = options.date ?? today();
  const heading = titleHtml(notebook, page);
  const scripts = chartScripts(page, assets);

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="exploding-gradients handouts (src/export)">
<meta name="handout-source" content="${escapeHtml(options.sourcePath)}">
<meta name="handout-edition" content="${options.edition}">
<title>${escapeHtml(title)}</title>
<style>
${assets.css}
</style>
</head>
<body class="edition-${options.edition}">
<header class="title-block">
<h1>${heading}</h1>
<p class="meta"><span class="edition">${editionNote(options.edition)}</span> · <time datetime="${escapeHtml(date)}">${escapeHtml(date)}</time> · source: <code>${escapeHtml(options.sourcePath)}</code></p>
</header>
<main>
${body.join("\n")}
</main>
${scripts}
<script>${CHART_BOOT_SCRIPT}</script>
</body>
</html>
`;
  const { charts, omittedCells, mathErrors, externalReferences } = page;
  return { html, title, sections, charts, omittedCells, mathErrors, externalReferences };
}

/**
 * Runs in the page: replaces each chart's static SVG by a live vega-embed view (SVG renderer, so printing
 * keeps vector charts). Keeps the static SVG when embedding fails. Publishes progress in window.__handout,
 * which the PDF printer and the tests wait on, and window.__handoutCharts, a promise the slide deck waits on.
 */
export const CHART_BOOT_SCRIPT = `
(function () {
  var figures = document.querySelectorAll("figure.chart");
  var state = (window.__handout = { charts: figures.length, embedded: 0, failed: 0, done: false });
  if (figures.length === 0 || typeof vegaEmbed !== "function") { state.done = true; window.__handoutCharts = Promise.resolve(); return; }
  var jobs = Array.prototype.map.call(figures, function (figure) {
    var spec = JSON.parse(figure.querySelector("script.chart-spec").textContent);
    var live = document.createElement("div");
    live.className = "chart-live";
    figure.appendChild(live);
    return vegaEmbed(live, spec, { renderer: "svg", actions: false }).then(function (result) {
      live.__view = result.view; // the slide deck's tests check that a chart moved between slides is still this one
      var still = figure.querySelector(".chart-static");
      if (still) still.remove();
      state.embedded++;
    }, function (error) {
      live.remove();
      state.failed++;
      console.error("chart " + figure.id + " kept as static SVG: " + error);
    });
  });
  window.__handoutCharts = Promise.all(jobs).then(function () { state.done = true; });
})();
`;
