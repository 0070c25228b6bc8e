import { describe, expect, it } from "vitest";
import {
  bifurcationChart,
  cobwebPlot,
  functionPlot,
  heatmap,
  lineChart,
  lossSliceChart,
  lossSurfaceChart,
  sideBySide,
  spectrumChart,
  sweepChart,
  trainingCurves,
} from "../../src/charts";
import { dataRows, expectCleanChart, linspace, range, statuses } from "./helpers";

const steps = range(60);
// A norm that grows until it overflows, and one that decays until it underflows to 0, with a NaN in it.
const exploding = steps.map((t) => (t > 50 ? Infinity : 1.1 ** t));
const vanishing = steps.map((t) => (t === 20 ? NaN : t > 40 ? 0 : 0.9 ** t));

describe("lineChart", () => {
  it("renders several series on a log axis", async () => {
    const spec = lineChart({
      title: "norms", xTitle: "distance T − t", yTitle: "‖∂h_T/∂h_t‖", logY: true,
      series: [{ name: "w = 1.1", x: steps, y: steps.map((t) => 1.1 ** t) }, { name: "w = 0.9", x: steps, y: steps.map((t) => 0.9 ** t), dashed: true }],
      referenceLines: [{ y: 1, label: "norm 1" }],
      annotations: [{ x: 10, y: 2, text: "explode" }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("explode");
    expect(statuses(spec)).toEqual(new Set(["ok"]));
  });

  it("shows +∞ as overflow, 0 as underflow and NaN as a marked gap on a log axis", async () => {
    const spec = lineChart({ logY: true, series: [{ name: "up", x: steps, y: exploding }, { name: "down", x: steps, y: vanishing }] });
    const svg = await expectCleanChart(spec);
    expect(statuses(spec)).toEqual(new Set(["ok", "overflow", "underflow", "nan"]));
    expect(svg).toContain("0 (underflow)");
    expect(svg).toContain("+∞ or above range");
    expect(svg).toContain("NaN (gap)");
    // The original values survive JSON as text.
    const values = new Set(dataRows(JSON.parse(JSON.stringify(spec))).map((r) => r.value));
    expect(values.has("Infinity") && values.has("NaN") && values.has("0")).toBe(true);
  });

  it("marks values beyond a fixed range and −∞ on a linear axis", async () => {
    const spec = lineChart({ yRange: { lo: -1, hi: 1 }, series: [{ name: "s", x: [0, 1, 2, 3], y: [0, 5, -Infinity, 0.5] }] });
    await expectCleanChart(spec);
    expect(statuses(spec)).toEqual(new Set(["ok", "overflow", "underflow"]));
  });

  it("still draws axes and markers when every value is non-finite", async () => {
    const spec = lineChart({ logY: true, series: [{ name: "s", x: [0, 1, 2], y: [NaN, Infinity, 0] }] });
    const svg = await renderSvgOk(spec);
    expect(svg).toContain("0 (underflow)");
  });

  it("rejects bad input with messages that name it", () => {
    expect(() => lineChart({ series: [] })).toThrow(/at least one series/);
    expect(() => lineChart({ logX: true, series: [{ name: "s", x: [0, 1], y: [1, 2] }] })).toThrow(/x > 0/);
    expect(() => lineChart({ yRange: { lo: 1, hi: 0 }, series: [{ name: "s", x: [0], y: [1] }] })).toThrow(/yRange/);
  });
});

async function renderSvgOk(spec: Parameters<typeof expectCleanChart>[0]): Promise<string> {
  return expectCleanChart(spec);
}

describe("heatmap", () => {
  const T = 20;
  const flow = range(T).map((t) => range(T).map((s) => (s > t ? 0 : 1.3 ** (t - s))));
  it("renders a gradient-flow matrix on a log colour scale", async () => {
    const svg = await expectCleanChart(heatmap({ title: "flow", xTitle: "source step s", yTitle: "target step t", values: flow, logColour: true }));
    expect(svg).toContain("<path");
  });
  it("gives off-scale cells their own colours and legend", async () => {
    const values = flow.map((row, t) => row.map((v, s) => (t - s > 15 ? Infinity : t === 5 && s === 2 ? NaN : v)));
    const spec = heatmap({ values, logColour: true });
    const svg = await expectCleanChart(spec);
    expect(statuses(spec)).toEqual(new Set(["ok", "overflow", "underflow", "nan"]));
    expect(svg).toContain("off scale");
  });
  it("shows a signed Jacobian in matrix orientation", async () => {
    await expectCleanChart(heatmap({ values: [[1, -0.5], [0.3, 0.9]], matrixOrientation: true }));
  });
  it("renders a 1 × 1 matrix and rejects ragged ones", async () => {
    await expectCleanChart(heatmap({ values: [[2]] }));
    expect(() => heatmap({ values: [[1, 2], [3]] })).toThrow(/row 1 has 1 values/);
  });
});

describe("iterated maps", () => {
  const hs = linspace(-1.3, 1.3, 101);
  it("functionPlot draws the curve, the identity line and stable/unstable fixed points", async () => {
    const spec = functionPlot({
      xTitle: "h(t−1)", yTitle: "h(t)",
      curves: [{ name: "tanh(2h)", x: hs, y: hs.map((h) => Math.tanh(2 * h)) }],
      fixedPoints: [{ x: -0.9575, stable: true }, { x: 0, stable: false }, { x: 0.9575, stable: true }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("unstable (source)");
    expect(svg).toContain("y = x");
  });
  it("functionPlot's legend lists only the kinds of fixed point drawn (tanh(−2h): one source, no sink)", async () => {
    const spec = functionPlot({
      curves: [{ name: "tanh(−2h)", x: hs, y: hs.map((h) => Math.tanh(-2 * h)) }],
      fixedPoints: [{ x: 0, stable: false }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("unstable (source)");
    expect(svg).not.toContain("stable (sink)");
  });
  it("cobwebPlot follows the iterates and stops at the first non-finite one", async () => {
    const xs = linspace(0, 1, 51);
    const iterates = [0.9];
    for (let k = 0; k < 15; k++) iterates.push(iterates[k] ** 2 + 0.15 > 1e6 ? Infinity : iterates[k] ** 2 + 0.15);
    const spec = cobwebPlot({ curves: [{ name: "x² + 0.15", x: xs, y: xs.map((x) => x * x + 0.15) }], iterates });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("Infinity");
    expect(statuses(spec).has("overflow")).toBe(true);
  });
});

describe("bifurcationChart", () => {
  it("draws stable and unstable branches with gaps, and rules at the bifurcations", async () => {
    const b = linspace(-3, -2, 21);
    const spec = bifurcationChart({
      branches: [
        { param: b, value: b.map((v) => (v > -2.344 ? NaN : -1 + v)), stable: true },
        { param: b, value: b.map((v) => (v < -2.656 || v > -2.344 ? NaN : v + 2.5)), stable: false },
      ],
      bifurcations: [{ at: -2.344, label: "b₁" }, { at: -2.656 }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("b₁");
    expect(svg).toContain("unstable");
  });
});

describe("loss landscapes", () => {
  const bs = linspace(-1, 1, 41);
  it("lossSliceChart shows examples with cliffs and their mean", async () => {
    const examples = range(12).map((k) => ({ name: `example ${k}`, x: bs, y: bs.map((b) => (Math.abs(b - k / 12) < 0.03 ? Infinity : (b - k / 24) ** 2)) }));
    const spec = lossSliceChart({ xTitle: "b", examples, mean: { name: "mean", x: bs, y: bs.map((b) => b * b + 0.13) }, yRange: { lo: 0, hi: 2 } });
    await expectCleanChart(spec);
    expect(statuses(spec).has("overflow")).toBe(true);
  });
  it("lossSurfaceChart draws the surface and clipped/unclipped paths, stopping a diverged one", async () => {
    const ws = linspace(0, 4, 25);
    const loss = bs.map((b) => ws.map((w) => (w > 3.5 && b > 0.8 ? Infinity : (w - 2) ** 2 + b * b)));
    const spec = lossSurfaceChart({
      xTitle: "w", yTitle: "b", x: ws, y: bs, loss, logColour: true,
      paths: [{ name: "unclipped", x: [1, 2, 3.8, NaN], y: [0.5, 0.2, 0.9, NaN] }, { name: "clipped", x: [1, 1.3, 1.6], y: [0.5, 0.4, 0.3] }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("diverged");
    expect(svg).toContain("clipped");
  });
});

describe("trainingCurves", () => {
  it("marks clipping events and a blow-up to NaN", async () => {
    const lossA = steps.map((t) => 1 / (1 + t));
    const lossB = steps.map((t) => (t > 30 ? NaN : 1 / (1 + t) + (t % 7 === 0 ? 5 : 0)));
    const spec = trainingCurves({
      logY: true,
      series: [{ name: "clip at 1", x: steps, y: lossA }, { name: "no clipping", x: steps, y: lossB }],
      clipEvents: [{ series: "clip at 1", steps: [7, 14, 21] }],
    });
    const svg = await expectCleanChart(spec);
    expect(svg).toContain("clipped");
    expect(() => trainingCurves({ series: [{ name: "a", x: [0], y: [1] }], clipEvents: [{ series: "b", steps: [0] }] })).toThrow(/no series named "b"/);
  });
});

describe("spectrumChart", () => {
  it("plots singular values with reference lines, including a zero singular value", async () => {
    const svg = await expectCleanChart(
      spectrumChart({ spectra: [{ name: "W", values: [3, 1.2, 0.5, 0] }, { name: "Q", values: [1, 1, 1, 1] }], referenceLines: [{ y: 1, label: "σ = 1" }, { y: 4, label: "1/γ" }] }),
    );
    expect(svg).toContain("1/γ");
    expect(svg).toContain("0 (underflow)");
  });
});

describe("sideBySide", () => {
  it("puts Grosse's Figure 3 panels next to each other with a caption", async () => {
    const hs = linspace(-1.3, 1.3, 101);
    const xs = linspace(-1.5, 1.5, 201);
    const net = (x: number) => [1, 2, 3, 4].reduce((h) => Math.tanh(2 * h), Math.tanh(x));
    const spec = sideBySide(
      [
        functionPlot({ title: "one step", curves: [{ name: "tanh(2h)", x: hs, y: hs.map((h) => Math.tanh(2 * h)) }], fixedPoints: [{ x: 0, stable: false }] }),
        lineChart({ title: "network", series: [{ name: "y", x: xs, y: xs.map(net) }], annotations: [{ x: -0.9, y: net(-0.9), text: "vanish" }, { x: 0, y: 0, text: "explode", dx: 28 }] }),
      ],
      { title: "Figure 3", caption: "Left: the function computed at each time step. Right: the function computed by the network." },
    );
    const svg = await expectCleanChart(spec);
    for (const text of ["vanish", "explode", "Left: the function", "Figure 3"]) expect(svg).toContain(text);
  });
});

describe("sweepChart", () => {
  const ws = [0.8, 0.9, 1, 1.1, 1.2];
  const curves = ws.map((w) => ({ param: w, x: steps, y: steps.map((t) => (w ** t > 1e3 ? Infinity : w ** t)) }));
  it("binds a range slider for an even grid and draws the initial curve statically", async () => {
    const spec = sweepChart({ paramName: "w", paramLabel: "recurrent weight w", logY: true, curves, initial: 1.1 });
    await expectCleanChart(spec);
    const params = (spec as { params: { value: number; bind: { input: string } }[] }).params;
    expect(params[0].value).toBe(1.1);
    expect(params[0].bind.input).toBe("range");
    expect(statuses(spec).has("overflow")).toBe(true);
  });
  it("falls back to a drop-down for an uneven grid, and rejects a bad param name", async () => {
    const uneven = [0.5, 0.9, 1].map((w) => ({ param: w, x: steps, y: steps.map((t) => w ** t) }));
    const spec = sweepChart({ paramName: "w", curves: uneven });
    await expectCleanChart(spec);
    expect((spec as { params: { bind: { input: string } }[] }).params[0].bind.input).toBe("select");
    expect(() => sweepChart({ paramName: "w-1", curves })).toThrow(/identifier/);
  });
});
