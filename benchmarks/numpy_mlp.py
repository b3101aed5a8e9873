"""A hand-written numpy MLP: the speed an autograd engine on numpy should get close to.

Forward, backward and the SGD update are written out by hand for one architecture (Linear-ReLU-...-Linear with
softmax cross-entropy), in float32, reusing nothing from tinygrad_edu. An engine can only add overhead to this: the
graph bookkeeping, and the generality of its ops.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

Layer = Tuple[np.ndarray, np.ndarray]  # (weight (out, in), bias (out,)), PyTorch's layout


class NumpyMLP:
    """Linear layers with ReLU between them; `train_step` does forward, backward and SGD in one go."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        self.layers: List[Layer] = [(np.array(W, dtype=np.float32), np.array(b, dtype=np.float32)) for W, b in layers]

    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float) -> float:
        """One SGD step on the batch (X, y) with mean softmax cross-entropy; returns the loss before the step."""
        # forward: keep every layer's input, the backward pass needs them
        inputs = []
        h = X
        for k, (W, b) in enumerate(self.layers):
            inputs.append(h)
            h = h @ W.T + b
            if k < len(self.layers) - 1:
                np.maximum(h, 0, out=h)  # ReLU
        logits = h
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))

        # backward: d loss / d logits = (softmax - onehot) / batch
        d = exp / total
        d[rows, y] -= 1
        d /= np.float32(len(y))
        for k in range(len(self.layers) - 1, -1, -1):
            W, b = self.layers[k]
            a = inputs[k]
            grad_W = d.T @ a
            grad_b = d.sum(axis=0)
            if k > 0:
                d = d @ W
                d *= a > 0  # ReLU's derivative, read off its output (the next layer's input)
            W -= np.float32(lr) * grad_W  # SGD, in place
            b -= np.float32(lr) * grad_b
        return loss
