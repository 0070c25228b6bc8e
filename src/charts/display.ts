/**
 * Showing charts from a tslab notebook: one display_data output carrying the Vega-Lite spec (JupyterLab,
 * VS Code), its SVG (Classic Notebook, nbconvert) and a text description; and live charts updated in place.
 * Outside a kernel (tests, scripts) the same calls return or record the bundles instead.
 */
import { createRequire } from "module";
import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "./render";

/** MIME type of Vega-Lite 5 specs, rendered natively by JupyterLab and VS Code. */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/** The three representations of a chart, keyed by MIME type (a Jupyter display_data `data` field). */
export interface MimeBundle {
  [VEGALITE_MIME]: TopLevelSpec;
  "image/svg+xml": string;
  "text/plain": string;
}

/** tslab's internal writer: sends display_data (or update_display_data when `update`) for the running cell. */
export type WriteDisplayData = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient?: { display_id?: string } },
  update: boolean,
) => void;

/**
 * The display writer of the running tslab cell, or undefined outside a kernel. Only looks at modules already
 * loaded (require.cache), so it never loads tslab (and zeromq) itself, and it finds the instance the kernel
 * is using even if this project's node_modules holds another copy.
 */
export function kernelWriter(): WriteDisplayData | undefined {
  // Every require function shares Node's one module cache.
  const cache = createRequire(`${process.cwd()}/`).cache as Record<string, { exports?: { lastWriteDisplayData?: unknown } } | undefined>;
  for (const [path, loaded] of Object.entries(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path)) continue;
    const writer = loaded?.exports?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as WriteDisplayData;
  }
  return undefined;
}

/** The text/plain form: the spec's description, or its title. */
function describe(spec: TopLevelSpec): string {
  if (spec.description) return spec.description;
  const title = (spec as { title?: string | { text?: string | string[] } }).title;
  const text = typeof title === "string" ? title : Array.isArray(title?.text) ? title?.text.join(" ") : title?.text;
  return `Chart${text ? ` "${text}"` : ""} (Vega-Lite)`;
}

/**
 * The display bundle of a chart: the spec as a JSON object (round-tripped through JSON, so what a notebook
 * stores is what the tests see), its SVG, and a one-line description.
 * @example const bundle = await chartBundle(lineChart({ series: [s] })); bundle["image/svg+xml"].startsWith("<svg")
 */
export async function chartBundle(spec: TopLevelSpec): Promise<MimeBundle> {
  const svg = await renderSvg(spec);
  return {
    [VEGALITE_MIME]: JSON.parse(JSON.stringify(spec)) as TopLevelSpec,
    "image/svg+xml": svg,
    "text/plain": describe(spec),
  };
}

/**
 * Displays a chart in the running notebook cell as ONE display_data output with the three MIME types.
 * Outside a kernel it displays nothing and returns the bundle. In a notebook cell write `await show(spec);`.
 * @example await show(lineChart({ title: "Gradient norm", series: [s], logY: true }));
 */
export async function show(spec: TopLevelSpec): Promise<MimeBundle | undefined> {
  const bundle = await chartBundle(spec);
  const write = kernelWriter();
  if (!write) return bundle;
  write({ data: { ...bundle }, metadata: {} }, false);
  return undefined;
}

/** One frame a live chart emitted (outside a kernel these are only recorded). */
export interface LiveFrame {
  /** Clock time (ms) at which the frame was emitted. */
  at: number;
  spec: TopLevelSpec;
}

/** Options of {@link liveChart}. */
export interface LiveChartOptions {
  /** Minimum time between two redraws, in ms (default 250). */
  minIntervalMs?: number;
  /** Clock in ms (default Date.now); injectable for tests. */
  now?: () => number;
  /** Where frames are sent (default: the running tslab cell's display, found by kernelWriter; none outside a kernel). */
  write?: WriteDisplayData;
}

/** Handle of a live chart. */
export interface LiveChart<D> {
  /**
   * Offers new data. Redraws at once if the last redraw is at least `minIntervalMs` old, otherwise keeps the
   * data for a trailing redraw (timer) or the next call. After a redraw the promise resolves once the frame is
   * written and the event loop has turned, so an async loop that awaits it sends each frame before computing on.
   */
  update(data: D): Promise<void>;
  /** Redraws with the latest data if it has not been drawn yet (call once after the loop). */
  flush(): Promise<void>;
  /** Frames emitted so far, in order (kept in and out of a kernel, for inspection and tests). */
  readonly frames: readonly LiveFrame[];
}

/**
 * A chart redrawn in place while a loop runs (a training run's loss curve), throttled to at most one redraw
 * every `minIntervalMs`, with a final redraw by `flush()`. The first redraw creates one display_data output
 * with a display_id; later ones send update_display_data to it. Outside a kernel it only records frames.
 * A synchronous loop never yields to the event loop, so trailing redraws never fire and the kernel sends
 * late: train with `trainAsync` and return `update`'s promise from onStep, or await it in an async loop.
 * @example
 * const losses: number[] = [];
 * const live = liveChart((loss: number[]) => trainingCurves({ series: [{ name: "loss", x: loss.map((_, i) => i + 1), y: loss }] }));
 * await trainAsync({ ...options, onStep: (r) => { losses.push(r.loss); return live.update(losses); } });
 * await live.flush();
 */
export function liveChart<D>(build: (data: D) => TopLevelSpec, options: LiveChartOptions = {}): LiveChart<D> {
  const minInterval = options.minIntervalMs ?? 250;
  const now = options.now ?? Date.now;
  const displayId = `chart-${Math.random().toString(16).slice(2)}-${now().toString(16)}`;
  const frames: LiveFrame[] = [];
  let pending: { data: D } | undefined;
  let lastDraw = -Infinity;
  let drawing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const draw = (): Promise<void> => {
    if (!pending) return drawing;
    const spec = build(pending.data);
    pending = undefined;
    lastDraw = now();
    frames.push({ at: lastDraw, spec });
    const first = frames.length === 1;
    const write = options.write ?? kernelWriter();
    if (!write) return drawing;
    drawing = drawing.then(async () => {
      const bundle = await chartBundle(spec);
      write({ data: { ...bundle }, metadata: {}, transient: { display_id: displayId } }, !first);
      // One turn of the event loop, so the message leaves before an awaiting loop computes on: the kernel's
      // zeromq.js socket sends synchronously at most 512 times in a row, then only from the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    return drawing;
  };

  return {
    frames,
    update(data: D): Promise<void> {
      pending = { data };
      if (now() - lastDraw >= minInterval) {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        return draw();
      }
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          void draw();
        }, Math.max(0, minInterval - (now() - lastDraw)));
      }
      return Promise.resolve();
    },
    flush(): Promise<void> {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      return draw();
    },
  };
}

/** One named run of a {@link liveRuns} chart and the items it has produced so far (e.g. its step records). */
export interface LiveRun<T> {
  name: string;
  items: T[];
}

/** Handle of {@link liveRuns}. */
export interface LiveRuns<T> {
  /**
   * Adds an item to the run called `name` (the first item of a name starts a run) and offers the redraw to the live
   * chart; resolves as {@link LiveChart.update} does. Bound: pass it as it is, e.g. as a comparison's onStep.
   */
  add: (name: string, item: T) => Promise<void>;
  /** Redraws with the latest items if they have not been drawn yet (call once after the runs). */
  flush: () => Promise<void>;
  /** The runs so far, in the order they started. */
  readonly runs: readonly LiveRun<T>[];
  /** Frames emitted so far (as {@link LiveChart.frames}). */
  readonly frames: readonly LiveFrame[];
}

/**
 * A live chart of several named runs that produce items one after another (a comparison training its
 * configurations in turn): items are collected per run and the chart is redrawn from every run so far, throttled
 * as {@link liveChart} throttles.
 * @example
 * const live = liveRuns((runs: readonly LiveRun<StepRecord>[]) => trainingCurves({ series: runs.map((r) =>
 *   ({ name: r.name, x: r.items.map((s) => s.step), y: r.items.map((s) => s.loss) })) }));
 * const rows = await compareConfigsAsync(configs, { ...options, onStep: live.add });
 * await live.flush();
 */
export function liveRuns<T>(build: (runs: readonly LiveRun<T>[]) => TopLevelSpec, options: LiveChartOptions = {}): LiveRuns<T> {
  const runs: LiveRun<T>[] = [];
  const live = liveChart(build, options);
  return {
    runs,
    frames: live.frames,
    add: (name, item) => {
      let run = runs.find((r) => r.name === name);
      if (run === undefined) {
        run = { name, items: [] };
        runs.push(run);
      }
      run.items.push(item);
      return live.update(runs);
    },
    flush: () => live.flush(),
  };
}
