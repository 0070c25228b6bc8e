/**
 * Keeps a handout self-contained (it must work offline, and no request may leave the file): in a cell's HTML,
 * every image (markdown `![](…)` or raw `<img src>`) is inlined as a data: URI when it can be — a cell
 * attachment, a file next to the notebook — and every other reference a browser would fetch when the page opens
 * (a remote image, an `<iframe>`, a script, a stylesheet, media, a CSS `url(…)`) is returned with its tag and
 * URL, so that the handout is not written. Links (`<a href>`) are not requests and are left alone.
 *
 * The HTML is read with regular expressions, not a browser's parser: enough for what markdown-it and notebook
 * outputs produce; the browser test of a handout (tests/export/handout.test.ts) blocks the network as a backstop.
 */
import { escapeHtml } from "./markdown";

/** A reference the browser would fetch, as found in a cell's HTML. */
export interface ExternalReference {
  /** The element, e.g. "img", "iframe", "style". */
  tag: string;
  /** Where the URL sits: "src", "srcset", "href", "style" (a CSS url()), … */
  attribute: string;
  url: string;
  /** Why it was not inlined, and what to do instead. */
  reason: string;
}

/** Attributes whose URL the browser fetches, by element ("*": on any element). */
const FETCHED: Record<string, readonly string[]> = {
  "*": ["src", "srcset", "poster", "background"],
  object: ["data"],
  link: ["href"],
  image: ["href", "xlink:href"],
  use: ["href", "xlink:href"],
  feimage: ["href", "xlink:href"],
};

const TAG = /<!--[\s\S]*?-->|<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const STYLE_ELEMENT = /(<style\b[^>]*>)([\s\S]*?)(<\/style\s*>)/gi;
const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi;

/** An attribute value as the browser reads it: character references decoded, tabs and newlines dropped. */
function decodeAttribute(value: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", colon: ":", sol: "/", tab: "", newline: "" };
  return value
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (m, ref: string) => {
      if (ref[0] !== "#") return named[ref.toLowerCase()] ?? m;
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    })
    .replace(/[\t\n\r]/g, "")
    .trim();
}

/** True for what makes no request: nothing, a fragment of this page, a data: URI, about:blank. */
function staysInPage(url: string): boolean {
  return url === "" || url.startsWith("#") || /^data:/i.test(url) || /^about:blank$/i.test(url);
}

function reasonFor(tag: string, url: string): string {
  if (/^([a-z][a-z0-9+.-]*:)?\/\//i.test(url) && !/^file:/i.test(url)) {
    return tag === "img"
      ? "a remote image: handouts are built and read offline, so save it next to the notebook (or paste it into the cell as an attachment) and refer to the file"
      : "a remote resource: handouts are built and read offline; link to it with <a href> instead";
  }
  if (tag === "img") {
    return url.startsWith("attachment:")
      ? "no such image attachment in this cell"
      : "not an image file next to the notebook that can be inlined (.png, .jpg, .jpeg, .gif, .svg; relative paths only)";
  }
  return "would be fetched when the page is opened: only images are inlined";
}

/** The URLs of a srcset ("a.png 1x, b.png 2x"). */
function srcsetUrls(value: string): string[] {
  return value
    .split(",")
    .map((c) => c.trim().split(/\s+/)[0] ?? "")
    .filter((u) => u !== "");
}

/** CSS `url(…)` and `@import "…"` references in a style sheet or style attribute. */
function cssUrls(css: string): string[] {
  return Array.from(css.matchAll(CSS_URL), (m) => decodeAttribute(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? ""));
}

/**
 * Inlines a cell's images and lists what else the browser would fetch.
 *
 * @param html the cell's rendered HTML
 * @param inlineImage turns an `<img>`'s src into a data: URI, or undefined when it cannot (omit: inline nothing)
 * @returns the HTML with every inlinable image inlined, and the references that would still be fetched
 * @example
 *   keepOffline('<p><img src="https://x.org/a.png"> <a href="https://x.org">x</a></p>').references
 *   // [{ tag: "img", attribute: "src", url: "https://x.org/a.png", reason: "a remote image: …" }]
 */
export function keepOffline(
  html: string,
  inlineImage?: (src: string) => string | undefined,
): { html: string; references: ExternalReference[] } {
  const references: ExternalReference[] = [];
  const report = (tag: string, attribute: string, url: string): void => {
    if (!staysInPage(url)) references.push({ tag, attribute, url, reason: reasonFor(tag, url) });
  };
  const out = html.replace(TAG, (whole, name: string | undefined, attrs: string | undefined) => {
    if (name === undefined || attrs === undefined) return whole; // a comment
    const tag = name.toLowerCase();
    const fetched = [...FETCHED["*"]!, ...(FETCHED[tag] ?? [])];
    let rewritten: string | undefined;
    for (const m of attrs.matchAll(ATTR)) {
      const attribute = m[1]!.toLowerCase();
      const raw = m[2] ?? m[3] ?? m[4];
      if (raw === undefined) continue;
      const value = decodeAttribute(raw);
      if (attribute === "style") {
        for (const url of cssUrls(value)) report(tag, "style", url);
      } else if (attribute === "srcset" && fetched.includes(attribute)) {
        for (const url of srcsetUrls(value)) report(tag, attribute, url);
      } else if (fetched.includes(attribute)) {
        const inlined = tag === "img" && attribute === "src" && !staysInPage(value) ? inlineImage?.(value) : undefined;
        if (inlined !== undefined) {
          const at = m.index!;
          rewritten = `${attrs.slice(0, at)}src="${escapeHtml(inlined)}"${attrs.slice(at + m[0].length)}`;
        } else report(tag, attribute, value);
      }
    }
    return rewritten === undefined ? whole : `<${name}${rewritten}>`;
  });
  for (const m of out.matchAll(STYLE_ELEMENT)) for (const url of cssUrls(m[2]!)) report("style", "url()", url);
  return { html: out, references };
}
