#!/bin/sh
# Jupyter kernel launcher for the exploding-gradients notebooks (installed into the kernelspec by setup.sh).
#
# tslab compiles cells with rootDir = its working directory, and Jupyter starts kernels in the notebook's
# folder, so notebooks/ could not import ../src. This launcher starts tslab in the project root instead, where
# "exploding-gradients" resolves (node_modules/exploding-gradients → build/, rebuilt below) and the older
# "./src/index" imports work too. The root is, in order:
#   1. $EXPLODING_GRADIENTS_ROOT (set by src/notebook when it runs a notebook from anywhere, e.g. a temp dir);
#   2. the nearest folder above the kernel's working directory that is this project (any clone works);
#   3. the checkout recorded by the last setup.sh (notebooks opened from outside any clone).
# Usage (by Jupyter): kernel-launch.sh {connection_file}
here=$(cd "$(dirname "$0")" && pwd)

is_project() {
  [ -f "$1/package.json" ] && [ -e "$1/node_modules/tslab/bin/tslab" ] &&
    grep -q '"name": *"exploding-gradients"' "$1/package.json"
}

root=""
how=""
if [ -n "${EXPLODING_GRADIENTS_ROOT:-}" ]; then
  how="from EXPLODING_GRADIENTS_ROOT"
  if ! is_project "$EXPLODING_GRADIENTS_ROOT"; then
    echo "exploding-gradients kernel: EXPLODING_GRADIENTS_ROOT=$EXPLODING_GRADIENTS_ROOT is not a set-up checkout (run npm start or npm test there)" >&2
    exit 1
  fi
  root=$EXPLODING_GRADIENTS_ROOT
else
  dir=$(pwd -P)
  while [ -n "$dir" ]; do
    if is_project "$dir"; then root=$dir; how="the clone holding this notebook"; break; fi
    [ "$dir" = / ] && break
    dir=$(dirname "$dir")
  done
  if [ -z "$root" ] && [ -f "$here/project-root" ]; then
    recorded=$(cat "$here/project-root")
    if is_project "$recorded"; then
      root=$recorded
      how="recorded by setup: this notebook is outside any clone, so it imports that clone's src/"
    fi
  fi
fi
if [ -z "$root" ]; then
  echo "exploding-gradients kernel: no set-up checkout found above $(pwd -P); run 'npm start' in your clone" >&2
  exit 1
fi

# Editors may start kernels with a PATH that lacks node (tslab's bin is '#!/usr/bin/env node').
if ! command -v node >/dev/null 2>&1 && [ -f "$here/node-dir" ]; then
  PATH="$(cat "$here/node-dir"):$PATH"
  export PATH
fi
# Said once per kernel start, in the Jupyter server's log (the terminal of npm start).
echo "exploding-gradients kernel: using $root ($how)" >&2
export EXPLODING_GRADIENTS_ROOT="$root"
cd "$root" || exit 1
# The library, built into build/ for notebooks that import "exploding-gradients" (src/notebook/library-build.cjs):
# nothing to do when src/ is unchanged; after an edit of src/, this rebuild is what makes a restart load the edit.
if [ -f "$root/src/notebook/library-build.cjs" ] && ! node "$root/src/notebook/library-build.cjs" --root "$root"; then
  echo "exploding-gradients kernel: the library was not rebuilt (above: why); \"exploding-gradients\" is the last build" >&2
fi
# src/notebook/kernel-hooks.cjs mends tslab in the kernel's process (files added while it runs, stale library code,
# readable errors, skipped cells: see its header); a checkout from before it had none.
if [ -f "$root/src/notebook/kernel-hooks.cjs" ]; then
  exec node --enable-source-maps --require "$root/src/notebook/kernel-hooks.cjs" "$root/node_modules/tslab/bin/tslab" kernel --config-path "$1"
fi
exec node "$root/node_modules/tslab/bin/tslab" kernel --config-path "$1"
