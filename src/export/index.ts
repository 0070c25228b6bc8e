/**
 * Handouts: executed notebooks as self-contained HTML pages (math by KaTeX, code by highlight.js, charts by
 * vega-embed over a static SVG) and PDFs printed by headless Chromium; with --slides, reveal.js decks of the same
 * cells. Run with `npm run handouts`.
 * Not part of the library notebooks import (it needs a browser and Jupyter).
 */
export {
  renderHandout,
  notebookTitle,
  prefixSvgIds,
  stripAnsi,
  type RenderOptions,
  type RenderedHandout,
  type HandoutMathError,
  type HandoutExternalReference,
} from "./render";
export { editionNotebook, inEdition, tagsOf, TAGS, type Edition } from "./edition";
export { keepOffline, type ExternalReference } from "./offline";
export { createMarkdown, renderMath, highlightCode, escapeHtml, type MarkdownEnv, type MathError } from "./markdown";
export { loadAssets, loadDeckAssets, katexCss, inlineScript, type HandoutAssets, type DeckAssets } from "./assets";
export { renderDeck, planSlides, slideTypeOf, splitAtH2, SLIDE_TYPES, SLIDE_WIDTH, SLIDE_HEIGHT, type SlideType, type SlidePlan, type PlannedSlide, type DeckOptions, type RenderedDeck, type DeckPageState } from "./slides";
export { launchBrowser, openOffline, waitForHandout, waitForDeck, deckOverflows, printPdf, printDeckPdf, CHROMIUM, CHROMIUM_ARGS, type HandoutBrowser, type OfflineLog, type HandoutPageState } from "./browser";
export {
  buildHandouts,
  handoutFileName,
  renderIndex,
  parseHandoutsArgs,
  checkTimeoutSec,
  prepareOutDir,
  handoutProblem,
  MAX_TIMEOUT_SEC,
  DEFAULT_EDITION,
  EDITIONS,
  type HandoutsOptions,
  type HandoutResult,
} from "./handouts";
