#!/bin/bash
# Opens your copies of the tutorials (workspace/) in JupyterLab 4 with the project kernel, after running setup.
# Bound to 127.0.0.1 and protected by Jupyter's token; the browser opens only when there is a display.
# Usage: npm start [-- OPTIONS]   or   bash src/setup/start.sh [OPTIONS]
#   --notebook        Notebook 7 (one document per tab) instead of JupyterLab
#   --workspace DIR   your copies in DIR instead of workspace/ (made from notebooks/ at the first start)
#   --author          edit the tutorials in notebooks/ themselves; saving stores no outputs
#   -h, --help        this text
# Env: JUPYTER_PORT (default 8888), JUPYTER_TOKEN (default: a fresh random token).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
app=lab
workspace="$root/workspace"
author=0
while [ $# -gt 0 ]; do
  case "$1" in
    --notebook) app=notebook; shift ;;
    --workspace)
      [ $# -ge 2 ] || { echo "start: --workspace needs a folder" >&2; usage >&2; exit 2; }
      workspace=$2; shift 2 ;;
    --author) author=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

port=${JUPYTER_PORT:-8888}
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "start: JUPYTER_PORT must be a port number from 1 to 65535, got '$port'" >&2
  exit 2
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "start: port $port on 127.0.0.1 is in use (another Jupyter?). Try: JUPYTER_PORT=8899 npm start" >&2
  exit 1
fi

bash "$root/src/setup/setup.sh" --quiet
cd "$root"

config=()
if [ "$author" = 1 ]; then
  dir="$root/notebooks"
  config=(--config="$root/src/setup/python/author_config.py")
  echo "start: author mode: serving the tutorials in notebooks/ themselves; saving stores no outputs"
else
  # Make or update the student's copies (never overwriting what they wrote); says what it did.
  node_modules/.bin/ts-node --transpile-only src/workspace/cli.ts sync --workspace "$workspace" || exit $?
  dir=$(cd "$workspace" && pwd -P)
fi

# Jupyter reads the token from the environment, which keeps it out of `ps` listings.
JUPYTER_TOKEN=${JUPYTER_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export JUPYTER_TOKEN

# The project kernel as the default, no news or update checks: .venv's Jupyter config (src/setup/python).
args=("$app" "${config[@]}" --ServerApp.root_dir="$dir" --ServerApp.ip=127.0.0.1 --ServerApp.port="$port"
  --ServerApp.port_retries=0)
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || args+=(--no-browser)
[ "$(id -u)" != 0 ] || args+=(--allow-root)

if [ "$app" = lab ]; then name="JupyterLab"; url="http://127.0.0.1:$port/lab?token=$JUPYTER_TOKEN"
else name="Jupyter Notebook 7"; url="http://127.0.0.1:$port/tree?token=$JUPYTER_TOKEN"; fi
cat <<MSG

  $name for exploding-gradients (kernel: "TypeScript (exploding-gradients)"), serving $dir
  Open this URL (the token is the password; keep it private):

      $url

  Stop with Ctrl-C (twice).

MSG
exec "$root/.venv/bin/jupyter" "${args[@]}"
