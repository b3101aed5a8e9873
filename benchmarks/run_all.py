"""Every benchmark, each contender in its own long-lived process, all taking turns in rounds: `make bench`.

    python benchmarks/run_all.py                    # the full run; rewrites the results in docs/benchmarks.md
    python benchmarks/run_all.py --quick            # a smoke run on small sizes (docs untouched)
    python benchmarks/run_all.py --only moons,graph # some sections (docs untouched)

Sections: the moons step (ours, ours inside `collector_policy()`, hand-written plain floats, micrograd 0.1.0), scalar
graphs of 10^3 to 10^6 ops (build + backward + free per op, with and without the policy), and the MNIST epoch at
batch 16, 64 and 256 (ours, hand-written numpy, JAX's jitted step, PyTorch; 1 BLAS thread; and ours with 2 BLAS
threads while a burner process keeps the other core busy). Every comparison first checks that the contenders
computed the same losses. Ratios are taken within each round (see harness.py) and reported as median (min-max).
The run exits with status 1 if an agreement check fails.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_table import Row, format_table, seconds  # noqa: E402
from harness import Worker, loadavg, max_abs_diff, run_rounds, spread  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- results: written by benchmarks/run_all.py -->", "<!-- end of results -->"


@dataclass
class Plan:
    """How much work each section does."""

    rounds: int
    moons_steps: int  # per round, ours and plain
    graph_sizes: Tuple[int, ...]
    graph_ops: int  # per size per round (small graphs are repeated)
    graph_rounds: int
    chain_depth: int
    mnist_images: int
    mnist_batches: Tuple[int, ...]
    mnist_rounds: int
    own_loop_busy: bool = False  # also time the own loop with 2 BLAS threads and a busy core (seconds per epoch)


FULL = Plan(rounds=7, moons_steps=5, graph_sizes=(10**3, 10**4, 10**5, 10**6), graph_ops=10**6, graph_rounds=3,
            chain_depth=10**6, mnist_images=8000, mnist_batches=(16, 64, 256), mnist_rounds=5)
QUICK = Plan(rounds=2, moons_steps=1, graph_sizes=(10**2, 10**3), graph_ops=10**3, graph_rounds=1, chain_depth=10**4,
             mnist_images=512,
             mnist_batches=(64,), mnist_rounds=1)

Section = Tuple[List[Row], List[str]]


def _start(workers: Dict[str, Tuple[Dict[str, Any], int]], notes: List[str]) -> List[Worker]:
    """Start the workers that can run here; a contender that cannot be set up (not installed) is skipped with a note."""
    started = []
    for name, (spec, threads) in workers.items():
        try:
            started.append(Worker(name, spec, threads))
        except RuntimeError as exc:
            notes.append(f"{name}: skipped ({exc})")
    return started


def _close(workers: Sequence[Worker]) -> None:
    for w in workers:
        w.close()


def _agree(notes: List[str], what: str, a: Sequence[float], b: Sequence[float], tol: float) -> bool:
    diff = max_abs_diff(a, b)
    ok = diff <= tol
    notes.append(f"{what}: losses agree: max |difference| = {diff:.1e} over {len(a)} values "
                 f"({'OK' if ok else 'MISMATCH'}, tolerance {tol:g})")
    return ok


def moons_section(plan: Plan, install: bool) -> Section:
    notes: List[str] = []
    base = {"workload": "moons", "steps": plan.moons_steps}
    workers = _start({
        "ours": ({**base, "engine": "ours"}, 1),
        "ours+policy": ({**base, "engine": "ours", "policy": True}, 1),
        "plain": ({**base, "engine": "plain"}, 1),
        "micrograd": ({**base, "engine": "micrograd", "steps": 1, "install": install}, 1),
    }, notes)
    try:
        r = run_rounds(workers, plan.rounds)
    finally:
        _close(workers)
    ok = _agree(notes, "moons, ours vs plain floats", r.losses("ours"), r.losses("plain"), 1e-12)
    ok &= _agree(notes, "moons, ours+policy vs plain floats", r.losses("ours+policy"), r.losses("plain"), 1e-12)
    ours, pol, plain = (r.seconds(n) for n in ("ours", "ours+policy", "plain"))
    ratio, ratio_pol = r.ratios("ours", "plain"), r.ratios("ours+policy", "plain")
    refs = f"plain floats {seconds(min(plain))}-{seconds(max(plain))}"
    if "micrograd" in r.results:
        mg = r.seconds("micrograd")
        k = len(mg)
        ok &= _agree(notes, "moons, micrograd vs plain floats (its first steps)", r.losses("micrograd"),
                     r.losses("plain")[:k], 1e-9)
        times = spread(r.ratios('micrograd', 'ours'), '{:.0f}')
        refs += f"; micrograd {seconds(min(mg))}-{seconds(max(mg))} ({times}x ours)"
    notes.append("moons: " + r.load_note())
    row = Row("moons step, MLP(2,[16,16,1]), 100 pts", f"{seconds(min(ours))}-{seconds(max(ours))}; "
              f"in collector_policy(): {seconds(min(pol))}-{seconds(max(pol))}", refs,
              f"{spread(ratio)}x plain; in policy: {spread(ratio_pol)}x", "<= 2x plain floats",
              ok and _median(ratio) <= 2.0)
    return [row], notes


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


# The local graph's reach (see bench_scalar.graph_plan): a row beside the target's random graph, to tell the cost of
# the engine's work per op, which a 10^6-op graph need not raise, from that of reading memory at random, which it does.
LOCAL_REACH = 1000


def graph_section(plan: Plan) -> Section:
    notes: List[str] = []
    base = {"workload": "graph", "sizes": list(plan.graph_sizes), "ops_per_size": plan.graph_ops}
    local = {**base, "reach": LOCAL_REACH, "policy": True}
    workers = _start({"policy": ({**base, "policy": True}, 1), "default": ({**base}, 1),
                      "bare": ({**base, "engine": "bare", "policy": True}, 1),
                      "local": (local, 1), "bare-local": ({**local, "engine": "bare"}, 1),
                      "chain": ({"workload": "chain", "depth": plan.chain_depth, "policy": True}, 1)}, notes)
    try:
        r = run_rounds(workers, plan.graph_rounds)
    finally:
        _close(workers)
    small, big = str(plan.graph_sizes[0]), str(plan.graph_sizes[-1])
    rows = []
    random_graph, local_graph = "random + * relu **2", f"+ * relu **2 reading the last {LOCAL_REACH:,} nodes"
    bare = "bare 3-slot object per op in collector_policy() (Python's floor; build + free only)"
    for name, graph, label in (("policy", random_graph, "ours in collector_policy()"),
                               ("default", random_graph, "ours, Python's default collector"),
                               ("bare", random_graph, bare),
                               ("local", local_graph, "ours in collector_policy()"),
                               ("bare-local", local_graph, bare)):
        per_op = {n: [res["per_op"][n] for res in r.results[name]] for n in map(str, plan.graph_sizes)}
        growth = [res["per_op"][big] / res["per_op"][small] for res in r.results[name]]
        cells = ", ".join(f"{int(n):.0e}: {_median(v) * 1e6:.2f} us" for n, v in per_op.items())
        parts = r.results[name][-1]["parts"][big]
        notes.append(f"graph ({name}): at {int(big):.0e} ops, build / backward / free per op in the last round: "
                     + " / ".join(f"{p * 1e6:.2f} us" for p in parts))
        target = f"<= 1.5x from {int(small):.0e} to {int(big):.0e}" if name == "policy" else "report"
        rows.append(Row(f"scalar graph, {graph}: per op, {label}", cells, "-",
                        f"{int(big):.0e} / {int(small):.0e}: {spread(growth)}x", target,
                        _median(growth) <= 1.5 if name == "policy" else None))
    results = r.results["chain"]
    ok = all(abs(res["grad"] / res["expected"] - 1) < 1e-9 for res in results)
    notes.append(f"chain {plan.chain_depth:.0e}: d last / d first = {results[-1]['grad']:.10g}, 1.0001**depth = "
                 f"{results[-1]['expected']:.10g} ({'OK' if ok else 'MISMATCH'})")
    chain_s = r.seconds("chain")
    rows.append(Row(f"deepest chain x = x*1.0001 + 0.0, depth {plan.chain_depth:.0e}, build + backward",
                    f"{seconds(min(chain_s))}-{seconds(max(chain_s))} (in collector_policy())",
                    "-", "-", "< 5 s",
                    ok and _median(chain_s) < 5.0 if plan.chain_depth >= 10**6 else None))
    notes.append("graph: " + r.load_note())
    return rows, notes


BUSY = "ours, 2 BLAS threads, other core busy"
FIT_BUSY = "fit(), 2 BLAS threads, other core busy"


def mnist_section(plan: Plan, batch: int) -> Section:
    notes: List[str] = []
    base = {"workload": "mnist", "batch": batch, "images": plan.mnist_images}
    workers = _start({
        "ours": ({**base, "engine": "ours"}, 1),
        "numpy": ({**base, "engine": "numpy"}, 1),
        "jax": ({**base, "engine": "jax"}, 1),
        "torch": ({**base, "engine": "torch"}, 1),
        "fit()": ({**base, "engine": "fit"}, 1),
        FIT_BUSY: ({**base, "engine": "fit"}, 2),
        **({BUSY: ({**base, "engine": "ours"}, 2)} if plan.own_loop_busy else {}),
    }, notes)
    try:
        r = run_rounds(workers, plan.mnist_rounds, busy=[BUSY, FIT_BUSY])
    finally:
        _close(workers)
    ok = _agree(notes, f"mnist batch {batch}, ours vs numpy", r.losses("ours"), r.losses("numpy"), 1e-4)
    ratio = r.ratios("ours", "numpy")
    refs = [f"numpy {seconds(_median(r.seconds('numpy')))}"]
    extra = []
    for other in ("jax", "torch"):
        if other in r.results:
            ok &= _agree(notes, f"mnist batch {batch}, ours vs {other}", r.losses("ours"), r.losses(other), 1e-3)
            refs.append(f"{'JAX jit' if other == 'jax' else 'PyTorch'} {seconds(_median(r.seconds(other)))}")
            extra.append(f"vs {other}: {spread(r.ratios('ours', other))}x")
    rows = [Row(f"MNIST MLP 784-128-64-10, 8000 images, batch {batch}, 1 thread",
                seconds(_median(r.seconds("ours"))), "; ".join(refs),
                f"{spread(ratio)}x numpy; " + "; ".join(extra), "<= 1.10x numpy", ok and _median(ratio) <= 1.10)]
    # fit() scopes the library's BLAS thread policy: the same losses whatever the process's thread count
    same = _agree(notes, f"mnist batch {batch}, fit() with 2 BLAS threads (busy) vs 1 thread", r.losses(FIT_BUSY),
                  r.losses("fit()"), 0.0)
    ratio_fit = r.ratios(FIT_BUSY, "fit()")
    rows.append(Row(f"MNIST batch {batch}, train.fit() in a 2-BLAS-thread process, other core busy",
                    seconds(_median(r.seconds(FIT_BUSY))),
                    f"fit() in a 1-thread process, quiet: {seconds(_median(r.seconds('fit()')))}",
                    f"{spread(ratio_fit)}x quiet", "<= 1.5x the quiet 1-thread time",
                    same and _median(ratio_fit) <= 1.5))
    if BUSY not in r.results:
        notes.append(f"mnist batch {batch}: " + r.load_note())
        return rows, notes
    ratio_busy = r.ratios(BUSY, "ours")
    rows.append(Row(f"MNIST batch {batch}, own loop (no thread policy), 2 BLAS threads, other core busy",
                    seconds(_median(r.seconds(BUSY))),
                    f"own loop, 1 thread, quiet {seconds(_median(r.seconds('ours')))}",
                    f"{spread(ratio_busy)}x quiet", "report (why fit() scopes 1 thread)", None))
    notes.append(f"mnist batch {batch}: " + r.load_note())
    return rows, notes


def header(kind: str) -> str:
    import numpy

    from bench_common import cpu_model, jax_version

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"tinygrad_edu benchmarks ({kind} run), {date}, cpu: {cpu_model()} x {__import__('os').cpu_count()}, "
            f"python {platform.python_version()}, numpy {numpy.__version__}, JAX {jax_version()} (if installed), "
            f"load average at the start: {loadavg()[0]:.2f}")


def write_docs(text: str, command: str) -> None:
    """Replace the results block of docs/benchmarks.md with this run's output."""
    doc = DOCS.read_text()
    block = f"{BEGIN}\n`{command}`, exactly as printed:\n\n{text}\n{END}"
    if BEGIN in doc and END in doc:
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    DOCS.write_text(doc)


def agreement_failures(notes: Sequence[str]) -> List[str]:
    """The notes that report a mismatch between engines (an empty list when every check passed)."""
    return [n for n in notes if "MISMATCH" in n]


def run(plan: Plan, sections: Sequence[str], install: bool = True) -> Tuple[List[Row], List[str]]:
    rows: List[Row] = []
    notes: List[str] = []
    if install:
        from bench_common import install_jax

        if not install_jax():
            notes.append("JAX could not be installed here: its rows are skipped")
    parts: List[Any] = []
    if "moons" in sections:
        parts.append(lambda: moons_section(plan, install))
    if "graph" in sections:
        parts.append(lambda: graph_section(plan))
    if "mnist" in sections:
        parts += [lambda b=b: mnist_section(plan, b) for b in plan.mnist_batches]
    for part in parts:
        part_rows, part_notes = part()
        rows += part_rows
        notes += part_notes
    return rows, notes


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a fast smoke run, not the targets")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install micrograd or JAX")
    parser.add_argument("--only", default="moons,graph,mnist", help="comma-separated sections to run")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--own-loop-busy", action="store_true",
                        help="also time a hand-written loop with 2 BLAS threads and a busy core (slow: seconds per "
                             "epoch; its spinning BLAS threads also load the machine for the other contenders)")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    plan = QUICK if args.quick else FULL
    plan.own_loop_busy = args.own_loop_busy
    top = header("quick" if args.quick else "full")
    print(top, file=sys.stderr)
    rows, notes = run(plan, sections, install=not args.no_install)
    text = "\n".join([top, f"Each ratio: median over rounds (min-max); rounds: {plan.rounds} (moons), "
                      f"{plan.graph_rounds} (graphs), {plan.mnist_rounds} (MNIST).", "", format_table(rows), ""]
                     + [f"- {n}" for n in notes])
    print(text)
    failures = agreement_failures(notes)
    if failures:
        print(f"\n{len(failures)} agreement check(s) FAILED: the timings above compare different computations.")
    full_run = not args.quick and args.only == parser.get_default("only")
    if full_run and not args.no_docs and not failures:
        write_docs(text, "make bench (python benchmarks/run_all.py)")
        print(f"\n(results written to {DOCS})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
