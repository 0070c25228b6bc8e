/**
 * Notebook markdown to HTML on the server: markdown-it (CommonMark, raw HTML allowed as in Jupyter), math
 * typeset by KaTeX (so a handout needs no script for math) and fenced code highlighted by highlight.js.
 * Math follows Jupyter's delimiters: $…$ inline, $$…$$ display (on their own lines or inside a paragraph).
 */
import hljs from "highlight.js";
import katex from "katex";
import MarkdownIt from "markdown-it";

type StateBlock = MarkdownIt.StateBlock;
type StateInline = MarkdownIt.StateInline;

/** A formula KaTeX could not typeset; the page shows its source in red instead. */
export interface MathError {
  tex: string;
  message: string;
}

/** What rendering collects besides the HTML (markdown-it's `env`). Images are inlined afterwards (./offline). */
export interface MarkdownEnv {
  mathErrors: MathError[];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

/** `katex.renderToString`, recording failures in `env` instead of throwing. */
export function renderMath(tex: string, displayMode: boolean, env: MarkdownEnv): string {
  try {
    // strict: "ignore" — Jupyter's MathJax accepts e.g. unicode letters in math; KaTeX renders them but warns.
    return katex.renderToString(tex, { displayMode, throwOnError: true, strict: "ignore", output: "htmlAndMathml" });
  } catch (e) {
    env.mathErrors.push({ tex, message: e instanceof Error ? e.message : String(e) });
    return `<code class="math-error" title="${escapeHtml(String(e))}">${escapeHtml(displayMode ? `$$${tex}$$` : `$${tex}$`)}</code>`;
  }
}

/** Syntax-highlighted code as HTML (escaped plain text for an unknown language). */
export function highlightCode(code: string, language: string): string {
  const lang = hljs.getLanguage(language) ? language : undefined;
  const body = lang ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code);
  return `<pre class="hljs code"><code class="language-${escapeHtml(lang ?? "plaintext")}">${body}</code></pre>`;
}

const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Inline `$…$` (pandoc's rule: no space just inside the dollars, no digit right after the closing one, so
 * "costs $5 and $6" stays text; and no backtick inside, so a dollar before a code span stays text) and `$$…$$` inside a paragraph (typeset as display math).
 */
function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== DOLLAR) return false;
  const display = src.charCodeAt(start + 1) === DOLLAR;
  const delim = display ? "$$" : "$";
  const from = start + delim.length;
  if (!display && (from >= state.posMax || isSpace(src.charCodeAt(from)))) return false;
  let close = from;
  for (;;) {
    close = src.indexOf(delim, close);
    if (close === -1 || close >= state.posMax) return false;
    if (src.charCodeAt(close - 1) === BACKSLASH) {
      close += 1; // \$ inside math is a dollar sign
      continue;
    }
    break;
  }
  if (!display && (isSpace(src.charCodeAt(close - 1)) || isDigit(src.charCodeAt(close + 1)))) return false;
  const tex = src.slice(from, close);
  // A backtick means the dollars belong to different things ("$6 … `$y$`"): TeX formulas do not use backticks.
  if (!display && tex.includes("`")) return false;
  if (tex.trim() === "") return false;
  if (!silent) {
    const token = state.push(display ? "math_display" : "math_inline", "math", 0);
    token.content = tex;
    token.markup = delim;
  }
  state.pos = close + delim.length;
  return true;
}

/** A `$$` block: from a line starting with `$$` to the line ending with `$$` (may be the same line). */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = state.bMarks[startLine]! + state.tShift[startLine]!;
  let max = state.eMarks[startLine]!;
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false; // indented code
  if (!state.src.startsWith("$$", pos)) return false;
  pos += 2;
  let firstLine = state.src.slice(pos, max);
  let lastLine = "";
  let line = startLine;
  let found = false;
  if (firstLine.trim().endsWith("$$")) {
    firstLine = firstLine.trim().slice(0, -2);
    found = true;
  }
  if (silent) return true;
  while (!found) {
    line++;
    if (line >= endLine) return false; // unterminated: leave it to the paragraph (shows the raw text)
    pos = state.bMarks[line]! + state.tShift[line]!;
    max = state.eMarks[line]!;
    const text = state.src.slice(pos, max).trimEnd();
    if (text.endsWith("$$")) {
      lastLine = text.slice(0, -2);
      found = true;
    }
  }
  const inner = line > startLine + 1 ? state.getLines(startLine + 1, line, state.tShift[startLine]!, true) : "";
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = [firstLine, inner, lastLine].filter((s) => s.trim() !== "").join("\n");
  token.markup = "$$";
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

/**
 * A markdown-it instance for notebook markdown: math via KaTeX, fenced code via highlight.js.
 * @example
 *   const env: MarkdownEnv = { mathErrors: [] };
 *   createMarkdown().render("The norm $\\|W\\|_2$ bounds it.", env); // '<p>The norm <span class="katex">…'
 */
export function createMarkdown(): MarkdownIt {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });
  md.options.highlight = (code: string, lang: string): string => highlightCode(code.replace(/\n$/, ""), lang || "plaintext");
  md.inline.ruler.after("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
  md.renderer.rules["math_inline"] = (tokens, i, _o, env: MarkdownEnv) => renderMath(tokens[i]!.content, false, env);
  md.renderer.rules["math_display"] = (tokens, i, _o, env: MarkdownEnv) => renderMath(tokens[i]!.content, true, env);
  md.renderer.rules["math_block"] = (tokens, i, _o, env: MarkdownEnv) =>
    `<div class="math-display">${renderMath(tokens[i]!.content, true, env)}</div>\n`;
  return md;
}
