"""List mutmut's verdicts for some source files while a run is going or after it (reads the `.meta` files).

Usage, from the repository root: python scripts/mutation_survivors.py tinygrad_edu/value.py tinygrad_edu/value_ops.py
Prints per file how many mutants survived, have no covering test or are not checked yet, and their names;
`cd out/mutation && python -m mutmut show NAME` prints one mutant's diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MUTANTS = Path(__file__).resolve().parent.parent / "out" / "mutation" / "mutants"


def main(files: list) -> None:
    for f in files:
        codes = json.loads((MUTANTS / (f + ".meta")).read_text())["exit_code_by_key"]
        kinds = {"SURVIVED": [k for k, v in codes.items() if v == 0],
                 "NO-TEST": [k for k, v in codes.items() if v == 33],
                 "UNCHECKED": [k for k, v in codes.items() if v is None]}
        print(f"# {f}: {len(codes)} mutants, {len(kinds['SURVIVED'])} survived, {len(kinds['NO-TEST'])} no test "
              f"covers, {len(kinds['UNCHECKED'])} not checked yet")
        for kind, names in kinds.items():
            for name in sorted(names):
                print(kind, name)


if __name__ == "__main__":
    main(sys.argv[1:])
