import * as vega from "vega";
import { expect } from "vitest";
import { compileChart, renderSvg, type TopLevelSpec } from "../../src/charts";

/** Every inline data row of a spec, from all layers and panels. */
export function dataRows(spec: unknown): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      const data = o.data as { values?: unknown } | undefined;
      if (data && Array.isArray(data.values)) rows.push(...(data.values as Record<string, unknown>[]));
      for (const key of ["layer", "hconcat", "vconcat", "concat"]) if (key in o) visit(o[key]);
    }
  };
  visit(spec);
  return rows;
}

/**
 * The checks every chart must pass: compiles and renders without warnings, the SVG has drawn marks with
 * real coordinates, and the spec survives JSON (so no NaN/Infinity was silently turned into null).
 */
export async function expectCleanChart(spec: TopLevelSpec): Promise<string> {
  expect(compileChart(spec).warnings).toEqual([]);
  const warnings: string[] = [];
  const svg = await renderSvg(spec, warnings);
  expect(warnings).toEqual([]);
  expect(svg.startsWith("<svg")).toBe(true);
  // At least one data mark (line, rect or symbol group) whose first path draws from real coordinates.
  expect(svg).toMatch(/class="mark-(line|rect|symbol)[^"]*"[^>]*><path[^>]* d="M-?[\d.]+,-?[\d.]+[LAhv]/);
  // JSON.stringify would turn NaN and ±Infinity into null: the spec must hold none, anywhere.
  expect(nonFiniteNumbers(spec)).toEqual([]);
  expect(JSON.stringify(JSON.parse(JSON.stringify(spec)))).toBe(JSON.stringify(spec));
  return svg;
}

/** Paths (a.b.0.c) of every non-finite number in a value. */
export function nonFiniteNumbers(value: unknown, path = "spec"): string[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${path}.${i}`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
  return [];
}

/** The `status` values present in a spec's data. */
export function statuses(spec: TopLevelSpec): Set<unknown> {
  return new Set(dataRows(spec).filter((r) => "status" in r).map((r) => r.status));
}

/** 0, 1, …, n − 1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** n points evenly spaced over [a, b]. */
export const linspace = (a: number, b: number, n: number): number[] => range(n).map((i) => a + ((b - a) * i) / (n - 1));

/** A layer (unit spec) as the tooltip checks see it. */
export interface UnitLayer {
  mark: string | { type: string; style?: string };
  encoding?: { tooltip?: { field: string; type: string; title?: string; format?: string }[] } & Record<string, unknown>;
  data?: { values?: Record<string, unknown>[] };
}

/** Every unit layer of a spec, grouped by the layer array it sits in (siblings share their scales). */
export function layerGroups(spec: unknown): UnitLayer[][] {
  const groups: UnitLayer[][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.layer)) groups.push((o.layer as UnitLayer[]).filter((l) => "mark" in l));
      for (const key of ["layer", "hconcat", "vconcat", "concat"]) if (key in o) visit(o[key]);
    }
  };
  visit(spec);
  return groups;
}

/** The mark type of a layer. */
export const markType = (layer: UnitLayer): string => (typeof layer.mark === "string" ? layer.mark : layer.mark.type);

/**
 * The tooltips a reader sees: the spec compiled and run by Vega (headless), and the tooltip object of every
 * drawn item, with Vega's formatting applied (what vega-tooltip shows in JupyterLab).
 */
export async function shownTooltips(spec: TopLevelSpec, signals: Record<string, unknown> = {}): Promise<Record<string, string>[]> {
  const view = new vega.View(vega.parse(compileChart(spec).vega), { renderer: "none" });
  try {
    for (const [name, value] of Object.entries(signals)) view.signal(name, value);
    await view.runAsync();
    const out: Record<string, string>[] = [];
    const visit = (node: { tooltip?: unknown; items?: unknown[] } | undefined): void => {
      if (!node) return;
      if (node.tooltip !== undefined && node.tooltip !== null) out.push(node.tooltip as Record<string, string>);
      for (const item of node.items ?? []) visit(item as typeof node);
    };
    visit((view.scenegraph() as unknown as { root: { items?: unknown[] } }).root);
    return out;
  } finally {
    view.finalize();
  }
}
