/**
 * The files a handout inlines so that it renders offline from a single HTML file: KaTeX's stylesheet with
 * its fonts as data: URIs (woff2 only: every browser that prints our PDFs reads it, and it is the smallest),
 * a highlight.js theme, the handout's own stylesheet, and the Vega, Vega-Lite and vega-embed bundles.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** Everything a page needs, as text ready to sit inside <style> and <script> elements. */
export interface HandoutAssets {
  /** KaTeX, highlight.js and handout CSS, concatenated. */
  css: string;
  /** vega, vega-lite and vega-embed UMD bundles, in load order (they define globals vega, vegaLite, vegaEmbed). */
  scripts: { name: string; code: string }[];
}

/** The folder of an installed package: node_modules/<name> above its entry point (not every package exports package.json). */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`packageDir: cannot find node_modules/${name} in ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir(name), "package.json"), "utf8")) as { version: string }).version;
}

/** KaTeX's CSS with each @font-face reduced to its woff2 source, inlined as a base64 data: URI. */
export function katexCss(): string {
  const dist = path.join(packageDir("katex"), "dist");
  const css = readFileSync(path.join(dist, "katex.min.css"), "utf8");
  let fonts = 0;
  const inlined = css.replace(/src:url\((fonts\/[^)]+\.woff2)\) format\("woff2"\)(?:,url\([^)]+\) format\("[a-z]+"\))*/g, (_m, rel: string) => {
    fonts++;
    const data = readFileSync(path.join(dist, rel)).toString("base64");
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  if (fonts === 0 || /url\(fonts\//.test(inlined)) {
    throw new Error(`katexCss: could not inline KaTeX's fonts (found ${fonts} woff2 sources); has katex's CSS changed?`);
  }
  return inlined;
}

/**
 * Makes a script safe inside an inline <script> element: no "</script" (would end the element early) and no
 * source-map comment (the map is not shipped; devtools would try to fetch it).
 */
export function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
}

/** What a slide deck inlines on top of a handout's KaTeX, highlight.js and chart scripts. */
export interface DeckAssets {
  /** KaTeX, highlight.js, reveal.js (with its white theme, whose Source Sans Pro fonts are data: URIs already) and the deck's own CSS. */
  css: string;
  /** reveal.js and its speaker-notes plugin (globals Reveal, RevealNotes). */
  scripts: { name: string; code: string }[];
}

let cached: HandoutAssets | undefined;
let cachedDeck: DeckAssets | undefined;

/** Reads (once per process) the assets every handout inlines. About 0.8 MB of JS and 0.4 MB of CSS + fonts. */
export function loadAssets(): HandoutAssets {
  if (cached) return cached;
  const ownCss = readFileSync(path.join(__dirname, "handout.css"), "utf8");
  const bundle = (pkg: string, file: string): { name: string; code: string } => ({
    name: `${pkg} ${packageVersion(pkg)}`,
    code: inlineScript(readFileSync(path.join(packageDir(pkg), "build", file), "utf8")),
  });
  cached = {
    css: [katexCss(), highlightCss(), ownCss].join("\n"),
    scripts: [bundle("vega", "vega.min.js"), bundle("vega-lite", "vega-lite.min.js"), bundle("vega-embed", "vega-embed.min.js")],
  };
  return cached;
}

function highlightCss(): string {
  return readFileSync(path.join(packageDir("highlight.js"), "styles", "github.min.css"), "utf8");
}

/**
 * Reads (once per process) what a slide deck inlines besides the chart scripts of {@link loadAssets}: about
 * 0.2 MB of reveal.js script and 0.6 MB of its theme (fonts included). Fails if the theme would fetch anything.
 */
export function loadDeckAssets(): DeckAssets {
  if (cachedDeck) return cachedDeck;
  const dist = path.join(packageDir("reveal.js"), "dist");
  const version = packageVersion("reveal.js");
  const theme = readFileSync(path.join(dist, "theme", "white.css"), "utf8");
  // Other themes @import Google Fonts; white carries its fonts inline. Check, in case a new version changes that.
  const remote = /@import|url\((?!\s*["']?data:)/.exec(theme);
  if (remote) throw new Error(`loadDeckAssets: reveal.js ${version}'s white theme refers to a file ("${remote[0]}…"); decks must be self-contained`);
  cachedDeck = {
    css: [katexCss(), highlightCss(), readFileSync(path.join(dist, "reveal.css"), "utf8"), theme, readFileSync(path.join(__dirname, "slides.css"), "utf8")].join("\n"),
    scripts: [
      { name: `reveal.js ${version}`, code: inlineScript(readFileSync(path.join(dist, "reveal.js"), "utf8")) },
      { name: `reveal.js ${version} notes`, code: inlineScript(readFileSync(path.join(dist, "plugin", "notes.js"), "utf8")) },
    ],
  };
  return cachedDeck;
}
