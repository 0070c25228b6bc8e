/**
 * Numbers in notebook prose, tied to what the code computes. A markdown cell that reports a computed result lists
 * it in its metadata, `"claims"`: the fragment of prose and a TypeScript expression over the notebook's variables.
 * The notebook test adds a probe cell for those expressions after the code cell they are evaluated after, runs
 * the notebook, and fails when the prose and the computation disagree: the prose cannot drift from the outputs.
 *
 *   "metadata": { "claims": [
 *     { "text": "gradients of norm 0.09–0.44", "value": "[Math.min(...g), Math.max(...g)]" },
 *     { "text": "only the first step", "check": "norms.filter((n) => n > band.hi).length === 1" } ] }
 *
 * - `value`: a number or an array of numbers that must match every number in `text`, in order, to the digits the
 *   prose prints (0.44 covers [0.435, 0.445]; 2 × 10^{5} covers [1.5e5, 2.5e5]; a bare 10^{45} covers half a decade
 *   either way), unless the claim gives `tol` (absolute), `rel` (relative) or `decades` (log10 distance).
 * - `check`: an expression that must be true, for comparisons said in words ("the largest of the five").
 * - `at`: the id of the code cell to evaluate after (default: the last code cell above the markdown cell).
 */
import { cellPosition, formatFailure, type CellFailure } from "../notebook/failures";
import type { CodeCell, NotebookCell, NotebookJson } from "../notebook/types";
import { joinText } from "../notebook/types";

/** One claim of a markdown cell (its metadata.claims). */
export interface Claim {
  /** A fragment of the cell's markdown, verbatim: the prose this claim ties to a computation. */
  text: string;
  /** TypeScript expression: a number or array of numbers that must match the numbers in `text`, in order. */
  value?: string;
  /** TypeScript expression that must be true. Exactly one of value and check. */
  check?: string;
  /** Id of the code cell after which the expression is evaluated (default: the last code cell above). */
  at?: string;
  /** Allowed absolute difference, instead of the rounding of the printed digits. */
  tol?: number;
  /** Allowed relative difference |computed − printed| / |printed|. */
  rel?: number;
  /** Allowed distance in decades, |log10 computed − log10 printed|. */
  decades?: number;
}

/** The claims of one markdown cell, resolved to the code cell they are evaluated after. */
export interface ClaimSite {
  /** 0-based index of the markdown cell among all cells. */
  cellIndex: number;
  cellId: string | undefined;
  claims: Claim[];
  /** Each claim's position in the cell's metadata.claims (what the probe reports it under). */
  claimIndices: number[];
  /** 0-based index of the code cell whose end the probe is appended to. */
  probeCellIndex: number;
}

/** A number as the prose prints it, mantissa × 10^exponent, and how closely it says it. */
export interface ProseNumber {
  /** The fragment that was read, e.g. "2 \times 10^{5}", "−2.344", "16%". */
  raw: string;
  value: number;
  /** The printed digits and the power of ten they are scaled by (kept apart: 1.8 × 10^{308} is past float64). */
  mantissa: number;
  exponent: number;
  /** Half a unit of the mantissa's last digit (0.005 for "0.44", 0.5 for "2 × 10^{5}"); NaN for a bare power of ten. */
  halfUnit: number;
  /** A bare power of ten ("10^{45}"): the prose gives an order of magnitude only. */
  orderOnly: boolean;
}

/** The line that starts a probe's output in a cell's stdout. */
export const PROBE_MARKER = "@@claims";

const SUPERSCRIPTS: Record<string, string> = { "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-" };

// sign? mantissa (thousands with commas, decimals) then an optional exponent: e-notation, "× 10^{k}" / "\times 10^k"
// / "\cdot 10^{k}", or superscript digits after "× 10"; a bare "10^{k}" or "10⁵" is an order of magnitude.
const NUMBER =
  /(?<![\w.])([−-])?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:(e[+−-]?\d+)|\s*(?:\\times|\\cdot|×|·)\s*10(?:\^\{?([+−-]?\d+)\}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?(?:\^\{?([+−-]?\d+)\}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?/gu;

function exponentOf(text: string): number {
  const plain = [...text].map((ch) => SUPERSCRIPTS[ch] ?? ch).join("").replace("−", "-").replace("+", "");
  return Number(plain);
}

/**
 * The numbers a fragment of prose prints, in order, with how precisely it prints them. Reads "−2.344" and "-2.344"
 * (a hyphen only where no word or digit precedes it), "10,000", "0.44", "5.8e155", "2 \times 10^{5}",
 * "1.1 \cdot 10^3", "3 × 10⁵", "10^{-6}" and "10⁵" (orders of magnitude), "16%" (as 16). Digits inside words or
 * subscripts ("h_{30}", "W^{9}") are numbers too: choose a fragment that holds only the numbers to check.
 * @example parseProseNumbers("norms 0.09–0.44").map((n) => n.value) // [0.09, 0.44]
 */
export function parseProseNumbers(text: string): ProseNumber[] {
  if (typeof text !== "string") throw new TypeError(`text: expected a string, got ${typeof text}`);
  const out: ProseNumber[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const [raw, sign, mantissaText, eNotation, timesPower, timesSuper, barePower, bareSuper] = m;
    const negative = sign !== undefined;
    const mantissa = Number(mantissaText.replace(/,/g, ""));
    const decimals = mantissaText.includes(".") ? mantissaText.split(".")[1].length : 0;
    const unit = 10 ** -decimals;
    if (barePower !== undefined || bareSuper !== undefined) {
      const power = barePower ?? bareSuper;
      if (mantissaText === "10" && eNotation === undefined && timesPower === undefined && timesSuper === undefined) {
        // "10^{k}": an order of magnitude.
        const k = exponentOf(power);
        out.push({ raw, value: (negative ? -1 : 1) * 10 ** k, mantissa: negative ? -1 : 1, exponent: k, halfUnit: NaN, orderOnly: true });
      } else {
        // "0.8^{60}": two numbers, the base and the exponent.
        const base = raw.slice(0, raw.lastIndexOf("^") >= 0 ? raw.lastIndexOf("^") : raw.length - power.length);
        const k = exponentOf(power);
        out.push(...parseProseNumbers(base), { raw: power, value: k, mantissa: k, exponent: 0, halfUnit: 0.5, orderOnly: false });
      }
      continue;
    }
    const k = eNotation !== undefined ? exponentOf(eNotation.slice(1)) : timesPower !== undefined || timesSuper !== undefined ? exponentOf(timesPower ?? timesSuper) : 0;
    const signed = (negative ? -1 : 1) * mantissa;
    out.push({ raw, value: signed * 10 ** k, mantissa: signed, exponent: k, halfUnit: unit / 2, orderOnly: false });
  }
  return out;
}

/** What a probe reported for one claim: the expression's value, or the error it threw. */
export type ProbeResult = { value: unknown } | { error: string };

/**
 * Whether a computed value bears out a claim; null when it does, else a sentence saying what disagrees.
 * @example checkClaim({ text: "about 0.44", value: "x" }, { value: 0.4401 }) // null
 */
export function checkClaim(claim: Claim, result: ProbeResult): string | null {
  if ("error" in result) return `the expression threw: ${result.error}`;
  const got = result.value;
  if (claim.check !== undefined) return got === true ? null : `check \`${claim.check}\` gave ${JSON.stringify(got)}, not true`;
  const values = Array.isArray(got) ? got : [got];
  if (!values.every((v) => typeof v === "number")) return `value \`${claim.value}\` gave ${JSON.stringify(got)}: expected a number or an array of numbers`;
  const printed = parseProseNumbers(claim.text);
  if (printed.length !== values.length) {
    return `the text holds ${printed.length} number(s) (${printed.map((p) => p.raw).join(", ") || "none"}) but \`${claim.value}\` gave ${values.length}: ${fmtList(values as number[])}`;
  }
  const off: string[] = [];
  printed.forEach((p, i) => {
    const v = values[i] as number;
    const why = disagreement(p, v, claim);
    if (why !== null) off.push(`${p.raw} vs computed ${fmt(v)} (${why})`);
  });
  return off.length === 0 ? null : `the prose says ${off.join("; ")}`;
}

function disagreement(p: ProseNumber, v: number, c: Claim): string | null {
  if (!Number.isFinite(v)) return "not finite";
  if (c.tol !== undefined) return Math.abs(v - p.value) <= c.tol ? null : `allowed ±${c.tol}`;
  if (c.rel !== undefined) return Math.abs(v - p.value) <= c.rel * Math.abs(p.value) ? null : `allowed ±${c.rel * 100}%`;
  if (c.decades !== undefined || p.orderOnly) {
    const d = c.decades ?? 0.5;
    if (Math.sign(v) !== Math.sign(p.mantissa)) return "opposite sign";
    const printed = Math.log10(Math.abs(p.mantissa)) + p.exponent;
    return Math.abs(Math.log10(Math.abs(v)) - printed) <= d ? null : `allowed ±${d} decades`;
  }
  // The printed digits, compared in the prose's own scale (v / 10^k, in two halves so neither factor over- or
  // underflows near float64's ends), with a hair of slack for values that print exactly on a rounding boundary.
  const scaled = v * 10 ** (-p.exponent / 2) * 10 ** (-p.exponent / 2);
  if (Math.abs(scaled - p.mantissa) <= p.halfUnit * (1 + 1e-9)) return null;
  return `rounds to ${p.raw} only within ±${fmt(p.halfUnit)}${p.exponent === 0 ? "" : ` × 10^${p.exponent}`}`;
}

function fmt(x: number): string {
  return Number.isInteger(x) || !Number.isFinite(x) ? String(x) : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(3) : String(+x.toPrecision(4));
}

function fmtList(xs: readonly number[]): string {
  return xs.map((x) => (typeof x === "number" ? fmt(x) : JSON.stringify(x))).join(", ");
}

function isClaim(c: unknown): c is Claim {
  if (typeof c !== "object" || c === null) return false;
  const o = c as Record<string, unknown>;
  const str = (k: string) => o[k] === undefined || typeof o[k] === "string";
  const num = (k: string) => o[k] === undefined || (typeof o[k] === "number" && (o[k] as number) >= 0);
  return typeof o.text === "string" && str("value") && str("check") && str("at") && num("tol") && num("rel") && num("decades");
}

/**
 * The claims of every markdown cell, checked for shape and resolved to the code cell they are evaluated after.
 * Problems (a claim whose text is not in its cell, neither or both of value and check, an unknown `at`, no code
 * cell above) are returned as messages, so a stored notebook can be checked without a kernel.
 */
export function notebookClaims(nb: NotebookJson): { sites: ClaimSite[]; problems: string[] } {
  const sites: ClaimSite[] = [];
  const problems: string[] = [];
  const codeIndexById = new Map<string, number>();
  nb.cells.forEach((c, i) => {
    if (c.cell_type === "code" && c.id) codeIndexById.set(c.id, i);
  });
  nb.cells.forEach((cell, i) => {
    const raw: unknown = cell.metadata?.claims;
    if (raw === undefined) return;
    const where = `cell ${i + 1}${cell.id ? ` ("${cell.id}")` : ""}`;
    if (cell.cell_type !== "markdown") {
      problems.push(`${where}: claims belong to markdown cells, this is a ${cell.cell_type} cell`);
      return;
    }
    if (!Array.isArray(raw) || raw.length === 0) {
      problems.push(`${where}: metadata.claims must be a non-empty array of { text, value | check, at?, tol?, rel?, decades? }`);
      return;
    }
    const source = joinText(cell.source);
    const above = lastCodeCellBefore(nb.cells, i);
    const byProbe = new Map<number, { claims: Claim[]; claimIndices: number[] }>();
    raw.forEach((c: unknown, k: number) => {
      if (!isClaim(c)) {
        problems.push(`${where}, claim ${k + 1}: expected { text: string, value or check: string, at?: string, tol/rel/decades?: number ≥ 0 }, got ${JSON.stringify(c)}`);
        return;
      }
      const label = `${where}, claim ${k + 1} ("${c.text}")`;
      if ((c.value === undefined) === (c.check === undefined)) problems.push(`${label}: give exactly one of value and check`);
      else if (!source.includes(c.text)) problems.push(`${label}: the text is not in the cell (edit the claim with the prose)`);
      else if (c.value !== undefined && parseProseNumbers(c.text).length === 0) problems.push(`${label}: a value claim's text must hold a number`);
      else {
        const probe = c.at !== undefined ? codeIndexById.get(c.at) : above;
        if (probe === undefined) {
          problems.push(c.at !== undefined ? `${label}: at "${c.at}" is no code cell's id` : `${label}: no code cell above it: give it an \`at\``);
        } else {
          const group = byProbe.get(probe) ?? { claims: [], claimIndices: [] };
          group.claims.push(c);
          group.claimIndices.push(k);
          byProbe.set(probe, group);
        }
      }
    });
    for (const [probeCellIndex, g] of byProbe) sites.push({ cellIndex: i, cellId: cell.id, ...g, probeCellIndex });
  });
  return { sites, problems };
}

function lastCodeCellBefore(cells: readonly NotebookCell[], i: number): number | undefined {
  for (let j = i - 1; j >= 0; j--) if (cells[j].cell_type === "code") return j;
  return undefined;
}

/** The code that evaluates a site's claims and prints one marked JSON line. */
export function probeCode(site: ClaimSite): string {
  const exprs = site.claims.map((c) => {
    const e = c.value ?? c.check ?? "undefined";
    return `  (() => { try { return { value: (${e}) }; } catch (e) { return { error: String(e) }; } })(),`;
  });
  return [
    `// the claims of markdown cell ${site.cellIndex + 1} (its metadata.claims)`,
    `console.log("${PROBE_MARKER} " + JSON.stringify({ cell: ${site.cellIndex}, claims: ${JSON.stringify(site.claimIndices)}, results: [`,
    ...exprs,
    // NaN and ±Infinity survive as strings; typed arrays as arrays.
    `] }, (_k: string, v: any) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : ArrayBuffer.isView(v) ? Array.from(v as any) : v)));`,
  ].join("\n");
}

/** A notebook with probe cells added, and where each of its cells came from. */
export interface ProbedNotebook {
  notebook: NotebookJson;
  /** Per cell of `notebook`: the index of the stored cell it copies, or the claim site its probe evaluates. */
  origins: (number | ClaimSite[])[];
}

/**
 * A copy of the notebook with probe cells after each code cell that claims are evaluated after, one per markdown
 * cell. The probes are cells of their own, so a claim whose expression does not compile fails its probe (and only
 * the claims of that markdown cell), never the notebook's code; `origins` maps every cell back for reports.
 */
export function withClaimProbes(nb: NotebookJson): ProbedNotebook {
  const { sites } = notebookClaims(nb);
  const cells: NotebookCell[] = [];
  const origins: (number | ClaimSite[])[] = [];
  nb.cells.forEach((cell, i) => {
    cells.push(JSON.parse(JSON.stringify(cell)) as NotebookCell);
    origins.push(i);
    for (const site of sites.filter((s) => s.probeCellIndex === i)) {
      const probe: CodeCell = {
        cell_type: "code",
        id: `claims-of-cell-${site.cellIndex + 1}-after-${i + 1}`,
        metadata: {},
        outputs: [],
        execution_count: null,
        source: probeCode(site),
      };
      cells.push(probe);
      origins.push([site]);
    }
  });
  return { notebook: { ...nb, cells }, origins };
}

/** The probes' reports in an executed notebook (of withClaimProbes), keyed "markdown cell index:claim index". */
export function probeResults(executed: NotebookJson): Map<string, ProbeResult> {
  const out = new Map<string, ProbeResult>();
  for (const cell of executed.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs) {
      if (o.output_type !== "stream" || o.name !== "stdout") continue;
      for (const line of joinText(o.text).split("\n")) {
        if (!line.startsWith(`${PROBE_MARKER} `)) continue;
        const report = JSON.parse(line.slice(PROBE_MARKER.length + 1), (_k, v) =>
          v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v,
        ) as { cell: number; claims: number[]; results: ProbeResult[] };
        report.claims.forEach((k, j) => out.set(`${report.cell}:${k}`, report.results[j]));
      }
    }
  }
  return out;
}

/**
 * Every claim of `stored` that the run `executed` (of withClaimProbes(stored).notebook) does not bear out, as messages naming
 * the notebook, the cell, the prose and both numbers. Empty when the prose agrees with the computation.
 */
export function claimFailures(name: string, stored: NotebookJson, executed: NotebookJson): string[] {
  const { sites, problems } = notebookClaims(stored);
  const results = probeResults(executed);
  const failures = problems.map((p) => `${name}, ${p}`);
  for (const site of sites) {
    site.claims.forEach((claim, j) => {
      const where = `${name}, cell ${site.cellIndex + 1}${site.cellId ? ` ("${site.cellId}")` : ""}, claim "${claim.text}"`;
      const r = results.get(`${site.cellIndex}:${site.claimIndices[j]}`);
      if (r === undefined) {
        failures.push(`${where}: not evaluated (its probe, after cell ${site.probeCellIndex + 1}, failed: see above)`);
        return;
      }
      const why = checkClaim(claim, r);
      if (why !== null) failures.push(`${where}: ${why}`);
    });
  }
  return failures;
}

/**
 * The failed cells of a run of `probed`, reported against the stored notebook `name`: a notebook cell by its own
 * number, a probe as the claims it evaluates (an expression that does not compile or throws fails only there).
 */
export function storedCellFailures(name: string, stored: NotebookJson, probed: ProbedNotebook, failures: readonly CellFailure[]): string[] {
  return failures.map((f) => {
    const origin = probed.origins[f.cellIndex];
    if (typeof origin === "number") {
      return formatFailure({ ...f, notebook: name, cellIndex: origin, ...cellPosition(stored, origin) });
    }
    const cells = (origin ?? []).map((s) => `${s.cellIndex + 1}${s.cellId ? ` ("${s.cellId}")` : ""}`).join(", ");
    return `${name}, the claims of markdown cell ${cells}, evaluated after cell ${(origin?.[0]?.probeCellIndex ?? -1) + 1}: ${f.kind}: ${f.message}`;
  });
}
