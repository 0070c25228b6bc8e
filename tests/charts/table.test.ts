import { describe, expect, it } from "vitest";
import { showTable, tableBundle } from "../../src/charts/table";

describe("tableBundle", () => {
  const rows = [
    { mode: "norm", threshold: 1, after: 1 },
    { mode: "value <clamp>", threshold: 0.1, after: 1.7281, note: "changes direction" },
  ];

  it("aligns the plain text: numbers right, text left, columns in first-seen order", () => {
    const plain = tableBundle(rows)["text/plain"].split("\n");
    // Widths: mode 13 ("value <clamp>"), threshold 9, after 6 ("1.7281"), note 17; two spaces between.
    expect(plain[0]).toBe("mode           threshold   after  note");
    expect(plain[1]).toBe(["─".repeat(13), "─".repeat(9), "─".repeat(6), "─".repeat(17)].join("  "));
    expect(plain[2]).toBe("norm                   1       1");
    expect(plain[3]).toBe("value <clamp>        0.1  1.7281  changes direction");
  });

  it("escapes HTML and right-aligns numeric columns", () => {
    const html = tableBundle(rows, { caption: "a < b" })["text/html"];
    expect(html).toContain("<caption>a &lt; b</caption>");
    expect(html).toContain("value &lt;clamp&gt;");
    expect(html).toContain('<th style="text-align:right">threshold</th>');
    expect(html).toContain('<th style="text-align:left">mode</th>');
    expect((html.match(/<tr>/g) ?? []).length).toBe(3); // header + 2 rows
  });

  it("shows non-finite numbers as such and empty cells as empty; digits rounds only non-integers", () => {
    const plain = tableBundle([{ x: NaN, y: Infinity, z: 2, w: Math.PI, v: null }], { digits: 3 })["text/plain"];
    expect(plain.split("\n")[2]).toBe("NaN  Infinity  2  3.14");
  });

  it("right-aligns numbers already formatted as text, but not a column mixing them with words", () => {
    const html = tableBundle([{ a: "0.500", b: "1.2e-7", c: "scale 0.03" }, { a: "−1,000.5", b: "NaN", c: "4" }])["text/html"];
    expect(html).toContain('<th style="text-align:right">a</th>');
    expect(html).toContain('<th style="text-align:right">b</th>');
    expect(html).toContain('<th style="text-align:left">c</th>');
  });

  it("rejects what is not a list of row objects, naming the argument", () => {
    expect(() => tableBundle([1 as never])).toThrow(/rows\[0\]: expected an object/);
    expect(() => tableBundle(rows, { digits: 0 })).toThrow(/digits: expected an integer in \[1, 21\], got 0/);
  });

  it("outside a kernel, showTable returns the bundle", () => {
    expect(showTable(rows)).toEqual(tableBundle(rows));
  });
});
