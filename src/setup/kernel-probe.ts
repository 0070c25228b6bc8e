/**
 * A tiny module for the smoke notebook: proves the kernel compiles and imports the project's own TypeScript
 * ("./src/..." from the project root) with no build step. Remove once real tutorials import src/index.
 *
 * @example
 *   import { kernelProbe } from "./src/setup/kernel-probe";
 *   kernelProbe(); // "exploding-gradients kernel: root /…/exploding-gradients, node v20…"
 */
export function kernelProbe(): string {
  return `exploding-gradients kernel: root ${process.cwd()}, node ${process.version}`;
}
