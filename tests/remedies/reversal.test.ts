import { describe, expect, it } from "vitest";
import { alignmentDistances } from "../../src/remedies/reversal";
import { GROSSE_2017 } from "../../src/sources";

const { source, reversedSource, target } = GROSSE_2017.inputReversal;

describe("alignmentDistances", () => {
  it("Grosse's example: reversed, the first target word is one step from its source word", () => {
    const r = alignmentDistances(source, target, true);
    expect(r.encoderInput).toEqual(reversedSource);
    // C B A read at steps 1, 2, 3 (A at 3); W, X, Y emitted at 4, 5, 6: A→W = 1, B→X = 3, C→Y = 5.
    expect(r.pairs.map((p) => [p.source, p.target, p.distance])).toEqual([
      ["A", "W", 1],
      ["B", "X", 3],
      ["C", "Y", 5],
    ]);
    expect([r.min, r.mean, r.max]).toEqual([1, 3, 5]);
  });

  it("normal order: every aligned pair is S = 3 steps apart", () => {
    const r = alignmentDistances(source, target, false);
    expect(r.encoderInput).toEqual(source);
    expect(r.pairs.map((p) => p.distance)).toEqual([3, 3, 3]);
    expect([r.min, r.mean, r.max]).toEqual([3, 3, 3]);
  });

  it("S = T = n: reversed distances are 2j − 1 with mean n, normal all n (independent formula)", () => {
    const n = 7;
    const words = Array.from({ length: n }, (_, i) => `w${i}`);
    const rev = alignmentDistances(words, words, true);
    expect(rev.pairs.map((p) => p.distance)).toEqual(Array.from({ length: n }, (_, j) => 2 * (j + 1) - 1));
    expect(rev.mean).toBe(n);
    expect(alignmentDistances(words, words, false).pairs.every((p) => p.distance === n)).toBe(true);
  });

  it("1×1: a single word pair is one step apart either way", () => {
    expect(alignmentDistances(["a"], ["b"], false).pairs[0].distance).toBe(1);
    expect(alignmentDistances(["a"], ["b"], true).pairs[0].distance).toBe(1);
  });

  it("an explicit alignment: distance = (S + j + 1) − pos(i)", () => {
    // S = 3; source C (i = 2) ↔ target Z (j = 3): normal pos 3, target step 7 → 4; reversed pos 1 → 6.
    expect(alignmentDistances(source, target, false, [[2, 3]]).pairs[0].distance).toBe(4);
    expect(alignmentDistances(source, target, true, [[2, 3]]).pairs[0].distance).toBe(6);
  });

  it("does not mutate its inputs", () => {
    const s = ["A", "B", "C"];
    alignmentDistances(s, ["W"], true);
    expect(s).toEqual(["A", "B", "C"]);
  });

  it("rejects empty sentences, non-words and out-of-range alignments, naming the argument", () => {
    expect(() => alignmentDistances([], ["W"], true)).toThrow(/source/);
    expect(() => alignmentDistances(["A"], [], true)).toThrow(/target/);
    expect(() => alignmentDistances(["A", 3 as unknown as string], ["W"], true)).toThrow(/source/);
    expect(() => alignmentDistances(["A"], ["W"], true, [[1, 0]])).toThrow(/alignment\[0\]\[0\]/);
    expect(() => alignmentDistances(["A"], ["W"], true, [[0, -1]])).toThrow(/alignment\[0\]\[1\]/);
    expect(() => alignmentDistances(["A"], ["W"], true, [])).toThrow(/alignment/);
  });
});
