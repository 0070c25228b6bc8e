import * as vm from "node:vm";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import type { NotebookCell, NotebookJson } from "../../src/notebook/types";
import {
  checkClaim,
  claimFailures,
  notebookClaims,
  parseProseNumbers,
  PROBE_MARKER,
  probeCode,
  storedCellFailures,
  withClaimProbes,
  type Claim,
} from "../../src/prose/claims";

const code = (id: string, source: string): NotebookCell => ({ cell_type: "code", id, metadata: {}, outputs: [], execution_count: null, source });
const md = (id: string, source: string, claims?: unknown): NotebookCell => ({
  cell_type: "markdown",
  id,
  metadata: claims === undefined ? {} : { claims },
  source,
});
const notebook = (cells: NotebookCell[]): NotebookJson => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

describe("parseProseNumbers: what the prose prints, and to how many digits", () => {
  const read = (text: string) => parseProseNumbers(text).map((n) => [n.value, n.halfUnit]);

  it("decimals, signs (− and a hyphen with nothing before it), ranges with an en dash", () => {
    expect(read("norms 0.09–0.44")).toEqual([[0.09, 0.005], [0.44, 0.005]]);
    expect(read("b₁ ≈ −2.344 and -1.5")).toEqual([[-2.344, 0.0005], [-1.5, 0.05]]);
    // A hyphen after a digit is a range, not a minus: "5-8" is 5 and 8.
    expect(read("5-8 steps")).toEqual([[5, 0.5], [8, 0.5]]);
    expect(read("step 91")).toEqual([[91, 0.5]]);
  });

  it("thousands separators, percentages, e-notation", () => {
    expect(read("10,000 sequences")).toEqual([[10000, 0.5]]);
    expect(read("on 16% of [0, 1]")).toEqual([[16, 0.5], [0, 0.5], [1, 0.5]]);
    expect(parseProseNumbers("5.8e155")[0]).toMatchObject({ mantissa: 5.8, exponent: 155, halfUnit: 0.05 });
  });

  it("powers of ten: × 10^{k}, \\cdot 10^3, superscripts; a bare 10^{k} is an order of magnitude only", () => {
    expect(read("about $2 \\times 10^{5}$")).toEqual([[2e5, 0.5]]);
    expect(read("$1.1 \\cdot 10^3$")).toEqual([[1.1e3, 0.05]]);
    expect(read("3 × 10⁻⁴")[0][0]).toBeCloseTo(3e-4, 18);
    const [order] = parseProseNumbers("past $10^{-6}$");
    expect([order.value, order.orderOnly]).toEqual([1e-6, true]);
    expect(parseProseNumbers("10⁵")[0]).toMatchObject({ value: 1e5, orderOnly: true });
  });

  it("another base raised to a power is two numbers, the base and the exponent", () => {
    expect(read("$0.8^{60}$")).toEqual([[0.8, 0.05], [60, 0.5]]);
  });

  it("digits glued to words are not numbers; digits in subscripts are (pick fragments accordingly)", () => {
    expect(read("f2 x3y")).toEqual([]);
    expect(read("h_{30}")).toEqual([[30, 0.5]]);
  });
});

describe("checkClaim", () => {
  const value = (text: string, extra: Partial<Claim> = {}): Claim => ({ text, value: "x", ...extra });

  it("passes a value that rounds to the printed digits, and fails one that does not, saying both numbers", () => {
    expect(checkClaim(value("0.09–0.44"), { value: [0.094, 0.4401] })).toBeNull();
    // One digit is a coarser claim, and still checked: 0.094 rounds to 0.1, but 0.4401 does not round to 0.3.
    expect(checkClaim(value("0.1–0.4"), { value: [0.094, 0.4401] })).toBeNull();
    const why = checkClaim(value("0.1–0.3"), { value: [0.094, 0.4401] });
    expect(why).toBe("the prose says 0.3 vs computed 0.4401 (rounds to 0.3 only within ±0.05)");
  });

  it("counts: every number of the text needs its value", () => {
    expect(checkClaim(value("between 1 and 10"), { value: 3 })).toMatch(/holds 2 number\(s\) \(1, 10\) but `x` gave 1/);
  });

  it("tolerances: absolute, relative, decades; a bare power of ten allows half a decade", () => {
    expect(checkClaim(value("about 200", { rel: 0.05 }), { value: 201.4 })).toBeNull();
    expect(checkClaim(value("about 200"), { value: 201.4 })).toMatch(/within ±0\.5/);
    expect(checkClaim(value("about 8", { tol: 0.1 }), { value: 7.975 })).toBeNull();
    expect(checkClaim(value("$10^{45}$"), { value: 1.03e45 })).toBeNull();
    expect(checkClaim(value("$10^{45}$"), { value: 5e45 })).toMatch(/±0\.5 decades/);
    expect(checkClaim(value("$10^{-6}$", { decades: 0.2 }), { value: 1.5e-6 })).toBeNull();
  });

  it("compares in the prose's own scale, so numbers near float64's ends work (1.8 × 10^{308} is past it)", () => {
    expect(checkClaim(value("about $1.8 \\times 10^{308}$"), { value: Number.MAX_VALUE })).toBeNull();
    expect(checkClaim(value("about $4.9 \\times 10^{-324}$"), { value: Number.MIN_VALUE })).toBeNull();
    expect(checkClaim(value("$1.7 \\times 10^{308}$"), { value: Number.MAX_VALUE })).toMatch(/within ±0\.05 × 10\^308/);
  });

  it("checks must be exactly true; errors and non-finite values fail", () => {
    const check: Claim = { text: "the largest", check: "a > b" };
    expect(checkClaim(check, { value: true })).toBeNull();
    expect(checkClaim(check, { value: false })).toMatch(/gave false, not true/);
    expect(checkClaim(check, { value: 1 })).toMatch(/gave 1, not true/);
    expect(checkClaim(value("0.5"), { error: "ReferenceError: x is not defined" })).toMatch(/threw: ReferenceError/);
    expect(checkClaim(value("0.5"), { value: NaN })).toMatch(/not finite/);
    expect(checkClaim(value("0.5"), { value: "0.5" })).toMatch(/expected a number/);
  });
});

describe("notebookClaims: the stored notebook's claims, checked without a kernel", () => {
  it("resolves each claim to the last code cell above, or to its `at`", () => {
    const nb = notebook([
      md("intro", "We find 0.5 below.", [{ text: "0.5", value: "r", at: "run" }]),
      code("run", "const r = 0.5;"),
      code("more", "const s = 2;"),
      md("after", "It was 0.5, and then 2.", [{ text: "0.5", value: "r" }, { text: "2", value: "s", at: "more" }]),
    ]);
    const { sites, problems } = notebookClaims(nb);
    expect(problems).toEqual([]);
    expect(sites.map((s) => [s.cellIndex, s.probeCellIndex, s.claimIndices])).toEqual([
      [0, 1, [0]],
      [3, 2, [0, 1]],
    ]);
  });

  it("reports a text not in the cell, neither or both expressions, an unknown `at`, no code above, claims on code", () => {
    const nb = notebook([
      md("first", "Says 3.", [{ text: "3", value: "x" }]),
      code("c", "const x = 3;"),
      md("m", "Says 3.", [
        { text: "says 4", value: "x" },
        { text: "3", check: "x === 3", value: "x" },
        { text: "Says" },
        { text: "3", value: "x", at: "nope" },
        { text: "Says", value: "x" },
        { text: 3 },
      ]),
      { ...code("d", "1"), metadata: { claims: [{ text: "1", value: "1" }] } },
    ]);
    const { problems } = notebookClaims(nb);
    expect(problems).toEqual([
      'cell 1 ("first"), claim 1 ("3"): no code cell above it: give it an `at`',
      'cell 3 ("m"), claim 1 ("says 4"): the text is not in the cell (edit the claim with the prose)',
      'cell 3 ("m"), claim 2 ("3"): give exactly one of value and check',
      'cell 3 ("m"), claim 3 ("Says"): give exactly one of value and check',
      'cell 3 ("m"), claim 4 ("3"): at "nope" is no code cell\'s id',
      'cell 3 ("m"), claim 5 ("Says"): a value claim\'s text must hold a number',
      expect.stringMatching(/^cell 3 \("m"\), claim 6: expected \{ text: string/),
      'cell 4 ("d"): claims belong to markdown cells, this is a code cell',
    ]);
  });
});

/** Runs a notebook's code cells (plain expressions, no kernel) the way the kernel would, capturing stdout. */
function runLikeAKernel(nb: NotebookJson): NotebookJson {
  const context = vm.createContext({ JSON, Number, String, Array, ArrayBuffer, Math, Float64Array, console: {} });
  return {
    ...nb,
    cells: nb.cells.map((cell) => {
      if (cell.cell_type !== "code") return cell;
      const lines: string[] = [];
      context.console = { log: (...a: unknown[]) => lines.push(a.join(" ")) };
      const js = ts.transpileModule(String(cell.source), { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
      vm.runInContext(js.replace(/\bconst\b/g, "var"), context);
      return { ...cell, outputs: [{ output_type: "stream", name: "stdout", text: lines.map((l) => `${l}\n`).join("") }] };
    }),
  };
}

describe("probes and claimFailures, end to end without a kernel", () => {
  const stored = notebook([
    code("grads", "const g = [0.094, 0.2, 0.4401];\nconst big = [1e300 * 1e10, 2];\nconst arr = new Float64Array([1.5, 2.5]);"),
    md("prose", "Norms of 0.09–0.44, the largest last; a typed array 1.5 and 2.5; overflow; the smallest is 0.1.", [
      { text: "0.09–0.44", value: "[Math.min(...g), Math.max(...g)]" },
      { text: "the largest last", check: "g.indexOf(Math.max(...g)) === g.length - 1" },
      { text: "1.5 and 2.5", value: "arr" },
      { text: "overflow", check: "big[0] === Infinity" },
      { text: "the smallest is 0.1", value: "Math.min(...g)", tol: 0.001 },
      { text: "Norms", check: "missing.length > 0" },
    ]),
  ]);

  it("adds a probe cell after the code cell the claims are evaluated after, and maps every cell back", () => {
    const { notebook: probed, origins } = withClaimProbes(stored);
    expect(probed.cells.map((c) => c.cell_type)).toEqual(["code", "code", "markdown"]);
    expect(probed.cells[0]).toEqual(stored.cells[0]); // the notebook's own code is untouched
    expect(String(probed.cells[1].source)).toContain(PROBE_MARKER);
    expect(origins.map((o) => (typeof o === "number" ? o : o.map((s) => s.cellIndex)))).toEqual([0, [1], 1]);
  });

  it("reports exactly the claims the run does not bear out (NaN/∞ and typed arrays survive the trip)", () => {
    const failures = claimFailures("nb.ipynb", stored, runLikeAKernel(withClaimProbes(stored).notebook));
    expect(failures).toEqual([
      'nb.ipynb, cell 2 ("prose"), claim "the smallest is 0.1": the prose says 0.1 vs computed 0.094 (allowed ±0.001)',
      expect.stringMatching(/^nb\.ipynb, cell 2 \("prose"\), claim "Norms": the expression threw: ReferenceError: missing is not defined/),
    ]);
  });

  it("a claim whose probe never ran is reported as not evaluated", () => {
    const failures = claimFailures("nb.ipynb", stored, stored);
    expect(failures).toHaveLength(6);
    expect(failures[0]).toMatch(/claim "0\.09–0\.44": not evaluated \(its probe, after cell 1, failed: see above\)/);
  });

  it("failed cells of the probed run are reported at the stored notebook's cells, or as the claims a probe checks", () => {
    const two = notebook([md("intro", "Intro."), ...stored.cells]);
    const probed = withClaimProbes(two);
    const failure = (cellIndex: number) => ({
      notebook: "/tmp/with-claims-nb.ipynb", cellIndex, cellNumber: cellIndex + 1, codeCellNumber: 1, kind: "stderr" as const,
      message: "1:1 - Cannot find name 'missing'.", firstLine: "x",
    });
    expect(storedCellFailures("nb.ipynb", two, probed, [failure(1), failure(2)])).toEqual([
      "nb.ipynb, cell 2 (code cell 1; cells counted from 1, markdown included): stderr: 1:1 - Cannot find name 'missing'.\n    in cell starting: x",
      'nb.ipynb, the claims of markdown cell 3 ("prose"), evaluated after cell 2: stderr: 1:1 - Cannot find name \'missing\'.',
    ]);
  });

  it("the probe is valid TypeScript for the kernel's compiler", () => {
    const { sites } = notebookClaims(stored);
    const out = ts.transpileModule(probeCode(sites[0]), { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
    expect(out.diagnostics ?? []).toEqual([]);
  });
});
