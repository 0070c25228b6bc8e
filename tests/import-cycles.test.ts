import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// Imports in src/ point one way (STYLE.md: arrows point down toward core/, never back up). A cycle — even one
// made only of `import type` — means two files each need the other, so neither can be read, tested or moved on
// its own: what both need belongs in a third file that both import. This walks the graph of relative imports
// (import, export … from, import type, require) of src/**/*.ts and fails naming each cycle it finds.
const root = resolve(__dirname, "..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

const importPattern = /(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']*)["']|require\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g;

/** The .ts files of `source` (a file in `fromDir`) imports, resolved as TypeScript does. */
function importedFiles(source: string, fromDir: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(importPattern)) {
    const target = resolve(fromDir, m[1] ?? m[2]);
    for (const f of [target + ".ts", join(target, "index.ts"), target])
      if (f.endsWith(".ts") && existsSync(f) && statSync(f).isFile()) {
        out.push(f);
        break;
      }
  }
  return out;
}

/** Every cycle of the graph reachable by depth-first search, each as its files in order (first = last). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === "open") found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

describe("imports in src/ point one way", () => {
  it("no file imports itself back through a chain of imports (type-only imports included)", () => {
    const files = tsFiles(join(root, "src"));
    const graph = new Map(files.map((f) => [f, importedFiles(readFileSync(f, "utf8"), dirname(f))]));
    const named = cycles(graph).map((c) => c.map((f) => relative(root, f)).join(" → "));
    expect(named).toEqual([]);
  });

  it("the walk finds a cycle of three files, and none in a chain", () => {
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual([["a", "b", "c", "a"]]);
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]]))).toEqual([]);
    expect(cycles(new Map([["a", ["a"]]]))).toEqual([["a", "a"]]);
  });

  it("reads type-only imports, re-exports and requires as edges", () => {
    const dir = join(root, "src", "rnn");
    const src = 'import type { X } from "./vanilla";\nexport { y } from "./checks";\nconst b = require("../core/tensor");';
    expect(importedFiles(src, dir).map((f) => relative(root, f))).toEqual(["src/rnn/vanilla.ts", "src/rnn/checks.ts", "src/core/tensor.ts"]);
  });
});
