"""Gradient norms per layer over training, on a log scale: the plot that shows vanishing gradients.

If the early layers' lines sit orders of magnitude below the last layer's and stay there, those layers barely
learn (vanishing gradients: typical for deep sigmoid/tanh stacks); lines that shoot up warn of exploding ones.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .._files import atomic_write


def plot_grad_norms(
    history_or_dict: Any,
    path: Union[str, Path],
    xlabel: str = "step",
    title: str = "Gradient norm per layer",
) -> Path:
    """Plot each layer's gradient norm over steps (or epochs) on a log y-axis and save it (png, svg or pdf).

    `history_or_dict` is a dict name -> list of floats, or a training history with such a dict in `.grad_norms`
    (`tinygrad_edu.train.fit(..., record_grad_norms=True)`). Zero or non-finite norms cannot be drawn on a log
    axis; they leave gaps, and the title says how many. Returns the path; the file is written atomically.
    """
    norms = _norms_dict(history_or_dict)
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"plot_grad_norms: path must end in .png, .svg or .pdf, got {str(path)!r}")

    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)  # the Agg canvas: no GUI, no global pyplot state
    ax = fig.add_subplot()
    cmap = colormaps["viridis"]
    skipped = 0
    for k, (name, values) in enumerate(norms.items()):
        shown = [v if v > 0 and math.isfinite(v) else math.nan for v in values]
        skipped += sum(1 for v in shown if math.isnan(v))
        colour = cmap(0.9 * k / max(len(norms) - 1, 1))  # first layer dark, last yellow: depth reads as colour
        ax.plot(range(1, len(values) + 1), shown, label=name, color=colour, marker="o" if len(values) <= 30 else None,
                markersize=3, linewidth=1.5)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title(title + (f" ({skipped} zero or non-finite values not shown)" if skipped else ""))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())
    return path


def _norms_dict(history_or_dict: Any) -> Mapping[str, Sequence[float]]:
    """Accept a dict name -> norms, or an object carrying one in `.grad_norms`; check it is plottable."""
    norms = getattr(history_or_dict, "grad_norms", history_or_dict)
    if not isinstance(norms, Mapping):
        raise TypeError(
            "plot_grad_norms needs a dict {layer name: [norm per step]} or a history with .grad_norms, "
            f"got {type(history_or_dict).__name__}"
        )
    if not norms or all(len(v) == 0 for v in norms.values()):
        raise ValueError("plot_grad_norms: no gradient norms to plot (the dict is empty; record_grad_norms=True?)")
    clean = {}
    for name, values in norms.items():
        try:
            clean[str(name)] = [float(v) for v in values]
        except (TypeError, ValueError):
            raise TypeError(f"plot_grad_norms: the norms of {name!r} must be numbers, got {values!r}") from None
    return clean
