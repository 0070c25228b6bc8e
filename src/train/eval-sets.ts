/**
 * Fixed evaluation sets for the synthetic tasks, in data/eval/<task>.json, generated from a recorded seed so that
 * every notebook scores models on the same sequences and anyone can regenerate the files byte for byte:
 *
 *   npm run data:eval
 *
 * File format: `{ "header": { task, seed, T, n, generatorVersion, params, loss, inputSize, outputSize },
 * "sequences": [...] }`, one sequence per line. Adding problem: `{ values, markers, target }` (the value channel,
 * the two marked positions, the target). One-hot tasks: `{ symbols, labels }` with `symbols` one base-36 digit
 * per step (the active channel) and `labels` the [step, class] pairs that carry a loss.
 */
import { readFileSync, writeFileSync, mkdirSync } from "fs";
import { join } from "path";
import { createRng } from "../core/random";
import { assert, describe, type Vec } from "../core/tensor";
import { getTask, type ClassificationExample, type Example, type RegressionExample, type TaskName } from "./tasks";

/**
 * Bump when a generator in tasks.ts changes the sequences it draws for a seed; the files must then be regenerated.
 */
export const EVAL_GENERATOR_VERSION = 1;

/** How one evaluation set is generated. */
export interface EvalSetSpec {
  task: TaskName;
  seed: number;
  T: number;
  n: number;
}

/**
 * The recorded parameters of the three sets (our choice: long enough to need memory over dozens of steps, small
 * enough to score in well under a second and to keep each file under 250 KB). The copy task uses its defaults:
 * 8 symbols, remember 5.
 */
export const EVAL_SET_SPECS: Record<TaskName, EvalSetSpec> = {
  adding: { task: "adding", seed: 20130001, T: 50, n: 200 },
  temporalOrder: { task: "temporalOrder", seed: 20130002, T: 50, n: 500 },
  copy: { task: "copy", seed: 20130003, T: 30, n: 500 },
};

/** The header of an evaluation-set file. */
export interface EvalSetHeader extends EvalSetSpec {
  generatorVersion: number;
  params: Record<string, number>;
  loss: string;
  inputSize: number;
  outputSize: number;
}

/** A loaded evaluation set: its header and the examples, in the form the task's generator returns. */
export interface EvalSet {
  header: EvalSetHeader;
  examples: Example[];
}

/** The folder holding the files (data/eval at the project root). */
export const EVAL_DIR = join(__dirname, "..", "..", "data", "eval");

function activeChannel(x: Vec, where: string): number {
  let k = -1;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) continue;
    assert(x[i] === 1 && k < 0, () => `${where}: expected a one-hot vector, got [${Array.from(x).join(", ")}]`);
    k = i;
  }
  assert(k >= 0, () => `${where}: expected a one-hot vector, got all zeros`);
  return k;
}

function encode(task: TaskName, ex: Example, e: number): unknown {
  if (task === "adding") {
    const r = ex as RegressionExample;
    const markers: number[] = [];
    r.xs.forEach((x, t) => {
      if (x[1] === 1) markers.push(t);
    });
    const last = r.targets[r.targets.length - 1];
    assert(last !== null, () => `example ${e}: the adding problem has a target at the last step`);
    return { values: r.xs.map((x) => x[0]), markers, target: last[0] };
  }
  const c = ex as ClassificationExample;
  const symbols = c.xs.map((x, t) => activeChannel(x, `example ${e}, step ${t}`).toString(36)).join("");
  const labels: [number, number][] = [];
  c.labels.forEach((l, t) => {
    if (l !== null) labels.push([t, l]);
  });
  return { symbols, labels };
}

function decode(h: EvalSetHeader, s: unknown, e: number): Example {
  const T = h.T;
  if (h.task === "adding") {
    const r = s as { values: number[]; markers: number[]; target: number };
    assert(Array.isArray(r.values) && r.values.length === T, () => `sequences[${e}].values: expected ${T} numbers, got ${describe(r.values)}`);
    const xs = r.values.map((v, t) => Float64Array.of(v, r.markers.includes(t) ? 1 : 0));
    const targets: (Vec | null)[] = xs.map(() => null);
    targets[T - 1] = Float64Array.of(r.target);
    return { xs, targets };
  }
  const c = s as { symbols: string; labels: [number, number][] };
  assert(typeof c.symbols === "string" && c.symbols.length === T, () => `sequences[${e}].symbols: expected ${T} symbols, got ${describe(c.symbols)}`);
  const xs = Array.from(c.symbols, (ch) => {
    const v = new Float64Array(h.inputSize);
    v[parseInt(ch, 36)] = 1;
    return v;
  });
  const labels: (number | null)[] = xs.map(() => null);
  for (const [t, l] of c.labels) labels[t] = l;
  return { xs, labels };
}

/**
 * The exact text of an evaluation-set file, generated from `spec` (what `npm run data:eval` writes).
 * @example evalSetJson(EVAL_SET_SPECS.adding) === readFileSync("data/eval/adding.json", "utf8")
 */
export function evalSetJson(spec: EvalSetSpec): string {
  const task = getTask(spec.task);
  const header: EvalSetHeader = {
    task: spec.task,
    seed: spec.seed,
    T: spec.T,
    n: spec.n,
    generatorVersion: EVAL_GENERATOR_VERSION,
    params: task.params,
    loss: task.loss,
    inputSize: task.inputSize,
    outputSize: task.outputSize,
  };
  const examples = task.generate(createRng(spec.seed), spec.n, spec.T);
  const lines = examples.map((ex, e) => "    " + JSON.stringify(encode(spec.task, ex, e)));
  return `{\n  "header": ${JSON.stringify(header)},\n  "sequences": [\n${lines.join(",\n")}\n  ]\n}\n`;
}

/** Parses the text of an evaluation-set file into its header and examples. */
export function parseEvalSet(text: string): EvalSet {
  const raw = JSON.parse(text) as { header: EvalSetHeader; sequences: unknown[] };
  const h = raw.header;
  assert(typeof h === "object" && h !== null, () => `eval set: expected a header, got ${describe(h)}`);
  assert(
    h.generatorVersion === EVAL_GENERATOR_VERSION,
    () => `eval set "${h.task}": generated by version ${h.generatorVersion}, the generators are version ${EVAL_GENERATOR_VERSION}; run npm run data:eval`,
  );
  assert(Array.isArray(raw.sequences) && raw.sequences.length === h.n, () => `eval set "${h.task}": expected ${h.n} sequences, got ${describe(raw.sequences)}`);
  return { header: h, examples: raw.sequences.map((s, e) => decode(h, s, e)) };
}

/**
 * The fixed evaluation set of `task`, read from data/eval/<task>.json.
 * @example const { examples } = loadEvalSet("adding"); addingProblem.evaluate(model, examples);
 */
export function loadEvalSet(task: TaskName, dir: string = EVAL_DIR): EvalSet {
  assert(task in EVAL_SET_SPECS, () => `task: expected "adding", "temporalOrder" or "copy", got ${describe(task)}`);
  return parseEvalSet(readFileSync(join(dir, `${task}.json`), "utf8"));
}

/** Writes every evaluation set to `dir` (data/eval by default) and returns the paths written. */
export function writeEvalSets(dir: string = EVAL_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.values(EVAL_SET_SPECS).map((spec) => {
    const path = join(dir, `${spec.task}.json`);
    writeFileSync(path, evalSetJson(spec));
    return path;
  });
}

// `npm run data:eval` runs this file directly.
if (typeof require !== "undefined" && typeof module !== "undefined" && require.main === module) {
  for (const p of writeEvalSets()) console.log(`wrote ${p}`);
}
