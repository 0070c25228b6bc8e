/**
 * Charts for the notebooks: typed Vega-Lite specs built from plain arrays (no maths here), static SVG
 * rendering, and notebook display. Every builder returns a `TopLevelSpec`; show it with `await show(spec)`.
 */
export type { Annotation, Layer, PanelOptions, ReferenceLine, Series, TopLevelSpec } from "./types";
export { PALETTE, PANEL_WIDTH, PANEL_HEIGHT, HALF_PANEL_WIDTH, STABLE_COLOUR, UNSTABLE_COLOUR, REFERENCE_GREY, THEME } from "./theme";
export { valueRange, seriesRows, classifyValue, statusLabel, type AxisRange, type PlotRow, type ValueStatus } from "./plotRows";
export { lineChart, type LineChartInput } from "./line";
export { heatmap, OFF_SCALE_FILL, type HeatmapInput } from "./heatmap";
export { functionPlot, cobwebPlot, type FixedPoint, type FunctionPlotInput, type CobwebInput } from "./maps";
export { bifurcationChart, type Branch, type BifurcationInput } from "./bifurcation";
export { lossSliceChart, lossSurfaceChart, type LossSliceInput, type LossSurfaceInput } from "./loss";
export { trainingCurves, type ClipEvents, type TrainingCurvesInput } from "./training";
export { spectrumChart, type SpectrumInput } from "./spectrum";
export { sideBySide, type SideBySideOptions } from "./layout";
export { sweepChart, type SweepCurve, type SweepInput } from "./explorable";
export { compileChart, renderSvg, type CompiledChart } from "./render";
export {
  chartBundle,
  show,
  liveChart,
  liveRuns,
  VEGALITE_MIME,
  type MimeBundle,
  type LiveChart,
  type LiveChartOptions,
  type LiveFrame,
  type LiveRun,
  type LiveRuns,
  type WriteDisplayData,
} from "./display";
export { tableBundle, showTable, type TableBundle, type TableOptions, type TableRow, type TableValue } from "./table";
