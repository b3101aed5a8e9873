"""micrograd's demo: a scalar MLP of `Value`s learns to separate two moons, with the max-margin (hinge) loss.

Every weight is one `Value` and every multiply one node in the graph, exactly as in micrograd: slow, but each
step of backpropagation can be drawn and followed. The recipe is micrograd's: `MLP(2, [16, 16, 1])`, labels
-1/+1, hinge loss plus L2 regularisation (alpha 1e-4), 100 steps of full-batch SGD with the learning rate
falling from 1.0 to 0.1.

    python demos/moons.py                  # pictures in out/moons/ (about half a minute)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np

from _common import (
    finish,
    header,
    output_dir,
    parse_args,
    plot_decision_boundary,
    progress,
    render_graph,
    save_figure,
    say,
)
from tinygrad_edu import Value, no_grad, optim
from tinygrad_edu.data import make_moons
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.scalar import MLP
from tinygrad_edu.viz import draw_graph, play_training

ALPHA = 1e-4  # L2 regularisation strength, as micrograd
STEPS = 100
SAMPLES = 100
HIDDEN = [16, 16]


def moons_data(n: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Two moons with noise 0.1 and labels -1/+1 (what the hinge loss expects)."""
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, y * 2 - 1


def scores(model: MLP, X: np.ndarray) -> List[Value]:
    """The model's score for each row of X (positive: class +1). The inputs are constants, not parameters."""
    return [model([float(a), float(b)]) for a, b in X]


def loss_and_accuracy(model: MLP, X: np.ndarray, y: np.ndarray) -> Tuple[Value, float]:
    """micrograd's `loss()`: mean hinge loss + alpha * sum of squared weights, and the accuracy."""
    out = scores(model, X)
    data_loss = F.hinge_loss(out, y)
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, F.accuracy(out, y)


def train(model: MLP, X: np.ndarray, y: np.ndarray, steps: int) -> Dict[str, List[float]]:
    """Full-batch SGD with micrograd's schedule lr = 1.0 - 0.9 * k / steps; record loss and accuracy per step."""
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    history: Dict[str, List[float]] = {"loss": [], "accuracy": []}
    for k in progress(range(steps), desc="moons: SGD steps"):
        loss, acc = loss_and_accuracy(model, X, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        history["loss"].append(loss.data)
        history["accuracy"].append(acc)
        if k % 10 == 0 or k == steps - 1:
            say(f"  step {k:3d}  loss {loss.data:.4f}  accuracy {acc:6.1%}  (lr {optimizer.lr:.3f})")
    return history


def score_grid(model: MLP) -> Callable[[np.ndarray], np.ndarray]:
    """A numpy function giving the model's score at each point of a grid (no graph is recorded)."""

    def predict(points: np.ndarray) -> np.ndarray:
        with no_grad():
            return np.array([model([float(a), float(b)]).data for a, b in progress(points, desc="decision boundary")])

    return predict


def plot_result(model: MLP, X: np.ndarray, y: np.ndarray, history: Dict[str, List[float]], path: Path,
                resolution: int) -> Path:
    """Decision boundary (score 0) over the data, and the loss and accuracy per step."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_decision_boundary(left, score_grid(model), X, (y > 0).astype(int), resolution=resolution,
                           levels=np.linspace(-3, 3, 25), class_names=["label -1", "label +1"],
                           title=f"Scalar MLP(2, {HIDDEN + [1]}): score; black line = boundary (score 0)")
    steps = np.arange(len(history["loss"]))
    right.plot(steps, history["loss"], label="loss (hinge + L2)")
    right.set_xlabel("SGD step")
    right.set_ylabel("loss")
    twin = right.twinx()
    twin.plot(steps, history["accuracy"], color="tab:green", label="accuracy")
    twin.set_ylabel("training accuracy")
    twin.set_ylim(0, 1.05)
    lines = right.get_lines() + twin.get_lines()  # one legend for both axes, below the curves
    right.legend(lines, [line.get_label() for line in lines], loc="upper center", bbox_to_anchor=(0.5, -0.12),
                 ncol=2, frameon=False)
    right.set_title("Training")
    fig.tight_layout()
    return save_figure(fig, path)


def draw_one_neuron(model: MLP, x: Sequence[float], path: Path) -> Path:
    """The compute graph of the first hidden neuron on one input, after backward(), edges coloured by gradient."""
    neuron = model.layers[0].neurons[0]
    neuron.fused = False  # for the picture: one `*` per weight, as the lesson draws a neuron (training fuses them)
    inputs = [Value(float(v), label=f"x{i}") for i, v in enumerate(x)]
    out = neuron(inputs)
    out.label = "out"
    model.zero_grad()  # the parameters still hold the last training step's gradients
    out.backward()
    return render_graph(draw_graph(out, model=model, grad_flow=True), path)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Train micrograd's moons classifier; return its figures and the pictures written."""
    args = parse_args("moons", __doc__.split("\n")[0], argv, _add_arguments)
    folder = output_dir(args.out)
    n = args.samples or (40 if args.fast else SAMPLES)
    steps = args.steps or (30 if args.fast else STEPS)
    X, y = moons_data(n, args.seed)
    model = MLP(2, HIDDEN + [1], seed=args.seed)
    header(f"Two moons: {n} points, scalar MLP(2, {HIDDEN + [1]}) with {len(model.parameters())} Value parameters")
    start = time.perf_counter()
    history = train(model, X, y, steps)
    seconds = time.perf_counter() - start
    final_loss, final_acc = loss_and_accuracy(model, X, y)
    say(f"  after {steps} steps: loss {final_loss.data:.4f}, training accuracy {final_acc:.1%} ({seconds:.1f} s)")

    say("  drawing the decision boundary (one scalar forward pass per grid point)...")
    boundary = plot_result(model, X, y, history, folder / "moons.png", resolution=20 if args.fast else 50)
    neuron_graph = draw_one_neuron(model, X[0], folder / "neuron_graph.png")
    player = play_training(MLP(2, HIDDEN + [1], seed=args.seed), X, y, lr=0.5, steps=10 if args.fast else 40)
    player_path = player.save(folder / "training_player.html")
    say(f"  scrub through a training run in the browser (boundary, loss, parameters, one sample): {player_path}")
    files = [boundary, neuron_graph]
    finish(folder, files)
    return {"accuracy": final_acc, "loss": final_loss.data, "steps": steps, "samples": n, "seconds": seconds,
            "history": history, "out": folder, "files": files, "player": player_path}


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, default=None, help=f"SGD steps (default: {STEPS}; 30 with --fast)")
    parser.add_argument("--samples", type=int, default=None,
                        help=f"number of points (default: {SAMPLES}; 40 with --fast)")


if __name__ == "__main__":
    main()
