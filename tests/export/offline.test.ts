// keepOffline: a handout makes no request, so every reference the browser would fetch is inlined or reported.
import { describe, expect, test } from "vitest";
import { keepOffline } from "../../src/export/offline";

const urls = (html: string) => keepOffline(html).references.map((r) => `${r.tag} ${r.attribute} ${r.url}`);

describe("keepOffline", () => {
  test("reports remote images, iframes and every other fetched reference with its tag and URL", () => {
    const html = [
      '<p><img alt="r" src="https://example.com/r.png"></p>',
      "<iframe width=560 src='https://www.youtube.com/embed/x'></iframe>",
      '<script src="//cdn.example.com/lib.js"></script>',
      '<link rel="stylesheet" href="theme.css">',
      '<video poster="http://e.com/p.jpg"><source src="movie.mp4"></video>',
      '<img srcset="a.png 1x, https://e.com/b.png 2x" src="data:image/png;base64,AA==">',
      '<object data="file.pdf"></object>',
      '<div style="background: url(&quot;https://e.com/bg.png&quot;)">x</div>',
      "<style>@import 'https://e.com/x.css'; .a { background: url(#local) }</style>",
      '<svg><image href="https://e.com/i.png"/><use xlink:href="#ok"/></svg>',
    ].join("\n");
    expect(urls(html)).toEqual([
      "img src https://example.com/r.png",
      "iframe src https://www.youtube.com/embed/x",
      "script src //cdn.example.com/lib.js",
      "link href theme.css",
      "video poster http://e.com/p.jpg",
      "source src movie.mp4",
      "img srcset a.png",
      "img srcset https://e.com/b.png",
      "object data file.pdf",
      "div style https://e.com/bg.png",
      "image href https://e.com/i.png",
      "style url() https://e.com/x.css",
    ]);
    const remote = keepOffline('<img src="https://example.com/r.png">').references[0]!;
    expect(remote.reason).toMatch(/^a remote image: .*save it next to the notebook/);
  });

  test("links, fragments, data: URIs, comments and escaped text make no request", () => {
    const html = [
      '<a href="https://example.com">a link is not a request</a>',
      '<img src="data:image/png;base64,AA=="> <iframe srcdoc="<p>hi</p>"></iframe>',
      '<svg><use href="#clip1"/><rect fill="url(#grad)"/></svg>',
      '<!-- <img src="https://example.com/commented.png"> -->',
      "<pre>&lt;img src=&quot;https://example.com/escaped.png&quot;&gt;</pre>",
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"></svg>',
    ].join("\n");
    expect(urls(html)).toEqual([]);
  });

  test("URLs are read as the browser reads them: character references decoded, tabs and newlines dropped", () => {
    expect(urls('<img src="https&#58;//e.com/a.png">')).toEqual(["img src https://e.com/a.png"]);
    expect(urls('<IMG SRC="ht\ntps://e.com/b.png">')).toEqual(["img src https://e.com/b.png"]);
  });

  test("an <img> the caller can inline becomes a data: URI in place; the others are reported", () => {
    const inline = (src: string) => (src === "dot.png" ? "data:image/png;base64,AA==" : undefined);
    const { html, references } = keepOffline('<p><img alt="a>b" src="dot.png" width="3"> <img src="gone.png"></p>', inline);
    expect(html).toBe('<p><img alt="a>b" src="data:image/png;base64,AA==" width="3"> <img src="gone.png"></p>');
    expect(references.map((r) => [r.url, r.reason])).toEqual([["gone.png", expect.stringMatching(/^not an image file next to the notebook/)]]);
  });
});
