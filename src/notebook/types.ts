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
