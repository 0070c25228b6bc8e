import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// Notebooks import src/ through tslab, which type-checks it with its own TypeScript (5.0.4, from
// @tslab/typescript-for-tslab), not the project's 5.9, and with its own options (not strict, Node10
// resolution, ESNext modules). Code that 5.9 accepts can fail there and break every notebook at its import
// line, so compile the public face the way tslab does and fail on any diagnostic.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");

describe("src/ compiles under tslab's TypeScript", () => {
  it(`src/index.ts has no diagnostics with TypeScript ${ts.version} and tslab's options`, () => {
    const root = resolve(__dirname, "..");
    const program = ts.createProgram([resolve(root, "src/index.ts")], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"],
      declaration: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      noEmit: true,
      rootDir: root,
      types: ["node"],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.slice(root.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(ts.version.startsWith("5.0")).toBe(true);
    expect(diagnostics).toEqual([]);
  }, 120_000);
});
