/** Child process of the bench: forward + full BPTT at H = 128, T = 10,000; prints time and peak RSS as JSON. */
import { createRng, randnVec } from "../core/random";
import { initRnnParams } from "../rnn/params";
import { rnnBackward, rnnForward } from "../rnn/vanilla";

const H = 128, T = Number(process.argv[2] ?? 10_000);
const rng = createRng(5);
const p = initRnnParams(rng, { input: H, hidden: H, output: H, activation: "tanh", recurrentStd: 0.9 / Math.sqrt(H) });
const xs = Array.from({ length: T }, () => randnVec(rng, H));
const dys = Array.from({ length: T }, () => randnVec(rng, H, 0.1));
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const trace = rnnForward(p, xs);
const { grads } = rnnBackward(p, xs, trace, dys);
const ms = performance.now() - t0;
console.log(JSON.stringify({ T, ms, rssBeforeMB: rssBefore / 2 ** 20, peakRssMB: process.resourceUsage().maxRSS / 1024, check: grads.Whh.data[0] }));
