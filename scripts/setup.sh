#!/usr/bin/env bash
# Set up everything the demos and tests need, from nothing: Graphviz's `dot`, a virtualenv, the package,
# its test tools, and the PyTorch CPU reference (pinned; an unpinned torch would pull GBs of CUDA packages).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Graphviz (dot) with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
      || echo "setup: could not install Graphviz; pictures will be written as DOT source only"
  else
    echo "setup: Graphviz 'dot' not found; install it (e.g. 'sudo apt-get install graphviz') to render pictures"
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
  "$VENV/bin/python" -m pip install -q "torch==2.13.0" \
    || echo "setup: PyTorch 2.13.0 (CPU) could not be installed; tests that compare against it will be skipped"
  touch "$stamp"
fi
