"""The player's budgets, measured: page size, time to write it (against `render()` of the same graph), and in
headless Chromium the time to the first frame and to redraw one step.

    python benchmarks/bench_player.py [--repeat 5]

Budgets (issue 11): the README neuron's player < 200 KB; a 4,000-node scalar MLP collapsed by neuron < 2 MB;
first frame < 1 s and one step < 50 ms in headless Chromium on 2 cores; writing a player <= 2x `render()`.
Writing and rendering take turns (interleaved) and the machine's load is printed with the figures; the browser
part needs the Debian package `chromium` and the pip package `playwright` (it is skipped without them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinygrad_edu.__main__ import demo_neuron, readme_expression, scalar_mlp, tensor_mlp  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.data import make_lesson_classification, make_moons  # noqa: E402
from tinygrad_edu.viz import draw_graph, play, play_training, render  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"


def cases() -> Dict[str, Tuple[Any, Dict[str, Any], int]]:
    """name -> (root, play keyword arguments, size budget in bytes)."""
    neuron, params = demo_neuron()
    mlp_loss, mlp = scalar_mlp()
    mlp_loss.backward()
    t_loss, t_model = tensor_mlp()
    small_loss, small = scalar_mlp(batch=4)
    small_loss.backward()
    return {
        "README neuron": (neuron, {"lr": 0.1, "params": params}, 200_000),
        "README expression": (readme_expression(), {}, 200_000),
        "Tensor MLP (deep sigmoid)": (t_loss, {"model": t_model, "lr": 0.1}, 2_000_000),
        "scalar MLP, 4,000+ nodes by neuron": (mlp_loss, {"model": mlp, "lr": 0.1, "collapse": "neuron"}, 2_000_000),
        "scalar MLP, 4 points, 520 nodes, all drawn": (small_loss, {"model": small, "max_nodes": None}, 5_000_000),
    }


def training_pages(folder: Path) -> Dict[str, Path]:
    """The two training players of `python -m tinygrad_edu play` (sizes and browser times only)."""
    X, y = make_moons(60, noise=0.1, seed=0)
    Xl, yl = make_lesson_classification(100, flip=0.2, seed=0)
    lesson = nn.Sequential(nn.Linear(2, 10, seed=0), nn.Tanh(), nn.Linear(10, 2, seed=1))
    return {
        "training: scalar MLP on moons, 40 steps": play_training(
            nn.scalar.MLP(2, [16, 16, 1], seed=0), X, y, lr=0.5, steps=40).save(folder / "moons.html"),
        "training: Tensor MLP on the lesson's data, 100 steps": play_training(
            lesson, Xl[:80], yl[:80], lr=0.1, steps=100).save(folder / "lesson.html"),
    }


def write_vs_render(root: Any, kwargs: Dict[str, Any], folder: Path, repeat: int) -> Tuple[float, float, Path]:
    """Best-of-`repeat` seconds to write the player and to render() the same graph (svg), taking turns."""
    draw_kwargs = {k: v for k, v in kwargs.items() if k in ("model", "collapse", "max_nodes")}
    writes: List[float] = []
    renders: List[float] = []
    path = folder / "player.html"
    for _ in range(repeat):
        start = time.perf_counter()
        render(draw_graph(root, grad_flow=True, **draw_kwargs), folder / "graph.svg")
        renders.append(time.perf_counter() - start)
        start = time.perf_counter()
        play(root, **kwargs).save(path)
        writes.append(time.perf_counter() - start)
    return min(writes), min(renders), path


def browser_times(path: Path, browser: Any) -> Tuple[float, float, float]:
    """(ms to the first frame, median and max ms to redraw one step over all steps) in headless Chromium.

    The first frame: the later of the player's first render and the first contentful paint, in ms since the
    navigation started. One step: `go(k)` plus the style and layout it causes, for every step k.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(path.resolve().as_uri())
    page.wait_for_timeout(100)  # let the first paint happen and be recorded
    first = max(page.evaluate("window.tgPlayer.ready"),
                page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] "
                              "|| {startTime: 0}).startTime"))
    steps = page.evaluate("""() => {
        const p = window.tgPlayer, times = [];
        for (let k = 1; k < p.count; k++) {
            const t0 = performance.now();
            p.go(k);
            document.body.getBoundingClientRect();  // style and layout of the new frame
            times.push(performance.now() - t0);
        }
        return times;
    }""")
    page.close()
    return first, statistics.median(steps), max(steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {load()}  (cores: {os.cpu_count()})")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = {}
        for name, (root, kwargs, budget) in cases().items():
            sub = folder / name.split()[0].lower().replace(",", "") / str(len(written))
            sub.mkdir(parents=True)
            write, rend, path = write_vs_render(root, kwargs, sub, args.repeat)
            size = path.stat().st_size
            written[name] = path
            rows.append([name, f"{size / 1024:.0f} KB (< {budget // 1000:,} KB: {'yes' if size < budget else 'NO'})",
                         f"{write * 1000:.0f} ms vs render {rend * 1000:.0f} ms = {write / rend:.2f}x "
                         f"({'yes' if write <= 2 * rend else 'NO'})"])
        for name, path in training_pages(folder).items():
            written[name] = path
            size = path.stat().st_size
            rows.append([name, f"{size / 1024:.0f} KB", "-"])
        browser_rows = {}
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            print("browser part skipped: pip install playwright==1.49.1 (and apt-get install chromium)")
        else:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name, path in written.items():
                    browser_times(path, browser)  # warm-up: the first page pays for the browser's start
                    runs = [browser_times(path, browser) for _ in range(3)]
                    first = min(r[0] for r in runs)
                    med = min(r[1] for r in runs)
                    worst = min(r[2] for r in runs)
                    browser_rows[name] = (f"{first:.0f} ms ({'yes' if first < 1000 else 'NO'})",
                                          f"median {med:.1f} ms, max {worst:.1f} ms ({'yes' if worst < 50 else 'NO'})")
                browser.close()
    print(f"load average after: {load()}\n")
    header = ["player", "size", "write (best of %d) vs render() svg" % args.repeat, "first frame", "one step"]
    table = [r + list(browser_rows.get(r[0], ("-", "-"))) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    for line in [header, ["-" * w for w in widths]] + table:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)))


if __name__ == "__main__":
    main()
