/**
 * Remedies for exploding and vanishing gradients: clipping, regularization, initialization
 * (Grosse 2017 §3; Pascanu, Mikolov & Bengio 2013).
 */
export * from "./clip";
export * from "./regularize";
export * from "./pascanu";
export * from "./init";
