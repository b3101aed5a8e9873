"""The lesson's lab: 1-, 2- and 3-layer perceptrons on MNIST handwritten digits, compared side by side.

For each network the lab asks for: training and validation accuracy per epoch, a warning when the network
starts to overfit (validation loss rising while training loss falls), the largest absolute weight after each
epoch, and a results table. The best network's mistakes are shown as a confusion matrix and as a grid of the
digits it got wrong.

Data: by default the MNIST test set bundled with the package (no download): its first 8,000 images train, the
last 2,000 validate. `--data DIR` loads the full 60,000 + 10,000 images from IDX files in DIR; `--download`
fetches them first (about 11 MB, once).

Recipe: SGD with momentum 0.9, learning rate 0.1 falling along a cosine to 0 over the run, weight decay 5e-4,
minibatches of 64, 20 epochs.

    python demos/mnist_lab.py                       # all three networks, ReLU; pictures in out/mnist_lab/
    python demos/mnist_lab.py --activation tanh     # the same with tanh (or sigmoid)
    python demos/mnist_lab.py --activation sigmoid --lr 0.5   # sigmoid's small slopes want larger steps
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
import numpy as np

from _common import finish, header, output_dir, parse_args, save_figure, say
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, download_mnist, load_mnist, mnist_lesson_split
from tinygrad_edu.train import History, evaluate, fit

ARCHITECTURES: Dict[str, List[int]] = {
    "1-layer": [784, 10],
    "2-layer": [784, 128, 10],
    "3-layer": [784, 128, 64, 10],
}
EPOCHS = 20
LEARNING_RATE = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
BATCH_SIZE = 64

Data = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Callback = Callable[[int, History, nn.Module], Optional[bool]]


# ----------------------------------------------------------------------------------------------- data


def load_data(data_dir: Optional[str], download: bool, fast: bool) -> Tuple[Data, str]:
    """(X_train, y_train, X_val, y_val) and a sentence saying where they came from."""
    if download:
        say("Downloading MNIST (once; about 11 MB)...")
        try:
            data_dir = str(download_mnist())
        except (ConnectionError, ValueError) as e:
            raise SystemExit(f"mnist_lab: {e}") from None
    if data_dir is not None:
        X_train, y_train = load_mnist(data_dir, split="train")
        X_val, y_val = load_mnist(data_dir, split="t10k")
        source = f"full MNIST from {data_dir}: the 60,000 training images train, the 10,000 test images validate"
    else:
        X_train, y_train, X_val, y_val = mnist_lesson_split()
        source = "the bundled MNIST test set: its first 8,000 images train, its last 2,000 validate"
    if fast:
        X_train, y_train, X_val, y_val = X_train[:1000], y_train[:1000], X_val[:500], y_val[:500]
        source += " (--fast: only 1,000 / 500 of them)"
    return (X_train, y_train, X_val, y_val), source


# ----------------------------------------------------------------------------------------------- training


def cosine_schedule(optimizer: optim.Optimizer, base_lr: float, epochs: int) -> Callback:
    """After each epoch, set the learning rate for the next one: base_lr * (1 + cos(pi * epoch / epochs)) / 2.

    Large steps early move fast; small steps at the end settle into a minimum instead of bouncing around it.
    """

    def set_lr(epoch: int, history: History, model: nn.Module) -> None:
        optimizer.lr = base_lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))

    return set_lr


def epoch_report(epochs: int, events: Dict[str, Any]) -> Callback:
    """Print one line per epoch, and a warning (once) when the model starts to overfit."""

    def report(epoch: int, history: History, model: nn.Module) -> None:
        say(f"  epoch {epoch:2d}/{epochs}  train loss {history.train_loss[-1]:.4f} acc {history.train_acc[-1]:6.2%} | "
            f"val loss {history.val_loss[-1]:.4f} acc {history.val_acc[-1]:6.2%} | "
            f"max |w| {history.max_abs_weight[-1]:.3f} | {history.seconds[-1]:.2f} s")
        if "overfit_epoch" not in events and history.overfitting():
            events["overfit_epoch"] = epoch
            say(f"  ! overfitting: the validation loss has risen for 2 epochs while the training loss fell; "
                f"the best validation loss was at epoch {history.best_epoch()}")

    return report


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def train_model(name: str, sizes: List[int], data: Data, epochs: int, activation: str = "relu",
                lr: float = LEARNING_RATE, weight_decay: float = WEIGHT_DECAY, batch_size: int = BATCH_SIZE,
                seed: int = 0) -> Dict[str, Any]:
    """Train one MLP with the lab's recipe and measure it; return its figures, history and model."""
    X_train, y_train, X_val, y_val = data
    model = nn.MLP(sizes, activation=activation, seed=seed)
    params = count_parameters(model)
    between = f"{activation} between layers" if len(sizes) > 2 else "no hidden layer, so no activation"
    header(f"{name} perceptron {' -> '.join(map(str, sizes))} ({between}), {params:,} parameters")
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM, weight_decay=weight_decay)
    loader = DataLoader(X_train, y_train, batch_size=batch_size, shuffle=True, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    events: Dict[str, Any] = {}
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, loader, epochs, val=(X_val, y_val), progress=sys.stderr.isatty(),
                  callbacks=[cosine_schedule(optimizer, lr, epochs), epoch_report(epochs, events)],
                  warn_overfitting=False)
    seconds = time.perf_counter() - start
    train_loss, train_acc = evaluate(model, loss_fn, X_train, y_train)
    val_loss, val_acc = evaluate(model, loss_fn, X_val, y_val)
    say(f"  final: train accuracy {train_acc:.2%}, validation accuracy {val_acc:.2%} (loss {val_loss:.4f}), "
        f"{seconds:.1f} s")
    return {"name": name, "sizes": sizes, "parameters": params, "train_acc": train_acc, "train_loss": train_loss,
            "val_acc": val_acc, "val_loss": val_loss, "seconds": seconds, "max_abs_weight": history.max_abs_weight[-1],
            "overfit_epoch": events.get("overfit_epoch"), "history": history, "model": model}


# ----------------------------------------------------------------------------------------------- reporting


def results_table(runs: List[Dict[str, Any]]) -> str:
    """The lab's comparison as a text table."""
    lines = [f"  {'network':9s} {'architecture':16s} {'parameters':>10s} {'train acc':>9s} {'val acc':>8s} "
             f"{'max |w|':>7s} {'overfit at':>10s} {'seconds':>7s}"]
    for r in runs:
        arch = "-".join(map(str, r["sizes"]))
        overfit = "-" if r["overfit_epoch"] is None else f"epoch {r['overfit_epoch']}"
        lines.append(f"  {r['name']:9s} {arch:16s} {r['parameters']:>10,} {r['train_acc']:>9.2%} {r['val_acc']:>8.2%} "
                     f"{r['max_abs_weight']:>7.3f} {overfit:>10s} {r['seconds']:>7.2f}")
    return "\n".join(lines)


def predictions(model: nn.Module, X: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(Tensor(X)).numpy().argmax(axis=1)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[i, j] = how many digits of class i were predicted as j (the diagonal holds the right answers)."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    return counts


def plot_curves(runs: List[Dict[str, Any]], path: Path) -> Path:
    """Accuracy, loss and the largest |weight| per epoch, for every network."""
    fig, (acc_ax, loss_ax, w_ax) = plt.subplots(1, 3, figsize=(16, 4.8))
    for r, colour in zip(runs, ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        h: History = r["history"]
        label = f"{r['name']} {'-'.join(map(str, r['sizes']))}"
        acc_ax.plot(h.epoch, h.train_acc, "--", color=colour)
        acc_ax.plot(h.epoch, h.val_acc, "-", color=colour)
        loss_ax.plot(h.epoch, h.train_loss, "--", color=colour)
        loss_ax.plot(h.epoch, h.val_loss, "-", color=colour)
        w_ax.plot(h.epoch, h.max_abs_weight, "-o", markersize=3, color=colour, label=label)
    lowest = min(min(r["history"].train_acc + r["history"].val_acc) for r in runs)
    acc_ax.set_ylim(max(0.0, math.floor(lowest * 20) / 20 - 0.01), 1.0)  # every point shown, in steps of 5%
    acc_ax.set_title("Accuracy (train: average over each epoch)")
    loss_ax.set_title("Cross-entropy loss")
    loss_ax.set_yscale("log")
    w_ax.set_title("Largest absolute weight")
    for ax in (acc_ax, loss_ax, w_ax):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    # One legend below the panels, so no curve is hidden: colour = network, line style = train or validation.
    handles, labels = w_ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="k", linestyle="--"), Line2D([], [], color="k", linestyle="-")]
    labels += ["train (dashed)", "validation (solid)"]
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return save_figure(fig, path)


def plot_confusion(counts: np.ndarray, title: str, path: Path) -> Path:
    """The confusion matrix as a heat map, with the count in every cell."""
    fig, ax = plt.subplots(figsize=(7, 6))
    shown = np.log1p(counts)  # a log scale, so the few mistakes are visible next to the large diagonal
    image = ax.imshow(shown, cmap="Blues")
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if shown[i, j] > 0.6 * shown.max() else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="log(1 + count)")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_misclassified(X: np.ndarray, true: np.ndarray, predicted: np.ndarray, title: str, path: Path,
                       count: int = 40) -> Path:
    """The first `count` wrongly classified digits, each titled 'true -> predicted'."""
    wrong = np.flatnonzero(true != predicted)[:count]
    cols = 10
    rows = max(1, math.ceil(len(wrong) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.45), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(X[i].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{true[i]} -> {predicted[i]}", fontsize=9, color="tab:red")
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def show_mistakes(run: Dict[str, Any], X_val: np.ndarray, y_val: np.ndarray,
                  folder: Path) -> Tuple[np.ndarray, List[Path]]:
    """Print a trained network's most frequent confusions; draw its confusion matrix and misclassified digits."""
    predicted = predictions(run["model"], X_val)
    counts = confusion_matrix(y_val, predicted)
    pairs = sorted(((counts[i, j], i, j) for i in range(10) for j in range(10) if i != j), reverse=True)
    say("Most frequent mistakes: " + ", ".join(f"{i} taken for {j} ({n}x)" for n, i, j in pairs[:3] if n))
    title = f"{run['name']} {'-'.join(map(str, run['sizes']))}"
    files = [
        plot_confusion(counts, f"{title}: validation confusion matrix ({run['val_acc']:.2%} right)",
                       folder / "confusion_matrix.png"),
        plot_misclassified(X_val, y_val, predicted, f"{title}: misclassified validation digits (true -> predicted)",
                           folder / "misclassified.png"),
    ]
    return counts, files


# ----------------------------------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Run the lab; return every network's figures, the best one, and the pictures written."""
    args = parse_args("mnist_lab", __doc__.split("\n")[0], argv, _add_arguments)
    folder = output_dir(args.out)
    epochs = args.epochs if args.epochs is not None else (3 if args.fast else EPOCHS)
    data, source = load_data(args.data, args.download, args.fast)
    X_val, y_val = data[2], data[3]
    say(f"Data: {source}.")
    say(f"Recipe: SGD momentum {MOMENTUM}, lr {args.lr} with cosine decay, weight decay {args.weight_decay}, "
        f"minibatches of {args.batch_size}, {epochs} epochs, activation {args.activation}.")

    runs = [train_model(f"{n}-layer", ARCHITECTURES[f"{n}-layer"], data, epochs, args.activation, args.lr,
                        args.weight_decay, args.batch_size, args.seed) for n in sorted(set(args.layers))]

    header("Results")
    say(results_table(runs))
    best = max(runs, key=lambda r: r["val_acc"])
    say(f"Best: the {best['name']} perceptron, {best['val_acc']:.2%} validation accuracy "
        f"({int(round(best['val_acc'] * len(y_val)))} of {len(y_val):,} digits right) in {best['seconds']:.2f} s.")

    model_path = folder / "best_model.npz"
    nn.save(best["model"], model_path)
    counts, mistake_files = show_mistakes(best, X_val, y_val, folder)
    files = [plot_curves(runs, folder / "curves.png")] + mistake_files
    say(f"The best model's weights are saved in {model_path} (load them with tinygrad_edu.nn.load).")
    finish(folder, files)
    summary = [{k: v for k, v in r.items() if k not in ("model", "history")} for r in runs]
    return {"runs": summary, "histories": {r["name"]: r["history"] for r in runs}, "best": summary[runs.index(best)],
            "confusion_matrix": counts, "epochs": epochs, "out": folder, "files": files + [model_path]}


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--activation", choices=["relu", "tanh", "sigmoid"], default="relu",
                        help="activation between layers (default: relu)")
    parser.add_argument("--layers", type=int, nargs="+", choices=[1, 2, 3], default=[1, 2, 3],
                        help="which networks to train (default: 1 2 3)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs per network (default: {EPOCHS}; 3 with --fast)")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE,
                        help=f"initial learning rate (default: {LEARNING_RATE})")
    parser.add_argument("--weight-decay", type=float, default=WEIGHT_DECAY,
                        help=f"L2 weight decay (default: {WEIGHT_DECAY})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"minibatch size (default: {BATCH_SIZE})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="DIR", default=None, help="folder with the full MNIST IDX files")
    source.add_argument("--download", action="store_true", help="download the full MNIST first (needs internet)")


if __name__ == "__main__":
    main()
