import { describe, expect, it } from "vitest";
import { cellLayers } from "../../src/charts/heatmap";

describe("heatmap cells", () => {
  it("overlap their right/upper neighbours by about a pixel (no anti-aliasing seams) but never pass the grid", () => {
    const values = Array.from({ length: 4 }, (_, i) => Array.from({ length: 46 }, (_, j) => i + j + 1));
    const { layers } = cellLayers({ values, width: 460, height: 280 });
    const cells = (layers[0].data as { values: { x0: number; x1: number; y0: number; y1: number }[] }).values;
    const at = (i: number, j: number) => cells[i * 46 + j];
    // Cells are 1 unit wide; 46 cells on 460 px are 10 px each, so 1 px is 0.1 of a cell.
    expect(at(0, 0).x1 - at(0, 1).x0).toBeCloseTo(0.1, 12);
    expect(at(0, 45).x1).toBe(45.5); // the last column ends at the grid's edge
    expect(at(3, 0).y1).toBe(3.5); // so does the last row
    expect(at(0, 0).y1 - at(1, 0).y0).toBeCloseTo(Math.min(0.5, 4 / 280), 12);
  });
});
