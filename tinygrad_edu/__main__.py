"""Command line: `python -m tinygrad_edu graph [--out DIR]` renders the example pictures of compute graphs.

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
from .viz import GraphvizNotFoundError, backprop_trace, draw_graph, format_trace, plot_grad_norms, render


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
    model = nn.scalar.MLP(2, [8, 8, 1], activation="tanh", seed=seed)
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of `python -m tinygrad_edu` and of the `tinygrad-edu` script."""
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    graph = commands.add_parser("graph", help="render example compute-graph pictures")
    graph.add_argument("--out", type=Path, default=Path("graphs"), help="folder for the pictures (default: graphs)")
    graph.add_argument("--format", nargs="+", choices=["svg", "png"], default=["svg"], dest="formats",
                       help="picture formats (default: svg)")
    graph.add_argument("--dpi", type=int, default=None, help="resolution of png pictures (Graphviz's default: 96)")
    args = parser.parse_args(argv)
    if args.command == "graph":
        written = render_examples(args.out, args.formats, args.dpi)
        print("wrote:\n" + "\n".join(f"  {p}" for p in written))
        print("\nwhat they show:\n" + "\n".join(f"  {name:20s} {text}" for name, text in DESCRIPTIONS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
