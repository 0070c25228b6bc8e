/** Loss landscapes: 1-D slices (per example and averaged) and 2-D surfaces with optimisation paths drawn over them. */
import { cellLayers } from "./heatmap";
import { annotationLayers, curveLayers, panel } from "./layers";
import { lineChart } from "./line";
import { seriesRows, type AxisRange } from "./plotRows";
import { PALETTE } from "./theme";
import type { Annotation, Layer, PanelOptions, Series, TopLevelSpec } from "./types";

/** Input of {@link lossSliceChart}. */
export interface LossSliceInput extends PanelOptions {
  /** Loss of individual training examples along the slice (thin, faint; no legend entries when many). */
  examples?: readonly Series[];
  /** The averaged loss (bold black). */
  mean?: Series;
  logY?: boolean;
  yRange?: AxisRange;
  annotations?: readonly Annotation[];
}

/**
 * A 1-D slice of a loss, J(b) along one parameter: individual examples with cliffs, and their smooth mean
 * (Grosse, Figure 4). Cliffs that shoot off the range show as ▲ markers at the top edge.
 * @example lossSliceChart({ xTitle: "b", yTitle: "loss", examples: perExample, mean: { name: "mean of 1000", x: bs, y: avg } })
 */
export function lossSliceChart(input: LossSliceInput): TopLevelSpec {
  const examples = (input.examples ?? []).map((s, i) => ({ ...s, strokeWidth: 1, opacity: 0.6, colour: s.colour ?? PALETTE[i % 6] }));
  const series = [...examples, ...(input.mean ? [{ ...input.mean, strokeWidth: 3, colour: input.mean.colour ?? "#000000" }] : [])];
  if (series.length === 0) throw new Error("lossSliceChart: expected examples or a mean, got neither");
  return lineChart({
    ...input,
    yTitle: input.yTitle ?? "loss",
    series,
    legendTitle: series.length <= 8 && series.length > 1 ? "" : null,
  });
}

/** Input of {@link lossSurfaceChart}. */
export interface LossSurfaceInput extends PanelOptions {
  /** Grid coordinates along x (e.g. w) and y (e.g. b), increasing. */
  x: readonly number[];
  y: readonly number[];
  /** `loss[j][i]` = loss at (x[i], y[j]); NaN and ±Infinity are allowed. */
  loss: readonly (readonly number[])[];
  /** Log colour scale: a steep wall then spans decades without washing out the floor. */
  logColour?: boolean;
  colourTitle?: string;
  /** Optimisation paths (x = parameter 1, y = parameter 2, in step order), e.g. clipped vs unclipped SGD. */
  paths?: readonly Series[];
}

/** Colours that stay visible on viridis (and in the white legend): vermillion, black, reddish purple, white. */
const PATH_COLOURS = ["#D55E00", "#000000", "#CC79A7", "#ffffff"];

/**
 * A 2-D loss surface as a heatmap with optimisation paths over it (Pascanu et al. 2013, Figure 6: the
 * steep wall, where an unclipped step jumps far and a clipped one does not). Each path has a dot per step
 * and stops at its first non-finite point (marked "diverged").
 * @example
 * lossSurfaceChart({
 *   xTitle: "w", yTitle: "b", x: ws, y: bs, loss, logColour: true,
 *   paths: [{ name: "unclipped", x: w1, y: b1 }, { name: "clipped", x: w2, y: b2 }],
 * })
 */
export function lossSurfaceChart(input: LossSurfaceInput): TopLevelSpec {
  const { layers, grid } = cellLayers({
    ...input,
    values: input.loss,
    columns: input.x,
    rows: input.y,
    colourTitle: input.colourTitle ?? "loss",
  });
  const notes: Annotation[] = [];
  const paths = (input.paths ?? []).map((p, k) => {
    const end = p.x.findIndex((v, i) => !Number.isFinite(v) || !Number.isFinite(p.y[i]));
    if (end === 0) throw new Error(`path "${p.name}": its first point (${p.x[0]}, ${p.y[0]}) is not finite`);
    if (end > 0) notes.push({ x: p.x[end - 1], y: p.y[end - 1], text: "diverged", dot: false });
    const n = end < 0 ? p.x.length : end;
    return { ...p, x: p.x.slice(0, n), y: p.y.slice(0, n), points: p.points ?? true, colour: p.colour ?? PATH_COLOURS[k % PATH_COLOURS.length] };
  });
  const rows = paths.flatMap((p) => seriesRows(p, grid.y.range!, false));
  const pathLayers = [
    ...(paths.length > 0 ? curveLayers(rows, { x: grid.x, y: grid.y, styles: paths, legendTitle: "path" }) : []),
    ...annotationLayers(notes, grid.x, grid.y),
  ];
  // Two groups: inside each, layers share scales (one path legend); between them the surface's quantitative
  // colour scale and the paths' nominal one stay apart.
  const groups: Layer[] = [{ layer: layers }, ...(pathLayers.length > 0 ? [{ layer: pathLayers }] : [])];
  const spec = panel(input, `Loss surface "${input.title ?? ""}" over ${grid.x.title} × ${grid.y.title} with ${paths.length} paths.`, groups);
  return { ...spec, resolve: { scale: { color: "independent" } } } as TopLevelSpec;
}
