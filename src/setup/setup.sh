#!/bin/bash
# One-command, idempotent setup of this project on Debian (run as root for the apt step):
#   1. node_modules from package-lock.json (only when missing or stale);
#   2. the Debian packages: chromium, poppler-utils, gcc, OpenBLAS, python3-venv (only those missing);
#   3. the Python environment .venv/ (JupyterLab 4, Notebook 7, nbclient, numpy) from
#      src/setup/python/requirements.lock, pinned with hashes (only when the lock changed);
#   4. the Jupyter kernelspec "exploding-gradients" (tslab started in the project root), in .venv and per user;
#   5. parallelMap's worker cache: src/ compiled to JS once (only files changed since the last run);
#   6. the native kernels (src/core/native/kernels.c on OpenBLAS), compiled once per change of kernels.c;
#   7. the library built for the notebook kernel (build/, "exploding-gradients"), again only when src/ changed.
# Usage: bash src/setup/setup.sh [--quiet]   (--quiet: print nothing when nothing had to be done)
set -euo pipefail

quiet=0
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (expected --quiet)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }
did() { echo "setup: $*"; }   # something changed: always worth a line

# Serialise concurrent runs (several `npm test` at once must not run npm ci or apt-get twice).
lock="${TMPDIR:-/tmp}/exploding-gradients-setup.$(id -u).$(printf '%s' "$root" | sha256sum | cut -c1-12).lock"
if { exec 9>"$lock"; } 2>/dev/null; then flock 9; fi

# --- 1. npm packages -------------------------------------------------------------------------------
# The stamp records the lockfile and Node ABI that node_modules was installed from.
stamp=node_modules/.exploding-gradients-setup
want_stamp="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node -p process.versions.modules)"
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
  if [ ! -d node_modules ]; then
    did "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  else
    # Incremental, and never rewrites package.json or the lockfile.
    did "syncing node_modules with package-lock.json"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
  printf '%s\n' "$want_stamp" >"$stamp"
else
  say "npm packages up to date"
fi

# --- 2. Debian packages ----------------------------------------------------------------------------
# chromium + poppler-utils: handout PDFs and browser tests; gcc + libc6-dev + libopenblas-dev: the native
# kernels (step 6); python3-venv: the Python environment (step 3). Jupyter itself comes from PyPI (step 3).
apt_packages=(chromium poppler-utils gcc libc6-dev libopenblas-dev python3-venv)
missing=()
for pkg in "${apt_packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them as root, then re-run this script:" >&2
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  did "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

# --- 3. Python environment -------------------------------------------------------------------------
bash src/setup/python/venv.sh --venv "$root/.venv" $([ "$quiet" = 1 ] && echo --quiet)
jupyter="$root/.venv/bin/jupyter"

# --- 4. Jupyter kernelspec -------------------------------------------------------------------------
# Two copies of the same spec: in .venv (found by this project's Jupyter whoever runs it, e.g. every user of a
# shared install) and per user (found by VS Code and other Jupyters). Each holds a copy of the launcher, so it
# outlives any one clone; the launcher finds the clone from the notebook's folder.
user_kernels="${JUPYTER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter}/kernels"
is_project() { [ -f "$1/package.json" ] && [ -e "$1/node_modules/tslab/bin/tslab" ] &&
  grep -q '"name": *"exploding-gradients"' "$1/package.json"; }
node_dir=$(dirname "$(command -v node)")
# Writes the spec into $1 (a kernels/ folder); prints the folder when anything changed.
install_kernelspec() {
  local spec="$1/exploding-gradients" changed=0 recorded
  local kernel_json
  kernel_json=$(cat <<JSON
{
  "argv": ["$spec/kernel-launch.sh", "{connection_file}"],
  "display_name": "TypeScript (exploding-gradients)",
  "language": "typescript",
  "interrupt_mode": "signal",
  "metadata": {"project": "exploding-gradients"}
}
JSON
)
  if [ "$(cat "$spec/kernel.json" 2>/dev/null)" != "$kernel_json" ] ||
     ! cmp -s src/setup/kernel-launch.sh "$spec/kernel-launch.sh"; then
    mkdir -p "$spec"
    printf '%s\n' "$kernel_json" >"$spec/kernel.json.tmp" && mv "$spec/kernel.json.tmp" "$spec/kernel.json"
    cp src/setup/kernel-launch.sh "$spec/kernel-launch.sh.tmp" && chmod 755 "$spec/kernel-launch.sh.tmp"
    mv "$spec/kernel-launch.sh.tmp" "$spec/kernel-launch.sh"
    changed=1
  fi
  # The fallback checkout (for notebooks opened outside any clone): keep it while it is still valid, so that a
  # second clone (e.g. a CI check in /tmp) does not take it over; re-point it if the checkout moved.
  recorded=$(cat "$spec/project-root" 2>/dev/null || true)
  if [ -z "$recorded" ] || ! is_project "$recorded"; then
    printf '%s\n' "$root" >"$spec/project-root"
    changed=1
  fi
  if [ "$(cat "$spec/node-dir" 2>/dev/null)" != "$node_dir" ]; then
    printf '%s\n' "$node_dir" >"$spec/node-dir"
    changed=1
  fi
  [ "$changed" = 0 ] || echo "$spec"
}
changed=$(install_kernelspec "$root/.venv/share/jupyter/kernels"; install_kernelspec "$user_kernels")
if [ -n "$changed" ]; then
  did "registered Jupyter kernel 'exploding-gradients' in $(echo $changed)"
  # Read the whole list before grep (grep -q stops early, and under pipefail jupyter's broken pipe fails the check).
  specs=$("$jupyter" kernelspec list 2>/dev/null || true)
  if ! grep -q "^ *exploding-gradients " <<<"$specs"; then
    echo "setup: $jupyter does not list the kernel 'exploding-gradients'" >&2
    exit 1
  fi
else
  say "Jupyter kernel 'exploding-gradients' registered"
fi

# --- 5. parallelMap's worker cache -------------------------------------------------------------------
# Workers load TypeScript as JS from a cache (src/core/ts-require.cjs); filling it here means the first sweep
# after setting up or editing src/ starts its workers in ≈ 50 ms instead of compiling in each (≈ 0.8 s). Only
# changed files are compiled (≈ 0.1 s when none are); a failure here only costs that time later.
if ! node src/core/ts-require.cjs --warm src; then
  echo "setup: could not fill parallelMap's worker cache; its workers will compile src/ themselves" >&2
fi

# --- 6. native kernels -------------------------------------------------------------------------------
# The vanilla RNN's passes on OpenBLAS (src/core/native/build.cjs; ≈ 0.5 s, only when kernels.c changed). Without
# them everything still works, on the WebAssembly kernels, 2–3× slower for a minibatch.
if ! node src/core/native/build.cjs $([ "$quiet" = 1 ] && echo --quiet); then
  echo "setup: the native kernels were not built (above: why); the library runs on its WebAssembly kernels" >&2
fi

# --- 7. the library, built for the notebook kernel ---------------------------------------------------------
# src/ compiled once to JavaScript with declarations into build/, linked as node_modules/exploding-gradients, the
# module the notebooks import (src/notebook/library-build.cjs; ≈ 5 s the first time, ≈ 0.1 s when src/ is as
# built). The kernel launcher does the same at every kernel start; here it is done once for everyone, e.g. for a
# class hub's students, who may not write to build/.
if ! node src/notebook/library-build.cjs $([ "$quiet" = 1 ] && echo --quiet); then
  echo "setup: the library could not be built into build/ (above: why): the notebooks import it from there" >&2
  exit 1
fi
