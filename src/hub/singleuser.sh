#!/bin/sh
# One student's server, started by JupyterHub as that student (see jupyterhub_config.py): their workspace in
# ~/workspace (made or updated from the tutorials, never overwriting their work), then JupyterLab on it with the
# project kernel as the default. Everything else (node_modules, .venv, the native kernels) is the shared install.
set -e
root=${EXPLODING_GRADIENTS_ROOT:?EXPLODING_GRADIENTS_ROOT is set by the hub}
workspace="$HOME/workspace"
"$root/node_modules/.bin/ts-node" --transpile-only "$root/src/workspace/cli.ts" sync --workspace "$workspace"
# The project kernel as the default and no news: .venv's Jupyter config, as for npm start.
exec "$root/.venv/bin/jupyterhub-singleuser" --ServerApp.root_dir="$workspace" "$@"
