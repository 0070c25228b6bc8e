/** Panels side by side with a shared caption (e.g. Grosse's Figure 3: one step, and the whole network). */
import { HALF_PANEL_WIDTH, THEME } from "./theme";
import type { TopLevelSpec } from "./types";

/** Options of {@link sideBySide}. */
export interface SideBySideOptions {
  /** Title above both panels. */
  title?: string;
  /** Caption under both panels; wrapped to lines of about 90 characters. */
  caption?: string;
  /** Plot-area size of each panel (default HALF_PANEL_WIDTH square, so two panels fit a page). */
  panelWidth?: number;
  panelHeight?: number;
}

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Puts chart specs (from any builder here) next to each other, resized to a common panel size, under one
 * optional title and over one optional caption.
 * @example
 * sideBySide([functionPlot({ … title: "(a) one step" }), lineChart({ … title: "(b) five steps" })], {
 *   caption: "Left: the function computed at each time step. Right: the function computed by the network.",
 * })
 */
export function sideBySide(panels: readonly TopLevelSpec[], options: SideBySideOptions = {}): TopLevelSpec {
  if (panels.length === 0) throw new Error("sideBySide: expected at least one panel, got none");
  const width = options.panelWidth ?? HALF_PANEL_WIDTH;
  const height = options.panelHeight ?? HALF_PANEL_WIDTH;
  const inner = panels.map((p) => {
    // Sub-views may not carry top-level-only properties; the theme is set once at the top.
    const { $schema: _schema, config: _config, autosize: _autosize, padding: _padding, background: _background, ...rest } =
      p as TopLevelSpec & Record<string, unknown>;
    return { ...rest, width, height };
  });
  const description = [options.title, options.caption, ...panels.map((p) => p.description ?? "")].filter(Boolean).join(" ");
  const row = {
    hconcat: inner,
    spacing: 24,
    // Each panel keeps its own series colours, dashes and legends (concat would merge them by default).
    resolve: {
      scale: { color: "independent", fill: "independent", stroke: "independent", strokeDash: "independent", strokeWidth: "independent", opacity: "independent", shape: "independent" },
      legend: { color: "independent", fill: "independent", stroke: "independent", strokeDash: "independent", strokeWidth: "independent", opacity: "independent", shape: "independent" },
    },
    ...(options.caption
      ? { title: { text: wrap(options.caption, 90), orient: "bottom", anchor: "start", fontSize: 12, fontWeight: "normal", offset: 12 } }
      : {}),
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    description,
    ...(options.title ? { title: options.title } : {}),
    config: THEME,
    vconcat: [row],
  } as TopLevelSpec;
}
