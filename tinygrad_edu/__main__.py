"""Command line: `python -m tinygrad_edu graph [--out DIR]` renders the example pictures of compute graphs;
`python -m tinygrad_edu play [--out DIR]` writes the example players (HTML pages that step through them).

The examples (see DESCRIPTIONS) go from a 4-node expression to a 4,000-node scalar MLP and a deep Tensor MLP;
each builder below is a few lines you can copy into a notebook.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import nn, optim
from ._files import atomic_write
from .data import DataLoader
from .tensor import Tensor
from .train import fit
from .value import Value
from .data import make_lesson_classification, make_moons
from .viz import (GraphvizNotFoundError, backprop_trace, draw_graph, format_trace, play, play_training,
                  plot_grad_norms, render)


DESCRIPTIONS = {
    "expression": "L = (a*b + c) * f: data, gradients, and the step at which backward() visits each op",
    "neuron": "one tanh neuron, edges coloured by gradient size; the dashed edge: w2 gets no gradient (x2 = 0)",
    "scalar_mlp_forward": "a micrograd MLP(2, [8, 8, 1]) on 32 points, a row per neuron (4,000+ nodes collapsed)",
    "scalar_mlp_backward": "the same after backward(): edge colour and width show the gradient between layers",
    "tensor_mlp": "a deep sigmoid MLP of Tensors: the gradient fades from red to blue towards the first layer",
    "grad_norms": "per-layer gradient norms while that MLP trains: the first layer starts ~1000x below the last",
}


def expression() -> Value:
    """A small expression with named values; backward() already run."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return loss


def neuron() -> Value:
    """out = tanh(x1*w1 + x2*w2 + b), backward() already run."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.7, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    out.backward()
    return out


def scalar_mlp(batch: int = 32, seed: int = 0) -> Tuple[Value, nn.scalar.MLP]:
    """The mean squared error of a micrograd MLP(2, [8, 8, 1]) on `batch` points (no backward yet)."""
    rng = random.Random(seed)
    model = nn.scalar.MLP(2, [8, 8, 1], activation="tanh", seed=seed, fused=False)  # every * node, as micrograd
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(batch)]
    targets = [1.0 if x * y > 0 else -1.0 for x, y in points]
    loss = sum(((model(p) - t) ** 2 for p, t in zip(points, targets)), Value(0.0)) / batch
    loss.label = "loss"
    return loss, model


def deep_sigmoid_mlp(seed: int = 0) -> nn.Sequential:
    """Three sigmoid layers before a linear output: deep enough for the gradient to fade on its way back."""
    layers: List[nn.Module] = []
    sizes = [2, 8, 8, 8]
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers += [nn.Linear(n_in, n_out, seed=seed + k), nn.Sigmoid()]
    layers.append(nn.Linear(sizes[-1], 1, seed=seed + len(sizes)))
    return nn.Sequential(*layers)


def regression_batch(n: int = 32, seed: int = 0) -> Tuple[Tensor, Tensor]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2)).astype(np.float32)
    y = np.sin(x[:, :1] * 2) * np.cos(x[:, 1:])
    return Tensor(x), Tensor(y.astype(np.float32))


def tensor_mlp() -> Tuple[Tensor, nn.Sequential]:
    """The deep sigmoid MLP's mean squared error on a batch; backward() already run."""
    model = deep_sigmoid_mlp()
    x, y = regression_batch()
    loss = nn.functional.mse_loss(model(x), y)
    loss.label = "loss"
    loss.backward()
    return loss, model


def grad_norm_history(epochs: int = 100, lr: float = 0.1) -> Dict[str, List[float]]:
    """Train the deep sigmoid MLP with plain gradient descent (one full batch per epoch) and return each weight's
    gradient norm per epoch, as recorded by `fit(..., record_grad_norms=True)`."""
    model = deep_sigmoid_mlp()
    x, y = regression_batch()
    loader = DataLoader(x.data, y.data, batch_size=len(x), shuffle=False)
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=lr), loader, epochs, metric=None,
                  progress=False, record_grad_norms=True, warn_overfitting=False)
    return {name: norms for name, norms in history.grad_norms.items() if name.endswith("weight")}


def render_examples(out: Path, formats: Sequence[str] = ("svg",), dpi: Optional[int] = None) -> List[Path]:
    """Draw every example into `out` in each format; return the files written (DOT files if Graphviz is missing).

    `dpi` sets the resolution of png pictures (Graphviz's default: 96)."""
    out.mkdir(parents=True, exist_ok=True)
    mlp_loss, mlp = scalar_mlp()
    pictures = [
        ("expression", draw_graph(expression(), show_trace=True)),
        ("neuron", draw_graph(neuron(), grad_flow=True)),
        ("scalar_mlp_forward", draw_graph(mlp_loss, model=mlp, collapse="neuron")),
    ]
    mlp_loss.backward()
    pictures.append(("scalar_mlp_backward", draw_graph(mlp_loss, model=mlp, collapse="neuron", grad_flow=True)))
    t_loss, t_model = tensor_mlp()
    pictures.append(("tensor_mlp", draw_graph(t_loss, model=t_model, grad_flow=True, rankdir="TB")))

    written: List[Path] = []
    missing: Optional[GraphvizNotFoundError] = None
    for name, graph in pictures:
        for fmt in formats:
            try:
                written.append(render(graph, out / f"{name}.{fmt}", dpi=dpi))
            except GraphvizNotFoundError as e:
                missing = e
                written.append(e.dot_path)
                break
    if missing is not None:
        print(f"note: {missing} (the same holds for every picture: each has its .dot file)", file=sys.stderr)
    written.append(plot_grad_norms(grad_norm_history(), out / "grad_norms.png", xlabel="epoch (one full-batch step)",
                                   title="Deep sigmoid MLP: weight gradient norm per layer"))
    table = format_trace(backprop_trace(expression()))
    trace_path = out / "expression_trace.txt"
    atomic_write(trace_path, (table + "\n").encode("utf-8"))
    written.append(trace_path)
    print("Backward pass of L = (a*b + c) * f, step by step:\n" + table + "\n")
    return written


PLAYERS = {
    "readme_expression": "the README's first example: a and b are used several times, so their gradients add up",
    "neuron": "one tanh neuron (demos/main.py): forward, backward step by step, then w1, w2, b -= 0.1 * grad",
    "tensor_neuron": "a Tensor layer tanh(X @ W + b): the bias b (3,) is broadcast, so its gradient is summed back",
    "tensor_mlp": "the deep sigmoid Tensor MLP: statistics of each tensor, the gradient fading towards layer 0",
    "scalar_mlp": "a micrograd MLP(2, [8, 8, 1]) on 32 points: 4,000+ Values, one box per layer, a row per neuron",
    "training_moons": "training player: micrograd's MLP(2, [16, 16, 1]) on moons, hinge loss, SGD",
    "training_lesson": "training player: the lesson's Linear(2, 10), Tanh, Linear(10, 2) on its 2-D data",
}


def readme_expression() -> Value:
    """The README's first example; backward() already run."""
    a, b = Value(-4.0, label="a"), Value(2.0, label="b")
    c = a * b + b**3
    c.label = "c"
    d = (c - a).relu() + (c / 2).tanh() + a.exp().log()
    d.label = "d"
    d.backward()
    return d


def demo_neuron() -> Tuple[Value, List[Value]]:
    """demos/main.py's neuron out = tanh(x1*w1 + x2*w2 + b), backward() run; returns it and its parameters."""
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2, b = Value(-0.5, label="w1"), Value(1.5, label="w2"), Value(1.0, label="b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    out = z.tanh()
    out.label = "out"
    out.backward()
    return out, [w1, w2, b]


def tensor_neuron(seed: int = 0) -> Tensor:
    """mean(tanh(X @ W + b)) for 4 samples, 2 inputs, 3 units; backward() run."""
    rng = np.random.default_rng(seed)
    X = Tensor(rng.uniform(-1, 1, (4, 2)), label="X")
    W = Tensor(rng.uniform(-1, 1, (2, 3)), requires_grad=True, label="W")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    h = (X @ W + b).tanh()
    h.label = "h"
    loss = h.mean()
    loss.label = "loss"
    loss.backward()
    return loss


def write_players(out: Path, fast: bool = False) -> List[Path]:
    """Write every example player into `out`; return the files. `fast`: shorter training runs."""
    out.mkdir(parents=True, exist_ok=True)
    neuron_out, neuron_params = demo_neuron()
    mlp_loss, mlp = scalar_mlp()
    mlp_loss.backward()
    t_loss, t_model = tensor_mlp()
    X, y = make_moons(60 if not fast else 30, noise=0.1, seed=0)
    Xl, yl = make_lesson_classification(100, flip=0.2, seed=0)
    lesson = nn.Sequential(nn.Linear(2, 10, seed=0), nn.Tanh(), nn.Linear(10, 2, seed=1))
    players = [
        ("readme_expression", lambda: play(readme_expression(), title="Backprop player: the README's expression")),
        ("neuron", lambda: play(neuron_out, lr=0.1, params=neuron_params, title="Backprop player: one neuron")),
        ("tensor_neuron", lambda: play(tensor_neuron(), lr=0.1, title="Backprop player: a Tensor layer")),
        ("tensor_mlp", lambda: play(t_loss, model=t_model, lr=0.1, rankdir="TB",
                                    title="Backprop player: a deep sigmoid Tensor MLP")),
        ("scalar_mlp", lambda: play(mlp_loss, model=mlp, lr=0.1,
                                    title="Backprop player: a scalar MLP, a box per layer, a row per neuron")),
        ("training_moons", lambda: play_training(nn.scalar.MLP(2, [16, 16, 1], seed=0), X, y, lr=0.5,
                                                 steps=10 if fast else 40)),
        ("training_lesson", lambda: play_training(lesson, Xl[:80], yl[:80], lr=0.1, steps=20 if fast else 100)),
    ]
    return [make().save(out / f"{name}.html") for name, make in players]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of `python -m tinygrad_edu` and of the `tinygrad-edu` script."""
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    graph = commands.add_parser("graph", help="render example compute-graph pictures")
    graph.add_argument("--out", type=Path, default=Path("graphs"), help="folder for the pictures (default: graphs)")
    graph.add_argument("--format", nargs="+", choices=["svg", "png"], default=["svg"], dest="formats",
                       help="picture formats (default: svg)")
    graph.add_argument("--dpi", type=int, default=None, help="resolution of png pictures (Graphviz's default: 96)")
    player = commands.add_parser("play", help="write example players (HTML pages that step through backprop)")
    player.add_argument("--out", type=Path, default=Path("players"), help="folder for the pages (default: players)")
    player.add_argument("--fast", action="store_true", help="shorter training runs")
    args = parser.parse_args(argv)
    if args.command == "play":
        written = write_players(args.out, args.fast)
        print("wrote (open them in a browser; no network needed):\n" + "\n".join(f"  {p}" for p in written))
        print("\nwhat they show:\n" + "\n".join(f"  {name:18s} {text}" for name, text in PLAYERS.items()))
    if args.command == "graph":
        written = render_examples(args.out, args.formats, args.dpi)
        print("wrote:\n" + "\n".join(f"  {p}" for p in written))
        print("\nwhat they show:\n" + "\n".join(f"  {name:20s} {text}" for name, text in DESCRIPTIONS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
