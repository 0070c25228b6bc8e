/**
 * Typed shape of a Jupyter notebook (nbformat 4) as this project reads and writes it.
 * Field names follow the nbformat JSON schema: https://github.com/jupyter/nbformat/blob/main/nbformat/v4/nbformat.v4.schema.json
 */

/** nbformat stores text either whole or as a list of lines (each keeping its "\n"). */
export type MultilineString = string | string[];

/** MIME type → payload, e.g. "text/plain" → string[], "image/svg+xml" → string, "application/vnd.vegalite.v5+json" → object. */
export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

export interface ExecuteResultOutput {
  output_type: "execute_result";
  /** Always null under tslab, which never sends execution counts. */
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

export type CellOutput = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CellMetadata {
  /** Cell tags (e.g. "hide-input" for exporters); Jupyter keeps them here. */
  tags?: string[];
  [key: string]: unknown;
}

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: CellMetadata;
  outputs: CellOutput[];
  execution_count: number | null;
}

export interface MarkdownCell {
  cell_type: "markdown";
  id?: string;
  source: MultilineString;
  metadata: CellMetadata;
  attachments?: Record<string, MimeBundle>;
}

export interface RawCell {
  cell_type: "raw";
  id?: string;
  source: MultilineString;
  metadata: CellMetadata;
}

export type NotebookCell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata {
  name: string;
  display_name: string;
  language?: string;
}

export interface NotebookMetadata {
  kernelspec?: KernelSpecMetadata;
  language_info?: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface NotebookJson {
  nbformat: number;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: NotebookCell[];
}

/** The text of a cell source or stream output, joined if stored as lines. */
export function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}

/** Python's str.splitlines(True): lines with their endings, split at every line boundary Python knows. */
function splitLines(text: string): string[] {
  return text.match(/[^\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]|$)/g)!.filter((l) => l !== "");
}

/** nbformat's split of a MIME bundle: text/*, SVG and JavaScript as lines; JSON types and binary data whole. */
function splitBundle(bundle: MimeBundle): MimeBundle {
  const lines = (mime: string) => mime.startsWith("text/") || mime === "image/svg+xml" || mime === "application/javascript";
  return Object.fromEntries(Object.entries(bundle).map(([k, v]) => [k, typeof v === "string" && lines(k) ? splitLines(v) : v]));
}

/**
 * A notebook as Jupyter itself writes it (nbformat's `writes`: text split into lines, transient metadata dropped,
 * keys sorted, one-space indent, non-ASCII kept, a final newline), so that saving it again in JupyterLab changes
 * no byte that the user did not.
 */
export function notebookText(notebook: NotebookJson): string {
  const cells = notebook.cells.map((original): NotebookCell => {
    const { trusted: _trusted, ...cellMetadata } = original.metadata;
    const cell = { ...original, metadata: cellMetadata };
    const source = typeof cell.source === "string" ? splitLines(cell.source) : cell.source;
    const attachments =
      cell.cell_type === "markdown" && cell.attachments
        ? { attachments: Object.fromEntries(Object.entries(cell.attachments).map(([k, b]) => [k, splitBundle(b)])) }
        : {};
    if (cell.cell_type !== "code") return { ...cell, source, ...attachments };
    const outputs = cell.outputs.map((o): CellOutput => {
      if (o.output_type === "stream") return { ...o, text: typeof o.text === "string" ? splitLines(o.text) : o.text };
      return o.output_type === "error" ? o : { ...o, data: splitBundle(o.data) };
    });
    return { ...cell, source, outputs };
  });
  const { orig_nbformat: _a, orig_nbformat_minor: _b, signature: _c, ...metadata } = notebook.metadata;
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]))
        : value;
  return `${JSON.stringify(sorted({ ...notebook, metadata, cells }), null, 1)}\n`;
}
