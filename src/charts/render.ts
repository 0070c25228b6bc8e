/**
 * Compiling Vega-Lite to Vega and rendering to a static SVG string on the server (no browser, no canvas).
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { staticSpec } from "./layers";

/** A compiled chart: the Vega spec and every warning Vega-Lite or Vega logged on the way. */
export interface CompiledChart {
  vega: vega.Spec;
  warnings: string[];
}

/** A Vega logger that records warnings and errors as text instead of printing them. */
function recordingLogger(messages: string[]): vega.LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method, level, input) => {
    if (level === "ERROR" || level === "WARN") messages.push(Array.from(input, String).join(" "));
  });
}

/**
 * Compiles a Vega-Lite spec to Vega, collecting Vega-Lite's warnings (tests assert there are none).
 * @example const { vega, warnings } = compileChart(lineChart({ series: [s] }));
 */
export function compileChart(spec: TopLevelSpec): CompiledChart {
  const warnings: string[] = [];
  const compiled = compile(spec, { logger: recordingLogger(warnings) });
  return { vega: compiled.spec, warnings };
}

/**
 * Renders a chart to an SVG string with Vega's headless renderer; Vega runtime warnings are added to
 * `warnings` if an array is given. The result is the static form of every chart (SVG in notebooks that
 * cannot run Vega, handouts, tests), drawn without the invisible hover layers that only carry tooltips.
 * Costs about 0.1 s for the first chart, then tens of milliseconds.
 * @example const svg = await renderSvg(lineChart({ series: [{ name: "g", x: [1, 2], y: [1, 10] }] }));
 */
export async function renderSvg(spec: TopLevelSpec, warnings: string[] = []): Promise<string> {
  const compiled = compileChart(staticSpec(spec));
  warnings.push(...compiled.warnings);
  const view = new vega.View(vega.parse(compiled.vega), {
    renderer: "none",
    logger: recordingLogger(warnings),
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
