#!/bin/bash
# The tutorials for a class on one server: JupyterHub, each student a Unix user with their own JupyterLab,
# project kernel and workspace, from this one shared install. Run as root (it starts servers as the students).
# Usage: npm run hub [-- OPTIONS]   or   bash src/hub/hub.sh [OPTIONS]
#   (no option)               set up, then start the hub on 127.0.0.1:$HUB_PORT
#   --add-students FILE       create the people listed in FILE (one a line: name [student|instructor]); see roster.py
#   --remove-students FILE    remove them (accounts and hub users; their home folders, with their work, are kept)
#   --bind-all                listen on every network interface, not only 127.0.0.1 (says what that exposes)
#   -h, --help                this text
# Env: HUB_PORT (8000; the proxy's API and the hub's use the next two), HUB_ADMIN_TOKEN (an admin API token, at
#      least 32 characters), HUB_IDLE_TIMEOUT (seconds before an idle server is stopped, 3600), HUB_STATE_DIR
#      (the hub's database, secrets and roster; default .hub/ in the checkout), HUB_MEM_LIMIT (e.g. 2G; recorded,
#      not enforced by this spawner).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

action=start
roster=""
bind=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --add-students|--remove-students)
      [ $# -ge 2 ] || { echo "hub: $1 needs a roster file" >&2; usage >&2; exit 2; }
      action=${1#--}; roster=$2; shift 2 ;;
    --bind-all) bind=0.0.0.0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "hub: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

port=${HUB_PORT:-8000}
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65533 ]; then
  echo "hub: HUB_PORT must be a port number from 1 to 65533 (the next two are used too), got '$port'" >&2
  exit 2
fi
idle=${HUB_IDLE_TIMEOUT:-3600}
if ! [[ "$idle" =~ ^[0-9]+$ ]] || [ "$idle" -lt 60 ]; then
  echo "hub: HUB_IDLE_TIMEOUT must be a whole number of seconds, at least 60, got '$idle'" >&2
  exit 2
fi
if [ -n "${HUB_ADMIN_TOKEN:-}" ] && [ "${#HUB_ADMIN_TOKEN}" -lt 32 ]; then
  echo "hub: HUB_ADMIN_TOKEN must be at least 32 characters (it is an admin's password), got ${#HUB_ADMIN_TOKEN}" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "hub: run it as root: it creates the students' accounts and starts their servers as them" >&2
  exit 1
fi
# Every student runs the shared install: each folder above it must let others in.
dir=$root
while [ "$dir" != / ]; do
  if [ "$(( $(stat -c '%#a' "$dir") & 1 ))" = 0 ]; then
    echo "hub: students cannot reach $root: $dir is closed to other users (mode $(stat -c %a "$dir"))." >&2
    echo "hub: put the checkout where every user can read it (e.g. /opt/exploding-gradients), or: chmod o+x $dir" >&2
    exit 1
  fi
  dir=$(dirname "$dir")
done

state=${HUB_STATE_DIR:-$root/.hub}
if ! mkdir -p "$state" 2>/dev/null || ! chmod 700 "$state" 2>/dev/null || ! [ -w "$state" ]; then
  echo "hub: cannot keep the hub's state in $state (its database, cookie secret and proxy token): it must be a folder root can write. Set HUB_STATE_DIR." >&2
  exit 1
fi
state=$(cd "$state" && pwd -P)
py="$root/.venv/bin/python"

if [ "$action" != start ]; then
  [ -x "$py" ] || bash "$root/src/setup/setup.sh" --quiet
  exec "$py" "$root/src/hub/roster.py" "${action%-students}" "$roster" --state "$state" \
    --hub-api "http://127.0.0.1:$((port + 2))/hub/api"
fi

bash "$root/src/setup/setup.sh" --quiet
for p in "$port" "$((port + 1))" "$((port + 2))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "hub: port $p on 127.0.0.1 is in use (another hub?). Try: HUB_PORT=$((port + 10)) npm run hub" >&2
    exit 1
  fi
done

# Secrets the hub keeps across restarts (so that logins and servers survive them), readable by root only.
for secret in cookie_secret proxy_token; do
  file="$state/$secret"
  if [ ! -e "$file" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$file.tmp" && mv "$file.tmp" "$file")
  fi
  if [ ! -s "$file" ] || [ "$(stat -c %a "$file")" != 600 ]; then
    echo "hub: $file must be a non-empty file only root can read (mode 600, not $(stat -c %a "$file" 2>/dev/null)). Fix it: chmod 600 $file" >&2
    exit 1
  fi
done

if [ "$bind" != 127.0.0.1 ]; then
  cat >&2 <<MSG
hub: --bind-all: the hub listens on every network interface, port $port. Anyone who can reach this machine
     can try to log in with the students' Unix passwords, over plain HTTP (passwords and session cookies travel
     unencrypted). Put it behind HTTPS (a reverse proxy with a certificate) and a firewall before you do this.
MSG
fi

cd "$state"   # JupyterHub writes nothing into the checkout
echo "hub: JupyterHub for exploding-gradients on http://$bind:$port/ (students: npm run hub -- --add-students FILE); Ctrl-C stops it"
export EG_ROOT="$root" EG_STATE="$state" EG_PORT="$port" EG_BIND_URL="http://$bind:$port" EG_IDLE_TIMEOUT="$idle"
export EG_MEM_LIMIT="${HUB_MEM_LIMIT:-}"
exec "$root/.venv/bin/jupyterhub" -f "$root/src/hub/jupyterhub_config.py"
