"""The moons training step written by hand in plain Python floats: the floor a scalar autograd engine is judged by.

The same MLP(2, [16, 16, 1]) as `tinygrad_edu.nn.scalar.MLP` (ReLU hidden layers, linear output), the same loss as
`demos/moons.py` (mean hinge loss relu(1 - y * score) plus 1e-4 * the sum of squared parameters) and the same SGD
step, with the forward and backward passes written out as loops over lists of floats: no graph, no objects per
number, nothing an engine could leave out. Every float operation is the engine's, in the engine's order, so the
losses agree to rounding (the benchmark checks 1e-12). Like the engine it multiplies by zero gradients too (a
point past the margin, a ReLU that is off) rather than skipping them: an engine cannot skip those, because
0 * inf is nan (PyTorch's semantics), and a reference doing less arithmetic would not be the same computation.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

Neurons = List[Tuple[List[float], float]]  # one (weights, bias) per neuron


class PlainMoonsMLP:
    """The scalar MLP as nested lists of floats; `train_step` does forward, backward and SGD in one go."""

    def __init__(self, sizes: Sequence[int], params: Sequence[float]) -> None:
        """`params` in the order of `MLP.parameters()`: per neuron, its weights then its bias."""
        self.layers: List[Neurons] = []
        k = 0
        for nin, nout in zip(sizes[:-1], sizes[1:]):
            layer = []
            for _ in range(nout):
                layer.append((list(params[k:k + nin]), params[k + nin]))
                k += nin + 1
            self.layers.append(layer)
        if k != len(params):
            raise ValueError(f"sizes {list(sizes)} need {k} parameters, got {len(params)}")

    def parameters(self) -> List[float]:
        return [v for layer in self.layers for w, b in layer for v in (*w, b)]

    def train_step(self, points: Sequence[Sequence[float]], labels: Sequence[float], lr: float,
                   alpha: float = 1e-4) -> float:
        """Loss at the current weights; then one SGD step with its exact gradient. Returns the loss."""
        layers = self.layers
        last = len(layers) - 1
        grads = [[([0.0] * len(w), [0.0]) for w, _ in layer] for layer in layers]
        n = len(points)
        scale = 1.0 / n
        data_loss = 0.0
        first = True
        saved = []  # per point: every layer's input (the activations the backward pass needs), and the margin
        for x, y in zip(points, labels):
            acts = [list(x)]
            h = acts[0]
            for li, layer in enumerate(layers):
                z = []
                for w, b in layer:
                    s = b
                    for wi, hi in zip(w, h):
                        s += wi * hi
                    z.append(s)
                h = [s if not s <= 0.0 else 0.0 for s in z] if li != last else z
                acts.append(h)
            margin = h[0] * -y + 1.0
            loss_i = margin if not margin <= 0.0 else 0.0
            data_loss = loss_i if first else data_loss + loss_i
            first = False
            saved.append((acts, margin))
        reg = 0.0
        for layer in layers:
            for w, b in layer:
                for wi in w:
                    reg = reg + wi * wi
                reg = reg + b * b
        loss = data_loss * scale + reg * alpha

        # backward: d loss / d score_i = -y_i / n where the margin is positive, else 0
        for (acts, margin), y in zip(saved, labels):
            d = [(-y * scale) if not margin <= 0.0 else 0.0]
            for li in range(last, -1, -1):
                h = acts[li]
                out = acts[li + 1]
                if li != last:
                    d = [di if not oi <= 0.0 else 0.0 for di, oi in zip(d, out)]  # ReLU: pass where out > 0
                dh = [0.0] * len(h)
                for (w, _), (gw, gb), dz in zip(layers[li], grads[li], d):
                    gb[0] += dz
                    for i, (wi, hi) in enumerate(zip(w, h)):
                        gw[i] += hi * dz
                        dh[i] += wi * dz
                d = dh
        # the L2 term's gradient, 2 * alpha * p, and the SGD step
        for layer, glayer in zip(layers, grads):
            for k, ((w, b), (gw, gb)) in enumerate(zip(layer, glayer)):
                for i, wi in enumerate(w):
                    w[i] = wi - lr * (gw[i] + 2.0 * alpha * wi)
                layer[k] = (w, b - lr * (gb[0] + 2.0 * alpha * b))
        return loss
