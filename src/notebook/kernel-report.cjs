/**
 * What the notebook kernel tells the student, as plain functions: an error as its message and the frames in the
 * student's cells and in src/*.ts with TypeScript line numbers; one line when library files changed since the
 * kernel loaded them; why a cell did not run. Used by ./kernel-hooks.cjs (which wires them into tslab) and
 * tested in tests/notebook/kernel-report.test.ts.
 *
 * TypeScript line numbers: tslab emits JavaScript without source maps, in two steps (the program's ES module
 * output, then `ts.transpileModule` to CommonJS). Repeating both steps with `sourceMap: true` on the same
 * source ("the twin") gives the same JavaScript (all 78 modules of src/ byte for byte, with tslab 1.0.22) plus
 * two maps, which `sourceMapper` chains. A cell's JavaScript differs from its twin where tslab rewrote it
 * (`exports.x` for names of earlier cells, `exports.tsLastExpr = ` for the shown value, export lines), so its
 * lines are first paired with the twin's by their text with those rewrites taken out (`alignLines`).
 *
 * Plain CommonJS: it runs inside the kernel process before any TypeScript tooling.
 */
"use strict";

/** Written into a cell that tslab skipped because an earlier cell failed (its reply status "abort"). */
const SKIPPED_NOTE =
  "Not run: an earlier cell failed, and the kernel skips the cells queued after a failure. " +
  "Fix that cell, then run this one again (or Run All).";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The numbers of one Base64 VLQ segment of a source map ("AAAA" → [0, 0, 0, 0]). */
function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) throw new Error(`decodeVlq: '${ch}' is not a Base64 digit in "${segment}"`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/**
 * A source map's `mappings` as, for each generated line (0-based), its segments [generated column, source line,
 * source column] (0-based, absolute), in column order. Segments without a source are left out.
 */
function decodeMappings(mappings) {
  const lines = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const text of mappings.split(";")) {
    const segments = [];
    let column = 0;
    for (const segment of text.split(",")) {
      if (segment === "") continue;
      const v = decodeVlq(segment);
      column += v[0];
      if (v.length >= 4) {
        sourceLine += v[2];
        sourceColumn += v[3];
        segments.push([column, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The source position (0-based) of generated (line, column): the last segment at or before the column on that line. */
function originalPosition(decoded, line, column) {
  const segments = decoded[line];
  if (!segments || segments.length === 0) return null;
  let best = segments[0];
  for (const s of segments) if (s[0] <= column) best = s;
  return { line: best[1], column: best[2] };
}

/** tslab's rewrites of a cell, which its twin lacks: `exports.` before names, `tsLastExpr = ` before the last value. */
const REWRITES = /^\s*(?:exports\.)?tsLastExpr\d* = |\bexports\./g;

/** A line without tslab's rewrites, and how many characters they took before each column. */
function withoutRewrites(line) {
  const removed = [];
  const text = line.replace(REWRITES, (m, offset) => {
    removed.push([offset, m.length]);
    return "";
  });
  return { text: text.trim(), removedBefore: (col) => removed.reduce((n, [at, len]) => (at < col ? n + len : n), 0) };
}

/**
 * Pairs lines of `a` with lines of `b` that read the same once tslab's rewrites are taken out, in order: for
 * each line of `a`, the next unpaired equal line of `b` within `window` lines. Returns, per line of `a`, the
 * 0-based line of `b`, or -1.
 */
function alignLines(a, b, window = 40) {
  const keyB = b.map((l) => withoutRewrites(l).text);
  const out = [];
  let next = 0;
  for (const line of a) {
    const key = withoutRewrites(line).text;
    let found = -1;
    for (let j = next; j < Math.min(b.length, next + window); j++) {
      if (keyB[j] === key) {
        found = j;
        break;
      }
    }
    out.push(found);
    if (found >= 0) next = found + 1;
  }
  return out;
}

function stripMapComment(js) {
  return js.replace(/\n\/\/# sourceMappingURL=[^\n]*$/, "");
}

/**
 * Maps positions in JavaScript that tslab emitted from `source` back to lines of `source`.
 * @param ts tslab's TypeScript (the same version as tslab's emit)
 * @param emitted the CommonJS tslab produced (a side module's code, or a cell's `output`)
 * @param options.fileName the source's name (its extension says .ts/.tsx/.js); options.target tslab's target;
 *   options.prefix text tslab put before the source when compiling it ("export {};\n" for a cell)
 * @returns (line, column), both 1-based as in a stack frame → the 1-based source line, or undefined
 */
function sourceMapper(ts, source, emitted, options) {
  const prefix = options.prefix || "";
  const common = {
    target: options.target,
    esModuleInterop: true,
    newLine: ts.NewLineKind.LineFeed,
    noImplicitUseStrict: true,
    sourceMap: true,
  };
  const esm = ts.transpileModule(prefix + source, {
    fileName: options.fileName,
    compilerOptions: { ...common, module: ts.ModuleKind.ESNext, experimentalDecorators: true, jsx: ts.JsxEmit.React },
  });
  // The same call as tslab's esModuleToCommonJSModule, with a map.
  const cjs = ts.transpileModule(stripMapComment(esm.outputText), {
    fileName: "custom.js",
    compilerOptions: { ...common, module: ts.ModuleKind.CommonJS },
  });
  const twin = stripMapComment(cjs.outputText);
  const toEsm = decodeMappings(JSON.parse(cjs.sourceMapText).mappings);
  const toSource = decodeMappings(JSON.parse(esm.sourceMapText).mappings);
  const emittedLines = emitted.split("\n");
  const twinLines = twin.split("\n");
  const same = twin === emitted;
  const pairs = same ? null : alignLines(emittedLines, twinLines);
  const prefixLines = prefix.split("\n").length - 1;
  return (line, column) => {
    const i = line - 1;
    const j = same ? i : (pairs[i] ?? -1);
    if (j < 0) return undefined;
    let col = column - 1;
    if (!same && emittedLines[i] !== twinLines[j]) col -= withoutRewrites(emittedLines[i]).removedBefore(col);
    const inEsm = originalPosition(toEsm, j, Math.max(0, col));
    const inSource = inEsm && originalPosition(toSource, inEsm.line, inEsm.column);
    if (!inSource || inSource.line < prefixLines) return undefined;
    return inSource.line - prefixLines + 1;
  };
}

/** A V8 stack line "    at fn (file:line:col)" or "    at file:line:col"; null for frames without a location. */
function parseFrame(text) {
  const m = /^\s*at (?:(.+?) \((\S+?):(\d+):(\d+)\)|(\S+?):(\d+):(\d+))$/.exec(text);
  if (!m) return null;
  return m[2] !== undefined
    ? { fn: m[1], file: m[2], line: Number(m[3]), column: Number(m[4]) }
    : { fn: undefined, file: m[5], line: Number(m[6]), column: Number(m[7]) };
}

function isErrorLike(x) {
  return typeof x === "object" && x !== null && typeof x.stack === "string" && "message" in x;
}

/**
 * An error as the student should read it: "Name: message" (or "Name [code]: message"), then one "    at fn (where)" per frame that `locate`
 * names (it returns e.g. "src/rnn/vanilla.ts:110" or "this cell, line 4", or null to leave the frame out: tslab,
 * Node, node_modules), then its `cause`, if any, the same way.
 * @param locate (file, line, column) → a place to show, or null
 */
function formatError(error, locate, depth = 0) {
  const name = typeof error.name === "string" && error.name !== "" ? error.name : "Error";
  const message = String(error.message ?? "");
  // Node's own errors carry a code, which its header shows: "Error [ERR_SCRIPT_EXECUTION_INTERRUPTED]: …".
  const code = typeof error.code === "string" && !message.includes(error.code) ? ` [${error.code}]` : "";
  const lines = [message === "" ? name + code : `${name}${code}: ${message}`];
  for (const text of String(error.stack).split("\n")) {
    const frame = parseFrame(text);
    const where = frame && locate(frame.file, frame.line, frame.column);
    if (!where) continue;
    // V8 names a method by its receiver's type; a module's exports are a Proxy or Object here, which says nothing.
    const fn = frame.fn && frame.fn.replace(/^(async |new )?(?:Proxy|Object)\./, "$1");
    lines.push(fn ? `    at ${fn} (${where})` : `    at ${where}`);
  }
  let text = lines.join("\n");
  if (isErrorLike(error.cause) && depth < 3) text += `\nCaused by: ${formatError(error.cause, locate, depth + 1)}`;
  return text;
}

function listNames(names) {
  if (names.length <= 3) return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}

/**
 * The one line printed before a cell when files the kernel compiled changed on disk since it loaded them, e.g.
 * "src/rnn/vanilla.ts changed since this kernel loaded it: restart the kernel to use it"; "" when none did.
 * @param changed, deleted paths relative to the project root
 */
function changeNotice(changed, deleted) {
  const n = changed.length + deleted.length;
  if (n === 0) return "";
  const it = n === 1 ? "it" : "them";
  if (deleted.length === 0) return `${listNames(changed)} changed since this kernel loaded ${it}: restart the kernel to use ${it}`;
  const gone = `${listNames(deleted)} ${deleted.length === 1 ? "was" : "were"} deleted`;
  if (changed.length === 0) return `${gone} since this kernel loaded ${it}: restart the kernel to stop using ${it}`;
  return `${listNames(changed)} changed and ${gone} since this kernel loaded them: restart the kernel to use the files as they are now`;
}

module.exports = {
  SKIPPED_NOTE,
  alignLines,
  changeNotice,
  decodeMappings,
  decodeVlq,
  formatError,
  isErrorLike,
  originalPosition,
  parseFrame,
  sourceMapper,
};
