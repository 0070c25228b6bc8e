/**
 * The fast paths' row helpers (./vanilla, ./batch): views of a pass's buffer as per-step rows, the rows of a
 * trace stacked into one matrix, and the per-activation loops h = φ(z) and z̄ = h̄ ⊙ φ′(z) over a row, written
 * one loop per activation so that the hot loop has no switch.
 *
 * Internal to src/rnn: not part of the public face (src/index.ts).
 */
import type { Vec } from "../core/tensor";
import { sigmoid, type Activation } from "./activation";

/** @internal `rows` consecutive length-n views into `buf` starting at element `off` (no copy). */
export function rowViews(buf: Float64Array, off: number, rows: number, n: number): Vec[] {
  const out: Vec[] = new Array(rows);
  // the constructor, not subarray: the same view at half the cost (no species lookup), T views per trace
  const b = buf.buffer;
  const o = buf.byteOffset + off * 8;
  for (let r = 0; r < rows; r++) out[r] = new Float64Array(b, o + r * n * 8, n);
  return out;
}

/**
 * The vectors `vs` (each of length n) as the rows of one row-major matrix when they already lie back to back in
 * one buffer (as rnnForward's trace does): a view of that buffer; else null.
 * @internal
 */
export function contiguousRows(vs: Vec[], n: number): Float64Array | null {
  const first = vs[0];
  for (let r = 1; r < vs.length; r++)
    if (vs[r].buffer !== first.buffer || vs[r].byteOffset !== first.byteOffset + r * n * 8) return null;
  return new Float64Array(first.buffer, first.byteOffset, vs.length * n);
}

/**
 * The vectors `vs` (each of length n) as the rows of one row-major matrix: a view when they already lie
 * back to back in one buffer ({@link contiguousRows}), else a copy. Never written to.
 * @internal
 */
export function stackRows(vs: Vec[], n: number): Float64Array {
  const view = contiguousRows(vs, n);
  if (view !== null) return view;
  const rows = vs.length;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(vs[r], r * n);
  return out;
}

/**
 * h = φ(z) over n entries (z at zOff, h at hOff in `buf`); one loop per activation so that the hot loop has
 * no switch. Returns Σ (h_i − h_i), which is 0 exactly when every h_i is finite (a cheap overflow detector).
 * @internal
 */
export function activateRow(a: Activation, buf: Float64Array, zOff: number, hOff: number, n: number): number {
  let chk = 0;
  switch (a) {
    case "tanh":
      for (let i = 0; i < n; i++) {
        const v = Math.tanh(buf[zOff + i]);
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "relu":
      for (let i = 0; i < n; i++) {
        const z = buf[zOff + i];
        const v = z > 0 ? z : 0;
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = sigmoid(buf[zOff + i]);
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
    case "linear":
      for (let i = 0; i < n; i++) {
        const v = buf[zOff + i];
        buf[hOff + i] = v;
        chk += v - v;
      }
      break;
  }
  return chk;
}

/**
 * z̄ = h̄ ⊙ φ′(z) over n entries, written to out[outOff..]; returns Σ (h̄_i − h̄_i), 0 exactly when h̄ is finite.
 * @internal
 */
export function backpropRow(
  a: Activation,
  dh: Float64Array,
  dhOff: number,
  zs: Float64Array,
  zOff: number,
  hs: Float64Array,
  hOff: number,
  out: Float64Array,
  outOff: number,
  n: number,
): number {
  let chk = 0;
  switch (a) {
    case "tanh":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        const h = hs[hOff + i];
        out[outOff + i] = d * (1 - h * h);
        chk += d - d;
      }
      break;
    case "relu":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        out[outOff + i] = zs[zOff + i] > 0 ? d : 0;
        chk += d - d;
      }
      break;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        const h = hs[hOff + i];
        out[outOff + i] = d * (h * (1 - h));
        chk += d - d;
      }
      break;
    case "linear":
      for (let i = 0; i < n; i++) {
        const d = dh[dhOff + i];
        out[outOff + i] = d;
        chk += d - d;
      }
      break;
  }
  return chk;
}

