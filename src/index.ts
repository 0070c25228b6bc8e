/**
 * exploding-gradients: the public face that notebooks import.
 *
 *   import { rnnForward, rnnBackward, createRng } from "exploding-gradients";
 *
 * Every import inside src/ names a file, never a folder ("./charts/index", not "./charts"): tslab's runtime
 * resolves folder imports as "charts.js" and fails (tests/imports.test.ts guards this).
 */
export * from "./core/tensor";
export * from "./core/random";
export * from "./core/linalg";
export * from "./core/errors";
export * from "./core/parallel";
export { nativeStatus, setNativeEnabled } from "./core/native/native";
export * from "./rnn/activation";
export * from "./rnn/vanilla";
export * from "./rnn/batch";
export * from "./rnn/params";
export * from "./rnn/loss";
export * from "./rnn/jacobian";
export * from "./rnn/gradcheck";
export * from "./sources";
export * from "./remedies/index";
export * from "./charts/index";
export * from "./rnn/lstm";
export * from "./rnn/gru";
export * from "./dynamics/index";
export * from "./rnn/flow";
export * from "./rnn/conditions";
export * from "./remedies/reversal";
export * from "./remedies/truncation";
export * from "./rnn/residual";
export * from "./rnn/lstm-gates";
export * from "./train/index";
export * from "./remedies/clip-compare";
export * from "./train/decay-compare";
export * from "./train/omega-probe";
export * from "./train/compare";
export { check, type CheckResult } from "./check/index";
