/**
 * Turning numbers that may be NaN, ±Infinity or (on a log axis) zero into rows that are valid JSON
 * and plot visibly. JSON.stringify writes NaN and ±Infinity as null, so the value's status is kept in
 * separate fields and every number in a row is finite.
 */
import { tooltipNumber } from "./theme";

/** Where a value lands on the axis: inside the range, off the top, off the bottom, or not a number. */
export type ValueStatus = "ok" | "overflow" | "underflow" | "nan";

/** A closed axis range [lo, hi]; on a log axis 0 < lo < hi. */
export interface AxisRange {
  lo: number;
  hi: number;
}

/** One sample of one series, ready to put in a spec's inline data. */
export interface PlotRow {
  series: string;
  x: number;
  /** Finite plotting position: the value itself, or the edge of the range for off-scale values. */
  y: number;
  /** The original value as a tooltip writes it ("1.5e+3", "Infinity", "NaN", "0"): shown for off-scale rows. */
  value: string;
  status: ValueStatus;
  /** Legend text of the status marker ("" when status is "ok"). */
  flag: string;
  /** Id of the unbroken run of in-range samples this row belongs to (lines are drawn per segment). */
  segment: string;
  /** Position in the series, to keep the drawing order. */
  order: number;
}

/** Legend texts of the edge markers, per status. */
export function statusLabel(status: ValueStatus, logScale: boolean): string {
  switch (status) {
    case "overflow":
      return "+∞ or above range";
    case "underflow":
      return logScale ? "0 (underflow)" : "−∞ or below range";
    case "nan":
      return "NaN (gap)";
    default:
      return "";
  }
}

/** Marker shape per status: triangles point off the plot, a cross for NaN. */
export const STATUS_SHAPE: Readonly<Record<Exclude<ValueStatus, "ok">, string>> = {
  overflow: "triangle-up",
  underflow: "triangle-down",
  nan: "cross",
};

/** Where `v` lands on an axis with range `range` (log axes put v ≤ 0 off the bottom). */
export function classifyValue(v: number, range: AxisRange, logScale: boolean): ValueStatus {
  if (Number.isNaN(v)) return "nan";
  if (v > range.hi) return "overflow";
  if (logScale && v <= 0) return "underflow";
  if (v < range.lo) return "underflow";
  return "ok";
}

/** A "nice" step (1, 2 or 5 × 10^k) near span / 10, for rounding linear ranges outwards. */
function niceStep(span: number): number {
  const raw = span / 10;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / power;
  return (m >= 5 ? 10 : m >= 2 ? 5 : m >= 1 ? 2 : 1) * power;
}

/**
 * The plotted range of some values: the finite (and, on a log axis, positive) ones, rounded outwards to
 * powers of ten (log) or nice steps (linear). Non-finite values never stretch the range; they become edge
 * markers. With no usable value at all the range is [0, 1] (linear) or [0.1, 10] (log), so the chart
 * still draws its axes and markers.
 * @example valueRange([3, 250, Infinity, 0], true) // { lo: 1, hi: 1000 }
 */
export function valueRange(values: Iterable<number>, logScale: boolean): AxisRange {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (logScale && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (logScale) {
    if (lo > hi) return { lo: 0.1, hi: 10 };
    let a = Math.floor(Math.log10(lo));
    let b = Math.ceil(Math.log10(hi));
    if (a === b) {
      a -= 1;
      b += 1;
    }
    // Keep the exponents inside the double range so 10^a and 10^b stay finite and positive.
    return { lo: Math.pow(10, Math.max(a, -307)), hi: Math.pow(10, Math.min(b, 307)) };
  }
  if (lo > hi) return { lo: 0, hi: 1 };
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo);
  // "+ 0" turns −0 (e.g. Math.ceil(−0.3) · step) into 0, which JSON writes the same anyway.
  return { lo: Math.floor(lo / step) * step + 0, hi: Math.ceil(hi / step) * step + 0 };
}

/**
 * Rows for one series on an axis with the given range. In-range samples keep their value; the others are
 * pinned to the top or bottom edge with a status, and they cut the line into segments.
 * @example seriesRows({ name: "g", x: [1, 2, 3], y: [1, NaN, 5] }, { lo: 0, hi: 10 }, false)
 *   // three rows; the NaN row has status "nan", y = 0, and rows 1 and 3 are in different segments
 */
export function seriesRows(
  series: { name: string; x: readonly number[]; y: readonly number[] },
  range: AxisRange,
  logScale: boolean,
): PlotRow[] {
  const { name, x, y } = series;
  if (x.length !== y.length) {
    throw new Error(`series "${name}": x has ${x.length} values but y has ${y.length}; they must match`);
  }
  const rows: PlotRow[] = [];
  let segment = 0;
  let previousOk = true;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (!Number.isFinite(xi)) {
      throw new Error(`series "${name}": x[${i}] is ${xi}; abscissae must be finite numbers`);
    }
    const v = y[i];
    const status = classifyValue(v, range, logScale);
    if (status === "ok" && !previousOk) segment += 1;
    previousOk = status === "ok";
    rows.push({
      series: name,
      x: xi,
      y: status === "ok" ? v : status === "overflow" ? range.hi : range.lo,
      value: tooltipNumber(v),
      status,
      flag: statusLabel(status, logScale),
      segment: `${name}#${segment}`,
      order: i,
    });
  }
  return rows;
}
