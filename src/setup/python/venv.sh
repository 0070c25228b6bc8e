#!/bin/bash
# The project's Python environment: Jupyter (JupyterLab 4, Notebook 7, jupyter_server, nbclient, nbconvert) and
# numpy, installed from requirements.lock (every package pinned, every file's sha256 checked, wheels only) into a
# virtual environment of Debian's python3. Idempotent: a stamp in the environment records the lock it was made
# from, and nothing runs while it matches.
#
# A failed install (PyPI unreachable, a file whose hash does not match) leaves the previous environment as it
# was: pip downloads and checks every file before it installs any, and the stamp is written last.
# Usage: venv.sh [--venv DIR] [--lock FILE] [--quiet]   (defaults: <project>/.venv, requirements.lock beside this)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
venv="$(cd "$here/../../.." && pwd -P)/.venv"
lock="$here/requirements.lock"
quiet=0
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv=${2:?--venv needs a folder}; shift 2 ;;
    --lock) lock=${2:?--lock needs a file}; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "venv.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -f "$lock" ] || { echo "setup: Python lock file $lock not found" >&2; exit 1; }

python=/usr/bin/python3
stamp="$venv/.exploding-gradients-lock"
want="$(sha256sum "$lock" | cut -d' ' -f1) $("$python" -c 'import platform; print(platform.python_version())')"
# This install's Jupyter defaults, for every server started from it (npm start, the hub's students): the project
# kernel as the default, and nothing asked of the network unasked (no news, update checks or PyPI catalogue).
install_config() {
  local from to
  for pair in "jupyter_server_config.json:etc/jupyter/jupyter_server_config.json" \
              "jupyterlab-overrides.json:share/jupyter/lab/settings/overrides.json"; do
    from="$here/${pair%%:*}" to="$venv/${pair#*:}"
    cmp -s "$from" "$to" && continue
    mkdir -p "$(dirname "$to")" && cp "$from" "$to"
  done
}
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$venv/bin/python" ]; then
  install_config
  [ "$quiet" = 1 ] || echo "setup: Python environment $venv up to date"
  exit 0
fi

fresh=0
if [ ! -x "$venv/bin/python" ]; then
  fresh=1
  echo "setup: creating the Python environment $venv (Jupyter, numpy; ≈ 30 s)"
  "$python" -m venv "$venv"
else
  echo "setup: updating the Python environment $venv to $(basename "$lock")"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --no-deps: the lock already lists every dependency; --only-binary: nothing is built, so nothing fails half-way.
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --require-hashes --no-deps \
     --only-binary=:all: --quiet -r "$lock" >"$log" 2>&1; then
  echo "setup: could not install the Python packages of $lock:" >&2
  grep -E "ERROR|error:|Could not|No matching|do not match|Expected sha256|Got " "$log" | head -n 12 | sed 's/^/  /' >&2 ||
    tail -n 12 "$log" | sed 's/^/  /' >&2
  if [ "$fresh" = 1 ]; then
    rm -rf "$venv"
    echo "setup: no environment was made (it needs PyPI, or a pip configured for a mirror)." >&2
  else
    echo "setup: the previous environment in $venv is unchanged and still usable." >&2
  fi
  echo "setup: when PyPI is reachable again (check: $venv/bin/python -m pip download --no-deps -d /tmp numpy==2.4.6), run: npm run setup" >&2
  exit 1
fi
# Packages that an older lock had and this one has not.
"$venv/bin/python" - "$lock" <<'PY'
import re, subprocess, sys
from importlib.metadata import distributions
wanted = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
          for line in open(sys.argv[1]) if re.match(r"^[A-Za-z0-9]", line)}
keep = wanted | {"pip", "setuptools", "wheel"}
extra = sorted({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in distributions()} - keep)
if extra:
    subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extra])
PY
install_config
printf '%s\n' "$want" >"$stamp"
echo "setup: Python environment ready ($("$venv/bin/jupyter" lab --version 2>/dev/null | sed 's/^/JupyterLab /'))"
