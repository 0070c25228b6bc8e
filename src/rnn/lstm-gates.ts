/**
 * Grosse's (2017, §3.4) LSTM gate table, run through a real LSTM step. With the input gate i and the forget gate
 * f saturated at 0 or 1, the cell update
 *
 *   c_t = f ⊙ c_{t−1} + i ⊙ g
 *
 * does one of four things: (i, f) = (0, 1) remember (c_t = c_{t−1}), (1, 1) add (c_{t−1} + g), (0, 0) erase (0),
 * (1, 0) overwrite (g).
 */
import { assert, checkFiniteNumber, describe, vecFrom } from "../core/tensor";
import { lstmForward, type LstmParams } from "./lstm";

/** One row of Grosse's table: the gate values (0 or 1) and the behaviour's name. */
export interface GateTableEntry {
  input: number;
  forget: number;
  behaviour: string;
}

/** {@link lstmGateDemo}'s result for one row: the gates as the LSTM computed them and the cell update. */
export interface GateDemoRow extends GateTableEntry {
  /** The actual gate activations σ(±saturation) ≈ 0 or 1. */
  i: number;
  f: number;
  /** The candidate g = tanh(·), the previous cell c_{t−1} and the new cell c_t from {@link lstmForward}. */
  g: number;
  cPrev: number;
  c: number;
}

/** Options of {@link lstmGateDemo}. */
export interface GateDemoOptions {
  /** c_{t−1} (default 0.8). */
  cPrev?: number;
  /** The candidate value g ∈ (−1, 1) written into the cell (default 0.5). */
  g?: number;
  /** Gate pre-activations ±saturation (default 20, so σ = 1 − 2·10⁻⁹ or 2·10⁻⁹). */
  saturation?: number;
}

/**
 * One LSTM step per table row, on a 1-unit LSTM built so that i = σ(±s), f = σ(±s), o = σ(s) and g = the
 * requested value (input x = 1 with g's input weight atanh(g); every other weight 0): c_t comes from
 * {@link lstmForward}, not from the formula, so the table is the cell's real behaviour.
 *
 * @param rows e.g. GROSSE_2017.lstmGateTable.rows
 * @example lstmGateDemo(GROSSE_2017.lstmGateTable.rows).map((r) => [r.behaviour, r.c]) // remember 0.8, add 1.3, …
 */
export function lstmGateDemo(rows: readonly GateTableEntry[], opts: GateDemoOptions = {}): GateDemoRow[] {
  assert(Array.isArray(rows), () => `rows: expected an array of {input, forget, behaviour}, got ${describe(rows)}`);
  const cPrev = checkFiniteNumber("opts.cPrev", opts.cPrev ?? 0.8);
  const g = checkFiniteNumber("opts.g", opts.g ?? 0.5);
  assert(Math.abs(g) < 1, () => `opts.g: expected a candidate value in (−1, 1) (it is a tanh), got ${g}`);
  const s = checkFiniteNumber("opts.saturation", opts.saturation ?? 20);
  return rows.map((row, n) => {
    for (const gate of ["input", "forget"] as const)
      assert(row[gate] === 0 || row[gate] === 1, () => `rows[${n}].${gate}: expected 0 or 1, got ${describe(row[gate])}`);
    // W: 4 × (I + H) = 4 × 2, rows i, f, o, g; columns [x | h]. Only g reads x.
    const p: LstmParams = {
      W: { rows: 4, cols: 2, data: vecFrom([0, 0, 0, 0, 0, 0, Math.atanh(g), 0]) },
      b: vecFrom([row.input ? s : -s, row.forget ? s : -s, s, 0]),
      Why: { rows: 1, cols: 1, data: vecFrom([1]) },
      by: vecFrom([0]),
    };
    const tr = lstmForward(p, [vecFrom([1])], { c: vecFrom([cPrev]) });
    return { ...row, i: tr.is[0][0], f: tr.fs[0][0], g: tr.gs[0][0], cPrev, c: tr.cs[1][0] };
  });
}
