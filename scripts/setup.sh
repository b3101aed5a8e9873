#!/usr/bin/env bash
# Set up what the demos or the tests need, from nothing, in a virtualenv (.venv).
#
#   scripts/setup.sh demo   Graphviz's `dot` (apt, if root) and `pip install -e .`: numpy, matplotlib, graphviz, tqdm
#   scripts/setup.sh test   the above, plus Debian's chromium (browser tests), the `test` extra of pyproject.toml,
#                           and PyTorch 2.13.0, CPU build, as the reference the parity tests compare against
#
# PyTorch: the pin `torch==2.13.0` is only a version; on a plain package index it resolves to the CUDA build
# (about 3 GB of nvidia packages). We ask pip what it would install: a local `+cpu` wheel (pip's find-links) is
# used as is; otherwise torch comes from PyTorch's CPU index, TORCH_INDEX_URL (default below). Never unpinned.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-demo}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
case "$WHAT" in demo|test) ;; *) echo "usage: scripts/setup.sh demo|test" >&2; exit 2 ;; esac

apt_install() {  # apt_install PROGRAM PACKAGE WHY: install PACKAGE with apt-get when PROGRAM is missing
  local program="$1" package="$2" why="$3"
  command -v "$program" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $package with apt-get ($why)"
    if [ ! -f /tmp/.tinygrad_edu_apt_updated ]; then apt-get update -qq && touch /tmp/.tinygrad_edu_apt_updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null && return 0
    echo "setup: WARNING: 'apt-get install $package' failed; $why will not work"
  else
    echo "setup: '$program' not found and not root; install it yourself (e.g. 'sudo apt-get install $package'): $why"
  fi
}

apt_install dot graphviz "pictures of compute graphs; without it only their DOT source is written"
if [ "$WHAT" = test ]; then
  apt_install chromium chromium "the browser tests of the step player; without it they are skipped"
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip)
stamp="$VENV/.installed-$WHAT"
if [ -f "$stamp" ] && [ ! pyproject.toml -nt "$stamp" ] && [ ! scripts/setup.sh -nt "$stamp" ]; then
  exit 0
fi
"${PIP[@]}" install -q --upgrade pip
if [ "$WHAT" = demo ]; then
  "${PIP[@]}" install -q -e .
  touch "$stamp"
  exit 0
fi
"${PIP[@]}" install -q -e ".[test]"

# PyTorch, CPU build only. Does pip resolve the pin to a +cpu wheel by itself (a local wheel, as on our machines)?
resolved="$("${PIP[@]}" install --dry-run --ignore-installed --no-deps -q --report - "torch==$TORCH_VERSION" 2>/dev/null \
  | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["install"][0]["metadata"]["version"])' \
  2>/dev/null || true)"
if [[ "$resolved" == *+cpu ]]; then
  echo "setup: PyTorch $resolved (CPU build, found by pip) for the parity tests"
  torch_args=("torch==$TORCH_VERSION")
else
  echo "setup: PyTorch $TORCH_VERSION CPU build from $TORCH_INDEX_URL (set TORCH_INDEX_URL to use a mirror)"
  torch_args=(--index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION")
fi
if "${PIP[@]}" install -q "${torch_args[@]}"; then
  "$VENV/bin/python" -c 'import torch, sys; sys.exit(torch.version.cuda is not None)' \
    || echo "setup: WARNING: the installed torch is a CUDA build; remove it and set TORCH_INDEX_URL to a CPU index"
else
  echo "setup: WARNING: PyTorch $TORCH_VERSION (CPU) could not be installed; tests that compare against it will be skipped"
fi
touch "$stamp" "$VENV/.installed-demo"
