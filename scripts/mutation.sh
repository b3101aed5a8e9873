#!/usr/bin/env bash
# Mutation testing of the five core files with mutmut (config: [tool.mutmut] in pyproject.toml).
#
#   scripts/mutation.sh                  # all mutants; results are cached, so a second run only tests what changed
#   scripts/mutation.sh 'tinygrad_edu.optim*'    # only the mutants whose names match (they are re-tested)
#
# It works on a copy of the tree in out/mutation/ (mutmut writes its mutants/ folder next to the sources), then
# prints a table per file: mutants, killed, survived, timeout, other. JOBS (default 2) sets the parallel workers.
# Not part of `make test`: a full run takes tens of minutes on 2 cores (see docs/mutation.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=$(command -v python3)
WORK=$ROOT/out/mutation
mkdir -p "$WORK"
# the tracked and new (not ignored) files of the working tree, sources and tests as they are now
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$WORK"
cd "$WORK"
# mutmut forks a child per mutant from a process that has run the tests: thread pools started there (OpenBLAS,
# PyTorch's OpenMP) deadlock in a forked child, which mutmut then counts as a timeout. One thread each: no pools.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
start=$(date +%s)
"$PY" -m mutmut run --max-children "${JOBS:-2}" "$@" > mutmut-run.log 2>&1 || {
    echo "mutmut failed; the end of $WORK/mutmut-run.log:" >&2
    tail -c 4000 mutmut-run.log | tr "\r" "\n" | tail -30 >&2
    exit 1
}
echo "mutmut $("$PY" -m mutmut --version | awk '{print $NF}') finished in $(( $(date +%s) - start )) s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
"$PY" "$ROOT/scripts/mutation_table.py" mutants
