"""The training player: record a short training run of a small 2-D classifier and scrub across it.

For each step it records the loss and the accuracy; at evenly spaced snapshot steps also the decision boundary
(the model's output on a grid), every parameter's value and gradient, and, for a few samples the learner can pick
on the page, the forward activations and backward gradients of that one sample, layer by layer. Two kinds of model:

- the scalar `nn.scalar.MLP` (micrograd's, one `Value` per weight) with one output score: default loss hinge
  (labels -1/+1; 0/1 labels are mapped), boundary where the score is 0;
- a Tensor `nn.Module` (e.g. `nn.Sequential` of Linear/Tanh/Linear) with class logits: default loss
  cross-entropy, boundary where class 1 becomes the more likely.
"""

from __future__ import annotations

import base64
import html
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ... import nn, optim
from ...nn import functional as F
from ...nn.scalar import ScalarModule
from ...tensor import Tensor
from ...value import Value
from ...autograd import no_grad
from .page import Page, build


def _round(xs: Any, digits: int = 6) -> List[float]:
    return [float(f"{float(x):.{digits}g}") for x in np.ravel(np.asarray(xs, dtype=np.float64))]


class _ScalarModel:
    """micrograd's MLP: one forward per sample; the grid is evaluated on the same weights as Tensors."""

    def __init__(self, model: ScalarModule) -> None:
        self.model = model

    def outputs(self, X: np.ndarray) -> List[Value]:
        outs = [self.model([float(a), float(b)]) for a, b in X]
        if not all(isinstance(o, Value) for o in outs):
            raise ValueError("play_training needs a scalar MLP with one output (a score), e.g. MLP(2, [16, 16, 1])")
        return outs

    def labels(self, y: np.ndarray) -> np.ndarray:
        return np.where(y > 0, 1, -1) if set(np.unique(y)) <= {0, 1} else y

    def default_loss(self, outs: List[Value], y: np.ndarray) -> Value:
        return F.hinge_loss(outs, y)

    def grid(self, P: np.ndarray) -> np.ndarray:
        """The score at each grid point in [0, 1]: (tanh(score) + 1) / 2, so 0.5 is the boundary (score 0).

        Evaluated by the engine's Tensor ops on the model's weights (layer by layer, as the Value graph would
        compute it): a Value graph per grid point would take minutes.
        """
        with no_grad():
            h = Tensor(P, dtype=np.float64)
            for layer in self.model.layers:
                W = Tensor([[w.data for w in n.w] for n in layer.neurons], dtype=np.float64)
                b = Tensor([n.b.data for n in layer.neurons], dtype=np.float64)
                h = h @ W.T + b
                first = layer.neurons[0]
                if first.nonlin:
                    h = h.relu() if first.activation == "relu" else h.tanh()
            return (h.tanh().data[:, 0] + 1) / 2

    def layers(self, x: np.ndarray) -> Tuple[List[str], List[List[Value]]]:
        out: List[List[Value]] = []
        h: Any = [Value(float(v)) for v in x]
        for k, layer in enumerate(self.model.layers):
            h = layer(h)
            h = h if isinstance(h, list) else [h]
            out.append(h)
        names = [f"layer {k}" + (" (score)" if k == len(out) - 1 else "") for k in range(len(out))]
        return names, out


class _TensorModel:
    """A Tensor classifier with class logits (N, C)."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def outputs(self, X: np.ndarray) -> Tensor:
        out = self.model(Tensor(X.astype(np.float32)))
        if out.ndim != 2 or out.shape[1] < 2:
            raise ValueError(f"play_training needs a Tensor model with class logits (N, C >= 2), got {out.shape}")
        return out

    def labels(self, y: np.ndarray) -> np.ndarray:
        return y.astype(np.int64)

    def default_loss(self, out: Tensor, y: np.ndarray) -> Tensor:
        return F.cross_entropy(out, y)

    def grid(self, P: np.ndarray) -> np.ndarray:
        """The probability of class 1 at each grid point."""
        with no_grad():
            return self.model(Tensor(P.astype(np.float32))).softmax(axis=1).data[:, 1].astype(np.float64)

    def layers(self, x: np.ndarray) -> Tuple[List[str], List[Any]]:
        mods = list(self.model) if isinstance(self.model, nn.Sequential) else (
            list(self.model.layers) if isinstance(getattr(self.model, "layers", None), nn.Sequential)
            else [self.model])
        h = Tensor(x[None, :].astype(np.float32))
        outs, names = [], []
        for k, m in enumerate(mods):
            h = m(h)
            outs.append(h)
            names.append(f"{k}: {type(m).__name__}")
        names[-1] += " (logits)"
        return names, outs


def record_training(model: Any, X: np.ndarray, y: np.ndarray, *, loss_fn: Optional[Callable] = None,
                    optimizer: Any = None, lr: float = 0.1, steps: int = 40, snapshots: int = 21, grid: int = 48,
                    samples: int = 6, seed: int = 0) -> Dict[str, Any]:
    """Train `model` in place for `steps` full-batch steps on (X, y) and record what the page shows.

    `loss_fn(outputs, y)`: outputs are the scalar MLP's list of Values or the Tensor model's logits (default:
    hinge loss, cross-entropy). `optimizer` defaults to SGD with `lr`. Returns the page's data (plain lists).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"play_training draws a 2-D decision boundary: X must have shape (N, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if isinstance(model, ScalarModule):
        kind, m = "scalar", _ScalarModel(model)
    elif isinstance(model, nn.Module):
        kind, m = "tensor", _TensorModel(model)
    else:
        raise TypeError(f"play_training needs an nn.scalar.MLP or an nn.Module, got {type(model).__name__}")
    labels = m.labels(y)
    loss_name = getattr(loss_fn, "__name__", type(loss_fn).__name__) if loss_fn is not None else (
        "hinge_loss" if kind == "scalar" else "cross_entropy")
    loss_fn = loss_fn or m.default_loss
    opt = optimizer or optim.SGD(model.parameters(), lr=lr)
    rows = _param_rows(model, kind)

    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    picks: List[int] = []
    for k in range(samples):  # alternate the classes, so the learner can compare
        pool = [i for i in np.flatnonzero(labels == classes[k % len(classes)]) if i not in picks]
        if pool:
            picks.append(int(rng.choice(pool)))
    snap_steps = sorted(set(int(round(s)) for s in np.linspace(0, steps, min(snapshots, steps + 1))))

    losses, accs, snaps = [], [], []
    for k in range(steps + 1):
        outs = m.outputs(X)
        loss = loss_fn(outs, labels)
        acc = F.accuracy(outs, labels)
        losses.append(float(loss.data if kind == "scalar" else loss.item()))
        accs.append(float(acc))
        if k in snap_steps:
            sample_records = [_sample(m, kind, loss_fn, X[i], labels[i]) for i in picks]
        opt.zero_grad()
        loss.backward()
        if k in snap_steps:
            values = [np.concatenate([np.ravel(p.data) for p in ps]) for _, _, ps in rows]
            grads = [np.concatenate([np.ravel(p.grad if p.grad is not None else np.zeros_like(p.data)) for p in ps])
                     for _, _, ps in rows]
            board = np.clip(np.round(m.grid(points) * 255), 0, 255).astype(np.uint8)
            snaps.append({"step": k, "boundary": base64.b64encode(board.tobytes()).decode("ascii"),
                          "data": [_round(v, 5) for v in values], "grad": [_round(g, 5) for g in grads],
                          "samples": sample_records})
        if k < steps:
            opt.step()
    return {
        "model": kind, "title": "", "steps": steps, "loss": losses, "accuracy": accs, "snapshots": snaps,
        "grid": {"n": grid, "x0": float(lo[0]), "x1": float(hi[0]), "y0": float(lo[1]), "y1": float(hi[1])},
        "X": _round(X.ravel(), 5), "y": [int(v) for v in labels], "picks": picks,
        "params": [[name, cols] for name, cols, _ in rows],
        "boundary_meaning": ("(tanh(score) + 1) / 2: the boundary is score 0" if kind == "scalar"
                             else "probability of class 1: the boundary is 0.5"),
        "optimizer": f"{type(opt).__name__}(lr={opt.lr:g})",
        "loss_name": loss_name,
    }


def _param_rows(model: Any, kind: str) -> List[Tuple[str, int, List[Any]]]:
    """How the page lays out the parameters: (row name, cells per line, parameters). A scalar MLP: one row per
    layer, one line per neuron (its weights, then its bias); a Tensor model: one row per parameter tensor."""
    if kind == "scalar":
        return [(f"layers.{k}: {len(layer.neurons)} neuron{'s' if len(layer.neurons) > 1 else ''} × "
                 f"({len(layer.neurons[0].w)} w + b)",
                 len(layer.neurons[0].w) + 1, [p for n in layer.neurons for p in (*n.w, n.b)])
                for k, layer in enumerate(model.layers)]
    return [(f"{name} {tuple(p.data.shape)}", int(p.data.shape[-1]) if p.data.ndim else 1, [p])
            for name, p in model.named_parameters()]


def _sample(m: Any, kind: str, loss_fn: Callable, x: np.ndarray, label: Any) -> Dict[str, Any]:
    """One sample's forward (each layer's output) and backward (d its loss / d each output), from the engine."""
    names, outs = m.layers(x)
    if kind == "scalar":
        loss = loss_fn([outs[-1][0]], np.array([label]))
        loss.backward()
        data = [[o.data for o in layer] for layer in outs]
        grads = [[o.grad for o in layer] for layer in outs]
        model_params = m.model.parameters()
    else:
        loss = loss_fn(outs[-1], np.array([label]))
        loss.backward()
        data = [np.ravel(o.data) for o in outs]
        grads = [np.ravel(o.grad) if o.grad is not None else np.zeros(o.data.size) for o in outs]
        model_params = m.model.parameters()
    for p in model_params:  # this sample's backward added to the parameters' grads: the step must not see it
        p.grad = 0.0 if kind == "scalar" else None
    return {"layers": names, "data": [_round(d, 5) for d in data], "grad": [_round(g, 5) for g in grads],
            "loss": float(loss.data if kind == "scalar" else loss.item())}


class TrainingPlayer(Page):
    """A recorded training run: `.save(path)`, `.html`, `.data`, inline in Jupyter."""

    height = 860

    def __init__(self, html_text: str, title: str, data: Dict[str, Any]) -> None:
        super().__init__(html_text, title)
        self.data = data


def training_body(title: str, subtitle: str) -> str:
    return f"""<div class="player training" id="player">
<header><h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p></header>
<nav class="controls" aria-label="training player controls">
  <button id="prev" title="previous step (←)">◀ prev</button>
  <button id="playpause" title="play / pause (space)">▶ play</button>
  <button id="next" title="next step (→)">next ▶</button>
  <label>speed <select id="speed"><option value="2">2 steps/s</option><option value="5" selected>5 steps/s</option>
  <option value="10">10 steps/s</option></select></label>
  <input type="range" id="slider" min="0" value="0" aria-label="training step">
  <span id="counter" class="counter"></span>
</nav>
<div class="panels">
  <figure><figcaption id="boundarycap">decision boundary</figcaption>
  <canvas id="boundary" width="360" height="360"></canvas>
  <div class="note" id="boundarynote"></div></figure>
  <figure><figcaption>loss (line) and training accuracy (green) per step</figcaption>
  <svg id="curve" viewBox="0 0 440 300"
  width="440" height="300" role="img" aria-label="loss curve"></svg><div class="note" id="curvenote"></div></figure>
</div>
<section class="sample"><h2>one sample: <span id="samplename"></span></h2>
  <p class="note">Click one of the ringed points in the picture to follow it. Its forward pass (each layer's
  outputs) and its backward pass (d its loss / d each output), at the snapshot step above.</p>
  <div id="sampletext" class="lines"></div><div id="samplelayers"></div></section>
<section class="params"><h2>parameters at this snapshot</h2>
  <p class="note">One square per parameter: colour = value (left) and gradient (right), blue negative, red positive,
  white 0; hover for the numbers.</p><div id="paramgrid"></div></section>
</div>"""


def play_training(model: Any, X: np.ndarray, y: np.ndarray, *, title: Optional[str] = None,
                  **kwargs: Any) -> TrainingPlayer:
    """Train `model` on (X, y) for a few steps (in place) and return a player of the run (see `record_training`)."""
    data = record_training(model, X, y, **kwargs)
    title = title or ("Training player: scalar MLP (one Value per weight)" if data["model"] == "scalar"
                      else "Training player: Tensor MLP")
    data["title"] = title
    subtitle = (f"{len(data['y'])} points, {data['steps']} full-batch steps of {data['optimizer']}, loss "
                f"{data['loss_name']}; snapshots at {len(data['snapshots'])} steps. "
                "Keys: ← → step, space play/pause.")
    return TrainingPlayer(build(title, training_body(title, subtitle), data, scripts=("controls.js", "training.js"),
                                styles=("player.css", "training.css")), title, data)
