"""The lesson's 2-D example: a one-layer and a two-layer network on 100 noisy points, trained with minibatch SGD.

This is the AI-For-Beginners notebook "Introduction to Neural Networks: Multi-Layered Perceptron" with the
package doing the work the notebook writes by hand: `nn.Linear` is its `Linear`, `nn.Tanh` its `Tanh`, and
`nn.CrossEntropyLoss` is its `Softmax` + `CrossEntropyLoss` in one (it takes the raw scores, the logits, and
applies the softmax itself, which is numerically safer). `loss.backward()` replaces the hand-written `backward`
methods, and `optim.SGD` replaces `update(lr)`.

Data: 100 points with two informative features, 20% of the labels replaced at random (so even the best line
gets about one point in ten wrong); the first 80 points train, the last 20 test.

    python demos/lesson_2d.py              # pictures in out/lesson_2d/
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np

from _common import (
    finish,
    header,
    output_dir,
    parse_args,
    plot_decision_boundary,
    save_figure,
    say,
    tensor_class1_probability,
)
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, make_lesson_classification
from tinygrad_edu.train import evaluate

EPOCHS = 30
BATCH_SIZE = 4
LEARNING_RATE = 0.1  # the notebook's default for train_epoch and train_and_plot

Split = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def lesson_data(seed: int = 0) -> Split:
    """The notebook's data: 100 points, 2 informative features, 20% flipped labels; first 80 train, last 20 test."""
    X, y = make_lesson_classification(n=100, flip=0.2, seed=seed)
    return X[:80], y[:80], X[80:], y[80:]


ONE_LAYER = "Linear(2, 2) -> softmax"
TWO_LAYER = "Linear(2, 10) -> Tanh -> Linear(10, 2) -> softmax"


def one_layer_net(seed: int = 0) -> nn.Module:
    """The notebook's first network: Linear(2, 2) followed by softmax (inside the loss here)."""
    return nn.Sequential(nn.Linear(2, 2, seed=seed))


def two_layer_net(seed: int = 0) -> nn.Module:
    """The notebook's `Net`: Linear(2, 10), Tanh, Linear(10, 2), then softmax (inside the loss)."""
    return nn.Sequential(nn.Linear(2, 10, seed=seed), nn.Tanh(), nn.Linear(10, 2, seed=seed + 1))


def loss_and_accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> Tuple[float, float]:
    """The notebook's `get_loss_acc`: mean cross-entropy and the fraction of points classified right."""
    loss, acc = evaluate(model, nn.CrossEntropyLoss(), X, y)
    return loss, float(acc)


def train_epoch(model: nn.Module, loader: DataLoader, loss_fn: nn.Module, optimizer: optim.Optimizer) -> None:
    """The notebook's `train_epoch`: for each minibatch, forward, loss, backward, update.

    Written out here because it is the heart of the lesson; `tinygrad_edu.train.fit` runs the same loop.
    """
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()


def train_and_record(model: nn.Module, data: Split, epochs: int, lr: float, seed: int) -> Dict[str, List[float]]:
    """The notebook's `train_and_plot` without the live plot: train, and record loss and accuracy before training
    (entry 0) and after each epoch (entries 1..epochs)."""
    X_train, y_train, X_test, y_test = data
    loader = DataLoader(X_train, y_train, batch_size=BATCH_SIZE, shuffle=True, seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history: Dict[str, List[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    for epoch in range(epochs + 1):
        if epoch > 0:
            train_epoch(model, loader, loss_fn, optimizer)
        for part, (X, y) in (("train", (X_train, y_train)), ("test", (X_test, y_test))):
            loss, acc = loss_and_accuracy(model, X, y)
            history[f"{part}_loss"].append(loss)
            history[f"{part}_acc"].append(acc)
    return history


def plot_training(model: nn.Module, data: Split, history: Dict[str, List[float]], title: str, path: Path,
                  resolution: int = 150) -> Path:
    """The notebook's picture: accuracy per epoch on top, the decision boundary below."""
    X_train, y_train, X_test, y_test = data
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 8.5),
                                      gridspec_kw={"height_ratios": [1, 1.6], "hspace": 0.35})
    epochs = np.arange(len(history["train_acc"]))  # 0: before training
    top.plot(epochs, history["train_acc"], "k--", marker=".", label="training accuracy")
    top.plot(epochs, history["test_acc"], "g-", marker=".", label="test accuracy")
    top.set_xlim(0, len(epochs))
    top.set_ylim(0, 1.05)
    top.set_xlabel("epoch (0: before training)")
    top.set_ylabel("accuracy")
    top.legend(loc="lower right", ncol=2, fontsize=8, framealpha=0.9)
    top.set_title(title)
    plot_decision_boundary(bottom, tensor_class1_probability(model), X_train, y_train,
                           title="P(class 1); the black line is the decision boundary",
                           resolution=resolution, X_test=X_test, y_test=y_test)
    return save_figure(fig, path)


def measure(model: nn.Module, data: Split, when: str) -> Dict[str, float]:
    """Train and test loss and accuracy, printed on one line and returned with keys like `test_acc_after`."""
    X_train, y_train, X_test, y_test = data
    train_loss, train_acc = loss_and_accuracy(model, X_train, y_train)
    test_loss, test_acc = loss_and_accuracy(model, X_test, y_test)
    say(f"  {when:6s} training: train loss {train_loss:.4f}, accuracy {train_acc:6.1%} | "
        f"test loss {test_loss:.4f}, accuracy {test_acc:6.1%}")
    return {f"train_loss_{when}": train_loss, f"train_acc_{when}": train_acc,
            f"test_loss_{when}": test_loss, f"test_acc_{when}": test_acc}


def run_network(name: str, layers: str, model: nn.Module, data: Split, epochs: int, lr: float, seed: int,
                folder: Path, resolution: int) -> Dict[str, Any]:
    """Train one network, print its figures before and after, draw its picture; return the figures."""
    header(f"{name}: {layers}")
    figures: Dict[str, Any] = dict(measure(model, data, "before"))
    start = time.perf_counter()
    history = train_and_record(model, data, epochs, lr, seed)
    seconds = time.perf_counter() - start
    say(f"  trained {epochs} epochs (minibatches of {BATCH_SIZE}, SGD lr={lr}) in {seconds:.2f} s")
    figures.update(measure(model, data, "after"))
    slug = name.lower().replace(" ", "_").replace("-", "_")
    picture = plot_training(model, data, history, f"{name}: accuracy per epoch", folder / f"{slug}.png", resolution)
    figures.update({"seconds": seconds, "history": history, "picture": picture})
    return figures


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Train the notebook's one-layer and two-layer networks; return their figures and the pictures written."""
    args = parse_args("lesson_2d", __doc__.split("\n")[0], argv, _add_arguments)
    folder = output_dir(args.out)
    epochs = args.epochs if args.epochs is not None else (10 if args.fast else EPOCHS)
    data = lesson_data(args.seed)
    say(f"The lesson's data: {len(data[0])} training and {len(data[2])} test points, 2 features, 2 classes, "
        f"20% of the labels flipped at random (class balance in training: {np.bincount(data[1]).tolist()})")
    resolution = 60 if args.fast else 150
    results: Dict[str, Any] = {
        "one_layer": run_network("One-layer network", ONE_LAYER, one_layer_net(args.seed), data, epochs, args.lr,
                                 args.seed, folder, resolution),
        "two_layer": run_network("Two-layer network", TWO_LAYER, two_layer_net(args.seed), data, epochs, args.lr,
                                 args.seed, folder, resolution),
    }
    files = [results["one_layer"]["picture"], results["two_layer"]["picture"]]
    results.update({"epochs": epochs, "out": folder, "files": files})
    finish(folder, files)
    return results


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs of training (default: {EPOCHS}; 10 with --fast)")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE, help=f"SGD learning rate (default: {LEARNING_RATE})")


if __name__ == "__main__":
    main()
