/** Line charts of a quantity against time step or distance, on linear or log axes, several series compared. */
import { annotationLayers, curveLayers, panel, type AxisSpec } from "./layers";
import { seriesRows, valueRange, type AxisRange } from "./plotRows";
import type { Annotation, PanelOptions, ReferenceLine, Series, TopLevelSpec } from "./types";
import { referenceLayers } from "./layers";

/** Input of {@link lineChart}. */
export interface LineChartInput extends PanelOptions {
  series: readonly Series[];
  /** Log scale on y (gradient norms, ‖∂h_T/∂h_t‖): zeros show as "0 (underflow)" markers at the bottom. */
  logY?: boolean;
  /** Log scale on x; every x must then be positive. */
  logX?: boolean;
  /** Fixed y range; values outside it become edge markers. Default: the range of the finite values. */
  yRange?: AxisRange;
  /** Fixed x range. Default: the range of x, rounded outwards. */
  xRange?: AxisRange;
  /** Text labels at data positions (e.g. "vanish" / "explode"). */
  annotations?: readonly Annotation[];
  /** Dashed reference rules, e.g. `{ y: 1, label: "norm 1" }`. */
  referenceLines?: readonly ReferenceLine[];
  /** Legend title; default "series" for several series; `null` hides the legend (default for one series). */
  legendTitle?: string | null;
}

/** Checks that an explicit range is usable on its axis. */
export function checkRange(name: string, range: AxisRange | undefined, log: boolean): void {
  if (!range) return;
  if (!(Number.isFinite(range.lo) && Number.isFinite(range.hi) && range.lo < range.hi)) {
    throw new Error(`${name}: expected finite lo < hi, got [${range.lo}, ${range.hi}]`);
  }
  if (log && range.lo <= 0) throw new Error(`${name}: a log axis needs lo > 0, got ${range.lo}`);
}

/** The x and y axes of a set of series (ranges from the finite data unless fixed). */
export function seriesAxes(input: LineChartInput): { x: AxisSpec; y: AxisSpec } {
  const logX = input.logX ?? false;
  const logY = input.logY ?? false;
  checkRange("xRange", input.xRange, logX);
  checkRange("yRange", input.yRange, logY);
  if (logX) {
    for (const s of input.series) {
      const bad = s.x.find((v) => !(v > 0));
      if (bad !== undefined) throw new Error(`series "${s.name}": log x axis needs x > 0, found ${bad}`);
    }
  }
  const xRange = input.xRange ?? valueRange(input.series.flatMap((s) => [...s.x]), logX);
  const yValues = [...input.series.flatMap((s) => [...s.y]), ...(input.annotations ?? []).map((a) => a.y)];
  const yRange = input.yRange ?? valueRange(yValues, logY);
  return {
    x: { title: input.xTitle ?? "x", range: xRange, log: logX },
    y: { title: input.yTitle ?? "y", range: yRange, log: logY },
  };
}

/**
 * A line chart of one or more series y(x). Non-finite values never break it: NaN cuts the line (× at the
 * bottom edge), +∞ and values above the range show as ▲ at the top edge, −∞, values below the range and
 * (on a log axis) zeros as ▼ at the bottom edge, each listed in an "off scale" legend.
 * @example
 * lineChart({
 *   title: "Gradient norm through time", xTitle: "distance T − t", yTitle: "‖∂h_T/∂h_t‖", logY: true,
 *   series: [{ name: "w = 1.1", x: ts, y: ts.map((t) => 1.1 ** t) }, { name: "w = 0.9", x: ts, y: ts.map((t) => 0.9 ** t) }],
 *   referenceLines: [{ y: 1 }],
 * })
 */
export function lineChart(input: LineChartInput): TopLevelSpec {
  if (input.series.length === 0) throw new Error("lineChart: expected at least one series, got none");
  const axes = seriesAxes(input);
  const rows = input.series.flatMap((s) => seriesRows(s, axes.y.range!, axes.y.log ?? false));
  const legendTitle = input.legendTitle !== undefined ? input.legendTitle : input.series.length > 1 ? "series" : null;
  const layers = [
    ...referenceLayers(input.referenceLines ?? [], axes.x, axes.y),
    ...curveLayers(rows, { x: axes.x, y: axes.y, styles: input.series, legendTitle }),
    ...annotationLayers(input.annotations ?? [], axes.x, axes.y),
  ];
  const names = input.series.map((s) => s.name).join(", ");
  return panel(input, `Line chart "${input.title ?? ""}": ${axes.y.title} against ${axes.x.title} for ${names}.`, layers);
}
