"""The result of one benchmark row, and the table `run_all.py` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass
class Row:
    """One line of the results table. `met` is None when the row has no target (information only)."""

    workload: str
    ours: str
    reference: str
    ratio: str
    target: str
    met: Optional[bool]


def format_table(rows: List[Row]) -> str:
    """A Markdown table (readable as plain text too) of all rows."""
    header = ["workload", "ours", "reference(s)", "ratio", "target", "met?"]
    lines = [header] + [[r.workload, r.ours, r.reference, r.ratio, r.target,
                         "-" if r.met is None else ("yes" if r.met else "NO")] for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for k, line in enumerate(lines):
        out.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths)) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def seconds(t: float) -> str:
    """A duration with a unit that keeps 2-3 significant digits."""
    if t >= 1.0:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.1f} ms"
    return f"{t * 1e6:.0f} us"


def rate(ops_per_second: float) -> str:
    """Operations per second, as 1.2M/s or 76k/s."""
    if ops_per_second >= 1e6:
        return f"{ops_per_second / 1e6:.2f}M ops/s"
    return f"{ops_per_second / 1e3:.0f}k ops/s"
