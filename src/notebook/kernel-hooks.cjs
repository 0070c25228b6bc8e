/**
 * Mends tslab 1.0.22 (with its TypeScript 5.0.4) in the notebook kernel's own process, without editing it:
 * src/setup/kernel-launch.sh starts the kernel as `node --require <this file> node_modules/tslab/bin/tslab kernel`,
 * and this file wraps what tslab's modules export before tslab starts.
 *
 * 1. Adding or deleting a file in the checkout no longer breaks the kernel. Before, every later cell failed with
 *    "Unexpected pending rebuildTimer". Why: tslab's converter keeps a TypeScript watch program over the files
 *    it compiled and gives it a `sys` whose setTimeout holds ONE pending timer, which tslab runs itself at the
 *    next cell as the program update. When a directory watcher sees a file appear or vanish, TypeScript
 *    schedules another kind of timer (invalidateResolutionsOfFailedLookup); it takes the one place, and the
 *    next program update throws, in every cell until a restart. Now that timer runs on a real timer, as it
 *    would with TypeScript's own sys, and tslab's place only ever holds program updates. tslab's sys is
 *    `Object.create(ts.sys)` with setTimeout/clearTimeout assigned on it, so ts.sys gets accessors for those two
 *    properties that catch tslab's functions and route each timer (`routeWatchTimers`).
 * 2. Library changes are announced: when a file the kernel compiled (a module a cell imported, e.g.
 *    src/rnn/vanilla.ts) changes or disappears on disk, the next cell prints one line saying so. Before, cells
 *    ran the version loaded first without a word (tslab caches the module objects). The same for the built
 *    library (`import … from "exploding-gradients"`, ./library-build.cjs): its modules that Node loaded, by their
 *    src/ files; and the first cell prints the build's type errors, if it had any.
 * 3. Errors read well: an error a cell throws prints as its message, then only the frames in the student's cells
 *    and in the project's own files, with TypeScript line numbers (./kernel-report.cjs). Before, tslab printed
 *    Node's view: a line of a .js file that does not exist, the message on line 4, ~10 internal frames.
 * 4. A cell tslab skips because an earlier one failed says so. Before, it stayed at `In [ ]` without a word. And a
 *    request with `stop_on_error: false` (nbclient with errors allowed; JupyterLab for a cell tagged
 *    raises-exception) no longer makes tslab skip the requests that arrive in the 200 ms after it fails.
 * 5. The kernel ends when it is told to or when its server is gone. Before, a shutdown request closed tslab's
 *    sockets but the process lived on (TypeScript's file watchers keep Node's event loop alive), and so did a
 *    kernel whose Jupyter server stopped: on a class hub every stopped or culled server left its kernels running
 *    (≈ 0.3 GB each). Now the process exits once tslab has closed its sockets, and when its parent (the server
 *    that started it) is gone.
 *
 * What it touches: in tslab/dist/converter.js `createConverter` (its result's `convert`), in executor.js
 * `createExecutor` (the console it is given; its result's `execute`), in jupyter.js
 * `JupyterHandlerImpl.prototype.handleExecute` and `ZmqServer.prototype.close`, and `setTimeout`/`clearTimeout`
 * of TypeScript's `ts.sys`.
 * Fails safe: for another tslab or TypeScript version, or exports not shaped as expected, it changes nothing and
 * says so in one line of the Jupyter server's log (the kernel's stderr); EXPLODING_GRADIENTS_KERNEL_HOOKS=off
 * turns it off. Plain CommonJS, so that it needs no compiling.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const report = require("./kernel-report.cjs");

const EXPECTED = { tslab: "1.0.22", typescript: "5.0.4" };
/** The Jupyter server's log: the kernel's stderr as it is now, before tslab sends process.stderr to the cells. */
const serverLog = process.stderr.write.bind(process.stderr);
/** One line in the server log (only an error's first line: Node's "Require stack" follows it). */
const log = (text) => serverLog(`exploding-gradients kernel hooks: ${String(text).split("\n")[0]}\n`);

const OWN_FILES = new Set([__filename, require.resolve("./kernel-report.cjs")]);
/** The cell prefix tslab wraps each cell's JavaScript in, on the cell's first line (executor.js, execute). */
const WRAPPER = { sync: "(function(exports, require) { ", async: "(async function(exports, require) { " };

function install() {
  if (/^(0|off|false|no)$/i.test(process.env.EXPLODING_GRADIENTS_KERNEL_HOOKS ?? "")) {
    log("off (EXPLODING_GRADIENTS_KERNEL_HOOKS)");
    return;
  }
  const root = process.cwd(); // the launcher starts tslab in the project root; tslab compiles relative to it
  const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [root] }));
  const tslabVersion = require(path.join(tslabDir, "package.json")).version;
  if (tslabVersion !== EXPECTED.tslab) {
    log(`not installed, the kernel runs as tslab made it: tslab ${tslabVersion} (expected ${EXPECTED.tslab})`);
    return;
  }
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
  const converter = require(path.join(tslabDir, "dist", "converter.js"));
  const executor = require(path.join(tslabDir, "dist", "executor.js"));
  const jupyter = require(path.join(tslabDir, "dist", "jupyter.js"));
  const handler = jupyter.JupyterHandlerImpl && jupyter.JupyterHandlerImpl.prototype;
  const timerProperty = (name) => {
    const d = Object.getOwnPropertyDescriptor(ts.sys, name);
    return d !== undefined && typeof d.value === "function" && d.configurable;
  };
  const problems = [
    ts.version !== EXPECTED.typescript && `tslab's TypeScript ${ts.version} (expected ${EXPECTED.typescript})`,
    typeof converter.createConverter !== "function" && "converter.createConverter",
    typeof executor.createExecutor !== "function" && "executor.createExecutor",
    !(handler && typeof handler.handleExecute === "function" && typeof handler.handleExecuteImpl === "function") &&
      "JupyterHandlerImpl.prototype.handleExecute",
    !(timerProperty("setTimeout") && timerProperty("clearTimeout")) && "ts.sys.setTimeout",
    !(jupyter.ZmqServer && typeof jupyter.ZmqServer.prototype.close === "function") && "ZmqServer.prototype.close",
  ].filter(Boolean);
  if (problems.length > 0) {
    log(`not installed, the kernel runs as tslab made it: unexpected ${problems.join(", ")}`);
    return;
  }
  const major = Number(process.versions.node.split(".")[0]);
  // tslab's getTranspileTargets (converter.js), which is not exported.
  const target = major >= 18 ? ts.ScriptTarget.ES2022 : major >= 16 ? ts.ScriptTarget.ES2021 : ts.ScriptTarget.ES2020;
  const watchTimers = routeWatchTimers(ts.sys);
  const state = { root, ts, target, cellNumber: 0, compiling: 0, cells: new Map(), modules: new Map(), announced: new Map() };
  state.library = builtLibrary(root);

  const createConverter = converter.createConverter;
  converter.createConverter = function (...args) {
    const before = watchTimers.caught();
    const conv = createConverter.apply(this, args);
    if (watchTimers.caught() === before) log("tslab's watch timers were not caught: adding a file may still break cells");
    const convert = conv.convert;
    conv.convert = function (prevDecl, src) {
      const out = convert.call(this, prevDecl, src);
      try {
        recordConversion(state, src, out);
      } catch (e) {
        log(`could not record a compiled cell: ${e && e.message}`);
      }
      return out;
    };
    return conv;
  };

  const createExecutor = executor.createExecutor;
  executor.createExecutor = function (rootDir, convs, console, ...rest) {
    const reporting = {
      ...console,
      error: (...args) => {
        if (args.length === 1 && report.isErrorLike(args[0])) {
          try {
            return console.error(report.formatError(args[0], (f, l, c) => locate(state, f, l, c)));
          } catch (e) {
            log(`could not format an error: ${e && e.message}`);
          }
        }
        return console.error(...args);
      },
    };
    const ex = createExecutor.call(this, rootDir, convs, reporting, ...rest);
    const execute = ex.execute;
    ex.execute = function (src) {
      // tslab counts cells the same way (JupyterHandlerImpl.handleExecuteImpl): this is the cell's In [n].
      const n = ++state.cellNumber;
      if (n === 1 && state.library.diagnostics !== "") {
        process.stderr.write(
          `The library in src/ has type errors; this kernel loads it as built anyway (build/diagnostics.txt):\n${state.library.diagnostics}`,
        );
      }
      try {
        adoptLoadedLibrary(state);
        const notice = changeNoticeNow(state);
        if (notice !== "") process.stderr.write(`${notice}\n`); // tslab points process.stderr at this cell
      } catch (e) {
        log(`could not check library files: ${e && e.message}`);
      }
      state.compiling = n; // execute compiles the cell (convert) before its first await
      try {
        return execute.call(this, src);
      } finally {
        state.compiling = 0;
      }
    };
    return ex;
  };

  const handleExecute = handler.handleExecute;
  handler.handleExecute = async function (req, writeStream, writeDisplayData) {
    const reply =
      req && req.stop_on_error === false
        ? await executeWithoutAbort(this, req, writeStream, writeDisplayData)
        : await handleExecute.call(this, req, writeStream, writeDisplayData);
    if (reply && reply.status === "abort") writeStream("stderr", `${report.SKIPPED_NOTE}\n`);
    return reply;
  };

  // 5. tslab closes its sockets on a shutdown request (jupyter.js handleShellMessage); let the reply leave, then go.
  const close = jupyter.ZmqServer.prototype.close;
  jupyter.ZmqServer.prototype.close = function (...args) {
    const result = close.apply(this, args);
    setTimeout(() => process.exit(0), 200);
    return result;
  };
  exitWithParent(process.ppid);
}

/** The kernel's parent process now (Node's process.ppid is read once, at start). */
function currentParent(parent) {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8"); // "pid (name) state ppid …"
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    try {
      process.kill(parent, 0); // no /proc: at least notice the parent's end
      return parent;
    } catch {
      return -1;
    }
  }
}

/** Exits when the process that started the kernel is gone (the kernel is then re-parented). */
function exitWithParent(parent) {
  if (parent <= 1) return; // started by init itself: nothing to watch
  setInterval(() => {
    if (currentParent(parent) !== parent) {
      log(`the Jupyter server (pid ${parent}) is gone: the kernel exits`);
      process.exit(0);
    }
  }, 1000).unref();
}

/**
 * Makes ts.sys.setTimeout/clearTimeout accessors: an object made by Object.create(ts.sys) that assigns its own
 * (tslab's converter) gets them caught, and sees functions that send TypeScript's failed-lookup invalidation to
 * a real timer and everything else (the program update) to tslab's. ts.sys itself is unchanged.
 */
function routeWatchTimers(sys) {
  const real = { setTimeout: sys.setTimeout, clearTimeout: sys.clearTimeout };
  const assigned = new WeakMap();
  const ours = new Set();
  let caught = 0;
  const routed = {
    setTimeout(callback, ms, ...args) {
      if (callback && callback.name === "invalidateResolutionsOfFailedLookup") {
        const handle = setTimeout(() => {
          ours.delete(handle);
          try {
            callback(...args);
          } catch (e) {
            log(`TypeScript's failed-lookup invalidation threw: ${e && e.message}`);
          }
        }, ms);
        ours.add(handle);
        return handle;
      }
      return assigned.get(this).setTimeout.call(this, callback, ms, ...args);
    },
    clearTimeout(handle) {
      if (ours.delete(handle)) return clearTimeout(handle);
      return assigned.get(this).clearTimeout.call(this, handle);
    },
  };
  for (const name of ["setTimeout", "clearTimeout"]) {
    Object.defineProperty(sys, name, {
      configurable: true,
      enumerable: true,
      get() {
        const own = assigned.get(this);
        return own && own.setTimeout && own.clearTimeout ? routed[name] : real[name];
      },
      set(fn) {
        if (this === sys) {
          real[name] = fn;
          return;
        }
        if (!assigned.has(this)) assigned.set(this, {});
        assigned.get(this)[name] = fn;
        if (name === "setTimeout") caught++;
      },
    });
  }
  return { caught: () => caught };
}

/** Keeps what a cell and the modules it imported compiled to, and names the cell's script for stack traces. */
function recordConversion(state, src, out) {
  for (const side of out.sideOutputs ?? []) {
    if (state.modules.has(side.path)) continue; // a re-emit after a change: the first version is what runs
    const base = side.path.replace(/\.js$/, "");
    const file = [".ts", ".tsx", ".js", ".jsx"].map((ext) => base + ext).find((f) => fs.existsSync(f));
    if (file === undefined) continue; // a module written in a cell (%module): no file to watch
    const stat = fs.statSync(file);
    state.modules.set(side.path, { file, source: fs.readFileSync(file, "utf8"), js: side.data, seen: statKey(stat) });
  }
  if (state.compiling > 0 && typeof out.output === "string") {
    const n = state.compiling;
    state.cells.set(n, { source: src, js: out.output, shift: (out.hasToplevelAwait ? WRAPPER.async : WRAPPER.sync).length });
    out.output += `\n//# sourceURL=tslab-cell-${n}`;
  }
}

const statKey = (stat) => `${stat.mtimeMs}:${stat.size}`;

/**
 * The library as ./library-build.cjs built it into build/ (for `import … from "exploding-gradients"`): each module's
 * JavaScript path with its src/ file and that file's text now, at kernel start, right after the launcher built it;
 * and the build's type errors. Node loads these modules itself, so tslab's compile never sees them.
 */
function builtLibrary(root) {
  const build = path.join(root, "build");
  const files = new Map();
  const walk = (rel) => {
    let entries = [];
    try {
      entries = fs.readdirSync(path.join(build, rel), { withFileTypes: true });
    } catch {
      return; // no build (yet): nothing to watch
    }
    for (const e of entries) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && r.endsWith(".js")) {
        const file = path.join(root, "src", r.replace(/\.js$/, ".ts"));
        try {
          files.set(path.join(build, r), { file, source: fs.readFileSync(file, "utf8"), seen: statKey(fs.statSync(file)) });
        } catch {
          // a module whose source is gone: a rebuild drops it
        }
      }
    }
  };
  walk("");
  let diagnostics = "";
  try {
    diagnostics = fs.readFileSync(path.join(build, "diagnostics.txt"), "utf8");
  } catch {
    // no build
  }
  return { files, diagnostics };
}

/** Watches, from now on, the built library's modules that Node has loaded (require.cache holds their real paths). */
function adoptLoadedLibrary(state) {
  for (const [js, m] of state.library.files) {
    if (require.cache[js] === undefined) continue;
    state.modules.set(js, { file: m.file, source: m.source, js: null, seen: m.seen });
    state.library.files.delete(js);
  }
}

/** The change notice for the files compiled so far, each change said once ("" when nothing changed). */
function changeNoticeNow(state) {
  const changed = [];
  const deleted = [];
  for (const m of state.modules.values()) {
    let stat = null;
    try {
      stat = fs.statSync(m.file);
    } catch {
      // deleted
    }
    const key = stat ? statKey(stat) : "deleted";
    if (key === m.seen) continue;
    m.seen = key;
    const rel = path.relative(state.root, m.file);
    if (!stat) {
      if (state.announced.get(m.file) !== "deleted") deleted.push(rel);
      state.announced.set(m.file, "deleted");
      continue;
    }
    const text = fs.readFileSync(m.file, "utf8");
    if (text === m.source) {
      state.announced.delete(m.file); // touched, or put back as it was loaded
      continue;
    }
    const hash = crypto.createHash("sha1").update(text).digest("hex");
    if (state.announced.get(m.file) !== hash) changed.push(rel);
    state.announced.set(m.file, hash);
  }
  return report.changeNotice(changed, deleted);
}

/** Where a stack frame is, for the student: a cell's line, a project file's TypeScript line; null to leave it out. */
function locate(state, file, line, column) {
  const cellName = /^tslab-cell-(\d+)$/.exec(file);
  if (cellName) {
    const n = Number(cellName[1]);
    const cell = state.cells.get(n);
    if (!cell || line > cell.js.split("\n").length) return null; // tslab's wrapper around the cell
    cell.mapper ??= report.sourceMapper(state.ts, cell.source, cell.js, {
      fileName: "cell.ts",
      target: state.target,
      prefix: "export {};\n", // tslab's srcPrefix (converter.js)
    });
    const at = cell.mapper(line, line === 1 ? column - cell.shift : column);
    const label = n === state.cellNumber ? "this cell" : `cell [${n}]`;
    return at === undefined ? label : `${label}, line ${at}`;
  }
  if (!path.isAbsolute(file) || OWN_FILES.has(file)) return null; // node:internal/…, <anonymous>, these hooks
  const rel = path.relative(state.root, file);
  if (rel.startsWith("..") || rel.split(path.sep).includes("node_modules")) return null;
  const m = state.modules.get(file);
  // A file Node loaded itself (a .cjs; the built library, whose frames Node maps to src/ with its source maps)
  if (m === undefined || m.js === null) return `${rel}:${line}`;
  m.mapper ??= report.sourceMapper(state.ts, m.source, m.js, { fileName: m.file, target: state.target });
  const at = m.mapper(line, column);
  const source = path.relative(state.root, m.file);
  return at === undefined ? source : `${source}:${at}`;
}

/**
 * tslab's JupyterHandlerImpl.handleExecute for a request that must not stop the queue when it fails: the same
 * reply, without the 200 ms in which tslab aborts every request that arrives (tslab issue #19).
 */
async function executeWithoutAbort(handler, req, writeStream, writeDisplayData) {
  let failure = null;
  try {
    const count = await handler.execQueue.add(() =>
      handler.handleExecuteImpl(req, writeStream, writeDisplayData).catch((e) => {
        failure = e ?? new Error("undefined thrown");
      }),
    );
    if (failure === null) return { status: "ok", execution_count: count.count };
  } catch (e) {
    if (e && e.name === "TaskCanceledError") return { status: "abort", execution_count: undefined };
    failure = e;
  }
  const counted = failure && typeof failure.count === "number"; // tslab's ExecutionCount: the cell failed
  if (!counted) console.error("unexpected error:", failure);
  return { status: "error", execution_count: counted ? failure.count : undefined };
}

try {
  install();
} catch (e) {
  log(`not installed, the kernel runs as tslab made it: ${e && e.message}`);
}
