import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// tslab (the notebook kernel) resolves a relative import of a folder ("./charts") as the file "charts.js" at
// run time and fails, although TypeScript accepts it. Every relative import in src/ and in the notebooks must
// therefore name a file. This guard reads the sources as text, so it fails before a notebook would.
const root = resolve(__dirname, "..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

const importPattern = /(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']*)["']|require\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g;

function folderImports(source: string, fromDir: string): string[] {
  const bad: string[] = [];
  for (const m of source.matchAll(importPattern)) {
    const spec = m[1] ?? m[2];
    const target = resolve(fromDir, spec);
    if (existsSync(target) && statSync(target).isDirectory()) bad.push(spec);
  }
  return bad;
}

// tslab appends ".js" to a relative import only when it has no extension of its own, so a file named like
// "kernels.generated.ts", imported as "./kernels.generated", is looked up as "kernels.generated" and not found
// (while TypeScript, vitest and ts-node all accept it). File names in src/ may not carry a second dot.
function dottedImports(source: string): string[] {
  return [...source.matchAll(importPattern)]
    .map((m) => m[1] ?? m[2])
    .filter((spec) => /\.[^./]+$/.test(spec.split("/").pop() ?? "") && !/\.(c?js|json)$/.test(spec));
}

describe("relative imports tslab can resolve", () => {
  it("name no file whose base name holds a dot (tslab would not add .js)", () => {
    const offenders = tsFiles(join(root, "src")).flatMap((f) =>
      dottedImports(readFileSync(f, "utf8")).map((spec) => `${f.slice(root.length + 1)}: "${spec}"`),
    );
    expect(offenders).toEqual([]);
  });

  it("the guard itself catches a dotted import", () => {
    expect(dottedImports('import { K } from "./kernels.generated";')).toEqual(["./kernels.generated"]);
    expect(dottedImports('import g from "../data/sources/grosse-2017.json";')).toEqual([]);
    expect(dottedImports('export * from "./core/tensor";')).toEqual([]);
    expect(dottedImports('require("./build.cjs")')).toEqual([]); // plain JS, named with its extension
  });
});

describe("relative imports name files, not folders", () => {
  it("in src/", () => {
    const offenders = tsFiles(join(root, "src")).flatMap((f) =>
      folderImports(readFileSync(f, "utf8"), dirname(f)).map((spec) => `${f.slice(root.length + 1)}: "${spec}"`),
    );
    expect(offenders).toEqual([]);
  });

  it("in the notebooks (resolved from the project root, where the kernel runs)", () => {
    const dir = join(root, "notebooks");
    const offenders = readdirSync(dir)
      .filter((n) => n.endsWith(".ipynb"))
      .flatMap((n) => {
        const nb = JSON.parse(readFileSync(join(dir, n), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
        return nb.cells
          .filter((c) => c.cell_type === "code")
          .flatMap((c) => folderImports(Array.isArray(c.source) ? c.source.join("") : c.source, root).map((s) => `${n}: "${s}"`));
      });
    expect(offenders).toEqual([]);
  });

  it("the guard itself catches a folder import", () => {
    expect(folderImports('import { x } from "./core";', join(root, "src"))).toEqual(["./core"]);
    expect(folderImports('export * from "./core/tensor";', join(root, "src"))).toEqual([]);
  });
});

// The layering of STYLE.md: arrows point down toward core/, the maths never imports charts or export, and
// charts imports no maths. Each folder may import only the folders listed for it (and itself).
const allowed: Record<string, string[]> = {
  core: [],
  rnn: ["core"],
  remedies: ["core", "rnn"],
  dynamics: ["core", "rnn"],
  train: ["core", "rnn", "remedies"],
  charts: [],
};

describe("folders import only the layers below them", () => {
  for (const [folder, below] of Object.entries(allowed)) {
    it(`src/${folder} imports only ${below.length ? below.join(", ") : "nothing else in src"} (and src/sources)`, () => {
      const offenders = tsFiles(join(root, "src", folder)).flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(importPattern)]
          .map((m) => resolve(dirname(f), m[1] ?? m[2]).slice(join(root, "src").length + 1).split("/")[0])
          .filter((top) => top !== folder && !below.includes(top) && top !== "sources" && !top.startsWith(".."))
          .map((top) => `${f.slice(root.length + 1)} imports src/${top}`),
      );
      expect(offenders).toEqual([]);
    });
  }
});
