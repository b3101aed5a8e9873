"""Re-check chosen mutants quickly against a few test files, without a full `mutmut run`.

Usage (from out/mutation/, after scripts/mutation.sh has generated mutants/):
    python ../../scripts/mutation_recheck.py --status survived,unchecked --tests tests/test_mutation_kills.py

Each mutant runs in a forked child (so a mutant cannot disturb the next), with pytest -x on the given files and a
time limit, one line of progress per mutant. A mutant the files reject is killed by the whole suite too (they are part of it); one that survived
the whole suite before and survives the added files still survives it. Writes the verdicts to
mutants/recheck.json (--out) and prints them per file; it does not change mutmut's own cache.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

# one thread per pool: thread pools started before a fork deadlock in the forked child (see scripts/mutation.sh)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

CODES = {"survived": {0}, "unchecked": {None, 33, 5}, "timeout": {36, 24, -24, 152, 255}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--status", default="survived", help="comma-separated: survived, unchecked, timeout")
    parser.add_argument("--tests", nargs="+", default=["tests/test_mutation_kills.py"])
    parser.add_argument("--limit", type=float, default=60.0, help="seconds per mutant")
    parser.add_argument("--names", help="a file of mutant names, one a line (instead of --status)")
    parser.add_argument("--out", default="recheck.json", help="verdicts as JSON (in mutants/), written after each")
    args, extra = parser.parse_known_args()  # anything else goes to pytest (e.g. --deselect ID)
    wanted = set().union(*(CODES[s] for s in args.status.split(",")))
    if args.names:
        args.names = os.path.abspath(args.names)
    os.chdir("mutants")
    sys.path.insert(0, os.getcwd())
    import pytest  # noqa: F401  (imported once, before forking)
    import numpy  # noqa: F401
    try:  # imported once here, not in every forked child (the parity tests import it: seconds per mutant)
        import torch  # noqa: F401
    except ImportError:
        pass

    names = []
    for meta in sorted(Path(".").rglob("*.py.meta")):
        names += [k for k, v in json.loads(meta.read_text())["exit_code_by_key"].items() if v in wanted]
    if args.names:
        names = Path(args.names).read_text().split()
    verdicts = {}
    start = time.time()
    for name in names:
        pid = os.fork()
        if pid == 0:
            os.environ["MUTANT_UNDER_TEST"] = name
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            signal.alarm(int(args.limit))
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args.tests, *extra])
            os._exit(int(code))
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            verdicts[name] = "timeout" if os.WTERMSIG(status) == signal.SIGALRM else "killed"
        else:
            # pytest: 0 all passed, 1 a test failed; anything else (usage error, nothing collected, an internal
            # error) says nothing about the mutant, so it is reported as an error, never counted as killed
            code = os.WEXITSTATUS(status)
            verdicts[name] = {0: "survived", 1: "killed"}.get(code, "error")
        Path(args.out).write_text(json.dumps(verdicts, indent=1, ensure_ascii=False))  # after each: stop any time
        print(f"{len(verdicts)}/{len(names)} {verdicts[name]} {name}", flush=True)
    by_file: dict = {}
    for name, verdict in verdicts.items():
        module = name.split(".x")[0]
        by_file.setdefault(module, {"killed": 0, "survived": 0, "timeout": 0, "error": 0})[verdict] += 1
    print(f"re-checked {len(verdicts)} mutants against {' '.join(args.tests)} in {time.time() - start:.0f} s")
    for module, counts in sorted(by_file.items()):
        print(f"  {module}: {counts}")


if __name__ == "__main__":
    main()
