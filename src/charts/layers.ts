/**
 * Layer pieces shared by the builders: curves with gaps and edge markers, text annotations, reference
 * lines, tooltips (every number in one format; invisible hover points along lines), and the panel wrapper
 * that adds the theme. Every builder is a composition of these.
 */
import type { PositionDef, StringFieldDef } from "vega-lite/build/src/channeldef";
import { INTEGER_TOOLTIP_FORMAT, PALETTE, PANEL_HEIGHT, PANEL_WIDTH, REFERENCE_GREY, THEME, TOOLTIP_FORMAT } from "./theme";
import type { Annotation, Layer, PanelOptions, ReferenceLine, Series, TopLevelSpec } from "./types";
import { STATUS_SHAPE, type AxisRange, type PlotRow, type ValueStatus } from "./plotRows";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** How one axis is drawn: its title, range and scale type. */
export interface AxisSpec {
  title: string;
  range?: AxisRange;
  log?: boolean;
  /** Draw increasing downwards (matrix rows). */
  reverse?: boolean;
  /** Explicit tick positions (e.g. matrix indices). */
  ticks?: readonly number[];
}

/** A Vega-Lite position channel for `field` on the given axis (identical in every layer, so scales merge). */
export function position(field: string, axis: AxisSpec): PositionDef<string> {
  return {
    field,
    type: "quantitative",
    title: axis.title,
    scale: {
      type: axis.log ? "log" : "linear",
      ...(axis.range ? { domain: [axis.range.lo, axis.range.hi], nice: false } : {}),
      ...(axis.log ? {} : { zero: false }),
      ...(axis.reverse ? { reverse: true } : {}),
    },
    ...(axis.log && axis.range ? { axis: { format: "~g", values: decadeTicks(axis.range) } } : {}),
    ...(axis.ticks ? { axis: { values: [...axis.ticks] } } : {}),
  };
}

/** Powers of ten inside a log range, thinned to at most about eight labels. */
export function decadeTicks(range: AxisRange): number[] {
  const a = Math.ceil(Math.log10(range.lo) - 1e-9);
  const b = Math.floor(Math.log10(range.hi) + 1e-9);
  const stride = Math.max(1, Math.ceil((b - a + 1) / 8));
  const ticks: number[] = [];
  for (let k = a; k <= b; k += stride) ticks.push(Number(`1e${k}`));
  return ticks;
}

/** One entry of a tooltip: a data field with its title (and, for numbers, its format). */
export type TooltipField = StringFieldDef<string> & { field: string };

/**
 * The tooltip entry of a number field: integers (steps, indices) in full, anything else to 4 significant digits
 * (theme's TOOLTIP_FORMAT), whatever the axis scale: the field holds the value itself, never its logarithm.
 * @example numberTooltip("x", "step", [1, 2, 3]) // { field: "x", type: "quantitative", title: "step", format: "d" }
 */
export function numberTooltip(field: string, title: string, values: Iterable<number>): TooltipField {
  let integers = true;
  for (const v of values) {
    if (!Number.isInteger(v)) {
      integers = false;
      break;
    }
  }
  return { field, type: "quantitative", title, format: integers ? INTEGER_TOOLTIP_FORMAT : TOOLTIP_FORMAT };
}

/** Style name that marks {@link hoverLayer}s, so that {@link staticSpec} can leave them out. */
export const HOVER_STYLE = "hover";

/**
 * Invisible points that carry the tooltips of a line. Why: Vega picks a line as one path and shows its FIRST
 * datum's tooltip wherever it is hovered; a point per sample shows the sample under the pointer. Only the
 * fields the tooltip, the position and any filter need are kept (`fields`), so the spec grows by about a third.
 */
export function hoverLayer(rows: readonly object[], fields: readonly string[], x: PositionDef<string>, y: PositionDef<string>, tooltip: readonly TooltipField[]): Layer {
  const values = rows.map((r) => Object.fromEntries(fields.map((f) => [f, (r as Record<string, unknown>)[f]])));
  return {
    data: { values },
    mark: { type: "point", style: HOVER_STYLE, opacity: 0, size: 80, clip: true },
    encoding: { x, y, tooltip: [...tooltip] },
  };
}

/**
 * The spec as a static picture (SVG) draws it: without the {@link hoverLayer}s, which only matter under a
 * pointer and would make a line chart's SVG about ten times larger (one path per sample; measured 25 kB → 320 kB
 * for 1000 samples).
 */
export function staticSpec<S>(spec: S): S {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== "object") return node;
    const o = node as Record<string, unknown>;
    const out: Record<string, unknown> = { ...o };
    for (const key of ["layer", "hconcat", "vconcat", "concat"]) {
      if (!Array.isArray(o[key])) continue;
      const kept = (o[key] as unknown[]).filter((l) => (l as { mark?: { style?: unknown } })?.mark?.style !== HOVER_STYLE);
      out[key] = kept.map(strip);
    }
    return out;
  };
  return strip(spec) as S;
}

/** Per-series styling for {@link curveLayers}: the style fields of a {@link Series}. */
export type CurveStyle = Omit<Series, "x" | "y">;

/** Options of {@link curveLayers}. */
export interface CurveLayerOptions {
  x: AxisSpec;
  y: AxisSpec;
  styles: readonly CurveStyle[];
  /** Title of the colour legend; `null` hides it. */
  legendTitle: string | null;
  /** More tooltip entries after series, x and y (e.g. a sweep's parameter); their fields are kept on the rows. */
  extraTooltip?: readonly TooltipField[];
}

/**
 * Lines (one per unbroken segment), optional sample dots, and edge markers for off-scale values
 * (▲ overflow at the top, ▼ underflow at the bottom, × NaN at the bottom, each in its series' colour).
 */
export function curveLayers(rows: readonly PlotRow[], options: CurveLayerOptions): Layer[] {
  const { styles } = options;
  const names = styles.map((s) => s.name);
  const colours = styles.map((s, i) => s.colour ?? PALETTE[i % PALETTE.length]);
  const x = position("x", options.x);
  const y = position("y", options.y);
  // Dash, width and opacity share the colour's field, so Vega-Lite merges them into the one series legend.
  const noLegend = options.legendTitle === null ? { legend: null } : {};
  const lineLegend = options.legendTitle === null ? noLegend : { legend: { symbolType: "stroke", symbolSize: 250 } };
  const colour = {
    field: "series",
    type: "nominal" as const,
    title: options.legendTitle ?? undefined,
    scale: { domain: names, range: colours },
    ...lineLegend,
  };
  const ok = rows.filter((r) => r.status === "ok");
  const extra = options.extraTooltip ?? [];
  // In-range rows show y itself (the value, also on a log axis); off-scale rows, pinned to an edge, their value's text.
  const xTip = numberTooltip("x", options.x.title, rows.map((r) => r.x));
  const tooltip = [{ field: "series", type: "nominal" as const }, xTip, numberTooltip("y", options.y.title, ok.map((r) => r.y)), ...extra];
  const offTooltip = [{ field: "series", type: "nominal" as const }, xTip, { field: "value", type: "nominal" as const, title: options.y.title }, ...extra];
  const layers: Layer[] = [];
  const dashed = styles.some((s) => s.dashed);
  const varied = styles.some((s) => s.strokeWidth !== undefined || s.opacity !== undefined);
  layers.push({
    data: { values: ok },
    mark: { type: "line", clip: true },
    encoding: {
      x,
      y,
      color: colour,
      detail: { field: "segment", type: "nominal" },
      order: { field: "order", type: "quantitative" },
      ...(dashed
        ? {
            strokeDash: {
              field: "series",
              type: "nominal" as const,
              scale: { domain: names, range: styles.map((s) => (s.dashed ? [6, 4] : [1, 0])) },
              ...noLegend,
            },
          }
        : {}),
      ...(varied
        ? {
            strokeWidth: {
              field: "series",
              type: "ordinal" as const,
              sort: names,
              scale: { domain: names, range: styles.map((s) => s.strokeWidth ?? 2) },
              ...noLegend,
            },
            opacity: {
              field: "series",
              type: "ordinal" as const,
              sort: names,
              scale: { domain: names, range: styles.map((s) => s.opacity ?? 1) },
              ...noLegend,
            },
          }
        : {}),
    },
  });
  const dotted = new Set(styles.filter((s) => s.points).map((s) => s.name));
  const dots = ok.filter((r) => dotted.has(r.series));
  const undotted = ok.filter((r) => !dotted.has(r.series));
  if (undotted.length > 0) layers.push(hoverLayer(undotted, ["series", "x", "y", ...extra.map((t) => t.field)], x, y, tooltip));
  if (dots.length > 0) {
    layers.push({
      data: { values: dots },
      mark: { type: "point", filled: true, size: 30, clip: true },
      encoding: { x, y, color: colour, tooltip },
    });
  }
  const offScale = rows.filter((r) => r.status !== "ok");
  if (offScale.length > 0) layers.push(edgeMarkerLayer(offScale, x, y, colour, offTooltip));
  return layers;
}

/** Edge markers for off-scale rows, shaped by status, with their own "off scale" legend. */
function edgeMarkerLayer(
  offScale: readonly PlotRow[],
  x: PositionDef<string>,
  y: PositionDef<string>,
  colour: object,
  tooltip: readonly TooltipField[],
): Layer {
  const flags: string[] = [];
  const shapes: string[] = [];
  for (const status of ["overflow", "underflow", "nan"] as const) {
    const row = offScale.find((r) => r.status === status);
    if (row) {
      flags.push(row.flag);
      shapes.push(STATUS_SHAPE[status as Exclude<ValueStatus, "ok">]);
    }
  }
  return {
    data: { values: offScale },
    mark: { type: "point", filled: true, size: 80, clip: false, opacity: 1 },
    encoding: {
      x,
      y,
      color: colour,
      shape: { field: "flag", type: "nominal", title: "off scale", scale: { domain: flags, range: shapes } },
      tooltip: [...tooltip],
    },
  } as Layer;
}

/** Text labels (with optional dots) at data positions; one layer per label so each keeps its own offset. */
export function annotationLayers(annotations: readonly Annotation[], xAxis: AxisSpec, yAxis: AxisSpec): Layer[] {
  const x = position("x", xAxis);
  const y = position("y", yAxis);
  const layers: Layer[] = [];
  const dots = annotations.filter((a) => a.dot !== false);
  if (dots.length > 0) {
    const tooltip = [
      { field: "text", type: "nominal" as const, title: "label" },
      numberTooltip("x", xAxis.title, dots.map((a) => a.x)),
      numberTooltip("y", yAxis.title, dots.map((a) => a.y)),
    ];
    layers.push({
      data: { values: dots.map((a) => ({ x: a.x, y: a.y, text: a.text })) },
      mark: { type: "point", filled: true, size: 40, color: "#222222" },
      encoding: { x, y, tooltip },
    });
  }
  for (const a of annotations) {
    layers.push({
      data: { values: [{ x: a.x, y: a.y, text: a.text }] },
      mark: { type: "text", fontSize: 13, fontStyle: "italic", dx: a.dx ?? 0, dy: a.dy ?? -12, color: "#222222" },
      encoding: { x, y, text: { field: "text", type: "nominal" } },
    });
  }
  return layers;
}

/** Dashed grey reference rules (vertical for `x`, horizontal for `y`) with labels at the panel edge. */
export function referenceLayers(lines: readonly ReferenceLine[], xAxis: AxisSpec, yAxis: AxisSpec): Layer[] {
  const layers: Layer[] = [];
  for (const line of lines) {
    const vertical = line.x !== undefined;
    if (vertical === (line.y !== undefined)) {
      throw new Error(`reference line ${JSON.stringify(line)}: give exactly one of x (vertical) or y (horizontal)`);
    }
    const at = (vertical ? line.x : line.y) as number;
    if (!Number.isFinite(at)) throw new Error(`reference line at ${at}: the position must be finite`);
    const field = vertical ? "x" : "y";
    const channel = position(field, vertical ? xAxis : yAxis);
    layers.push({
      data: { values: [{ [field]: at }] },
      mark: { type: "rule", strokeDash: [5, 4], color: REFERENCE_GREY, strokeWidth: 1.5 },
      encoding: { [field]: channel },
    });
    if (line.label) {
      layers.push({
        data: { values: [{ [field]: at, label: line.label }] },
        mark: vertical
          ? { type: "text", color: "#444444", fontSize: 11, align: "left", baseline: "top", dx: 3, y: 2 }
          : { type: "text", color: "#444444", fontSize: 11, align: "right", baseline: "bottom", dy: -2, x: "width" },
        encoding: { [field]: channel, text: { field: "label", type: "nominal" } },
      });
    }
  }
  return layers;
}

/** The top-level panel: schema, theme, title, size, a text description, and the layers. */
export function panel(options: PanelOptions, description: string, layers: Layer[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    description,
    ...(options.title ? { title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}) } } : {}),
    width: options.width ?? PANEL_WIDTH,
    height: options.height ?? PANEL_HEIGHT,
    config: THEME,
    layer: layers,
  };
}
