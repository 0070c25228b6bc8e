/** Bifurcation diagrams: fixed points x∞ against a parameter b, stable and unstable branches styled apart. */
import { hoverLayer, numberTooltip, panel, position, referenceLayers, type AxisSpec } from "./layers";
import { checkRange } from "./line";
import { seriesRows, valueRange, type AxisRange } from "./plotRows";
import { STABLE_COLOUR, UNSTABLE_COLOUR } from "./theme";
import type { Layer, PanelOptions, TopLevelSpec } from "./types";

/** One branch of fixed points x∞(b); NaN where the branch does not exist (it leaves a gap). */
export interface Branch {
  param: readonly number[];
  value: readonly number[];
  stable: boolean;
}

/** Input of {@link bifurcationChart}. */
export interface BifurcationInput extends PanelOptions {
  branches: readonly Branch[];
  /** Parameter values of the bifurcations, drawn as labelled vertical rules (e.g. b₁ ≈ −2.344, b₂ ≈ −2.656). */
  bifurcations?: readonly { at: number; label?: string }[];
  yRange?: AxisRange;
}

/**
 * A bifurcation diagram: fixed points x∞ against the parameter, stable branches solid blue, unstable dashed
 * vermillion, with vertical rules at the bifurcation points.
 * @example Pascanu et al. (2013), Figure 3: x_t = 5 σ(x_{t−1}) + b
 * bifurcationChart({
 *   xTitle: "b", yTitle: "x∞", branches: [{ param: bs, value: low, stable: true }, …],
 *   bifurcations: [{ at: -2.344, label: "b₁" }, { at: -2.656, label: "b₂" }],
 * })
 */
export function bifurcationChart(input: BifurcationInput): TopLevelSpec {
  if (input.branches.length === 0) throw new Error("bifurcationChart: expected at least one branch, got none");
  checkRange("yRange", input.yRange, false);
  const yRange = input.yRange ?? valueRange(input.branches.flatMap((b) => [...b.value]), false);
  const xRange = valueRange([...input.branches.flatMap((b) => [...b.param]), ...(input.bifurcations ?? []).map((b) => b.at)], false);
  const x: AxisSpec = { title: input.xTitle ?? "b", range: xRange };
  const y: AxisSpec = { title: input.yTitle ?? "x∞", range: yRange };
  const rows = input.branches.flatMap((b, k) =>
    seriesRows({ name: `branch ${k}`, x: b.param, y: b.value }, yRange, false)
      .filter((r) => r.status === "ok")
      .map((r) => ({ ...r, stability: b.stable ? "stable" : "unstable" })),
  );
  const domain = ["stable", "unstable"];
  const tooltip = [
    numberTooltip("x", x.title, rows.map((r) => r.x)),
    numberTooltip("y", y.title, rows.map((r) => r.y)),
    { field: "stability", type: "nominal" as const, title: "fixed point" },
  ];
  const layers: Layer[] = [
    ...referenceLayers((input.bifurcations ?? []).map((b) => ({ x: b.at, label: b.label ?? `${x.title} = ${b.at.toPrecision(4)}` })), x, y),
    {
      data: { values: rows },
      mark: { type: "line", strokeWidth: 2.5, clip: true },
      encoding: {
        x: position("x", x),
        y: position("y", y),
        color: { field: "stability", type: "nominal", title: "fixed point", scale: { domain, range: [STABLE_COLOUR, UNSTABLE_COLOUR] }, legend: { symbolType: "stroke", symbolSize: 250 } },
        strokeDash: { field: "stability", type: "nominal", title: "fixed point", scale: { domain, range: [[1, 0], [6, 4]] } },
        detail: { field: "segment", type: "nominal" },
        order: { field: "order", type: "quantitative" },
      },
    },
    hoverLayer(rows, ["x", "y", "stability"], position("x", x), position("y", y), tooltip),
  ];
  return panel(input, `Bifurcation diagram "${input.title ?? ""}": ${y.title} against ${x.title}, ${input.branches.length} branches.`, layers);
}
