// initRnnParams's σ options are checked by name before sampling.
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/random";
import { initLstmParams } from "../../src/rnn/lstm";
import { initRnnParams } from "../../src/rnn/params";

describe("initRnnParams and the gated cells' σ options", () => {
  it("refuse a NaN or negative σ, naming the option", () => {
    const base = { input: 1, hidden: 2, output: 1, activation: "tanh" as const };
    expect(() => initRnnParams(createRng(0), { ...base, recurrentStd: NaN })).toThrow("recurrentStd: expected a finite number ≥ 0, got NaN");
    expect(() => initRnnParams(createRng(0), { ...base, inputStd: -1 })).toThrow("inputStd: expected a finite number ≥ 0, got -1");
    expect(() => initLstmParams(createRng(0), { input: 1, hidden: 2, output: 1, outputStd: -0.1 })).toThrow(
      "outputStd: expected a finite number ≥ 0, got -0.1",
    );
  });
});
