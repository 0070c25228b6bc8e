/**
 * Input reversal for sequence-to-sequence models (Sutskever, Vinyals & Le 2014; Grosse 2017 §3.2): how many
 * recurrent steps separate each source word from the target word it translates to, with the source read in
 * its normal order or reversed.
 *
 * Convention: the encoder reads the source (as given, or reversed) at steps 1..S; the decoder then emits target
 * word j at step S + j. The j-th target word is aligned with the j-th source word (a monotone alignment, as in
 * Grosse's A B C → W X Y Z: A ↔ W, B ↔ X, C ↔ Y; Z has no partner) unless an alignment is given. With source
 * word i (1-based) at step pos(i) = i (normal) or S + 1 − i (reversed):
 *
 *   distance(i, j) = (S + j) − pos(i)
 *
 * Monotone alignment, m = min(S, T) aligned pairs: normal order gives S for every pair; reversed order gives
 * 2j − 1, i.e. 1, 3, 5, …: the first target word is one step from its source word, and the mean over the pairs
 * is m (= S when S ≤ T), so reversal shortens the shortest dependencies without changing the average.
 */
import { assert, checkInt, describe } from "../core/tensor";

/** One aligned (source word, target word) pair and the recurrent steps between them. */
export interface AlignedPair {
  /** The source word (as in the original source order) and its 0-based index there. */
  source: string;
  sourceIndex: number;
  /** The target word and its 0-based index. */
  target: string;
  targetIndex: number;
  /** The step at which the encoder reads the source word (1..S). */
  sourceStep: number;
  /** The step at which the decoder emits the target word (S + 1..S + T). */
  targetStep: number;
  /** targetStep − sourceStep: how far back the gradient must travel to credit the source word. */
  distance: number;
}

/** {@link alignmentDistances}' result for one reading order. */
export interface AlignmentDistances {
  reversed: boolean;
  /** The words in the order the encoder reads them (C B A when reversed). */
  encoderInput: string[];
  pairs: AlignedPair[];
  /** Mean, minimum and maximum of the pairs' distances. */
  mean: number;
  min: number;
  max: number;
}

function checkWords(name: string, words: unknown): string[] {
  assert(
    Array.isArray(words) && words.length > 0 && words.every((w) => typeof w === "string"),
    () => `${name}: expected a non-empty array of words (strings), got ${describe(words)}`,
  );
  return words as string[];
}

/**
 * The distance between every aligned source and target word (see the module doc for the convention).
 *
 * @param source the source sentence in its original order, e.g. ["A", "B", "C"]
 * @param target the target sentence, e.g. ["W", "X", "Y", "Z"]
 * @param reversed read the source backwards (C B A)
 * @param alignment pairs [sourceIndex, targetIndex], 0-based; default the monotone [[0, 0], [1, 1], …] of
 *   min(S, T) pairs
 * @example
 * alignmentDistances(["A", "B", "C"], ["W", "X", "Y", "Z"], true).pairs.map((p) => p.distance) // [1, 3, 5]
 */
export function alignmentDistances(
  source: readonly string[],
  target: readonly string[],
  reversed: boolean,
  alignment?: readonly (readonly [number, number])[],
): AlignmentDistances {
  const src = checkWords("source", source);
  const tgt = checkWords("target", target);
  assert(typeof reversed === "boolean", () => `reversed: expected true or false, got ${describe(reversed)}`);
  const S = src.length;
  const pairsIdx =
    alignment === undefined
      ? Array.from({ length: Math.min(S, tgt.length) }, (_, j) => [j, j] as const)
      : alignment.map(([i, j], n) => {
          checkInt(`alignment[${n}][0]`, i, 0);
          checkInt(`alignment[${n}][1]`, j, 0);
          assert(i < S, () => `alignment[${n}][0]: expected a source index below ${S}, got ${i}`);
          assert(j < tgt.length, () => `alignment[${n}][1]: expected a target index below ${tgt.length}, got ${j}`);
          return [i, j] as const;
        });
  assert(pairsIdx.length > 0, () => "alignment: expected at least one aligned pair, got none");
  const pairs = pairsIdx.map(([i, j]) => {
    const sourceStep = reversed ? S - i : i + 1;
    const targetStep = S + j + 1;
    return { source: src[i], sourceIndex: i, target: tgt[j], targetIndex: j, sourceStep, targetStep, distance: targetStep - sourceStep };
  });
  const d = pairs.map((p) => p.distance);
  return {
    reversed,
    encoderInput: reversed ? [...src].reverse() : [...src],
    pairs,
    mean: d.reduce((a, b) => a + b, 0) / d.length,
    min: Math.min(...d),
    max: Math.max(...d),
  };
}
