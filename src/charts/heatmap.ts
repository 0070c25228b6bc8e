/** Heatmaps: gradient flow (source step × target step), Jacobian matrices, and the cells of a loss surface. */
import { numberTooltip, panel, position, type AxisSpec } from "./layers";
import { checkRange } from "./line";
import { classifyValue, statusLabel, valueRange, type AxisRange, type ValueStatus } from "./plotRows";
import type { Scale } from "vega-lite/build/src/scale";
import { PANEL_HEIGHT, PANEL_WIDTH, tooltipNumber } from "./theme";
import type { Layer, PanelOptions, TopLevelSpec } from "./types";

/** Input of {@link heatmap}. */
export interface HeatmapInput extends PanelOptions {
  /** The matrix, `values[row][column]`; NaN, ±Infinity and (with `logColour`) zeros are allowed. */
  values: readonly (readonly number[])[];
  /** Coordinates of the columns (default 0, 1, …); increasing. */
  columns?: readonly number[];
  /** Coordinates of the rows (default 0, 1, …); increasing. */
  rows?: readonly number[];
  /** Title of the colour legend, e.g. "‖∂h_t/∂h_s‖". */
  colourTitle?: string;
  /** Log colour scale (norms spanning many decades). */
  logColour?: boolean;
  /** Fixed colour range; values outside it are drawn in the off-scale colours. */
  colourRange?: AxisRange;
  /** Draw row 0 at the top, as a matrix is printed (default false: row 0 at the bottom). */
  matrixOrientation?: boolean;
}

/** Fill colours of off-scale cells: black above the range, white below, grey for NaN. */
export const OFF_SCALE_FILL: Readonly<Record<Exclude<ValueStatus, "ok">, string>> = {
  overflow: "#000000",
  underflow: "#ffffff",
  nan: "#aaaaaa",
};

/** Cell edges halfway between neighbouring coordinates (unit cells around integer indices by default). */
function cellEdges(centres: readonly number[], name: string): { lo: number[]; hi: number[] } {
  for (let i = 0; i < centres.length; i++) {
    if (!Number.isFinite(centres[i]) || (i > 0 && !(centres[i] > centres[i - 1]))) {
      throw new Error(`${name}: coordinates must be finite and increasing; ${name}[${i}] = ${centres[i]}`);
    }
  }
  const n = centres.length;
  const half = (i: number) => (n === 1 ? 0.5 : i < n - 1 ? (centres[i + 1] - centres[i]) / 2 : (centres[i] - centres[i - 1]) / 2);
  const lo = centres.map((c, i) => (i === 0 ? c - half(0) : (centres[i - 1] + c) / 2));
  const hi = centres.map((c, i) => (i === n - 1 ? c + half(n - 1) : (c + centres[i + 1]) / 2));
  return { lo, hi };
}

/** Integer ticks 0 … n − 1, thinned to a 1-2-5 stride so that at most about ten are labelled. */
function indexTicks(n: number): number[] {
  const stride = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((s) => n / s <= 10) ?? Math.ceil(n / 10);
  const ticks: number[] = [];
  for (let i = 0; i < n; i += stride) ticks.push(i);
  return ticks;
}

/** Axes and colour range of a matrix of cells, shared by {@link heatmap} and the loss surface. */
export interface CellGrid {
  x: AxisSpec;
  y: AxisSpec;
  colour: { title: string; range: AxisRange; log: boolean };
}

/** Checks the matrix shape and returns its column and row coordinates. */
export function gridCoordinates(input: HeatmapInput): { columns: readonly number[]; rows: readonly number[] } {
  const m = input.values.length;
  const n = m > 0 ? input.values[0].length : 0;
  if (m === 0 || n === 0) throw new Error(`heatmap: expected a non-empty matrix, got ${m} × ${n}`);
  input.values.forEach((row, i) => {
    if (row.length !== n) throw new Error(`heatmap: row ${i} has ${row.length} values, row 0 has ${n}`);
  });
  const columns = input.columns ?? Array.from({ length: n }, (_, j) => j);
  const rows = input.rows ?? Array.from({ length: m }, (_, i) => i);
  if (columns.length !== n) throw new Error(`heatmap: ${columns.length} column coordinates for ${n} columns`);
  if (rows.length !== m) throw new Error(`heatmap: ${rows.length} row coordinates for ${m} rows`);
  return { columns, rows };
}

/**
 * Rect layers of a matrix: in-range cells coloured by value (viridis, colour-blind safe), off-scale cells
 * black (+∞ / above), white (0 on a log scale, −∞ / below) or grey (NaN), with their own legend.
 */
export function cellLayers(input: HeatmapInput): { layers: Layer[]; grid: CellGrid } {
  const { columns, rows } = gridCoordinates(input);
  const logColour = input.logColour ?? false;
  checkRange("colourRange", input.colourRange, logColour);
  const range = input.colourRange ?? valueRange(input.values.flat(), logColour);
  const xe = cellEdges(columns, "columns");
  const ye = cellEdges(rows, "rows");
  const colourTitle = input.colourTitle ?? "value";
  // Each cell reaches about one pixel into its right and upper neighbours (never past the grid): without
  // the overlap, anti-aliased edges of adjacent cells leave white seams across dense grids (seen on the loss
  // surfaces in the PDF handouts). The overlap is a fraction of a cell, about 1 px at the panel's size.
  const overlapX = Math.min(0.5, columns.length / (input.width ?? PANEL_WIDTH));
  const overlapY = Math.min(0.5, rows.length / (input.height ?? PANEL_HEIGHT));
  const cells = input.values.flatMap((row, i) =>
    row.map((v, j) => {
      const status = classifyValue(v, range, logColour);
      const x1 = j + 1 < columns.length ? xe.hi[j] + overlapX * (xe.hi[j] - xe.lo[j]) : xe.hi[j];
      const y1 = i + 1 < rows.length ? ye.hi[i] + overlapY * (ye.hi[i] - ye.lo[i]) : ye.hi[i];
      // (column, row): the cell's own coordinates, for the tooltip; x0…y1: the rectangle drawn.
      const cell = { column: columns[j], row: rows[i], x0: xe.lo[j], x1, y0: ye.lo[i], y1 };
      // An in-range cell's tooltip shows v itself; an off-scale one (v = 0 as a placeholder) its value as text.
      const text = status === "ok" ? {} : { value: tooltipNumber(v) };
      return { ...cell, v: status === "ok" ? v : 0, ...text, status, flag: statusLabel(status, logColour) };
    }),
  );
  const x: AxisSpec = {
    title: input.xTitle ?? "column",
    range: { lo: xe.lo[0], hi: xe.hi[xe.hi.length - 1] },
    ...(input.columns === undefined ? { ticks: indexTicks(columns.length) } : {}),
  };
  const y: AxisSpec = {
    title: input.yTitle ?? "row",
    range: { lo: ye.lo[0], hi: ye.hi[ye.hi.length - 1] },
    reverse: input.matrixOrientation ?? false,
    ...(input.rows === undefined ? { ticks: indexTicks(rows.length) } : {}),
  };
  // Signed entries (a Jacobian) get a diverging scheme centred on 0; norms get viridis.
  const signed = !logColour && range.lo < 0 && range.hi > 0;
  const colourScale: Scale = {
    type: logColour ? "log" : "linear",
    domain: [range.lo, range.hi],
    nice: false,
    ...(signed ? { scheme: "blueorange", domainMid: 0 } : { scheme: "viridis" }),
    ...(logColour ? {} : { zero: false }),
  };
  const ok = cells.filter((c) => c.status === "ok");
  const off = cells.filter((c) => c.status !== "ok");
  // The cell's column and row (e.g. source step s, target step t) and its value; an off-scale cell's value as text.
  const at = [numberTooltip("column", x.title, columns), numberTooltip("row", y.title, rows)];
  const tooltip = [...at, numberTooltip("v", colourTitle, ok.map((c) => c.v))];
  const offTooltip = [...at, { field: "value", type: "nominal" as const, title: colourTitle }];
  const layers: Layer[] = [];
  // both layers draw each cell as the rectangle [x0, x1] × [y0, y1]
  const cellRect = { x: position("x0", x), x2: { field: "x1" }, y: position("y0", y), y2: { field: "y1" } };
  if (ok.length > 0) {
    layers.push({
      data: { values: ok },
      mark: { type: "rect" },
      encoding: {
        ...cellRect,
        color: {
          field: "v",
          type: "quantitative",
          title: colourTitle,
          scale: colourScale,
          legend: { direction: "horizontal", gradientLength: 200, ...(logColour ? { format: "~g" } : {}) },
        },
        tooltip,
      },
    });
  }
  if (off.length > 0) {
    const statuses = (["overflow", "underflow", "nan"] as const).filter((s) => off.some((c) => c.status === s));
    layers.push({
      data: { values: off },
      mark: { type: "rect", stroke: "#888888", strokeWidth: 0.5 },
      encoding: {
        ...cellRect,
        fill: {
          field: "flag",
          type: "nominal",
          title: "off scale",
          scale: { domain: statuses.map((s) => statusLabel(s, logColour)), range: statuses.map((s) => OFF_SCALE_FILL[s]) },
        },
        tooltip: offTooltip,
      },
    });
  }
  return { layers, grid: { x, y, colour: { title: colourTitle, range, log: logColour } } };
}

/**
 * A heatmap of a matrix: gradient flow ‖∂h_t/∂h_s‖ over (source step s, target step t), or the entries of a
 * Jacobian. Cells are centred on the given coordinates; off-scale cells get their own colours and legend.
 * @example
 * heatmap({
 *   title: "Gradient flow", xTitle: "source step s", yTitle: "target step t", colourTitle: "‖∂h_t/∂h_s‖",
 *   values: flow, logColour: true,
 * })
 */
export function heatmap(input: HeatmapInput): TopLevelSpec {
  const { layers, grid } = cellLayers(input);
  const m = input.values.length;
  const n = input.values[0].length;
  return panel(input, `Heatmap "${input.title ?? ""}": ${grid.colour.title} over ${m} × ${n} cells (${grid.y.title} × ${grid.x.title}).`, layers);
}
