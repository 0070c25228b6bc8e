/**
 * One look for every chart: sizes for a notebook and a printed page, a colour-blind-safe palette
 * (Okabe & Ito 2008, "Color Universal Design") and a Vega-Lite config with readable titles and ticks.
 */
import type { Config } from "vega-lite";

/**
 * Plot-area width in pixels of a single panel. With the y axis and padding the whole chart is about 540 px
 * wide (legends go below the plot), which fits a notebook cell and a printed A4/Letter page.
 */
export const PANEL_WIDTH = 460;
/** Plot-area height in pixels of a single panel. */
export const PANEL_HEIGHT = 280;
/** Plot-area width of one panel of a two-panel figure, so that the pair stays within ~560 px of a page. */
export const HALF_PANEL_WIDTH = 220;

/**
 * Okabe–Ito palette, reordered so the first colours differ most in hue and lightness
 * (blue, vermillion, bluish green, orange, reddish purple, sky blue, black, yellow).
 */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#E69F00",
  "#CC79A7",
  "#56B4E9",
  "#000000",
  "#F0E442",
];

/** Neutral grey for reference lines (identity line, y = 1, bifurcation rules). */
export const REFERENCE_GREY = "#777777";

/** Colour of stable fixed points and branches (sinks); unstable ones (sources) use {@link UNSTABLE_COLOUR}. */
export const STABLE_COLOUR = "#0072B2";
/** Colour of unstable fixed points and branches (sources). */
export const UNSTABLE_COLOUR = "#D55E00";

/**
 * How every tooltip writes a number (d3-format, as Vega-Lite's `format`): 4 significant digits, trailing zeros
 * dropped (0.0007261, 3.142, 1.235e+8, 1e-300). Fields that hold only integers (time steps, indices) are
 * written in full instead ({@link INTEGER_TOOLTIP_FORMAT}).
 */
export const TOOLTIP_FORMAT = ".4~g";
/** d3-format of integer tooltip fields (time step 37, index 12): the integer in full. */
export const INTEGER_TOOLTIP_FORMAT = "d";

/**
 * A number as {@link TOOLTIP_FORMAT} writes it, for tooltip text made here rather than by Vega (the value of an
 * off-scale marker): d3's "g" is `toPrecision`, "~" trims trailing zeros, and d3 writes a minus as "−".
 * Non-finite values are written as JavaScript does ("Infinity", "-Infinity", "NaN").
 * @example tooltipNumber(0.0007260795065528367) // "0.0007261"; tooltipNumber(-1.5e300) // "−1.5e+300"
 */
export function tooltipNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const text = Math.abs(v).toPrecision(4).replace(/(\.\d*?)0+(?=e|$)/, "$1").replace(/\.(?=e|$)/, "");
  return v < 0 ? `−${text}` : text;
}

const FONT = "Helvetica, Arial, sans-serif";

/** The Vega-Lite config every builder puts at the top of its spec. */
export const THEME: Config = {
  font: FONT,
  background: "white",
  padding: 8,
  view: { continuousWidth: PANEL_WIDTH, continuousHeight: PANEL_HEIGHT, stroke: "#bbbbbb" },
  title: { fontSize: 15, fontWeight: "bold", anchor: "start", offset: 10, subtitleFontSize: 12, subtitleColor: "#444444" },
  axis: {
    titleFontSize: 13,
    titleFontWeight: "normal",
    labelFontSize: 11,
    gridColor: "#e6e6e6",
    tickColor: "#888888",
    domainColor: "#888888",
    labelOverlap: true,
  },
  legend: { orient: "bottom", direction: "vertical", titleFontSize: 12, titleFontWeight: "normal", labelFontSize: 11, labelLimit: 220, symbolSize: 90 },
  range: { category: [...PALETTE] },
  line: { strokeWidth: 2 },
  point: { size: 40, filled: true },
};
