/** Plain data interfaces shared by the chart builders, and the Vega-Lite types they produce. */
import type { TopLevelSpec } from "vega-lite";
import type { Field } from "vega-lite/build/src/channeldef";
import type { LayerSpec } from "vega-lite/build/src/spec";

export type { TopLevelSpec };

/** One element of a Vega-Lite `layer` array (a unit or nested layer spec). */
export type Layer = LayerSpec<Field>["layer"][number];

/** A named curve y(x). `y` may hold NaN, ±Infinity and zeros: builders show them as gaps and edge markers. */
export interface Series {
  /** Legend label, e.g. "clipped" or "w = 1.1". */
  name: string;
  /** Abscissae (time step, distance T − t, parameter …); must be finite. */
  x: readonly number[];
  /** Ordinates, same length as `x`. */
  y: readonly number[];
  /** Draw the curve dashed (e.g. a reference or "remedy off" curve). */
  dashed?: boolean;
  /** Draw a dot at every sample as well as the line. */
  points?: boolean;
  /** Colour (CSS); default: the next palette colour. */
  colour?: string;
  /** Line width in pixels (default 2). */
  strokeWidth?: number;
  /** Line opacity in [0, 1] (default 1). */
  opacity?: number;
}

/** A text label pinned to a data position, e.g. `{ x: 0, y: 0, text: "explode" }`. */
export interface Annotation {
  x: number;
  y: number;
  text: string;
  /** Draw a small dot at (x, y) under the text (default true). */
  dot?: boolean;
  /** Text offset in pixels from the point (default dx = 0, dy = −10: above the point). */
  dx?: number;
  dy?: number;
}

/** A horizontal or vertical reference line with an optional label, e.g. `{ y: 1, label: "σ = 1" }`. */
export interface ReferenceLine {
  /** Exactly one of `x` (vertical rule) or `y` (horizontal rule). */
  x?: number;
  y?: number;
  label?: string;
}

/** Common options of the single-panel builders. */
export interface PanelOptions {
  /** Chart title (bold, above the panel). */
  title?: string;
  /** Smaller line under the title. */
  subtitle?: string;
  /** Axis titles, with symbols, e.g. "distance T − t" and "‖∂h_T/∂h_t‖". */
  xTitle?: string;
  yTitle?: string;
  /** Plot-area size in pixels (defaults: PANEL_WIDTH × PANEL_HEIGHT). */
  width?: number;
  height?: number;
}
