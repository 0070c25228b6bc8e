#!/bin/bash
# Regenerates requirements.lock (every package pinned, with the sha256 of every file) from requirements.in,
# with pip-tools in a throw-away environment. Run after editing requirements.in; commit both files.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
/usr/bin/python3 -m venv "$tools"   # the interpreter venv.sh uses (Debian 12: 3.11.2)
"$tools/bin/pip" install --quiet pip-tools==7.6.2
cd "$here"
"$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
  --no-emit-index-url --output-file=requirements.lock requirements.in
