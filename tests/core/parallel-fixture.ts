/** Worker functions for parallel.test.ts: they report where they ran. */
import { threadId } from "worker_threads";

/** The id of the thread that ran it (0 in the main thread): tells which worker took an item. */
export function threadIdOf(): number {
  return threadId;
}

/** Throws on this file's line that says so: the test reads the line number from the source. */
export function alwaysThrows(): never {
  throw new Error("thrown by the fixture"); // THROW LINE
}
