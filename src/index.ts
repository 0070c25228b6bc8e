/**
 * exploding-gradients: the public face that notebooks import.
 *
 *   import { rnnForward, rnnBackward, createRng } from "./src";
 */
export * from "./core/tensor";
export * from "./core/random";
export * from "./core/linalg";
export * from "./core/errors";
export * from "./rnn/activation";
export * from "./rnn/vanilla";
export * from "./rnn/params";
export * from "./rnn/loss";
export * from "./rnn/jacobian";
export * from "./rnn/gradcheck";
export * from "./sources";
export * from "./remedies/index";
export * from "./rnn/lstm";
export * from "./rnn/gru";
