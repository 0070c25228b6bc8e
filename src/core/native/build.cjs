/**
 * Builds ./kernels.c into a Node-API addon linked to OpenBLAS (`cc -O3 … -lopenblas`), the native kernels that
 * ./native.ts loads. Run by setup (src/setup/setup.sh, step 5) as `node src/core/native/build.cjs`; it compiles
 * only when the addon for the current kernels.c is missing (≈ 0.5 s), so that re-running setup costs nothing.
 *
 * The addon goes to node_modules/.cache/exploding-gradients/native/kernels-<hash of kernels.c and the compiler
 * flags>.node: nothing generated lands in src/, a changed kernels.c (or set of flags) is never served by a stale
 * build, and a clone never loads another clone's build. Node-API is ABI-stable, so a Node upgrade needs no rebuild. It is compiled to a temporary
 * file, loaded once in a child process (so a build that links but cannot load is never installed), then renamed
 * into place; older builds are deleted. $EXPLODING_GRADIENTS_NATIVE_DIR puts the builds in another folder (tests).
 *
 * Needs a C compiler (`cc`, or $CC), OpenBLAS's headers and library (Debian: libopenblas-dev, which setup
 * installs) and Node's own headers (node_api.h, installed with Node). When one is missing it says which, exits
 * 1, and the library runs on the WebAssembly kernels instead.
 */
"use strict";
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const SOURCE = path.join(__dirname, "kernels.c");
/** -ffp-contract=off: no fused multiply-adds, so that the tanh is the WebAssembly kernels' bit for bit. */
const FLAGS = ["-O3", "-ffp-contract=off", "-fvisibility=hidden", "-fPIC", "-shared", "-pthread", "-Wall", "-Wextra"];
const ROOT = path.resolve(__dirname, "..", "..", "..");

/** The folder of the builds: $EXPLODING_GRADIENTS_NATIVE_DIR (for tests), else the project's node_modules cache. */
function outDir() {
  return process.env.EXPLODING_GRADIENTS_NATIVE_DIR || path.join(ROOT, "node_modules", ".cache", "exploding-gradients", "native");
}

/** Where the addon for the current kernels.c lives (whether or not it is built). */
function addonPath() {
  const hash = crypto.createHash("sha256").update(fs.readFileSync(SOURCE)).update(`\0${FLAGS.join(" ")}`).digest("hex").slice(0, 16);
  return path.join(outDir(), `kernels-${hash}-${process.platform}-${process.arch}.node`);
}

/** The folder holding node_api.h for this Node, or undefined. */
function nodeHeaders() {
  const candidates = [path.join(path.dirname(process.execPath), "..", "include", "node")];
  if (process.env.npm_config_nodedir) candidates.push(path.join(process.env.npm_config_nodedir, "include", "node"));
  return candidates.find((d) => fs.existsSync(path.join(d, "node_api.h")));
}

/**
 * Builds the addon unless it is there. Returns { path, built } (built: false when it was up to date); throws an
 * Error saying what is missing when it cannot.
 */
function build() {
  const out = addonPath();
  if (fs.existsSync(out)) return { path: out, built: false };
  const headers = nodeHeaders();
  if (!headers) throw new Error(`Node's headers (node_api.h) not found next to ${process.execPath}`);
  const cc = process.env.CC || "cc";
  const dir = outDir();
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = [...FLAGS, "-I", headers, SOURCE, "-o", tmp, "-lopenblas"];
  const r = spawnSync(cc, args, { encoding: "utf8" });
  if (r.error) throw new Error(`no C compiler: ${cc} (${r.error.message})`);
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const why = /cblas\.h|-lopenblas|openblas/.test(r.stderr) ? " (is libopenblas-dev installed?)" : "";
    throw new Error(`${cc} failed${why}:\n${r.stderr.trim()}`);
  }
  const probe = spawnSync(process.execPath, ["-e", "const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(JSON.stringify(m.exports.info()))", tmp], { encoding: "utf8" });
  if (probe.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`the built addon does not load: ${probe.stderr.trim().split("\n").slice(0, 3).join(" ")}`);
  }
  fs.renameSync(tmp, out);
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (p !== out && /^kernels-.*\.node$/.test(f)) fs.rmSync(p, { force: true });
  }
  return { path: out, built: true, info: JSON.parse(probe.stdout) };
}

module.exports = { addonPath, build, SOURCE };

if (require.main === module) {
  try {
    const r = build();
    if (r.built) console.log(`native kernels: built ${path.relative(ROOT, r.path)} (OpenBLAS core ${r.info.core})`);
    else if (!process.argv.includes("--quiet")) console.log("native kernels: up to date");
  } catch (e) {
    console.error(`native kernels: not built: ${e.message}`);
    process.exit(1);
  }
}
