"""The lesson's loss functions, drawn from the package's own losses, with their slopes found by `backward()`.

- Regression: absolute error (`l1_loss`) and squared error (`mse_loss`) against the prediction error.
- Binary classification: the 0-1 loss (`1 - accuracy`), the logistic loss (`binary_cross_entropy_with_logits`)
  and micrograd's hinge loss (`hinge_loss`) against the margin y * score (positive = right side).
- Multi-class classification: cross-entropy (`cross_entropy`) against the probability given to the true class.

The second row shows each loss's derivative, computed by autograd (not by hand). It explains the lesson's
points: squared error's slope grows with the error (so outliers pull hard), absolute error's slope stays at +-1;
the 0-1 loss has slope 0 almost everywhere, so gradient descent cannot learn from it, which is why we train
with a smooth stand-in such as the logistic loss; cross-entropy's slope -1/p punishes confident mistakes.

    python demos/loss_functions.py         # picture in out/loss_functions/
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np

from _common import finish, header, output_dir, parse_args, save_figure, say
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

Curve = Tuple[np.ndarray, np.ndarray]  # the loss and its derivative at each point


def loss_and_slope(loss: Callable[[Tensor], Tensor], x: np.ndarray) -> Curve:
    """Evaluate an elementwise loss at every x, and its derivative d loss / dx with one `backward()`.

    The losses are summed before `backward()`: each x only affects its own term, so the gradient of the sum
    is the derivative at each point.
    """
    t = Tensor(x, requires_grad=True, dtype=np.float64)
    per_point = loss(t)
    per_point.sum().backward()
    return per_point.numpy().copy(), t.grad.copy()


def regression_losses(errors: np.ndarray) -> Dict[str, Curve]:
    """Absolute and squared error of predictions `errors` away from a target of 0."""
    target = np.zeros_like(errors)
    return {
        "absolute error |e|": loss_and_slope(lambda e: F.l1_loss(e, target, reduction="none"), errors),
        "squared error e^2": loss_and_slope(lambda e: F.mse_loss(e, target, reduction="none"), errors),
    }


def margin_losses(margins: np.ndarray) -> Dict[str, Curve]:
    """0-1, logistic and hinge loss of a sample of class +1 whose score is `margin` (margin = y * score)."""
    ones = np.ones(len(margins), dtype=np.int64)
    zero_one = np.array([1.0 - F.accuracy(np.array([m]), np.array([1])) for m in margins])
    return {
        "0-1 loss (1 - accuracy)": (zero_one, np.zeros_like(margins)),
        "logistic loss log(1 + e^-m)": loss_and_slope(
            lambda m: F.binary_cross_entropy_with_logits(m, ones, reduction="none"), margins),
        "hinge loss max(0, 1 - m)": loss_and_slope(
            lambda m: F.hinge_loss(m, ones, reduction="none"), margins),
    }


def cross_entropy_curve(p: np.ndarray) -> Curve:
    """Cross-entropy of a two-class prediction that gives probability p to the true class (class 0).

    The logits (log p, log(1 - p)) have softmax (p, 1 - p), so `cross_entropy` sees exactly that prediction;
    the slope is taken with respect to p through the whole softmax + log, by autograd.
    """
    labels = np.zeros(len(p), dtype=np.int64)

    def loss(prob: Tensor) -> Tensor:
        logits = _two_column(prob.log(), (1 - prob).log())
        return F.cross_entropy(logits, labels, reduction="none")

    return loss_and_slope(loss, p)


def _two_column(a: Tensor, b: Tensor) -> Tensor:
    """Stack two (N,) Tensors into an (N, 2) Tensor with ops autograd knows: a*[1, 0] + b*[0, 1]."""
    first = np.array([[1.0, 0.0]])
    second = np.array([[0.0, 1.0]])
    return a.reshape(-1, 1) * Tensor(first, dtype=np.float64) + b.reshape(-1, 1) * Tensor(second, dtype=np.float64)


def plot_losses(errors: np.ndarray, regression: Dict[str, Curve], margins: np.ndarray, margin: Dict[str, Curve],
                p: np.ndarray, ce: Curve, path: Path) -> Path:
    """Three panels of losses on top, their derivatives below."""
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), sharex="col")
    panels = [
        (errors, regression, "prediction error e = prediction - target", "Regression losses"),
        (margins, margin, "margin m = y * score (> 0: right side)", "Binary classification losses"),
        (p, {"cross-entropy -log p": ce}, "probability p given to the true class", "Cross-entropy"),
    ]
    for col, (x, curves, xlabel, title) in enumerate(panels):
        top, bottom = axes[0, col], axes[1, col]
        for name, (loss, slope) in curves.items():
            step = name.startswith("0-1")
            top.plot(x, loss, label=name, linewidth=2, drawstyle="steps-mid" if step else "default")
            slope_label = "0-1 loss: slope 0 (no signal)" if step else f"slope of {name.split(' ')[0]}"
            bottom.plot(x, slope, label=slope_label, linewidth=2, linestyle=":" if step else "-")
        top.set_title(title)
        top.legend(fontsize=8)
        top.grid(alpha=0.3)
        bottom.set_xlabel(xlabel)
        bottom.grid(alpha=0.3)
        bottom.axhline(0, color="k", linewidth=0.5)
        bottom.legend(fontsize=8)
    axes[0, 0].set_ylabel("loss")
    axes[1, 0].set_ylabel("slope, from backward()")
    axes[0, 2].set_ylim(0, 5)
    axes[1, 2].set_ylim(-20, 1)
    axes[1, 1].set_ylim(-1.08, 0.45)  # room above the curves for the legend
    axes[1, 1].legend(fontsize=8, loc="upper center", ncol=2)
    fig.suptitle("Loss functions of the lesson (top) and the gradients they give (bottom)")
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Draw the lesson's loss functions; return a few of their values (checked by the tests)."""
    args = parse_args("loss_functions", __doc__.split("\n")[0], argv)
    folder = output_dir(args.out)
    n = 61 if args.fast else 601  # an odd count puts a point exactly at 0
    errors = np.linspace(-3, 3, n)
    margins = np.linspace(-3, 3, n)
    p = np.linspace(0.01, 0.99, n)  # p = 1 would need log(1 - p) = -inf
    regression = regression_losses(errors)
    margin = margin_losses(margins)
    ce = cross_entropy_curve(p)

    header("Loss values, from tinygrad_edu.nn.functional")
    at = {"e": 2.0, "m": 0.0, "p": 0.5}
    i_e = int(np.argmin(np.abs(errors - at["e"])))
    i_m = int(np.argmin(np.abs(margins - at["m"])))
    i_p = int(np.argmin(np.abs(p - at["p"])))
    results: Dict[str, Any] = {
        "abs_at_2": float(regression["absolute error |e|"][0][i_e]),
        "abs_slope_at_2": float(regression["absolute error |e|"][1][i_e]),
        "sq_at_2": float(regression["squared error e^2"][0][i_e]),
        "sq_slope_at_2": float(regression["squared error e^2"][1][i_e]),
        "zero_one_at_-1": float(margin["0-1 loss (1 - accuracy)"][0][int(np.argmin(np.abs(margins + 1)))]),
        "zero_one_at_1": float(margin["0-1 loss (1 - accuracy)"][0][int(np.argmin(np.abs(margins - 1)))]),
        "logistic_at_0": float(margin["logistic loss log(1 + e^-m)"][0][i_m]),
        "logistic_slope_at_0": float(margin["logistic loss log(1 + e^-m)"][1][i_m]),
        "hinge_at_0": float(margin["hinge loss max(0, 1 - m)"][0][i_m]),
        "cross_entropy_at_half": float(ce[0][i_p]),
        "cross_entropy_slope_at_half": float(ce[1][i_p]),
    }
    say(f"  error e = 2:     absolute error {results['abs_at_2']:.3f} (slope {results['abs_slope_at_2']:+.3f}), "
        f"squared error {results['sq_at_2']:.3f} (slope {results['sq_slope_at_2']:+.3f})")
    say(f"  margin m = 0:    logistic loss {results['logistic_at_0']:.4f} = log 2 (slope "
        f"{results['logistic_slope_at_0']:+.3f}), hinge loss {results['hinge_at_0']:.3f}")
    say(f"  margin m = -1/1: 0-1 loss {results['zero_one_at_-1']:.0f} / {results['zero_one_at_1']:.0f} "
        f"(slope 0 everywhere it exists: no gradient to learn from)")
    say(f"  p = 0.5:         cross-entropy {results['cross_entropy_at_half']:.4f} = log 2 "
        f"(slope d/dp {results['cross_entropy_slope_at_half']:+.3f} = -1/p)")
    picture = plot_losses(errors, regression, margins, margin, p, ce, folder / "loss_functions.png")
    results.update({"out": folder, "files": [picture]})
    finish(folder, [picture])
    return results


if __name__ == "__main__":
    main()
