"""Regression with outliers: the same MLP fitted with squared error (MSELoss) and with absolute error (L1Loss).

The data are y = sin(x) + a little noise, but one point in ten is an outlier, off by 3 to 6. Squared error
grows with the square of the miss, so those few points pull the curve towards them; absolute error grows only
linearly (its gradient is always +-1), so the outliers count no more than any other point and the fit stays on
the true curve. The error of each fit is measured on clean points of sin(x), which is what we wanted to learn.

    python demos/regression.py             # picture in out/regression/
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np

from _common import finish, header, output_dir, parse_args, save_figure, say
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, make_regression_1d
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import evaluate, fit

SAMPLES = 100
OUTLIERS = 0.1  # the fraction of points that are outliers
EPOCHS = 300
BATCH_SIZE = 16
LEARNING_RATE = 0.01
SIZES = [1, 32, 32, 1]


def clean_points(n: int = 200) -> Tuple[np.ndarray, np.ndarray]:
    """The true function on an even grid over the data's range, without noise or outliers."""
    X = np.linspace(-3, 3, n, dtype=np.float32)[:, None]
    return X, np.sin(X)


def fit_regression(X: np.ndarray, y: np.ndarray, loss_fn: nn.Module, epochs: int, seed: int) -> Tuple[nn.Module, float]:
    """Train an MLP(1, 32, 32, 1) with tanh on (X, y) with Adam; return it and the seconds taken."""
    model = nn.MLP(SIZES, activation="tanh", seed=seed)
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loader = DataLoader(X, y, batch_size=BATCH_SIZE, seed=seed)
    start = time.perf_counter()
    fit(model, loss_fn, optimizer, loader, epochs, metric=None, progress=False, warn_overfitting=False)
    return model, time.perf_counter() - start


def clean_errors(model: nn.Module) -> Dict[str, float]:
    """Mean absolute error and root mean squared error against the true function on clean points."""
    X, y = clean_points()
    mae, _ = evaluate(model, F.l1_loss, X, y, metric=None)
    mse, _ = evaluate(model, F.mse_loss, X, y, metric=None)
    return {"mae": mae, "rmse": float(np.sqrt(mse))}


def plot_fits(X: np.ndarray, y: np.ndarray, outlier: np.ndarray, models: Dict[str, nn.Module], path: Path) -> Path:
    """The data (outliers marked), the true curve, and each model's fitted curve."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    Xc, yc = clean_points()
    ax.scatter(X[~outlier, 0], y[~outlier, 0], s=14, color="0.35", label="data")
    ax.scatter(X[outlier, 0], y[outlier, 0], s=40, marker="x", color="tab:red", label="outliers")
    ax.plot(Xc[:, 0], yc[:, 0], "k--", linewidth=1.2, label="true function sin(x)")
    with no_grad():
        for (name, model), colour in zip(models.items(), ("tab:orange", "tab:blue", "tab:green")):
            ax.plot(Xc[:, 0], model(Tensor(Xc)).numpy()[:, 0], color=colour, linewidth=2.2, label=name)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title(f"MLP({SIZES}) fitted with squared and with absolute error ({OUTLIERS:.0%} outliers)")
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Fit the noisy sine with MSELoss and with L1Loss; return the clean-point errors and the picture written."""
    args = parse_args("regression", __doc__.split("\n")[0], argv)
    folder = output_dir(args.out)
    epochs = 100 if args.fast else EPOCHS
    X, y = make_regression_1d(n=SAMPLES, noise=0.1, outliers=OUTLIERS, seed=args.seed)
    outlier = np.abs(y - np.sin(X))[:, 0] > 1.0  # the data's outliers are off by 3 to 6, its noise is 0.1
    header(f"Regression: {SAMPLES} points of sin(x) + noise, {int(outlier.sum())} of them outliers")
    say(f"  MLP({SIZES}) with tanh, Adam lr={LEARNING_RATE}, minibatches of {BATCH_SIZE}, {epochs} epochs")
    X_clean_data, y_clean_data = X[~outlier], y[~outlier]
    runs = {
        "squared error (MSELoss)": (X, y, nn.MSELoss()),
        "absolute error (L1Loss)": (X, y, nn.L1Loss()),
        "squared error, outliers removed": (X_clean_data, y_clean_data, nn.MSELoss()),
    }
    models: Dict[str, nn.Module] = {}
    results: Dict[str, Any] = {}
    say("  error of each fit against the true function, on 200 clean points:")
    for name, (Xr, yr, loss_fn) in runs.items():
        model, seconds = fit_regression(Xr, yr, loss_fn, epochs, args.seed)
        errors = clean_errors(model)
        models[name] = model
        key = {"squared error (MSELoss)": "mse", "absolute error (L1Loss)": "l1"}.get(name, "mse_without_outliers")
        results[key] = {**errors, "seconds": seconds}
        say(f"    {name:33s} mean absolute error {errors['mae']:.3f}, RMS error {errors['rmse']:.3f} ({seconds:.1f} s)")
    mse, l1 = results["mse"], results["l1"]
    say(f"  The outliers make the squared-error fit {mse['mae'] / l1['mae']:.1f}x worse than the absolute-error fit "
        f"on clean points: each outlier's squared miss is huge, so the fit bends towards it.")
    picture = plot_fits(X, y, outlier, models, folder / "regression.png")
    results.update({"epochs": epochs, "outliers": int(outlier.sum()), "out": folder, "files": [picture]})
    finish(folder, [picture])
    return results


if __name__ == "__main__":
    main()
