/**
 * Why it stays (issue 17): parallelMap's workers (../core/parallel.ts, which stays for notebook 03) load
 * TypeScript through it; with ts-node instead, starting 2 workers took ≈ 1 s, more than the sweep they run.
 *
 * `require` of TypeScript files in worker threads, without ts-node, through an on-disk cache of the emitted JS.
 *
 * A worker thread starts with no loader: to run a `.ts` module it needs a `require.extensions[".ts"]` hook.
 * ts-node's made starting 2 workers take ≈ 1 s (each loads the 9 MB `typescript` package, ≈ 0.2–0.4 s, and
 * compiles through it). This hook compiles each file with `typescript.transpileModule` (CommonJS; the other
 * emit options from the nearest tsconfig.json) and stores the JS under
 * `node_modules/.cache/exploding-gradients/ts/` (else a folder in os.tmpdir()), keyed by a hash of (file path,
 * source text, TypeScript version, options). On a hit, i.e. every start after the first for unchanged sources,
 * the worker reads the JS and never loads `typescript`: 2 workers are then ready in ≈ 50 ms, about what bare
 * workers take. On a miss the workers compile and fill the cache themselves (≈ 0.9 s for 2 workers, once per
 * edit); warming it from the main thread first would save ≈ 0.3 s of that at the cost of a second mechanism
 * (walking the imports), so it is not done.
 *
 * Why plain JavaScript: the hook is what lets a worker load TypeScript, so it cannot itself be TypeScript. It is
 * a file rather than a string inside parallel.ts so that it is the one implementation, readable and testable,
 * and `require`d by absolute path (`.cjs`: CommonJS whatever the package type).
 *
 * Writes are atomic (a temporary file, then rename within the folder), since two workers that miss on the same
 * file write the same entry at the same time; readers see the whole entry or none. The cache is best-effort: if
 * no folder is writable the hook compiles on every load. Entries of old sources are never pruned (a few kB
 * each); delete the folder to reclaim them. Limits: `.ts` only (not `.tsx`/`.mts`), `extends` in tsconfig.json
 * is not followed, and type errors are not reported (like ts-node's transpile-only; syntax errors are).
 * The emitted JS carries an inline source map, so stack traces name the TypeScript lines.
 *
 * Set EXPLODING_GRADIENTS_TS_CACHE to use another cache folder.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");

/** Files the hook compiled in this thread, i.e. found in no cache (a worker reports it to parallelMap). */
const stats = { compiled: 0 };

/** The nearest `name` in dir or a folder above it, or undefined. */
function findUp(dir, name) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const f = path.join(d, name);
    if (fs.existsSync(f)) return f;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * The compiler options (as in tsconfig.json) that the hook emits with: the project's `compilerOptions`, with
 * CommonJS modules (what `require` loads) and an inline source map; options that only type-check or write
 * declarations do not change transpileModule's output and are dropped from the cache key.
 */
function emitOptions(tsconfig, loadTypescript) {
  let compilerOptions = {};
  if (tsconfig) {
    const text = fs.readFileSync(tsconfig, "utf8");
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = loadTypescript().parseConfigFileTextToJson(tsconfig, text).config; // comments or trailing commas
    }
    compilerOptions = (json && json.compilerOptions) || {};
  }
  const options = { ...compilerOptions, module: "commonjs", sourceMap: false, inlineSourceMap: true, inlineSources: false };
  for (const k of ["moduleResolution", "noEmit", "declaration", "declarationMap", "emitDeclarationOnly", "composite",
    "incremental", "tsBuildInfoFile", "outDir", "outFile", "rootDir", "types", "typeRoots", "lib", "paths", "baseUrl"])
    delete options[k];
  return Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The first folder that exists or can be created, and is writable; else undefined. */
function writableDir(candidates) {
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** Writes text to file so that a concurrent reader sees either no file or all of it: temp file, then rename. */
function writeFileAtomic(file, text) {
  const tmp = `${file}.${process.pid}-${require("worker_threads").threadId}-${crypto.randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never written
    }
    throw e;
  }
}

/**
 * The compiler the hook uses, for TypeScript under `opts.project`: `load(filename)` returns a file's JS from the
 * cache, or compiles it (and fills the cache); `cacheDir` is the cache folder used (undefined: none).
 * @param {{ project: string }} opts  project: a folder of the code to load (tsconfig.json and typescript are
 *   looked up from there)
 */
function compiler(opts) {
  let typescriptPath;
  try {
    typescriptPath = require.resolve("typescript", { paths: [opts.project, __dirname] });
  } catch {
    typescriptPath = undefined; // then every cache miss fails with a message saying so
  }
  let ts;
  const loadTypescript = () => {
    if (ts) return ts;
    if (!typescriptPath) throw new Error(`ts-require: cannot compile TypeScript: package "typescript" not found from ${opts.project}`);
    return (ts = require(typescriptPath));
  };
  const tsconfig = findUp(opts.project, "tsconfig.json");
  const options = emitOptions(tsconfig, loadTypescript);
  const pkg = typescriptPath ? findUp(path.dirname(typescriptPath), "package.json") : undefined;
  const tsVersion = pkg ? JSON.parse(fs.readFileSync(pkg, "utf8")).version : "none";
  const nodeModules = typescriptPath && path.join(typescriptPath.slice(0, typescriptPath.lastIndexOf(`${path.sep}node_modules${path.sep}`)), "node_modules");
  const cacheDir = writableDir([
    process.env.EXPLODING_GRADIENTS_TS_CACHE,
    nodeModules && path.join(nodeModules, ".cache", "exploding-gradients", "ts"),
    path.join(os.tmpdir(), "exploding-gradients-ts-cache"),
  ].filter(Boolean));
  const keyPrefix = `${tsVersion}\0${JSON.stringify(options)}\0`;
  let compilerOptions;

  const load = (filename) => {
    const source = fs.readFileSync(filename, "utf8");
    // The path is in the key because the inline source map names the file.
    const key = crypto.createHash("sha256").update(keyPrefix).update(filename).update("\0").update(source).digest("hex").slice(0, 40);
    const entry = cacheDir && path.join(cacheDir, `${key}.js`);
    let js;
    try {
      js = entry && fs.readFileSync(entry, "utf8");
    } catch {
      js = undefined;
    }
    if (!js) {
      const t = loadTypescript();
      compilerOptions = compilerOptions || t.convertCompilerOptionsFromJson(options, path.dirname(tsconfig || filename)).options;
      const out = t.transpileModule(source, { fileName: filename, compilerOptions, reportDiagnostics: true });
      const errors = (out.diagnostics || []).filter((d) => d.category === t.DiagnosticCategory.Error);
      if (errors.length)
        throw new Error(errors.map((d) => `${filename}:${d.file ? d.file.getLineAndCharacterOfPosition(d.start || 0).line + 1 : "?"}: ` +
          t.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"));
      js = out.outputText;
      stats.compiled++;
      if (entry) {
        try {
          writeFileAtomic(entry, js);
        } catch {
          // best-effort: the next load compiles again
        }
      }
    }
    return js;
  };
  return { cacheDir, load };
}

/**
 * Installs the `.ts` hook in this thread (replacing any other) and returns the cache folder used (undefined: none).
 * @param {{ project: string }} opts  as for {@link compiler}
 */
function install(opts) {
  const c = compiler(opts);
  require.extensions[".ts"] = function loadTs(module, filename) {
    module._compile(c.load(filename), filename);
  };
  // Stack traces through the inline source maps, i.e. with the TypeScript file's lines.
  if (typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);
  return c.cacheDir;
}

/**
 * Fills the cache with every `.ts` file under `dir` (not `.d.ts`) that is not in it yet, so that the first
 * worker after an edit loads JS instead of compiling; returns how many files it compiled. A file that does not
 * compile is skipped (the worker that loads it reports the error).
 */
function warm(dir) {
  const c = compiler({ project: dir });
  const before = stats.compiled;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && !e.name.startsWith(".")) walk(f);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        try {
          c.load(f);
        } catch {
          // reported when a worker loads it
        }
      }
    }
  };
  walk(fs.realpathSync(path.resolve(dir))); // the paths require() sees, which the cache keys name
  return stats.compiled - before;
}

// `node src/core/ts-require.cjs --warm DIR`: what src/setup/setup.sh runs, so that the first parallelMap after
// setting up (or after an edit followed by `npm test`/`npm start`) finds its workers' JS in the cache.
if (require.main === module) {
  const [flag, dir] = process.argv.slice(2);
  if (flag !== "--warm" || !dir) {
    console.error("usage: node ts-require.cjs --warm DIR");
    process.exit(2);
  }
  const n = warm(dir);
  if (n > 0) console.log(`compiled ${n} TypeScript file(s) into the worker cache`);
}

module.exports = { compiler, install, stats, warm, writeFileAtomic };
