/**
 * Explorable charts: a precomputed sweep over one parameter, shown one curve at a time and chosen with a
 * slider. Pure Vega-Lite (a param bound to an input, a filter on it): it works in a page with no kernel.
 */
import { curveLayers, numberTooltip, panel } from "./layers";
import { seriesAxes } from "./line";
import { seriesRows, type AxisRange } from "./plotRows";
import type { Layer, PanelOptions, TopLevelSpec } from "./types";

/** One curve of the sweep, computed at one parameter value. */
export interface SweepCurve {
  param: number;
  x: readonly number[];
  y: readonly number[];
}

/** Input of {@link sweepChart}. */
export interface SweepInput extends PanelOptions {
  /** Name of the Vega-Lite param (a JavaScript identifier, e.g. "w"). */
  paramName: string;
  /** Slider label, e.g. "recurrent weight w". */
  paramLabel?: string;
  /** The precomputed curves, one per parameter value. */
  curves: readonly SweepCurve[];
  /** Parameter value shown first (and in the static SVG); default: the first curve's. */
  initial?: number;
  logY?: boolean;
  yRange?: AxisRange;
  /** Draw every curve of the sweep faintly behind the selected one (default true). */
  showAllCurves?: boolean;
}

/**
 * A parameter value without the floating-point residue of how it was computed (0.1 · 9 = 0.9000000000000001,
 * 1.9 − 1.8 = 0.09999999999999987): rounded to 12 significant digits, far below any sweep's spacing, so that
 * the slider shows "0.9" and steps from its minimum by a clean step to every curve's value.
 * @example cleanParam(0.1 * 3) // 0.3
 */
export function cleanParam(p: number): number {
  return Number(p.toPrecision(12));
}

/**
 * A curve chosen by a slider from a precomputed sweep; axes are fixed over the whole sweep so they do not jump.
 * The data is one long table with a `param` column, filtered by the slider's value. Evenly spaced parameter
 * values get a range slider, others a drop-down. Parameter values, the slider's step and the curve names are
 * written as {@link cleanParam} makes them (`w = 0.9`, not `w = 0.9000000000000001`).
 * @example
 * sweepChart({
 *   paramName: "w", paramLabel: "recurrent weight w", xTitle: "distance T − t", yTitle: "‖∂h_T/∂h_t‖", logY: true,
 *   curves: ws.map((w) => ({ param: w, x: ts, y: ts.map((t) => Math.abs(w) ** t) })), initial: 1,
 * })
 */
export function sweepChart(input: SweepInput): TopLevelSpec {
  const { curves, paramName } = input;
  if (curves.length === 0) throw new Error("sweepChart: expected at least one curve, got none");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(paramName)) throw new Error(`sweepChart: paramName "${paramName}" must be an identifier`);
  curves.forEach((c, i) => {
    const p = c.param;
    if (!Number.isFinite(p) || (i > 0 && !(p > curves[i - 1].param))) throw new Error(`sweepChart: parameter values must be finite and increasing; curves[${i}].param = ${p}`);
  });
  const params = curves.map((c) => cleanParam(c.param));
  params.forEach((p, i) => {
    if (i > 0 && p === params[i - 1]) throw new Error(`sweepChart: curves[${i - 1}] and curves[${i}] have the same parameter to 12 digits (${p})`);
  });
  const initial = input.initial ?? params[0];
  const start = params.reduce((best, p) => (Math.abs(p - initial) < Math.abs(best - initial) ? p : best), params[0]);
  const steps = params.slice(1).map((p, i) => cleanParam(p - params[i]));
  const step = steps.length > 0 ? Math.min(...steps) : 1;
  const even = steps.every((s) => Math.abs(s - step) <= 1e-9 * Math.max(1, Math.abs(step)));
  const series = curves.map((c, k) => ({ name: `${paramName} = ${params[k]}`, x: c.x, y: c.y }));
  const axes = seriesAxes({ ...input, series });
  const label = input.paramLabel ?? paramName;
  const rows = curves.flatMap((_, k) => seriesRows(series[k], axes.y.range!, axes.y.log ?? false).map((r) => ({ ...r, series: label, param: params[k] })));
  // One call to curveLayers for both the faint background and the selected curve, so they share one colour scale.
  const everyCurve = `every ${label}`;
  const faint = (input.showAllCurves ?? true) ? rows.filter((r) => r.status === "ok").map((r) => ({ ...r, series: everyCurve })) : [];
  const selected = `datum.series === ${JSON.stringify(everyCurve)} || abs(datum.param - ${paramName}) < ${step / 2}`;
  const styles = [{ name: everyCurve, colour: "#cccccc" }, { name: label }];
  const extraTooltip = [numberTooltip("param", label, params)];
  const layers: Layer[] = curveLayers([...faint, ...rows], { ...axes, styles, legendTitle: null, extraTooltip }).map(
    (layer) => ({ ...layer, transform: [{ filter: selected }] }) as Layer,
  );
  const bind = even
    ? { input: "range" as const, min: params[0], max: params[params.length - 1], step, name: `${label} ` }
    : { input: "select" as const, options: params, name: `${label} ` };
  const spec = panel(input, `Explorable chart "${input.title ?? ""}": ${axes.y.title} against ${axes.x.title}, slider ${label} over ${params.length} values.`, layers);
  return { ...spec, params: [{ name: paramName, value: start, bind }] } as TopLevelSpec;
}
