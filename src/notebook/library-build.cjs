/**
 * The library, built for the notebook kernel: src/index.ts and what it imports, compiled once to JavaScript with
 * declarations into build/ (git-ignored), and node_modules/exploding-gradients linked to it. A notebook's
 *
 *   import { … } from "exploding-gradients";
 *
 * then makes tslab read the declarations (it does not check them: skipLibCheck) and Node load the JavaScript, instead
 * of type-checking and compiling all of src/ again in every kernel (`from "./src/index"`, which still works).
 *
 * When: setup's step 7, and the kernel launcher (src/setup/kernel-launch.sh) before every kernel start, so that
 * "edit src/, restart the kernel, re-run" uses the edit. Unchanged src/ costs a stat of its files and no TypeScript
 * (the stamp: every file's path, size and mtime); a change re-emits what it affects (TypeScript's incremental
 * program, build/.tsbuildinfo).
 * The compiler: tslab's own TypeScript (@tslab/typescript-for-tslab), so the kernel reads declarations its own
 * compiler wrote; the options are tsconfig.json's. Type errors do not stop the emit, as tslab's compile of a cell
 * would not run at all: they go to build/diagnostics.txt, which the kernel prints in its first cell
 * (kernel-hooks.cjs), and to stderr (the Jupyter server's log).
 * Files of src/ that are not TypeScript (the native build script, the worker loader, kernels.c) are symlinked into
 * build/ at their place, so that the library's paths to its own files hold from build/ as from src/, and build/ is
 * at the same depth as src/, for its paths to data/.
 * Two kernels starting at once: one builds, the other waits for it (a lock folder naming its process).
 *
 * Usage: node src/notebook/library-build.cjs [--quiet] [--root DIR]
 *   DIR: the checkout (by default this file's). Exit 0: built, or already up to date; 1: could not build.
 * As a module: build({ root?, src?, out?, link?, quiet? }) → { built: boolean, diagnostics: string[] }.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const PACKAGE = "exploding-gradients";

/** Where things are: the defaults, or a test's folders. */
function layout(options = {}) {
  const root = options.root ?? ROOT;
  return {
    root,
    src: options.src ?? path.join(root, "src"),
    out: options.out ?? path.join(root, "build"),
    link: options.link ?? path.join(root, "node_modules", PACKAGE),
  };
}

/** Every file under dir (relative paths, sorted), skipping nothing: the stamp must see any change. */
function filesUnder(dir, rel = "") {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(dir, r));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(r);
  }
  return out.sort();
}

/** One line a file: its path, size and mtime. Equal stamps: nothing in src/ changed since the last build. */
function stampOf(src, files) {
  return files
    .map((f) => {
      const s = fs.statSync(path.join(src, f));
      return `${f}\t${s.size}\t${s.mtimeMs}`;
    })
    .join("\n");
}

const read = (file) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
};

/** node_modules/exploding-gradients → build/, with the package.json that names its entry and declarations. */
function ensureLink(where) {
  const manifest = JSON.stringify({ name: PACKAGE, private: true, main: "index.js", types: "index.d.ts" }, null, 2);
  if (read(path.join(where.out, "package.json")) !== `${manifest}\n`) fs.writeFileSync(path.join(where.out, "package.json"), `${manifest}\n`);
  const target = path.relative(path.dirname(where.link), where.out);
  let current = null;
  try {
    current = fs.readlinkSync(where.link);
  } catch {
    // missing, or not a link
  }
  if (current === target) return;
  fs.rmSync(where.link, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(where.link), { recursive: true });
  fs.symlinkSync(target, where.link, "dir");
}

/** Links every non-TypeScript file of src/ into build/ at the same place (and drops links whose file is gone). */
function linkAssets(where, files) {
  const assets = new Set(files.filter((f) => !f.endsWith(".ts")));
  for (const f of assets) {
    const at = path.join(where.out, f);
    const target = path.relative(path.dirname(at), path.join(where.src, f));
    if (read(at) !== null && fs.lstatSync(at).isSymbolicLink() && fs.readlinkSync(at) === target) continue;
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.rmSync(at, { force: true });
    fs.symlinkSync(target, at);
  }
  for (const f of filesUnder(where.out)) {
    const at = path.join(where.out, f);
    if (!assets.has(f) && fs.lstatSync(at).isSymbolicLink()) fs.rmSync(at);
  }
}

/** Removes what a build emitted for a src/ file that is gone (x.js, x.js.map, x.d.ts without src/x.ts). */
function pruneOrphans(where) {
  for (const f of filesUnder(where.out)) {
    const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(f);
    if (m && !fs.lstatSync(path.join(where.out, f)).isSymbolicLink() && !fs.existsSync(path.join(where.src, `${m[1]}.ts`))) {
      fs.rmSync(path.join(where.out, f));
    }
  }
}

/** The lock folder: taken by this process, or waited for while another live process holds it. */
function lock(out) {
  const dir = path.join(out, ".lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pid"), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    const holder = Number(read(path.join(dir, "pid")));
    let alive = true;
    if (holder > 0) {
      try {
        process.kill(holder, 0);
      } catch (e) {
        alive = e.code === "EPERM";
      }
    }
    if (!alive || Date.now() > deadline) {
      fs.rmSync(dir, { recursive: true, force: true }); // its holder died, or never finishes: take over
      continue;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

/** The TypeScript the kernel compiles cells with. */
function kernelTypeScript(root) {
  const tslab = path.dirname(require.resolve("tslab/package.json", { paths: [root] }));
  return require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslab] }));
}

/** Compiles src/index.ts and its imports into build/; returns the diagnostics as text lines. */
function compile(where) {
  const ts = kernelTypeScript(where.root);
  const configFile = path.join(where.root, "tsconfig.json");
  const config = ts.readConfigFile(configFile, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, where.root, undefined, configFile);
  const options = {
    ...parsed.options,
    noEmit: false,
    noEmitOnError: false,
    rootDir: where.src,
    outDir: where.out,
    declaration: true,
    sourceMap: true,
    incremental: true,
    tsBuildInfoFile: path.join(where.out, ".tsbuildinfo"),
  };
  const host = ts.createIncrementalCompilerHost(options);
  const program = ts.createIncrementalProgram({ rootNames: [path.join(where.src, "index.ts")], options, host });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ];
  const emitted = program.emit();
  // TS6059 "not under rootDir" for data/'s JSON (src/sources.ts imports it): the JSON is not emitted, and
  // build/sources.js requires it from data/ as src/sources.ts does, build/ being at src/'s depth.
  const outsideRoot = (d) => d.code === 6059 && /\.json'/.test(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  const all = [...diagnostics, ...emitted.diagnostics].filter((d) => !outsideRoot(d));
  return all.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(where.root, d.file.fileName)}:${line + 1}:${character + 1} - error TS${d.code}: ${text}`;
  });
}

/** Builds when src/ changed since the last build (or build/ or its link are missing). */
function build(options = {}) {
  const where = layout(options);
  const say = options.quiet ? () => {} : (text) => process.stderr.write(`${text}\n`);
  const stampFile = path.join(where.out, ".stamp");
  const report = path.join(where.out, "diagnostics.txt");
  const current = () => {
    const files = filesUnder(where.src);
    const stamp = stampOf(where.src, files);
    return { files, stamp, fresh: read(stampFile) === stamp && fs.existsSync(path.join(where.out, "index.js")) };
  };
  let now = current();
  let built = false;
  if (!now.fresh) {
    // Only a build writes: a class hub's students start kernels on a build that setup made, in a folder they
    // may only read.
    fs.mkdirSync(where.out, { recursive: true });
    const release = lock(where.out);
    try {
      now = current(); // another kernel may have built it while this one waited
      if (!now.fresh) {
        const t0 = Date.now();
        const diagnostics = compile(where);
        fs.writeFileSync(report, diagnostics.map((l) => `${l}\n`).join(""));
        linkAssets(where, now.files);
        pruneOrphans(where);
        fs.writeFileSync(stampFile, now.stamp);
        built = true;
        const seconds = ((Date.now() - t0) / 1000).toFixed(1);
        say(`library build: src/ compiled into ${path.relative(where.root, where.out)}/ in ${seconds} s`);
        for (const line of diagnostics) say(`library build: ${line}`);
      }
    } finally {
      release();
    }
  }
  ensureLink(where);
  return { built, diagnostics: (read(report) ?? "").split("\n").filter((l) => l !== "") };
}

module.exports = { build, layout };

if (require.main === module) {
  try {
    const at = process.argv.indexOf("--root");
    if (at > 0 && !process.argv[at + 1]) throw new Error("--root: expected the checkout's folder, got nothing");
    build({ quiet: process.argv.includes("--quiet"), root: at > 0 ? path.resolve(process.argv[at + 1]) : undefined });
  } catch (e) {
    process.stderr.write(`library build: could not build src/ into build/: ${e && e.message}\n`);
    process.exit(1);
  }
}
