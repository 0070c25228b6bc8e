/** Iterated maps h ← f(h): the function with the identity line and its fixed points, and cobweb plots. */
import { annotationLayers, curveLayers, numberTooltip, panel, position, type AxisSpec } from "./layers";
import { seriesAxes } from "./line";
import { seriesRows, type AxisRange } from "./plotRows";
import { REFERENCE_GREY, STABLE_COLOUR, UNSTABLE_COLOUR } from "./theme";
import type { Annotation, Layer, PanelOptions, Series, TopLevelSpec } from "./types";

/** A fixed point x* = f(x*): stable (a sink, |f′(x*)| < 1) or unstable (a source, |f′(x*)| > 1). */
export interface FixedPoint {
  x: number;
  stable: boolean;
}

/** Input of {@link functionPlot}. */
export interface FunctionPlotInput extends PanelOptions {
  /** Sampled maps y = f(x), e.g. h(t) = tanh(2 h(t−1)) or f, f∘f, f∘f∘f. */
  curves: readonly Series[];
  /** Draw the dashed identity line y = x (default true). */
  identityLine?: boolean;
  /** Fixed points, drawn on the identity line: filled = stable (sink), open = unstable (source). */
  fixedPoints?: readonly FixedPoint[];
  annotations?: readonly Annotation[];
  xRange?: AxisRange;
  yRange?: AxisRange;
}

const STABLE_LABEL = "stable (sink)";
const UNSTABLE_LABEL = "unstable (source)";

/** Filled blue sinks and open vermillion sources, with a "fixed point" legend. */
function fixedPointLayer(points: readonly FixedPoint[], x: AxisSpec, y: AxisSpec): Layer {
  for (const p of points) {
    if (!Number.isFinite(p.x)) throw new Error(`fixed point at x = ${p.x}: must be finite`);
  }
  // Only the kinds present, so the legend never lists a sink that is not drawn (e.g. tanh(−2h): one source).
  const kinds = [
    { label: STABLE_LABEL, stable: true, fill: STABLE_COLOUR, stroke: STABLE_COLOUR },
    { label: UNSTABLE_LABEL, stable: false, fill: "#ffffff", stroke: UNSTABLE_COLOUR },
  ].filter((k) => points.some((p) => p.stable === k.stable));
  const domain = kinds.map((k) => k.label);
  return {
    data: { values: points.map((p) => ({ x: p.x, y: p.x, kind: p.stable ? STABLE_LABEL : UNSTABLE_LABEL })) },
    mark: { type: "point", size: 90, strokeWidth: 2.5, opacity: 1 },
    encoding: {
      x: position("x", x),
      y: position("y", y),
      fill: { field: "kind", type: "nominal", title: "fixed point", scale: { domain, range: kinds.map((k) => k.fill) } },
      stroke: { field: "kind", type: "nominal", title: "fixed point", scale: { domain, range: kinds.map((k) => k.stroke) } },
      tooltip: [numberTooltip("x", "x*", points.map((p) => p.x)), { field: "kind", type: "nominal", title: "fixed point" }],
    },
  };
}

/** Curves (and extra paths) with the identity line, fixed points and annotations: the layers of both builders. */
function mapLayers(input: FunctionPlotInput, paths: readonly Series[]): { layers: Layer[]; x: AxisSpec; y: AxisSpec } {
  // Axes from the curves only: a path (cobweb) that runs away leaves through the edge and is marked there.
  const axes = seriesAxes({ ...input, series: input.curves });
  const { x, y } = axes;
  const lo = Math.max(x.range!.lo, y.range!.lo);
  const hi = Math.min(x.range!.hi, y.range!.hi);
  const identity: Series[] =
    (input.identityLine ?? true) && lo < hi
      ? [{ name: "y = x", x: [lo, hi], y: [lo, hi], dashed: true, colour: REFERENCE_GREY, strokeWidth: 1.5 }]
      : [];
  const all = [...input.curves, ...identity, ...paths];
  const rows = all.flatMap((s) => seriesRows(s, y.range!, false));
  const layers = [
    ...curveLayers(rows, { x, y, styles: all, legendTitle: all.length > 1 ? "" : null }),
    ...(input.fixedPoints && input.fixedPoints.length > 0 ? [fixedPointLayer(input.fixedPoints, x, y)] : []),
    ...annotationLayers(input.annotations ?? [], x, y),
  ];
  return { layers, x, y };
}

/**
 * A map y = f(x) with the identity line y = x and its fixed points: where the curve crosses the line.
 * Stable fixed points (|f′| < 1, sinks) are filled, unstable ones (|f′| > 1, sources) open.
 * @example Grosse's Figure 3 (left):
 * functionPlot({
 *   title: "One step: h(t) = tanh(2 h(t−1))", xTitle: "h(t−1)", yTitle: "h(t)",
 *   curves: [{ name: "tanh(2h)", x: hs, y: hs.map((h) => Math.tanh(2 * h)) }],
 *   fixedPoints: [{ x: -0.9575, stable: true }, { x: 0, stable: false }, { x: 0.9575, stable: true }],
 * })
 */
export function functionPlot(input: FunctionPlotInput): TopLevelSpec {
  if (input.curves.length === 0) throw new Error("functionPlot: expected at least one curve, got none");
  const { layers, x, y } = mapLayers(input, []);
  return panel(input, `Function plot "${input.title ?? ""}": ${y.title} against ${x.title} with the identity line.`, layers);
}

/** Input of {@link cobwebPlot}. */
export interface CobwebInput extends FunctionPlotInput {
  /** The iterates x0, x1 = f(x0), x2 = f(x1), …; the path stops at the first non-finite one. */
  iterates: readonly number[];
}

/**
 * A cobweb plot: from x0, go vertically to the curve (x_k, x_{k+1}), then horizontally to the identity line
 * (x_{k+1}, x_{k+1}), and repeat. Iterates falling into a sink spiral or staircase towards it.
 * @example Grosse's cobweb of f(x) = x² + 0.15 from x0 = 0.6:
 * cobwebPlot({
 *   xTitle: "x", yTitle: "f(x)", curves: [{ name: "x² + 0.15", x: xs, y: xs.map((x) => x * x + 0.15) }],
 *   iterates: [0.6, 0.51, 0.41, …], fixedPoints: [{ x: 0.1838, stable: true }, { x: 0.8162, stable: false }],
 * })
 */
export function cobwebPlot(input: CobwebInput): TopLevelSpec {
  if (input.curves.length === 0) throw new Error("cobwebPlot: expected the map as a curve, got none");
  const end = input.iterates.findIndex((v) => !Number.isFinite(v));
  const finite = end < 0 ? input.iterates : input.iterates.slice(0, end);
  if (finite.length === 0) throw new Error(`cobwebPlot: the first iterate is ${input.iterates[0]}; need a finite x0`);
  const px: number[] = [finite[0]];
  const py: number[] = [finite[0]];
  for (let k = 0; k + 1 < finite.length; k++) {
    px.push(finite[k], finite[k + 1]);
    py.push(finite[k + 1], finite[k + 1]);
  }
  const path: Series = { name: "iterates", x: px, y: py, colour: UNSTABLE_COLOUR, strokeWidth: 1.5 };
  const notes: Annotation[] = [{ x: finite[0], y: finite[0], text: "x₀", dx: 10, dy: 12 }];
  if (end >= 0) {
    // Label the escape at the last iterate still inside the plotted range, so the label stays on the chart.
    const r = seriesAxes({ ...input, series: input.curves, annotations: [] }).y.range!;
    const inside = [...finite].reverse().find((v) => v >= r.lo && v <= r.hi) ?? finite[0];
    notes.push({ x: inside, y: inside, text: `→ x${end} = ${input.iterates[end]}`, dot: false, dy: 16 });
  }
  const { layers } = mapLayers({ ...input, annotations: [...(input.annotations ?? []), ...notes] }, [path]);
  return panel(input, `Cobweb plot "${input.title ?? ""}": ${finite.length} iterates of ${input.curves[0].name}.`, layers);
}
