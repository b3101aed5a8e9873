"""tinygrad_edu in a minute: a neuron's compute graph, the lesson's 2-D network, and handwritten digits.

The short version of the story the other demos tell in full:

1. One neuron as a compute graph: forward pass, `backward()`, and the gradient flowing back along each edge.
2. The lesson's 2-D example: a two-layer network (Linear, Tanh, Linear + softmax/cross-entropy) trained with
   minibatch SGD, before and after, with its decision boundary (full version: demos/lesson_2d.py).
3. MNIST: the lab's three-layer perceptron on the digits bundled with the package, no download needed
   (full lab with 1-, 2- and 3-layer networks: demos/mnist_lab.py).

    make demo                       # or: .venv/bin/python demos/main.py [--out DIR] [--fast]
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import lesson_2d
import mnist_lab
from _common import finish, header, output_dir, parse_args, render_graph, say
from tinygrad_edu import Tensor, Value, nn
from tinygrad_edu.data import mnist_lesson_split
from tinygrad_edu.viz import draw_graph, play

MNIST_EPOCHS = 10
MNIST_SIZES = mnist_lab.ARCHITECTURES["3-layer"]


def neuron_graph(folder: Path) -> Dict[str, Any]:
    """out = tanh(x1*w1 + x2*w2 + b) built from Values, backpropagated, and drawn with the gradient on each edge."""
    header("1. One neuron, as a compute graph")
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2, b = Value(-0.5, label="w1"), Value(1.5, label="w2"), Value(1.0, label="b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    out = z.tanh()
    out.label = "out"
    out.backward()
    say(f"  forward:  z = x1*w1 + x2*w2 + b = {z.data:.4f}, out = tanh(z) = {out.data:.4f}")
    say(f"  backward: d out/d w1 = {w1.grad:.4f}, d out/d w2 = {w2.grad:.4f}, d out/d b = {b.grad:.4f} "
        f"(each is (1 - out^2) times the weight's input)")
    picture = render_graph(draw_graph(out, grad_flow=True), folder / "neuron_graph.png")
    say(f"  drew the graph: {picture}")
    page = play(out, lr=0.1, params=[w1, w2, b], title="Backprop player: one neuron")
    player = page.save(folder / "neuron_player.html")
    say(f"  watch backprop step by step (open in a browser): {player}")
    return {"out": out.data, "grad_w1": w1.grad, "grad_w2": w2.grad, "grad_b": b.grad, "picture": picture,
            "player": player}


def lesson_network(folder: Path, fast: bool, seed: int) -> Dict[str, Any]:
    """The lesson's two-layer network on its 2-D data, and the compute graph of one of its minibatches."""
    header("2. The lesson's 2-D example: " + lesson_2d.TWO_LAYER)
    data = lesson_2d.lesson_data(seed)
    X_train, y_train, X_test, y_test = data
    model = lesson_2d.two_layer_net(seed)
    epochs = 10 if fast else lesson_2d.EPOCHS
    before = lesson_2d.loss_and_accuracy(model, X_test, y_test)
    start = time.perf_counter()
    history = lesson_2d.train_and_record(model, data, epochs, lesson_2d.LEARNING_RATE, seed)
    seconds = time.perf_counter() - start
    train_loss, train_acc = lesson_2d.loss_and_accuracy(model, X_train, y_train)
    test_loss, test_acc = lesson_2d.loss_and_accuracy(model, X_test, y_test)
    say(f"  {len(X_train)} training points, minibatches of {lesson_2d.BATCH_SIZE}, SGD lr {lesson_2d.LEARNING_RATE}, "
        f"{epochs} epochs ({seconds:.2f} s)")
    say(f"  test loss {before[0]:.4f} -> {test_loss:.4f}, test accuracy {before[1]:.1%} -> {test_acc:.1%} "
        f"(train accuracy {train_acc:.1%}; 20% of the labels are random, so about 90% is the ceiling)")
    picture = lesson_2d.plot_training(model, data, history, "Two-layer network: accuracy per epoch",
                                      folder / "lesson_2d.png", resolution=60 if fast else 150)

    xb, yb = Tensor(X_train[:lesson_2d.BATCH_SIZE]), Tensor(y_train[:lesson_2d.BATCH_SIZE])
    loss = nn.CrossEntropyLoss()(model(xb), yb)
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    graph = render_graph(draw_graph(loss, model=model, grad_flow=True), folder / "lesson_net_graph.png")
    say(f"  drew the compute graph of one minibatch's loss, Tensor by Tensor: {graph}")
    return {"test_acc_before": before[1], "test_loss_before": before[0], "train_acc": train_acc,
            "train_loss": train_loss, "test_acc": test_acc, "test_loss": test_loss, "seconds": seconds,
            "files": [picture, graph]}


def mnist(folder: Path, fast: bool, seed: int) -> Dict[str, Any]:
    """The lab's three-layer perceptron on the bundled digits, with its confusion matrix and mistakes."""
    X_train, y_train, X_val, y_val = mnist_lesson_split()
    if fast:
        X_train, y_train, X_val, y_val = X_train[:1000], y_train[:1000], X_val[:500], y_val[:500]
    epochs = 3 if fast else MNIST_EPOCHS
    header(f"3. MNIST: {len(X_train):,} training and {len(X_val):,} validation digits (bundled, no download)")
    run = mnist_lab.train_model("3-layer", MNIST_SIZES, (X_train, y_train, X_val, y_val), epochs, seed=seed)
    _, files = mnist_lab.show_mistakes(run, X_val, y_val, folder)
    files.append(mnist_lab.plot_curves([run], folder / "mnist_curves.png"))
    return {key: run[key] for key in ("train_acc", "val_acc", "val_loss", "seconds", "parameters")} | {"files": files}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Run the three parts; return their figures, the pictures written and the total time."""
    args = parse_args("main", __doc__.split("\n")[0], argv)
    folder = output_dir(args.out)
    start = time.perf_counter()
    say("tinygrad_edu: a small autograd engine, from one neuron to handwritten digits.")
    neuron = neuron_graph(folder)
    lesson = lesson_network(folder, args.fast, args.seed)
    digits = mnist(folder, args.fast, args.seed)
    seconds = time.perf_counter() - start

    header("Summary")
    say(f"  lesson 2-D network: test accuracy {lesson['test_acc_before']:.1%} before training, "
        f"{lesson['test_acc']:.1%} after")
    say(f"  MNIST {'-'.join(map(str, MNIST_SIZES))}: validation accuracy {digits['val_acc']:.2%} "
        f"after {digits['seconds']:.1f} s of training")
    say(f"  whole demo: {seconds:.1f} s.")
    say("  Next: make lesson-2d, make loss-functions, make moons, make regression, make mnist-lab "
        "(or .venv/bin/python demos/lesson_2d.py and so on)")
    files: List[Path] = [neuron["picture"]] + lesson["files"] + digits["files"]
    finish(folder, files)
    return {"neuron": neuron, "lesson": lesson, "mnist": digits, "seconds": seconds, "out": folder, "files": files}


if __name__ == "__main__":
    main()
