"""Print mutmut's results as a table per source file (mutants, killed, survived, timeout, other) and the survivors.

Usage: python scripts/mutation_table.py [MUTANTS_DIR] [--survivors] [--recheck FILE.json ...]. It reads the `.meta`
files mutmut 3 writes next to each mutated file (exit code per mutant: 1 or 3 killed, 0 survived,
36/24/152/255/-24 timeout); verdicts from `scripts/mutation_recheck.py` (given with --recheck, later files win)
replace mutmut's for the mutants they cover.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, 24, -24, 152, 255}


def table(mutants_dir: Path, recheck: Dict[str, str]) -> tuple[str, List[str]]:
    rows: Dict[str, Dict[str, int]] = {}
    survivors: List[str] = []
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        name = str(meta.relative_to(mutants_dir))[: -len(".meta")]
        row = rows.setdefault(name, {"mutants": 0, "killed": 0, "survived": 0, "timeout": 0, "other": 0})
        for mutant, code in codes.items():
            row["mutants"] += 1
            kind = ("killed" if code in KILLED else "survived" if code in SURVIVED else
                    "timeout" if code in TIMEOUT else "other")
            kind = recheck.get(mutant, kind)
            row[kind] += 1
            if kind == "survived":
                survivors.append(mutant)
    columns = ["mutants", "killed", "survived", "timeout", "other"]
    total = {c: sum(r[c] for r in rows.values()) for c in columns}
    lines = ["| file | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, row in list(rows.items()) + [("**total**", total)]:
        lines.append(f"| {name} | " + " | ".join(str(row[c]) for c in columns) + " |")
    return "\n".join(lines), survivors


def main() -> None:
    argv = sys.argv[1:]
    files = argv[argv.index("--recheck") + 1 :] if "--recheck" in argv else []
    args = [a for a in argv if not a.startswith("--") and a not in files]
    recheck: Dict[str, str] = {}
    for name in files:
        recheck.update(json.loads(Path(name).read_text()))
    text, survivors = table(Path(args[0] if args else "mutants"), recheck)
    print(text)
    print("('other': not checked yet, or no test covers it; `mutmut results --all=true` lists each)")
    if "--survivors" in sys.argv:
        print("\n".join(["", "survivors:"] + survivors))


if __name__ == "__main__":
    main()
