// Server-side markdown: Jupyter's math delimiters become KaTeX HTML, everything else stays CommonMark.
import { describe, expect, test } from "vitest";
import { createMarkdown, type MarkdownEnv } from "../../src/export/markdown";
import { handoutFileName } from "../../src/export/handouts";
import { selectNotebooks } from "../../src/notebook/execute";
import { prefixSvgIds, renderHandout, stripAnsi } from "../../src/export/render";
import type { NotebookJson } from "../../src/notebook/types";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { inlineScript } from "../../src/export/assets";

function render(source: string): { html: string; env: MarkdownEnv } {
  const env: MarkdownEnv = { mathErrors: [] };
  return { html: createMarkdown().render(source, env), env };
}
const count = (html: string, needle: string): number => html.split(needle).length - 1;

describe("math in markdown", () => {
  test("inline $…$ and display $$…$$ on their own lines are typeset, with no dollar left", () => {
    const { html, env } = render("With $\\gamma < 1$ it vanishes:\n\n$$\n\\prod_{k} W^\\top D_k\n$$\n");
    expect(env.mathErrors).toEqual([]);
    expect(count(html, 'class="katex"')).toBe(2);
    expect(count(html, 'class="katex-display"')).toBe(1);
    expect(html).not.toContain("$");
  });

  test("$$ inside a paragraph is display math; markdown inside math is not parsed", () => {
    const { html } = render("so $$a_1 * b_2 * c_3$$ holds and $x_i y_i$ too");
    expect(count(html, 'class="katex-display"')).toBe(1);
    expect(html).not.toContain("<em>"); // the underscores/asterisks belong to TeX
    expect(html).not.toContain("$");
  });

  test("a display block may interrupt a paragraph (no blank line before $$)", () => {
    const { html } = render("The bound\n$$\n\\|x\\| \\le 1\n$$\nholds.");
    expect(count(html, 'class="katex-display"')).toBe(1);
    expect(html).toContain("holds.");
  });

  test("dollars that are not math stay text: prices, escaped, code spans, fenced code", () => {
    // pandoc's rule: "$5 and $6" has a space before the would-be closing dollar, so it is not math.
    const { html } = render("It costs $5 and $6. A literal \\$x\\$. Code `$y$`.\n\n```ts\nconst s = `$${1}`;\n```\n");
    expect(html).not.toContain("katex");
    expect(html).toContain("$5 and $6");
    expect(html).toContain("<code>$y$</code>");
    expect(html).toContain('class="language-ts"');
  });

  test("an invalid formula is recorded and shown as its source, not thrown", () => {
    const { html, env } = render("Bad: $\\frac{1$.");
    expect(env.mathErrors).toHaveLength(1);
    expect(env.mathErrors[0]?.tex).toBe("\\frac{1");
    expect(html).toContain('class="math-error"');
  });

  test("fenced TypeScript is highlighted on the server", () => {
    const { html } = render("```typescript\nconst x = 1;\n```");
    expect(html).toContain('<span class="hljs-keyword">const</span>');
  });
});

describe("images in markdown cells become data: URIs (a handout makes no request)", () => {
  // A 1×1 transparent PNG.
  const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  test("attachments and files next to the notebook are inlined, in markdown and in raw <img>; remote ones are reported by cell", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "eg-md-images-"));
    try {
      writeFileSync(path.join(dir, "dot.png"), Buffer.from(PNG, "base64"));
      const nb: NotebookJson = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: "markdown",
            metadata: {},
            source: '# Images\n\n![pasted](attachment:dot.png) ![file](dot.png)\n\n<img src="dot.png" width="20">',
            attachments: { "dot.png": { "image/png": PNG } },
          },
          { cell_type: "markdown", metadata: {}, source: "See [the paper](https://arxiv.org/abs/1211.5063) ![remote](https://example.com/r.png)" },
          { cell_type: "markdown", metadata: {}, source: '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\n<img src="https://example.com/raw.png">' },
          {
            cell_type: "code",
            metadata: {},
            source: "display()",
            execution_count: 1,
            outputs: [{ output_type: "display_data", metadata: {}, data: { "text/html": '<img src="http://example.com/out.png">' } }],
          },
        ],
      };
      const { html, externalReferences } = await renderHandout(nb, { edition: "student", sourcePath: "x.ipynb", notebookDir: dir });
      expect(html.split(`src="data:image/png;base64,${PNG}"`).length - 1).toBe(3);
      expect(html).toContain('<img src="data:image/png;base64,' + PNG + '" width="20">');
      // The plain link is not a request; the images and the iframe would be fetched: named with their cells.
      expect(externalReferences.map((r) => `cell ${r.cellNumber}: <${r.tag} ${r.attribute}> ${r.url}`)).toEqual([
        "cell 2: <img src> https://example.com/r.png",
        "cell 3: <iframe src> https://www.youtube.com/embed/x",
        "cell 3: <img src> https://example.com/raw.png",
        "cell 4: <img src> http://example.com/out.png",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an image in the title heading is inlined or reported like any other (under the title's cell)", async () => {
    const nb: NotebookJson = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: "markdown", metadata: {}, source: "# Title ![logo](https://example.com/logo.png)" }],
    };
    const { externalReferences } = await renderHandout(nb, { edition: "student", sourcePath: "x.ipynb" });
    expect(externalReferences).toMatchObject([{ cellNumber: 1, tag: "img", url: "https://example.com/logo.png" }]);
  });
});

describe("helpers", () => {
  test("prefixSvgIds renames ids and their references only", () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)" fill="url(#other)"><use href="#clip1"/></g></svg>';
    expect(prefixSvgIds(svg, "c2-")).toBe(
      '<svg><defs><clipPath id="c2-clip1"><rect/></clipPath></defs><g clip-path="url(#c2-clip1)" fill="url(#other)"><use href="#c2-clip1"/></g></svg>',
    );
  });

  test("stripAnsi removes colour codes that tslab puts in inspected values", () => {
    expect(stripAnsi("\u001b[33m1.5\u001b[39m")).toBe("1.5");
  });

  test("inlineScript cannot end its <script> element early and drops the source-map link", () => {
    expect(inlineScript('var s = "</script>";\n//# sourceMappingURL=x.js.map')).toBe('var s = "<\\/script>";\n');
  });

  test("file names carry the edition only when it is not the default (student)", () => {
    expect(handoutFileName("/x/notebooks/02-jacobians.ipynb", "student", "html")).toBe("02-jacobians.html");
    expect(handoutFileName("02-jacobians.ipynb", "instructor", "pdf")).toBe("02-jacobians.instructor.pdf");
  });

  test("notebooks are selected by path or name fragment; an unknown fragment lists the notebooks", () => {
    const available = ["/p/notebooks/00-smoke.ipynb", "/p/notebooks/02-jacobians.ipynb", "/p/notebooks/03-clipping.ipynb"];
    expect(selectNotebooks([], available)).toEqual(available);
    expect(selectNotebooks(["jacob"], available)).toEqual(["/p/notebooks/02-jacobians.ipynb"]);
    expect(selectNotebooks(["notebooks/03-clipping.ipynb"], available)).toEqual(["/p/notebooks/03-clipping.ipynb"]);
    expect(() => selectNotebooks(["lstm"], available)).toThrow(/no notebook name contains it[\s\S]*02-jacobians/);
  });
});
