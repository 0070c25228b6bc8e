import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { listNotebooks, PROJECT_PYTHON, PROJECT_ROOT } from "../../src/notebook/index";
import { notebookText, type NotebookJson } from "../../src/notebook/types";

describe("notebookText", () => {
  test("writes a notebook byte for byte as Jupyter's nbformat.writes does (what a JupyterLab save writes)", () => {
    const file = path.join(PROJECT_ROOT, "notebooks", "08-lab.ipynb");
    const nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
    nb.metadata.language_info = { name: "typescript", version: "5.0.4", mimetype: "text/typescript", file_extension: ".ts" };
    nb.metadata.orig_nbformat = 4;
    nb.cells[0].metadata.trusted = true;
    nb.cells[1].source = "const ρ = 0.9; // ünïcode stays as it is\nconsole.log(ρ)\r\nlast line without end";
    const code = nb.cells.find((c) => c.cell_type === "code")!;
    if (code.cell_type !== "code") throw new Error("08 has code cells");
    code.outputs = [
      { output_type: "stream", name: "stdout", text: "a\nb\n" },
      { output_type: "display_data", data: { "text/plain": "x\ny", "image/svg+xml": "<svg>\n</svg>", "application/vnd.vegalite.v5+json": { a: "1\n2" } }, metadata: {}, transient: { display_id: "d1" } },
    ];
    const ours = notebookText(nb);
    const script = "import sys, nbformat; nb = nbformat.reads(sys.stdin.read(), as_version=4); sys.stdout.write(nbformat.writes(nb) + '\\n')";
    const r = spawnSync(PROJECT_PYTHON, ["-c", script], { input: JSON.stringify(nb), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(ours).toBe(r.stdout);
  });
});

describe("the tutorials as stored", () => {
  test.each(listNotebooks().map((f) => [path.basename(f), f]))("%s is stored exactly as Jupyter writes it", (_name, file) => {
    // Then saving it in JupyterLab (author mode) changes no byte its author did not: keys sorted, lines split,
    // and the kernel's own language_info (tslab reports it when it connects, and JupyterLab stores it).
    const text = readFileSync(file, "utf8");
    const nb = JSON.parse(text) as NotebookJson;
    expect(text === notebookText(nb), "not in Jupyter's own format: rewrite it with notebookText (src/notebook/types.ts)").toBe(true);
    expect(nb.metadata.language_info).toMatchObject({ name: "typescript", version: "3.7.2", codemirror_mode: { mode: "typescript" } });
  });
});
