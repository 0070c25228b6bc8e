/**
 * Tables of results in a notebook: one display_data output carrying `text/html` (a real table, which
 * Jupyter and the handouts render) and `text/plain` (aligned columns for terminals and plain-text readers).
 * `console.table` prints quoted strings in box-drawing characters that wrap badly on a printed page; use this.
 */
import { kernelWriter } from "./display";

/** One table cell: text, a number (NaN and ±Infinity are shown as such), or empty. */
export type TableValue = string | number | boolean | null | undefined;

/** A row: column name → value. Columns are the union of the rows' keys, in first-seen order. */
export type TableRow = Record<string, TableValue>;

/** Options of {@link tableBundle} and {@link showTable}. */
export interface TableOptions {
  /** A caption shown above the table. */
  caption?: string;
  /** Significant digits for numbers that are not integers (default: as `String(x)` writes them). */
  digits?: number;
}

/** The two representations of a table, keyed by MIME type. */
export interface TableBundle {
  "text/html": string;
  "text/plain": string;
}

function columnsOf(rows: readonly TableRow[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

function cellText(v: TableValue, digits: number | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" && digits !== undefined && Number.isFinite(v) && !Number.isInteger(v)) return v.toPrecision(digits);
  return String(v);
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The HTML and plain-text forms of a table. Numbers (and numbers already formatted as text) are right-aligned,
 * text left-aligned.
 * @example tableBundle([{ mode: "norm", "‖g‖ after": 1 }, { mode: "value", "‖g‖ after": 1.728 }])["text/plain"]
 */
export function tableBundle(rows: readonly TableRow[], options: TableOptions = {}): TableBundle {
  if (!Array.isArray(rows)) throw new Error(`rows: expected an array of row objects, got ${typeof rows}`);
  rows.forEach((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error(`rows[${i}]: expected an object (column → value), got ${r === null ? "null" : typeof r}`);
  });
  const { caption, digits } = options;
  if (digits !== undefined && !(Number.isInteger(digits) && digits >= 1 && digits <= 21)) {
    throw new Error(`digits: expected an integer in [1, 21], got ${digits}`);
  }
  const cols = columnsOf(rows);
  const text = rows.map((r) => cols.map((c) => cellText(r[c], digits)));
  // A column is right-aligned when every cell is a number or a formatted number ("0.500", "1.2e-7", "NaN").
  const numberLike = (v: TableValue) =>
    v === null || v === undefined || typeof v === "number" || (typeof v === "string" && /^[-−+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-−+]?(NaN|Infinity)$/.test(v.trim()));
  const numeric = cols.map((c) => rows.every((r) => numberLike(r[c])));

  const th = cols.map((c, j) => `<th style="text-align:${numeric[j] ? "right" : "left"}">${escapeHtml(c)}</th>`).join("");
  const body = text
    .map((cells) => `<tr>${cells.map((t, j) => `<td style="text-align:${numeric[j] ? "right" : "left"}">${escapeHtml(t)}</td>`).join("")}</tr>`)
    .join("\n");
  const html =
    `<table class="results">${caption ? `<caption>${escapeHtml(caption)}</caption>` : ""}` +
    `<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;

  const width = cols.map((c, j) => Math.max(c.length, ...text.map((cells) => cells[j].length)));
  const pad = (s: string, j: number) => (numeric[j] ? s.padStart(width[j]) : s.padEnd(width[j]));
  const line = (cells: string[]) => cells.map(pad).join("  ").trimEnd();
  const plain = [
    ...(caption ? [caption] : []),
    line(cols),
    width.map((w) => "─".repeat(w)).join("  "),
    ...text.map(line),
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/**
 * Shows a table in the running notebook cell as one output (HTML and plain text). Outside a kernel it shows
 * nothing and returns the bundle.
 * @example showTable(rows.map((r) => ({ step: r.step, loss: r.loss })), { caption: "Training", digits: 4 });
 */
export function showTable(rows: readonly TableRow[], options: TableOptions = {}): TableBundle | undefined {
  const bundle = tableBundle(rows, options);
  const write = kernelWriter();
  if (!write) return bundle;
  write({ data: { ...bundle }, metadata: {} }, false);
  return undefined;
}
