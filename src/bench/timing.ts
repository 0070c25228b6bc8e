/** Timing for the bench and its child processes: medians after warm-up. */

export const now = (): number => performance.now();

/** The median of xs (the upper one for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median ms of f over reps chosen so that the timing takes about budgetMs (at least minReps), after warm-up:
 * f runs for at least ~warmMs (and at least twice) first, so that V8 has optimised the JavaScript on the path
 * (a handful of calls leaves it half-interpreted: steady state is what a student re-running a cell gets from
 * the second run on). Python has no JIT to warm; numpy gets its own two warm-up calls.
 */
export function timeIt(f: () => void, budgetMs: number, minReps = 5, maxReps = 40, warmMs = 300): number {
  const t0 = now();
  f();
  const est = Math.max(now() - t0, 1e-3);
  for (let i = 0, w0 = now(); i < 2 || (now() - w0 < warmMs && i < 2000); i++) f();
  const reps = Math.max(minReps, Math.min(maxReps, Math.round(budgetMs / est)));
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = now();
    f();
    ts.push(now() - s);
  }
  return median(ts);
}

