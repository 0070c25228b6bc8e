// The kernel's messages to the student (src/notebook/kernel-report.cjs): stack frames mapped back to TypeScript
// lines, errors printed message first, the change notice's wording.
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../../src/notebook";

type Locate = (file: string, line: number, column: number) => string | null;
interface KernelReport {
  SKIPPED_NOTE: string;
  alignLines(a: string[], b: string[]): number[];
  changeNotice(changed: string[], deleted: string[]): string;
  decodeMappings(mappings: string): [number, number, number][][];
  decodeVlq(segment: string): number[];
  formatError(error: unknown, locate: Locate): string;
  originalPosition(decoded: [number, number, number][][], line: number, column: number): { line: number; column: number } | null;
  parseFrame(text: string): { fn: string | undefined; file: string; line: number; column: number } | null;
  sourceMapper(ts: unknown, source: string, emitted: string, options: { fileName: string; target: number; prefix?: string }): (line: number, column: number) => number | undefined;
}
interface TslabConverter {
  convert(prevDecl: string, src: string): { output?: string; declOutput?: string; diagnostics: { messageText: string }[] };
  close(): void;
}

const report = require("../../src/notebook/kernel-report.cjs") as KernelReport;
const tslabDir = path.join(PROJECT_ROOT, "node_modules", "tslab");
// tslab's own TypeScript (5.0.4) and converter: the mapping must reproduce exactly what tslab emits.
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })) as {
  ScriptTarget: { ES2022: number };
  ModuleKind: { ESNext: number };
  transpileModule(src: string, o: object): { outputText: string };
};
const tslabConverter = require(path.join(tslabDir, "dist", "converter.js")) as {
  createConverter(o: object): TslabConverter;
  esModuleToCommonJSModule(js: string, target: number): string;
};
const target = ts.ScriptTarget.ES2022;

/** 1-based line and column of the first occurrence of `text` in `js`. */
function positionOf(js: string, text: string): [number, number] {
  const lines = js.split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`"${text}" not in:\n${js}`);
  return [i + 1, (lines[i] ?? "").indexOf(text) + 1];
}

describe("source maps", () => {
  test("Base64 VLQ digits decode as the source map spec says", () => {
    expect(report.decodeVlq("AAAA")).toEqual([0, 0, 0, 0]);
    expect(report.decodeVlq("C")).toEqual([1]);
    expect(report.decodeVlq("D")).toEqual([-1]); // the lowest bit is the sign
    expect(report.decodeVlq("gB")).toEqual([16]); // 'g' = 32 + 0: a continuation digit, then 1 << 4
    expect(report.decodeVlq("2H")).toEqual([123]); // 246 = 2·123: '2' = 32 + 22, 'H' = 7; 22 + 7·32 = 246
    expect(() => report.decodeVlq("A!")).toThrow(/'!' is not a Base64 digit/);
  });

  test("mappings are absolute per line; a column between segments takes the segment before it", () => {
    // Line 0: column 0 → (0, 0), column 4 → (0, 6). Line 1: empty. Line 2: column 2 → (1, 0) (relative: +1 line, −6 col).
    const decoded = report.decodeMappings("AAAA,IAAM;;EACN");
    expect(decoded).toEqual([[[0, 0, 0], [4, 0, 6]], [], [[2, 1, 0]]]);
    expect(report.originalPosition(decoded, 0, 5)).toEqual({ line: 0, column: 6 });
    expect(report.originalPosition(decoded, 0, 0)).toEqual({ line: 0, column: 0 });
    expect(report.originalPosition(decoded, 1, 0)).toBeNull();
    expect(report.originalPosition(decoded, 2, 0)).toEqual({ line: 1, column: 0 }); // before the first segment: the first
  });

  test("a module's JavaScript as tslab emits it maps back to the TypeScript lines", () => {
    const source = [
      'import { b } from "./b";', // 1
      'import type { T } from "./t";', // 2
      "", // 3
      "/** Doubles x; throws when it is big. */", // 4
      "export function f(x: number, t?: T): number {", // 5
      "  const y: number = x * 2;", // 6
      "", // 7
      '  if (y > 3) throw new Error("big");', // 8
      "  return b(y);", // 9
      "}", // 10
    ].join("\n");
    // tslab's two steps (converter.js): the ES module output, then its esModuleToCommonJSModule.
    const esm = ts.transpileModule(source, { fileName: "m.ts", compilerOptions: { module: ts.ModuleKind.ESNext, target } }).outputText;
    const emitted = tslabConverter.esModuleToCommonJSModule(esm, target);
    const map = report.sourceMapper(ts, source, emitted, { fileName: "m.ts", target });
    expect(map(...positionOf(emitted, 'throw new Error("big")'))).toBe(8);
    expect(map(...positionOf(emitted, "return (0, b_1.b)(y)"))).toBe(9);
    expect(map(...positionOf(emitted, "const y = x * 2"))).toBe(6);
    expect(map(emitted.split("\n").length + 5, 1)).toBeUndefined(); // past the end
  });

  describe("a cell, compiled by tslab's converter after an earlier cell", () => {
    const conv = tslabConverter.createConverter({});
    afterAll(() => conv.close());

    test("maps through tslab's rewrites (exports.x for earlier names, the shown last value)", () => {
      const first = conv.convert("", "const scale: number = 3;\nfunction twice(v: number) { return 2 * v; }");
      expect(first.diagnostics).toEqual([]);
      const cell = [
        "// a comment", // 1
        "function run(n: number): number {", // 2
        "  const xs: number[] = [n * scale];", // 3
        "", // 4
        "  if (xs[0] > 5) throw new Error(`too big: ${xs[0]}`);", // 5
        "  return twice(xs[0]);", // 6
        "}", // 7
        "let y = run(1);", // 8
        "", // 9
        "twice(y) + run(2)", // 10
      ].join("\n");
      const out = conv.convert(first.declOutput ?? "", cell);
      expect(out.diagnostics).toEqual([]);
      const js = out.output ?? "";
      // What makes the cell harder than a module: tslab's rewrites are there.
      expect(js).toContain("exports.twice(xs[0])");
      expect(js).toContain("exports.tsLastExpr = ");
      const map = report.sourceMapper(ts, cell, js, { fileName: "cell.ts", target, prefix: "export {};\n" });
      expect(map(...positionOf(js, "throw new Error"))).toBe(5);
      expect(map(...positionOf(js, "return exports.twice"))).toBe(6);
      expect(map(...positionOf(js, "let y = run(1)"))).toBe(8);
      expect(map(...positionOf(js, "run(2)"))).toBe(10);
      expect(map(...positionOf(js, "exports.y = y"))).toBeUndefined(); // tslab's own line: no source line
    });
  });

  test("lines are paired in order by their text without tslab's rewrites; tslab's own lines pair with none", () => {
    const emitted = [
      'Object.defineProperty(exports, "__esModule", { value: true });',
      "exports.y = exports.tsLastExpr = void 0;",
      "exports.f(exports.a);",
      "let y = 3;",
      "exports.y = y;",
      "}",
      "exports.tsLastExpr = y + 1;",
    ];
    const twin = ["f(a);", "let y = 3;", "}", "y + 1;"];
    expect(report.alignLines(emitted, twin)).toEqual([-1, -1, 0, 1, -1, 2, 3]);
    // A repeated line pairs with the next unpaired one, never one already passed.
    expect(report.alignLines(["}", "}", "x;"], ["}", "x;", "}"])).toEqual([0, 2, -1]);
  });
});

describe("errors", () => {
  test("stack lines parse into function, file, line and column; frames without a location are null", () => {
    expect(report.parseFrame("    at run (tslab-cell-2:6:13)")).toEqual({ fn: "run", file: "tslab-cell-2", line: 6, column: 13 });
    expect(report.parseFrame("    at tslab-cell-2:10:22")).toEqual({ fn: undefined, file: "tslab-cell-2", line: 10, column: 22 });
    expect(report.parseFrame("    at async Object.execute (/p/node_modules/tslab/dist/executor.js:173:17)")).toEqual({
      fn: "async Object.execute",
      file: "/p/node_modules/tslab/dist/executor.js",
      line: 173,
      column: 17,
    });
    expect(report.parseFrame("    at new Promise (<anonymous>)")).toBeNull();
    expect(report.parseFrame("    at async Promise.all (index 0)")).toBeNull();
    expect(report.parseFrame("Error: at the start (not a frame)")).toBeNull();
  });

  // What tslab printed before (Node's view of an error thrown through vm.runInThisContext): a line of a .js file
  // that does not exist, the message on line 4, internal frames at the end.
  const nodeView = (header: string) =>
    [
      "/p/src/core/tensor.js:12",
      "        throw new Error(msg());",
      "        ^",
      "",
      header,
      "    at assert (/p/src/core/tensor.js:12:15)",
      "    at Proxy.rnnForward (/p/src/rnn/vanilla.js:52:32)",
      "    at new Promise (<anonymous>)",
      "    at run (tslab-cell-2:6:13)",
      "    at tslab-cell-2:10:22",
      "    at sigintHandlersWrap (node:vm:280:12)",
      "    at Script.runInThisContext (node:vm:135:14)",
      "    at Object.execute (/p/node_modules/tslab/dist/executor.js:160:38)",
    ].join("\n");
  // A stand-in for the kernel's locate: .js → .ts and one line down in src/, cells by line, everything else left out.
  const locate: Locate = (file, line) =>
    file.startsWith("/p/src/") ? `${file.slice(3).replace(/\.js$/, ".ts")}:${line + 1}` : file === "tslab-cell-2" ? `this cell, line ${line - 2}` : null;

  test("an error prints its message first, then only the frames locate names, without receiver types", () => {
    const e = new Error("rnnForward: xs[0] has length 3, expected 2");
    e.stack = nodeView(`Error: ${e.message}`);
    expect(report.formatError(e, locate)).toBe(
      [
        "Error: rnnForward: xs[0] has length 3, expected 2",
        "    at assert (src/core/tensor.ts:13)",
        "    at rnnForward (src/rnn/vanilla.ts:53)",
        "    at run (this cell, line 4)",
        "    at this cell, line 8",
      ].join("\n"),
    );
  });

  test("the error's own name and code, a message over several lines, an empty message and a cause are kept", () => {
    class NonFiniteError extends Error {
      override name = "NonFiniteError";
    }
    const e = new NonFiniteError("dL/dh_t became Infinity at step 91\nsee notebook 04");
    e.stack = nodeView("NonFiniteError: dL/dh_t became Infinity at step 91\nsee notebook 04");
    expect(report.formatError(e, locate).split("\n").slice(0, 3)).toEqual([
      "NonFiniteError: dL/dh_t became Infinity at step 91",
      "see notebook 04",
      "    at assert (src/core/tensor.ts:13)",
    ]);
    const interrupted = Object.assign(new Error("Script execution was interrupted by `SIGINT`"), { code: "ERR_SCRIPT_EXECUTION_INTERRUPTED" });
    interrupted.stack = "Error: …\n    at tslab-cell-2:9:1";
    expect(report.formatError(interrupted, locate)).toBe(
      "Error [ERR_SCRIPT_EXECUTION_INTERRUPTED]: Script execution was interrupted by `SIGINT`\n    at this cell, line 7",
    );
    const system = Object.assign(new Error("ENOENT: no such file or directory, open 'x.csv'"), { code: "ENOENT" });
    system.stack = "Error: …";
    expect(report.formatError(system, locate)).toBe("Error: ENOENT: no such file or directory, open 'x.csv'"); // said once
    const bare = new TypeError("");
    bare.stack = "TypeError\n    at tslab-cell-2:9:1";
    expect(report.formatError(bare, locate)).toBe("TypeError\n    at this cell, line 7");
    const outer = new Error("training stopped", { cause: bare });
    outer.stack = "Error: training stopped\n    at tslab-cell-2:5:1";
    expect(report.formatError(outer, locate)).toBe(
      "Error: training stopped\n    at this cell, line 3\nCaused by: TypeError\n    at this cell, line 7",
    );
  });
});

describe("the change notice", () => {
  test("says which files changed or went, in one line, and nothing when none did", () => {
    expect(report.changeNotice([], [])).toBe("");
    expect(report.changeNotice(["src/rnn/vanilla.ts"], [])).toBe(
      "src/rnn/vanilla.ts changed since this kernel loaded it: restart the kernel to use it",
    );
    expect(report.changeNotice(["src/a.ts", "src/b.ts"], [])).toBe(
      "src/a.ts and src/b.ts changed since this kernel loaded them: restart the kernel to use them",
    );
    expect(report.changeNotice(["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"], [])).toBe(
      "a.ts, b.ts, c.ts and 2 more changed since this kernel loaded them: restart the kernel to use them",
    );
    expect(report.changeNotice([], ["src/x.ts"])).toBe(
      "src/x.ts was deleted since this kernel loaded it: restart the kernel to stop using it",
    );
    expect(report.changeNotice(["src/a.ts"], ["src/x.ts", "src/y.ts"])).toBe(
      "src/a.ts changed and src/x.ts and src/y.ts were deleted since this kernel loaded them: restart the kernel to use the files as they are now",
    );
    for (const line of [report.changeNotice(["a.ts", "b.ts", "c.ts", "d.ts"], ["e.ts"]), report.SKIPPED_NOTE]) {
      expect(line).not.toContain("\n");
    }
  });
});
