/** Training curves (loss or gradient norm per step), with the steps where the gradient was clipped marked. */
import { numberTooltip, position } from "./layers";
import { lineChart, seriesAxes, type LineChartInput } from "./line";
import { PALETTE } from "./theme";
import type { Layer, Series, TopLevelSpec } from "./types";

/** Steps at which one run clipped its gradient. */
export interface ClipEvents {
  /** Name of the series (run) these events belong to. */
  series: string;
  steps: readonly number[];
}

/** Input of {@link trainingCurves}. */
export interface TrainingCurvesInput extends LineChartInput {
  /** One series per run: x = step, y = loss (or gradient norm); a NaN/∞ blow-up shows as edge markers. */
  series: readonly Series[];
  clipEvents?: readonly ClipEvents[];
}

/**
 * Training curves of several runs (e.g. clipping on and off); clipping events are ticks in the run's colour
 * in a strip along the bottom edge of the plot.
 * @example
 * trainingCurves({
 *   xTitle: "step", yTitle: "loss", logY: true,
 *   series: [{ name: "clip at 1", x: steps, y: lossA }, { name: "no clipping", x: steps, y: lossB }],
 *   clipEvents: [{ series: "clip at 1", steps: clippedSteps }],
 * })
 */
export function trainingCurves(input: TrainingCurvesInput): TopLevelSpec {
  const names = input.series.map((s) => s.name);
  const spec = lineChart({ ...input, xTitle: input.xTitle ?? "step", yTitle: input.yTitle ?? "loss" });
  const events = input.clipEvents ?? [];
  if (events.length === 0) return spec;
  const x = seriesAxes({ ...input, xTitle: input.xTitle ?? "step" }).x;
  const height = input.height ?? (spec as { height: number }).height;
  const ticks: Layer[] = events.map((e) => {
    const k = names.indexOf(e.series);
    if (k < 0) throw new Error(`clipEvents: no series named "${e.series}" (have ${names.join(", ")})`);
    return {
      data: { values: e.steps.filter(Number.isFinite).map((step) => ({ x: step, series: e.series })) },
      mark: { type: "tick", orient: "vertical", thickness: 1.5, size: 8, color: input.series[k].colour ?? PALETTE[k % PALETTE.length] },
      encoding: {
        x: position("x", x),
        y: { value: height - 5 - 9 * k },
        tooltip: [{ field: "series", type: "nominal", title: "clipped in" }, numberTooltip("x", x.title, e.steps)],
      },
    };
  });
  const subtitle = input.subtitle ?? "ticks along the bottom: steps where the gradient was clipped";
  const layered = spec as { layer: Layer[]; title?: { text: string } };
  return { ...spec, layer: [...layered.layer, ...ticks], title: { text: input.title ?? "Training curves", subtitle } } as TopLevelSpec;
}
