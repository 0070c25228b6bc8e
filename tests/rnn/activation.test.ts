import { describe, expect, it } from "vitest";
import { activate, activationDerivative, activationGamma, ACTIVATIONS } from "../../src/rnn/activation";
import { PASCANU_2013 } from "../../src/sources";

describe("activationGamma", () => {
  it("is sup |φ′| found on a fine grid, and agrees with Pascanu et al.'s γ (1 for tanh, 1/4 for the sigmoid)", () => {
    for (const a of ACTIVATIONS) {
      let sup = 0;
      for (let z = -10; z <= 10; z += 1e-3) sup = Math.max(sup, Math.abs(activationDerivative(a, z, activate(a, z))));
      // The grid passes within 5e-4 of z = 0, where tanh′ and σ′ peak, so sup is within ~1e-6 of γ.
      expect(Math.abs(sup - activationGamma(a))).toBeLessThan(1e-6);
    }
    expect(activationGamma("tanh")).toBe(PASCANU_2013.conditions.gamma.tanh);
    expect(activationGamma("sigmoid")).toBe(PASCANU_2013.conditions.gamma.sigmoid);
  });
});
