import { readFileSync, statSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random";
import { EVAL_DIR, EVAL_SET_SPECS, evalSetJson, loadEvalSet, parseEvalSet } from "../../src/train/eval-sets";
import { getTask, type TaskName } from "../../src/train/tasks";

const names: TaskName[] = ["adding", "temporalOrder", "copy"];

describe("fixed evaluation sets in data/eval", () => {
  for (const name of names) {
    it(`${name}: regenerating from the recorded seed reproduces the file byte for byte`, () => {
      const path = join(EVAL_DIR, `${name}.json`);
      const onDisk = readFileSync(path);
      expect(Buffer.from(evalSetJson(EVAL_SET_SPECS[name]), "utf8").equals(onDisk)).toBe(true);
      expect(statSync(path).size).toBeLessThan(300_000);
    });

    it(`${name}: loadEvalSet gives back exactly the generator's examples and the header's parameters`, () => {
      const spec = EVAL_SET_SPECS[name];
      const { header, examples } = loadEvalSet(name);
      expect(header).toMatchObject({ task: name, seed: spec.seed, T: spec.T, n: spec.n, generatorVersion: 1 });
      const fresh = getTask(name).generate(createRng(spec.seed), spec.n, spec.T);
      expect(examples).toHaveLength(spec.n);
      // Compare everything (inputs and targets/labels) of a few examples, including the last.
      for (const e of [0, 1, spec.n - 1]) expect(examples[e]).toEqual(fresh[e]);
    });
  }

  it("refuses a file written by another generator version, saying how to regenerate", () => {
    const text = evalSetJson({ task: "copy", seed: 1, T: 11, n: 2 }).replace('"generatorVersion":1', '"generatorVersion":0');
    expect(() => parseEvalSet(text)).toThrow(/version 0.*npm run data:eval/);
    expect(() => loadEvalSet("nope" as TaskName)).toThrow(/task: expected/);
  });
});
