// Every chart shows tooltips in JupyterLab (vega-embed with vega-tooltip); these tests check what they say.
import { describe, expect, it } from "vitest";
import {
  bifurcationChart,
  cobwebPlot,
  functionPlot,
  heatmap,
  lineChart,
  lossSliceChart,
  lossSurfaceChart,
  renderSvg,
  sideBySide,
  spectrumChart,
  sweepChart,
  trainingCurves,
  type TopLevelSpec,
} from "../../src/charts";
import { HOVER_STYLE, staticSpec } from "../../src/charts/layers";
import { INTEGER_TOOLTIP_FORMAT, TOOLTIP_FORMAT } from "../../src/charts/theme";
import { layerGroups, linspace, markType, range, shownTooltips } from "./helpers";

const steps = range(40);
const decaying = steps.map((t) => 0.83 ** t); // 0.83^39 = 0.000698251…: many digits, spans decades
const xs = linspace(-1.2, 1.2, 25);

/** One spec from every builder, with the data that makes each draw all its layers (off-scale values included). */
const charts: [string, TopLevelSpec][] = [
  ["lineChart", lineChart({ logY: true, series: [{ name: "g", x: steps, y: decaying.map((v, t) => (t === 30 ? Infinity : v)) }], annotations: [{ x: 3, y: 0.5, text: "here" }] })],
  ["heatmap", heatmap({ values: [[1, 0.5], [NaN, 0.25]], xTitle: "source step s", yTitle: "target step t", logColour: true })],
  ["functionPlot", functionPlot({ curves: [{ name: "tanh(2h)", x: xs, y: xs.map((h) => Math.tanh(2 * h)) }], fixedPoints: [{ x: 0, stable: false }] })],
  ["cobwebPlot", cobwebPlot({ curves: [{ name: "x² + 0.15", x: xs, y: xs.map((x) => x * x + 0.15) }], iterates: [0.6, 0.51, 0.41] })],
  ["bifurcationChart", bifurcationChart({ branches: [{ param: xs, value: xs.map((b) => b / 3), stable: true }], bifurcations: [{ at: 0 }] })],
  ["lossSliceChart", lossSliceChart({ examples: [{ name: "e1", x: xs, y: xs.map((b) => b * b) }], mean: { name: "mean", x: xs, y: xs.map((b) => b * b + 0.1) } })],
  ["lossSurfaceChart", lossSurfaceChart({ x: xs, y: xs, loss: xs.map((b) => xs.map((w) => w * w + b * b)), paths: [{ name: "sgd", x: [1, 0.5], y: [1, 0.5] }] })],
  ["trainingCurves", trainingCurves({ series: [{ name: "run", x: steps, y: decaying }], clipEvents: [{ series: "run", steps: [2, 5] }] })],
  ["spectrumChart", spectrumChart({ spectra: [{ name: "W", values: [2.5, 1.25, 0.3333333] }] })],
  ["sweepChart", sweepChart({ paramName: "w", curves: [0.8, 0.9, 1].map((w) => ({ param: w, x: steps, y: steps.map((t) => w ** t) })) })],
  ["sideBySide", sideBySide([lineChart({ series: [{ name: "a", x: [0, 1], y: [0.5, 1 / 3] }] }), heatmap({ values: [[1]] })])],
];

describe("every chart's tooltips", () => {
  it.each(charts)("%s: every quantitative tooltip field carries the one number format", (_name, spec) => {
    const entries = layerGroups(spec).flat().flatMap((l) => l.encoding?.tooltip ?? []);
    expect(entries.length).toBeGreaterThan(0);
    const numbers = entries.filter((e) => e.type === "quantitative");
    expect(numbers.length).toBeGreaterThan(0);
    for (const e of numbers) expect([TOOLTIP_FORMAT, INTEGER_TOOLTIP_FORMAT], `field ${e.field}`).toContain(e.format);
  });

  it.each(charts)("%s: every point, cell and tick has a tooltip, and every line has points with one", (_name, spec) => {
    for (const group of layerGroups(spec)) {
      for (const layer of group) {
        const type = markType(layer);
        if (type === "point" || type === "rect" || type === "tick") expect(layer.encoding?.tooltip, `a ${type} layer`).toBeDefined();
        // Vega picks a line as one path and would show its first sample's tooltip anywhere along it, so lines
        // carry none; points on the same x field do (the visible dots or invisible hover points).
        if (type === "line") {
          expect(layer.encoding?.tooltip).toBeUndefined();
          expect(group.some((l) => markType(l) === "point" && l.encoding?.tooltip?.some((t) => t.field === "x"))).toBe(true);
        }
      }
    }
  });
});

describe("what the tooltips say (as Vega renders them)", () => {
  it("a log-axis line chart shows the step in full and the value itself to 4 significant digits, not its log", async () => {
    const spec = lineChart({ logY: true, xTitle: "step", yTitle: "‖g‖", series: [{ name: "g", x: steps, y: decaying }] });
    const tips = await shownTooltips(spec);
    const at39 = tips.find((t) => t.step === "39");
    // 0.83^39 = 0.00069825…; its log10 would be −3.156.
    expect(at39).toEqual({ series: "g", step: "39", "‖g‖": "0.0006983" });
    // One tooltip per sample, none with raw float residue.
    expect(tips.filter((t) => t.series === "g").length).toBe(steps.length);
    for (const t of tips) expect(t["‖g‖"]).toMatch(/^[\d.]{1,9}(e[-+]\d+)?$/);
  });

  it("a heatmap cell shows its own steps (not its edges) and its value", async () => {
    const flow = range(6).map((t) => range(6).map((s) => (s > t ? 0 : 1.37 ** (t - s) / 1000)));
    const spec = heatmap({ values: flow, xTitle: "source step s", yTitle: "target step t", colourTitle: "‖∂h_t/∂h_s‖", logColour: true });
    const tips = await shownTooltips(spec);
    expect(tips).toContainEqual({ "source step s": "2", "target step t": "5", "‖∂h_t/∂h_s‖": "0.002571" });
    // A zero on the log scale is an off-scale cell: its value is written out too.
    expect(tips).toContainEqual({ "source step s": "5", "target step t": "2", "‖∂h_t/∂h_s‖": "0" });
    expect(tips.length).toBe(36);
    // Uneven coordinates: the tooltip names the cell's column (20), not its left edge (15).
    const uneven = await shownTooltips(heatmap({ values: [[0.5, 0.25, 0.125]], columns: [10, 20, 40], xTitle: "T", yTitle: "row" }));
    expect(uneven.map((t) => t.T)).toEqual(["10", "20", "40"]);
  });

  it("off-scale markers show the value they stand for, formatted the same way", async () => {
    const spec = lineChart({ yRange: { lo: 0, hi: 1 }, xTitle: "x", yTitle: "y", series: [{ name: "s", x: [0, 1, 2], y: [0.5, 1234.5678, NaN] }] });
    const tips = await shownTooltips(spec);
    expect(tips).toContainEqual({ series: "s", x: "1", y: "1235" });
    expect(tips).toContainEqual({ series: "s", x: "2", y: "NaN" });
  });

  it("a sweep's points name their parameter value", async () => {
    const spec = sweepChart({ paramName: "w", paramLabel: "weight w", xTitle: "t", yTitle: "w^t", curves: [0.5, 1.5].map((w) => ({ param: w, x: [0, 1, 2], y: [1, w, w * w] })) });
    const tips = await shownTooltips(spec, { w: 1.5 });
    expect(tips).toContainEqual({ series: "weight w", t: "2", "w^t": "2.25", "weight w": "1.5" });
    expect(tips).not.toContainEqual(expect.objectContaining({ series: "weight w", "weight w": "0.5" }));
  });

  it.each(charts)("%s: the static form drops every hover layer, in panels and nested layers too", (name, spec) => {
    const hover = (s: unknown) => layerGroups(s).flat().filter((l) => typeof l.mark === "object" && l.mark.style === HOVER_STYLE).length;
    // Heatmap cells, spectra and loss-surface paths are drawn with visible points or rects: no hover layer.
    if (!["heatmap", "spectrumChart", "lossSurfaceChart"].includes(name)) expect(hover(spec)).toBeGreaterThan(0);
    expect(hover(staticSpec(spec))).toBe(0);
  });

  it("the static SVG leaves out the invisible hover points (a picture has no pointer)", async () => {
    const spec = lineChart({ series: [{ name: "g", x: steps, y: decaying }] });
    const svg = await renderSvg(spec);
    expect(svg).toContain("mark-line");
    expect(svg).not.toContain("mark-symbol");
  });
});
