/**
 * The activation functions φ of the recurrent layer and their derivatives φ′, written in terms of the
 * output h = φ(z) where that is cheaper (tanh′ = 1 − h², σ′ = h (1 − h)).
 *
 * Pascanu et al. (2013) bound ‖diag(φ′)‖ ≤ γ: γ = 1 for tanh, 1/4 for the logistic sigmoid.
 */
import { assert, describe } from "../core/tensor";

/** The recurrent nonlinearity: h = φ(z). */
export type Activation = "tanh" | "relu" | "sigmoid" | "linear";

/** The activations this library knows, in a fixed order. */
export const ACTIVATIONS: readonly Activation[] = ["tanh", "relu", "sigmoid", "linear"];

/** Checks that `a` names a known activation, naming `name` in the error. */
export function checkActivation(name: string, a: unknown): Activation {
  assert(
    typeof a === "string" && (ACTIVATIONS as readonly string[]).includes(a),
    () => `${name}: expected one of ${ACTIVATIONS.map((x) => `"${x}"`).join(", ")}, got ${describe(a)}`,
  );
  return a as Activation;
}

/** The logistic sigmoid σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** φ(z) for one number. */
export function activate(a: Activation, z: number): number {
  switch (a) {
    case "tanh":
      return Math.tanh(z);
    case "relu":
      return z > 0 ? z : 0;
    case "sigmoid":
      return sigmoid(z);
    case "linear":
      return z;
  }
}

/** φ′(z), given z and h = φ(z). ReLU′(0) is taken as 0 (the usual subgradient). */
export function activationDerivative(a: Activation, z: number, h: number): number {
  switch (a) {
    case "tanh":
      return 1 - h * h;
    case "relu":
      return z > 0 ? 1 : 0;
    case "sigmoid":
      return h * (1 - h);
    case "linear":
      return 1;
  }
}

/** γ = sup |φ′|, the constant in Pascanu et al.'s conditions (ReLU and linear have γ = 1). */
export function activationGamma(a: Activation): number {
  return a === "sigmoid" ? 0.25 : 1;
}
