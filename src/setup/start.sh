#!/bin/bash
# Open the tutorials in Jupyter Notebook (Debian's classic Notebook 6) with the project kernel.
# Bound to 127.0.0.1 and protected by Jupyter's token; the browser opens only when there is a display.
# Usage: npm start   (runs setup first)   or   bash src/setup/start.sh
# Env: JUPYTER_PORT (default 8888), JUPYTER_TOKEN (default: a fresh random token).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"

port=${JUPYTER_PORT:-8888}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "start: port $port on 127.0.0.1 is in use (another Jupyter?). Try: JUPYTER_PORT=8899 npm start" >&2
  exit 1
fi
# Jupyter reads the token from the environment, which keeps it out of `ps` listings.
JUPYTER_TOKEN=${JUPYTER_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export JUPYTER_TOKEN

args=(notebook --notebook-dir="$root/notebooks" --ip=127.0.0.1 --port="$port" --NotebookApp.port_retries=0
  --MultiKernelManager.default_kernel_name=exploding-gradients)
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || args+=(--no-browser)
[ "$(id -u)" != 0 ] || args+=(--allow-root)

url="http://127.0.0.1:$port/tree?token=$JUPYTER_TOKEN"
cat <<MSG

  Jupyter Notebook for exploding-gradients (kernel: "TypeScript (exploding-gradients)")
  Open this URL (the token is the password; keep it private):

      $url

  Stop with Ctrl-C (twice).

MSG
exec /usr/bin/jupyter "${args[@]}"
