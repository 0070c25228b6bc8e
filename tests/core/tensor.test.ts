// Constructors and the describe() of argument messages: a bad argument is refused by name, never turned into NaN.
import { describe, expect, it } from "vitest";
import { checkMat, checkVec, describe as describeValue, identity, matFrom, vecFrom } from "../../src/core/tensor";

describe("describe (what an argument message says came)", () => {
  it("names every typed array by its own type and length, not \"object\"", () => {
    expect(describeValue(new Float32Array(3))).toBe("Float32Array(3)");
    expect(describeValue(new Int32Array(0))).toBe("Int32Array(0)");
    expect(describeValue(new Float64Array(2))).toBe("Float64Array(2)");
    expect(() => checkVec("h0", new Float32Array(2), 2)).toThrow("h0: expected a Float64Array, got Float32Array(2)");
  });

  it("shows a plain object's first fields, so a Mat with Float32Array data says so", () => {
    const m = { rows: 1, cols: 2, data: new Float32Array(2) };
    expect(describeValue(m)).toBe("{rows: 1, cols: 2, data: Float32Array(2)}");
    expect(() => checkMat("p.Whh", m)).toThrow("p.Whh: expected a Mat {rows, cols, data: Float64Array(rows*cols)}, got {rows: 1, cols: 2, data: Float32Array(2)}");
    expect(describeValue({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toBe("{a: 1, b: 2, c: 3, d: 4, …}");
    expect(describeValue({})).toBe("{}");
  });

  it("keeps the short forms of the other values", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue([1, 2])).toBe("Array(2)");
    expect(describeValue({ rows: 1, cols: 1, data: new Float64Array(1) })).toBe("Mat 1×1");
    expect(describeValue(NaN)).toBe("NaN");
    expect(describeValue("a")).toBe('"a"');
    expect(describeValue(true)).toBe("true");
    expect(describeValue(new Map())).toBe("object");
    expect(describeValue(() => 1)).toBe("function");
  });
});

describe("vecFrom and matFrom", () => {
  it("refuse entries that are not numbers, naming the entry (Float64Array.from would make them NaN)", () => {
    expect(() => vecFrom(["a"] as unknown as number[])).toThrow('xs[0]: expected a number, got "a"');
    expect(() => vecFrom([1, undefined] as unknown as number[])).toThrow("xs[1]: expected a number, got undefined");
    expect(() => vecFrom("12" as unknown as number[])).toThrow('xs: expected an array of numbers, got "12"');
    expect(() => matFrom([[1, 2], [3, "4"]] as unknown as number[][])).toThrow('rows[1][1]: expected a number, got "4"');
    expect(() => matFrom([[1], 2] as unknown as number[][])).toThrow("rows[1]: expected an array of numbers, got 2");
  });

  it("keep numbers, NaN and ±Infinity included (a bad input built on purpose), and typed arrays", () => {
    expect(Array.from(vecFrom([1, NaN, -Infinity]))).toEqual([1, NaN, -Infinity]);
    expect(Array.from(vecFrom(new Float32Array([0.5, 2])))).toEqual([0.5, 2]);
    expect(Array.from(matFrom([[1, 2], [3, 4]]).data)).toEqual([1, 2, 3, 4]);
    expect(matFrom([])).toEqual({ rows: 0, cols: 0, data: new Float64Array(0) });
  });
});

describe("identity", () => {
  it("refuses a non-finite or non-numeric scale instead of putting NaN on the diagonal", () => {
    expect(() => identity(2, NaN)).toThrow("scale: expected a finite number, got NaN");
    expect(() => identity(2, Infinity)).toThrow("scale: expected a finite number, got Infinity");
    expect(() => identity(2, "2" as unknown as number)).toThrow('scale: expected a finite number, got "2"');
    expect(() => identity(1.5)).toThrow("n: expected an integer ≥ 0, got 1.5");
  });

  it("is scale · I, a negative or zero scale included", () => {
    expect(Array.from(identity(2, -0.5).data)).toEqual([-0.5, 0, 0, -0.5]);
    expect(Array.from(identity(2, 0).data)).toEqual([0, 0, 0, 0]);
  });
});
