/**
 * `npm run handouts`: executes notebooks from a fresh kernel and writes, for each, a self-contained HTML
 * handout and its PDF under handouts/, plus handouts/index.html. A notebook whose cells fail (any stderr or
 * error output, a timeout) gets no new files — its previous handouts stay as they were — and the command
 * ends non-zero after trying the others.
 *
 * With --slides, also a reveal.js slide deck per notebook (NAME.slides.html and NAME.slides.pdf, see ./slides).
 *
 * Usage: npm run handouts -- [--notebook PATH|FRAGMENT]… [--edition student|instructor|both] [--html-only]
 *                            [--slides] [--out DIR] [--timeout SEC]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { executeNotebook, formatFailures, joinText, listNotebooks, notebookText, PROJECT_ROOT, selectNotebooks, type CellFailure } from "../notebook/index";
import type { NotebookJson } from "../notebook/types";
import { launchBrowser, printDeckPdf, printPdf, type HandoutBrowser } from "./browser";
import { escapeHtml } from "./markdown";
import { editionNotebook, type Edition } from "./edition";
import { notebookTitle, renderHandout, type RenderedHandout } from "./render";
import { renderDeck } from "./slides";

export const EDITIONS: readonly Edition[] = ["student", "instructor"];
/** The edition written when none is asked for; its files carry no edition suffix. */
export const DEFAULT_EDITION: Edition = "student";

export interface HandoutsOptions {
  /** Notebook paths or name fragments ("02", "jacobian"); empty: every notebook in notebooks/. */
  notebooks: string[];
  editions: Edition[];
  htmlOnly: boolean;
  /** Also write each notebook's slide deck (NAME.slides.html, and its PDF unless htmlOnly). */
  slides?: boolean;
  /** The output folder (--out): created level by level if missing, see {@link prepareOutDir}. */
  outDir: string;
  /** Budget per notebook, kernel start included: in (0, {@link MAX_TIMEOUT_SEC}]. */
  timeoutSec: number;
  /** Where progress goes (default: stdout). */
  log?: (line: string) => void;
}

/** One notebook's outcome. */
export interface HandoutResult {
  notebook: string;
  ok: boolean;
  /** Files written (absolute paths); empty when the notebook failed. */
  files: string[];
  executeSec: number;
  renderSec: number;
  pdfSec: number;
  error?: string;
}

/**
 * The largest budget per notebook, in seconds (≈ 11.6 days). Node fires a timer set beyond 2³¹ − 1 ms
 * (≈ 24.8 days) after 1 ms instead, which killed every notebook at once; the runner adds a grace period to the
 * budget on top, so the bound keeps well below that.
 */
export const MAX_TIMEOUT_SEC = 1_000_000;

/** Checks a budget per notebook in seconds, naming `name` (and showing `given`, the text typed) when it is not in (0, MAX_TIMEOUT_SEC]. */
export function checkTimeoutSec(name: string, value: unknown, given: string = typeof value === "string" ? value : String(value)): number {
  const sec = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof sec !== "number" || !(sec > 0 && sec <= MAX_TIMEOUT_SEC)) {
    throw new Error(
      `${name}: expected a number of seconds in (0, ${MAX_TIMEOUT_SEC}] (at most ≈ 11.6 days; Node's timers cannot wait ` +
        `beyond 2^31 − 1 ms ≈ 24.8 days), got ${JSON.stringify(given)}`,
    );
  }
  return sec;
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? String(e);
}

/**
 * Creates the output folder and the missing folders above it, one level at a time, then checks that a file
 * can be written in it. Node's recursive mkdir spins forever (at 100% CPU) under a folder that exists but
 * refuses new entries, such as /proc; a single-level mkdir fails at once, and the message says which folder
 * and why.
 * @throws naming `--out`, the folder given and the level that could not be made or written
 */
export function prepareOutDir(outDir: string): void {
  const target = path.resolve(outDir);
  const fail = (why: string): never => {
    throw new Error(`--out ${outDir}: ${why}`);
  };
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(d).isDirectory();
    } catch (e) {
      if (errnoOf(e) !== "ENOENT" && errnoOf(e) !== "ENOTDIR") fail(`cannot look at ${d} (${errnoOf(e)})`);
    }
    if (isDir === false) fail(`${d} is a file, not a folder`);
    if (isDir === true) break;
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EEXIST" && statSync(d).isDirectory()) continue; // made in the meantime
      const parent = path.dirname(d);
      const why: Record<string, string> = {
        ENOENT: `${parent} exists but takes no new folders (a virtual file system such as /proc or /sys?)`,
        EACCES: `no permission to create folders in ${parent}`,
        EPERM: `${parent} does not allow new folders`,
        EROFS: `${parent} is on a read-only file system`,
      };
      fail(`cannot create the folder ${d}: ${why[code] ?? "mkdir failed"} (${code})`);
    }
  }
  const probe = path.join(target, `.handouts-write-test-${process.pid}`);
  try {
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (e) {
    fail(`cannot write files in ${target} (${errnoOf(e)})`);
  }
}

/**
 * File names of a notebook's handout: "02-jacobians.html", or "02-jacobians.instructor.pdf" for the non-default
 * edition. The edition as a notebook to hand out always names its edition ("02-jacobians.student.ipynb"), so it
 * never takes the source notebook's name.
 */
export function handoutFileName(notebook: string, edition: Edition, ext: "html" | "pdf" | "ipynb" | "slides.html" | "slides.pdf"): string {
  const base = path.basename(notebook).replace(/\.ipynb$/, "");
  return `${base}${edition === DEFAULT_EDITION && ext !== "ipynb" ? "" : `.${edition}`}.${ext}`;
}

/**
 * Why a rendered handout must not be written, naming the cells: a formula KaTeX could not typeset, or a
 * reference the page would fetch when opened (a remote image, an iframe, …: handouts work offline). Undefined
 * when there is none.
 */
export function handoutProblem(handout: Pick<RenderedHandout, "mathErrors" | "externalReferences">): string | undefined {
  if (handout.mathErrors.length > 0) {
    const list = handout.mathErrors.map((e) => `  cell ${e.cellNumber}: ${e.message}\n    in: ${e.tex.trim().slice(0, 200)}`).join("\n");
    return `KaTeX could not typeset ${handout.mathErrors.length} formula(s), handouts not written:\n${list}`;
  }
  const refs = handout.externalReferences;
  if (refs.length > 0) {
    const list = refs.map((r) => `  cell ${r.cellNumber}: <${r.tag} ${r.attribute}> ${r.url}\n    ${r.reason}`).join("\n");
    return `a handout must work offline, but ${refs.length} reference(s) would be fetched when it is opened; handouts not written:\n${list}`;
  }
  return undefined;
}

/**
 * The first failure in full (later ones are often its consequences), the others one line each.
 */
function describeFailures(failures: readonly CellFailure[]): string {
  const [first, ...rest] = failures;
  if (!first) return "";
  const more = rest.map((f) => `  also cell ${f.cellNumber} (code cell ${f.codeCellNumber}): ${f.kind}: ${f.message.split("\n")[0]}`);
  return [formatFailures([first]), ...more].join("\n");
}

function writeAtomically(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function size(file: string): string {
  const bytes = statSync(file).size;
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${Math.round(bytes / 1e3)} KB`;
}

function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/**
 * Executes, renders and prints the selected notebooks; writes handouts/index.html. Never throws for a
 * failing notebook: its result says why, and its previous files are kept.
 */
export async function buildHandouts(options: HandoutsOptions): Promise<HandoutResult[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const liveStatus = options.log === undefined && process.stdout.isTTY === true;
  checkTimeoutSec("timeoutSec", options.timeoutSec);
  const notebooks = selectNotebooks(options.notebooks);
  prepareOutDir(options.outDir);
  const editions = options.editions.join(" + ");
  log(`handouts: ${notebooks.length} notebook${notebooks.length === 1 ? "" : "s"}, ${editions} edition${options.editions.length > 1 ? "s" : ""}, ${options.htmlOnly ? "HTML only" : "HTML + PDF"}${options.slides ? " + slides" : ""} → ${relative(options.outDir)}/`);
  let browser: HandoutBrowser | undefined;
  const results: HandoutResult[] = [];
  try {
    for (const [i, file] of notebooks.entries()) {
      const shown = path.relative(PROJECT_ROOT, file);
      log(`[${i + 1}/${notebooks.length}] ${shown}`);
      const result: HandoutResult = { notebook: shown, ok: false, files: [], executeSec: 0, renderSec: 0, pdfSec: 0 };
      results.push(result);
      const temps: string[] = [];
      try {
        const source = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
        const sources = source.cells.map((c) => joinText(c.source));
        const t0 = Date.now();
        const run = await executeNotebook(file, {
          timeoutSec: options.timeoutSec,
          onCell: (p) => {
            const first = (sources[p.cellIndex] ?? "").split("\n")[0]!.slice(0, 60).trimEnd();
            const where = `  cell ${p.cellIndex + 1} (code ${p.codeCellNumber}/${p.codeCells})`.padEnd(22);
            // On a terminal, show the running cell at once (a long cell is then visibly the one running).
            if (p.phase === "start") {
              if (liveStatus) process.stdout.write(`${where}  running  ${first}\r`);
              return;
            }
            if (liveStatus) process.stdout.write("\u001b[K");
            log(`${where}${p.seconds.toFixed(1).padStart(6)} s  ${first}`);
          },
        });
        result.executeSec = (Date.now() - t0) / 1000;
        if (run.failures.length > 0) {
          throw new Error(`cells failed, handouts not written (previous ones kept):\n${describeFailures(run.failures)}`);
        }
        log(`  executed in ${result.executeSec.toFixed(1)} s (kernel start ${run.kernelStartSec.toFixed(1)} s)`);

        const staged: { tmp: string; final: string }[] = [];
        for (const edition of options.editions) {
          const t1 = Date.now();
          const handout = await renderHandout(run.notebook, { edition, sourcePath: shown, notebookDir: path.dirname(file) });
          const problem = handoutProblem(handout);
          if (problem !== undefined) throw new Error(problem);
          const html = path.join(options.outDir, handoutFileName(file, edition, "html"));
          const htmlTmp = path.join(options.outDir, `.${path.basename(html, ".html")}.tmp-${process.pid}.html`);
          writeFileSync(htmlTmp, handout.html);
          temps.push(htmlTmp);
          staged.push({ tmp: htmlTmp, final: html });
          result.renderSec += (Date.now() - t1) / 1000;
          if (!options.htmlOnly) {
            const t2 = Date.now();
            browser ??= await launchBrowser();
            const pdf = path.join(options.outDir, handoutFileName(file, edition, "pdf"));
            const pdfTmp = path.join(options.outDir, `.${path.basename(pdf)}.tmp-${process.pid}`);
            temps.push(pdfTmp);
            await printPdf(browser, htmlTmp, pdfTmp, handout.title);
            staged.push({ tmp: pdfTmp, final: pdf });
            result.pdfSec += (Date.now() - t2) / 1000;
          }
          // The edition as a notebook for a course site: the same cells, no outputs (students run it themselves).
          const ipynb = path.join(options.outDir, handoutFileName(file, edition, "ipynb"));
          if (path.resolve(ipynb) === path.resolve(file)) throw new Error(`${relative(ipynb)} is the notebook itself: pick another --out`);
          const ipynbTmp = path.join(options.outDir, `.${path.basename(ipynb)}.tmp-${process.pid}`);
          writeFileSync(ipynbTmp, notebookText(editionNotebook(source, edition)));
          temps.push(ipynbTmp);
          staged.push({ tmp: ipynbTmp, final: ipynb });
          if (options.slides) {
            const deck = await renderDeck(run.notebook, { edition, sourcePath: shown, notebookDir: path.dirname(file) });
            const deckHtml = path.join(options.outDir, handoutFileName(file, edition, "slides.html"));
            const deckTmp = path.join(options.outDir, `.${path.basename(deckHtml, ".html")}.tmp-${process.pid}.html`);
            writeFileSync(deckTmp, deck.html);
            temps.push(deckTmp);
            staged.push({ tmp: deckTmp, final: deckHtml });
            let printed = "";
            if (!options.htmlOnly) {
              browser ??= await launchBrowser();
              const deckPdf = path.join(options.outDir, handoutFileName(file, edition, "slides.pdf"));
              const deckPdfTmp = path.join(options.outDir, `.${path.basename(deckPdf)}.tmp-${process.pid}`);
              temps.push(deckPdfTmp);
              printed = `, ${await printDeckPdf(browser, deckTmp, deckPdfTmp)} after fitting`;
              staged.push({ tmp: deckPdfTmp, final: deckPdf });
            }
            log(`  ${edition} slides: ${deck.slides} slide${deck.slides === 1 ? "" : "s"}${deck.byHeadings ? " (one per ## heading)" : " (slide_type metadata)"}${printed}`);
          }
          const omitted = handout.omittedCells.length > 0 ? `, ${handout.omittedCells.length} cell(s) omitted` : "";
          log(`  ${edition}: "${handout.title}", ${handout.sections.length} sections, ${handout.charts} chart${handout.charts === 1 ? "" : "s"}${omitted}`);
        }
        // Everything rendered and printed: only now replace the previous handouts.
        for (const s of staged) renameSync(s.tmp, s.final);
        result.files = staged.map((s) => s.final);
        result.ok = true;
        const timing = `execute ${result.executeSec.toFixed(1)} s, render ${result.renderSec.toFixed(1)} s${options.htmlOnly ? "" : `, pdf ${result.pdfSec.toFixed(1)} s`}`;
        log(`  wrote ${result.files.map((f) => `${relative(f)} (${size(f)})`).join(", ")}; ${timing}`);
      } catch (e) {
        // NotebookRunError (no kernel, runner crashed) lands here too: that notebook fails, the others still run.
        result.error = e instanceof Error ? e.message : String(e);
        log(`  FAILED ${shown}: ${result.error.replace(/\n/g, "\n  ")}`);
      } finally {
        for (const t of temps) if (existsSync(t)) unlinkSync(t);
      }
    }
  } finally {
    await browser?.close();
  }
  const index = path.join(options.outDir, "index.html");
  writeAtomically(index, renderIndex(options.outDir));
  log(`index: ${relative(index)}`);
  return results;
}

/** A handout found in the output folder: its title and source, read back from its own <head>. */
function readHandoutHead(file: string): { title: string; source: string } {
  const head = readFileSync(file, "utf8").slice(0, 4000);
  const unescape = (t: string): string => t.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return {
    title: unescape(/<title>([^<]*)<\/title>/.exec(head)?.[1] ?? path.basename(file, ".html")),
    source: unescape(/<meta name="handout-source" content="([^"]*)">/.exec(head)?.[1] ?? ""),
  };
}

/**
 * handouts/index.html: every notebook in notebooks/ (built or not) with links to whichever of its handouts
 * exist, then any other handouts in the folder (e.g. built from a notebook outside notebooks/).
 */
export function renderIndex(outDir: string, notebooks: readonly string[] = listNotebooks()): string {
  const linksFor = (base: string): string[] =>
    EDITIONS.flatMap((edition) =>
      (["html", "pdf", "ipynb", "slides.html", "slides.pdf"] as const).flatMap((ext) => {
        const name = handoutFileName(`${base}.ipynb`, edition, ext);
        if (!existsSync(path.join(outDir, name))) return [];
        const kind = { html: "HTML", pdf: "PDF", ipynb: "notebook", "slides.html": "slides", "slides.pdf": "slides PDF" }[ext];
        return [`<a href="${encodeURI(name)}">${edition === DEFAULT_EDITION ? "" : `${edition} `}${kind}</a>`];
      }),
    );
  const builtAt = (base: string): string => {
    const file = EDITIONS.map((e) => path.join(outDir, handoutFileName(`${base}.ipynb`, e, "html"))).find((f) => existsSync(f));
    return file ? statSync(file).mtime.toISOString().slice(0, 16).replace("T", " ") : "";
  };
  const row = (title: string, source: string, base: string): string => {
    const links = linksFor(base);
    return `<tr><td>${escapeHtml(title)}<br><code>${escapeHtml(source)}</code></td><td>${links.join(" · ") || "<em>not built</em>"}</td><td>${builtAt(base)}</td></tr>`;
  };
  const listed = new Set<string>();
  const rows = notebooks.map((file) => {
    const base = path.basename(file, ".ipynb");
    listed.add(base);
    let title = base;
    try {
      title = notebookTitle(JSON.parse(readFileSync(file, "utf8")) as NotebookJson) ?? title;
    } catch {
      // unreadable notebook: list it by file name
    }
    return row(title, path.relative(PROJECT_ROOT, file), base);
  });
  const others = existsSync(outDir)
    ? [...new Set(readdirSync(outDir)
        .filter((f) => f.endsWith(".html") && !f.endsWith(".slides.html") && f !== "index.html" && !f.startsWith("."))
        .map((f) => f.replace(/(\.instructor)?\.html$/, "")))]
        .filter((base) => !listed.has(base))
        .sort()
    : [];
  for (const base of others) {
    const file = EDITIONS.map((e) => path.join(outDir, handoutFileName(`${base}.ipynb`, e, "html"))).find((f) => existsSync(f));
    if (!file) continue;
    const head = readHandoutHead(file);
    rows.push(row(head.title, head.source, base));
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exploding and vanishing gradients — handouts</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; line-height: 1.5; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem; border-bottom: 1px solid #d1d9e0; }
code { font-size: 0.8rem; color: #59636e; }
td:last-child { white-space: nowrap; }
a { color: #0969da; }
</style>
</head>
<body>
<h1>Exploding and vanishing gradients — handouts</h1>
<p>One page per tutorial, executed from a fresh kernel. Each HTML file works offline; the PDFs are for printing.
Student handouts leave out the solutions; instructor handouts include them. The slides (built with
<code>--slides</code>) are reveal.js decks of the same cells: open one and press S for the speaker notes.</p>
<table>
<thead><tr><th>Tutorial</th><th>Handouts</th><th>Built (UTC)</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}

const USAGE = `Usage: npm run handouts -- [options]
  --notebook, -n PATH|FRAGMENT  a notebook file or a fragment of its name (repeatable; default: all in notebooks/)
  --edition student|instructor|both
                                student (default) omits cells tagged "solution"; instructor keeps them
                                (files named NAME.instructor.html/.pdf)
  --html-only                   skip the PDFs (no browser needed)
  --slides                      also a slide deck per notebook: NAME.slides.html (reveal.js, offline) and
                                NAME.slides.pdf (one page a slide)
  --out DIR                     output folder (default: handouts/ in the project root)
  --timeout SEC                 budget per notebook, kernel start included (default: 300; at most 1000000)
  --help                        this text`;

/** Parses the command line; throws with the usage text on a bad argument. */
export function parseHandoutsArgs(argv: string[]): HandoutsOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      notebook: { type: "string", short: "n", multiple: true },
      edition: { type: "string", default: DEFAULT_EDITION },
      "html-only": { type: "boolean", default: false },
      slides: { type: "boolean", default: false },
      out: { type: "string", default: path.join(PROJECT_ROOT, "handouts") },
      timeout: { type: "string", default: "300" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const edition = values.edition;
  if (edition !== "student" && edition !== "instructor" && edition !== "both") {
    throw new Error(`--edition: expected student, instructor or both, got "${edition}"`);
  }
  const timeoutSec = checkTimeoutSec("--timeout", values.timeout ?? "300");
  return {
    notebooks: values.notebook ?? [],
    editions: edition === "both" ? [...EDITIONS] : [edition],
    htmlOnly: values["html-only"] ?? false,
    slides: values.slides ?? false,
    outDir: path.resolve(values.out ?? path.join(PROJECT_ROOT, "handouts")),
    timeoutSec,
  };
}

async function main(): Promise<number> {
  let options: HandoutsOptions | "help";
  try {
    options = parseHandoutsArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`handouts: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  let results: HandoutResult[];
  try {
    results = await buildHandouts(options);
  } catch (e) {
    process.stderr.write(`handouts: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const failed = results.filter((r) => !r.ok);
  const total = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length > 0) {
    process.stderr.write(`handouts: ${failed.length} of ${results.length} notebook(s) FAILED (${failed.map((r) => r.notebook).join(", ")}); ${total} s\n`);
    return 1;
  }
  process.stdout.write(`handouts: ${results.length} notebook(s) done in ${total} s\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`handouts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
