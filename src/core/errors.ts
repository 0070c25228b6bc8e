/**
 * The error raised when a NaN or ±Infinity appears: it says what blew up, at which step and where.
 * Exploding gradients end in overflow; the point of this error is that nobody finds out three cells later.
 */
export class NonFiniteError extends Error {
  /** What held the non-finite number, e.g. "dL/dh_t" or "loss". */
  readonly what: string;
  /** The time step (or training step) where it first appeared. */
  readonly step: number;
  /** The offending value: NaN, Infinity or -Infinity. */
  readonly value: number;
  /** The index of the entry inside `what`, when it is a tensor. */
  readonly index: number | undefined;

  constructor(what: string, step: number, value: number, index?: number, detail = "") {
    const at = index === undefined ? "" : ` (entry ${index})`;
    super(`${what} became ${value} at step ${step}${at}${detail ? `: ${detail}` : ""}`);
    this.name = "NonFiniteError";
    this.what = what;
    this.step = step;
    this.value = value;
    this.index = index;
  }
}
