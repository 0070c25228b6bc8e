import { afterEach, describe, expect, it, vi } from "vitest";
import { chartBundle, lineChart, liveChart, liveRuns, show, VEGALITE_MIME, type LiveRun, type TopLevelSpec } from "../../src/charts";
import type { WriteDisplayData } from "../../src/charts/display";
import { nonFiniteNumbers } from "./helpers";

const spec = lineChart({ title: "norms", logY: true, series: [{ name: "g", x: [0, 1, 2, 3], y: [1, 10, Infinity, 0] }] });

describe("chartBundle and show outside a kernel", () => {
  it("builds the three MIME types: the spec as a JSON object, an SVG, and a description", async () => {
    const bundle = await chartBundle(spec);
    expect(Object.keys(bundle).sort()).toEqual([VEGALITE_MIME, "image/svg+xml", "text/plain"].sort());
    expect(bundle[VEGALITE_MIME]).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(nonFiniteNumbers(bundle[VEGALITE_MIME])).toEqual([]);
    expect(bundle["image/svg+xml"].startsWith("<svg")).toBe(true);
    expect(bundle["text/plain"]).toContain("norms");
    // The whole bundle is valid JSON, as a notebook stores it.
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle);
  });

  it("show returns the bundle instead of failing when no kernel is running", async () => {
    const bundle = await show(spec);
    expect(bundle?.["image/svg+xml"]).toContain("<svg");
  });
});

describe("liveChart throttling", () => {
  afterEach(() => vi.useRealTimers());
  const build = (n: number): TopLevelSpec => lineChart({ series: [{ name: "loss", x: [0, 1], y: [n, n] }] });

  it("redraws at most once per interval, then a trailing timer and flush draw the latest data", async () => {
    vi.useFakeTimers();
    let clock = 0;
    const live = liveChart(build, { minIntervalMs: 250, now: () => clock });
    for (let step = 0; step < 100; step++) {
      clock = step * 10; // 100 updates over 990 ms
      await live.update(step);
    }
    // Drawn at t = 0, 250, 500, 750: never two frames closer than the interval.
    expect(live.frames.map((f) => f.at)).toEqual([0, 250, 500, 750]);
    clock = 1000;
    vi.advanceTimersByTime(250); // the trailing redraw shows the last update (step 99)
    expect(live.frames.length).toBe(5);
    expect(JSON.stringify(live.frames[4].spec)).toBe(JSON.stringify(build(99)));
    await live.flush(); // nothing new: no extra frame
    expect(live.frames.length).toBe(5);
  });

  it("flush draws pending data at once after the loop", async () => {
    let clock = 0;
    const live = liveChart(build, { minIntervalMs: 1000, now: () => clock });
    await live.update(1);
    clock = 10;
    await live.update(2);
    expect(live.frames.length).toBe(1);
    await live.flush();
    expect(live.frames.length).toBe(2);
    expect(JSON.stringify(live.frames[1].spec)).toBe(JSON.stringify(build(2)));
  });

  it("sends frames to its writer (display_data, then update_display_data to the same id), each before update resolves", async () => {
    const messages: { update: boolean; id?: string; types: string[] }[] = [];
    let turned = 0; // turns of the event loop, counted by a self-renewing immediate
    let counting = true;
    const count = () => {
      if (!counting) return;
      turned++;
      setImmediate(count);
    };
    setImmediate(count);
    const write: WriteDisplayData = (m, update) => messages.push({ update, id: m.transient?.display_id, types: Object.keys(m.data).sort() });
    let clock = 0;
    const live = liveChart(build, { minIntervalMs: 250, now: () => clock, write });
    await live.update(1);
    // Resolved after the frame was written AND the event loop turned, so an awaiting loop lets the kernel send it.
    expect(messages.length).toBe(1);
    expect(turned).toBeGreaterThanOrEqual(1);
    clock = 300;
    await live.update(2);
    counting = false;
    expect(messages.map((m) => m.update)).toEqual([false, true]);
    expect(messages[1].id).toBe(messages[0].id);
    expect(messages[0].types).toEqual([VEGALITE_MIME, "image/svg+xml", "text/plain"].sort());
  });
});

describe("liveRuns: several runs, one after another, in one live chart", () => {
  const build = (runs: readonly LiveRun<number>[]): TopLevelSpec =>
    lineChart({ series: runs.map((r) => ({ name: r.name, x: r.items.map((_, i) => i), y: r.items })) });

  it("collects items per run in the order the runs start, and redraws all runs so far, throttled", async () => {
    let clock = 0;
    const live = liveRuns(build, { minIntervalMs: 250, now: () => clock });
    const onStep = live.add; // unbound, as a comparison's onStep receives it
    for (const [name, n] of [["a", 3], ["b", 2]] as const) {
      for (let i = 0; i < n; i++) {
        await onStep(name, 10 * i);
        clock += 100;
      }
    }
    expect(live.runs.map((r) => [r.name, r.items])).toEqual([["a", [0, 10, 20]], ["b", [0, 10]]]);
    // Drawn at t = 0 (a's first item) and t = 300 (b's first item): never two frames closer than 250 ms.
    expect(live.frames.map((f) => f.at)).toEqual([0, 300]);
    expect(JSON.stringify(live.frames[1].spec)).toBe(JSON.stringify(build([{ name: "a", items: [0, 10, 20] }, { name: "b", items: [0] }])));
    await live.flush(); // the last item of b was not drawn yet
    expect(JSON.stringify(live.frames[2].spec)).toBe(JSON.stringify(build(live.runs)));
  });
});
