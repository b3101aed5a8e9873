"""What every demo script shares: its command line, its output folder, saving pictures, and drawing a
classifier's decision boundary. The demos import this file as `_common`; it is not part of the package.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, TypeVar

import matplotlib

matplotlib.use("Agg")  # draw into files only: the demos run on servers and in CI, with no screen

import graphviz  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from tinygrad_edu import Tensor, no_grad  # noqa: E402
from tinygrad_edu._files import atomic_file  # noqa: E402
from tinygrad_edu.viz import GraphvizNotFoundError, render  # noqa: E402

T = TypeVar("T")


def parse_args(
    name: str,
    description: str,
    argv: Optional[Sequence[str]],
    add_arguments: Optional[Callable[[argparse.ArgumentParser], None]] = None,
) -> argparse.Namespace:
    """The options every demo has (`--out DIR`, `--fast`, `--seed N`) plus the demo's own ones."""
    parser = argparse.ArgumentParser(prog=f"demos/{name}.py", description=description)
    parser.add_argument("--out", default=os.path.join("out", name),
                        help=f"folder for the pictures (default: out/{name})")
    parser.add_argument("--fast", action="store_true", help="a much shorter run, for tests; the figures get worse")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed for data, weights and batch order (default: 0)")
    if add_arguments is not None:
        add_arguments(parser)
    return parser.parse_args(argv)


def output_dir(path: str) -> Path:
    """Create the output folder (and its parents) if needed, and return it."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def say(text: str = "") -> None:
    """Print a line now (not when the buffer fills), above any progress bar that is running."""
    tqdm.write(text, file=sys.stdout)
    sys.stdout.flush()


def header(title: str) -> None:
    """A visible section title in the demo's printout."""
    say()
    rule = "=" * (74 - len(title))
    say(f"== {title} {rule}".rstrip())


def progress(iterable: Iterable[T], desc: str, total: Optional[int] = None) -> Iterable[T]:
    """A tqdm progress bar on stderr around `iterable`, shown only in a terminal (not in logs or tests)."""
    return tqdm(iterable, desc=desc, total=total, leave=False, disable=None, file=sys.stderr, dynamic_ncols=True)


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Save `fig` as PNG atomically (temporary file + rename: no half-written picture on a crash), then close it."""
    path = Path(path)
    try:
        with atomic_file(path) as f:
            fig.savefig(f, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def render_graph(graph: graphviz.Digraph, path: Path) -> Path:
    """Render a `viz.draw_graph` picture to PNG; without Graphviz's `dot`, keep the .dot source and say so."""
    try:
        return render(graph, path)
    except GraphvizNotFoundError as e:
        say(f"  note: {e}")
        return e.dot_path


def tensor_class1_probability(model: Callable[[Tensor], Tensor]) -> Callable[[np.ndarray], np.ndarray]:
    """For a model that maps (N, 2) inputs to (N, 2) logits: a numpy function giving P(class 1) at each point."""

    def predict(points: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(Tensor(points)).softmax(axis=1).numpy()[:, 1]

    return predict


def plot_decision_boundary(
    ax: plt.Axes,
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    title: str = "",
    resolution: int = 150,
    levels: Optional[Sequence[float]] = None,
    X_test: Optional[np.ndarray] = None,
    y_test: Optional[np.ndarray] = None,
    class_names: Optional[Sequence[str]] = None,
) -> None:
    """Colour the plane by the model's output and draw the labelled points on top.

    `predict` maps an (N, 2) array of points to N numbers: P(class 1) for a softmax model (levels 0..1, the
    boundary is the 0.5 line), or a raw score for a hinge-loss model (pass `levels`; the boundary is the 0 line).
    Test points, if given, are drawn as triangles. `class_names` names classes 0 and 1 in the legend.
    """
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2-D inputs, got X of shape {X.shape}")
    every = X if X_test is None else np.concatenate([X, X_test])
    (x0, y0), (x1, y1) = every.min(axis=0) - 0.5, every.max(axis=0) + 0.5
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    zz = np.asarray(predict(grid), dtype=np.float64).reshape(xx.shape)
    if levels is None:
        levels = np.linspace(0.0, 1.0, 21)
        boundary = 0.5
    else:
        boundary = 0.0
    filled = ax.contourf(xx, yy, zz, levels=levels, cmap="coolwarm", alpha=0.6, extend="both")
    ax.contour(xx, yy, zz, levels=[boundary], colors="k", linewidths=1.5)
    ax.figure.colorbar(filled, ax=ax, fraction=0.046, pad=0.02)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k", s=28)
    classes = np.unique(y)
    cmap = plt.get_cmap("coolwarm")
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=cmap(float(k == classes.max())),
                      markeredgecolor="k", label=class_names[k] if class_names else f"class {k}") for k in classes]
    if X_test is not None and y_test is not None:
        ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="coolwarm", vmin=0, vmax=1, marker="^",
                   edgecolors="k", s=48)
        handles += [Line2D([], [], marker="o", linestyle="", color="w", markeredgecolor="k", label="train"),
                    Line2D([], [], marker="^", linestyle="", color="w", markeredgecolor="k", label="test")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(handles), fontsize=8,
              frameon=False)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)


def finish(folder: Path, files: List[Path]) -> None:
    """Say which pictures were written and where, as the last lines of every demo."""
    header("Pictures")
    for f in files:
        say(f"  {f}")
    say(f"All pictures are in {folder.resolve()}")
