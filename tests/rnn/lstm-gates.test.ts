import { describe, expect, it } from "vitest";
import { lstmGateDemo } from "../../src/rnn/lstm-gates";
import { GROSSE_2017 } from "../../src/sources";

describe("lstmGateDemo", () => {
  const rows = GROSSE_2017.lstmGateTable.rows;

  it("reproduces Grosse's table: remember, add, erase, overwrite (to the gates' 2e-9 saturation)", () => {
    const cPrev = 0.8;
    const g = 0.5;
    const expected: Record<string, number> = { remember: cPrev, add: cPrev + g, erase: 0, overwrite: g };
    const out = lstmGateDemo(rows, { cPrev, g });
    expect(out.map((r) => r.behaviour)).toEqual(["remember", "add", "erase", "overwrite"]);
    for (const r of out) {
      expect(r.c).toBeCloseTo(expected[r.behaviour], 8);
      expect(r.i).toBeCloseTo(r.input, 8);
      expect(r.f).toBeCloseTo(r.forget, 8);
      expect(r.g).toBeCloseTo(g, 14);
    }
  });

  it("c_t = f c_{t−1} + i g exactly with the gates the LSTM computed (independent formula)", () => {
    for (const r of lstmGateDemo(rows, { cPrev: -0.3, g: -0.7, saturation: 2 })) {
      const sig = (z: number) => 1 / (1 + Math.exp(-z));
      expect(r.i).toBeCloseTo(sig(r.input ? 2 : -2), 14);
      expect(r.f).toBeCloseTo(sig(r.forget ? 2 : -2), 14);
      expect(r.c).toBeCloseTo(r.f * -0.3 + r.i * -0.7, 14);
    }
  });

  it("an empty table gives no rows; bad gates and g outside (−1, 1) are rejected", () => {
    expect(lstmGateDemo([])).toEqual([]);
    expect(() => lstmGateDemo([{ input: 0.5, forget: 1, behaviour: "?" }])).toThrow(/rows\[0\]\.input/);
    expect(() => lstmGateDemo(rows, { g: 1 })).toThrow(/opts\.g/);
    expect(() => lstmGateDemo(rows, { cPrev: Number.NaN })).toThrow(/opts\.cPrev/);
  });
});
