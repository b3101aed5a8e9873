"""An audit of the errors a learner meets: each bad input raises an ordinary Python exception (ValueError, TypeError,
RuntimeError, IndexError) whose message names what was wrong (shapes, values, the parameter, the file), never a
numpy internal error or a wrong number.

Each case checks the exception type and the key words of its message.
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path
from typing import Any, Callable, List

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, no_grad


def _raises(fn: Callable[[], Any], error: type, words: List[str]) -> str:
    """Run `fn`, expect exactly `error` (or a subclass), and every word of `words` in its message."""
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    assert type(info.value).__name__ != "AxisError", f"numpy's AxisError leaked out: {message}"
    for word in words:
        assert word in message, f"{word!r} not in the message: {message!r}"
    return message


def _a() -> Tensor:
    return Tensor(np.ones((2, 3)), requires_grad=True)


def _b() -> Tensor:
    return Tensor(np.ones((4,)), requires_grad=True)


# ----------------------------------------------------------------------------------------------- Tensor shapes and axes

TENSOR_CASES = [
    ("add shapes", lambda: _a() + _b(), ValueError, ["'+'", "(2, 3)", "(4,)", "broadcast"]),
    ("sub shapes", lambda: _a() - _b(), ValueError, ["'-'", "(2, 3)", "(4,)", "broadcast"]),
    ("mul shapes", lambda: _a() * _b(), ValueError, ["'*'", "(2, 3)", "(4,)", "broadcast"]),
    ("div shapes", lambda: _a() / _b(), ValueError, ["'/'", "(2, 3)", "(4,)", "broadcast"]),
    ("pow shapes", lambda: _a() ** _b(), ValueError, ["'**'", "(2, 3)", "(4,)", "broadcast"]),
    ("matmul inner sizes", lambda: _a() @ _a(), ValueError, ["matmul", "(2, 3)", "3 != 2"]),
    ("matmul vector", lambda: _a() @ _b(), ValueError, ["matmul", "(2, 3)", "(4,)"]),
    ("matmul 0-d", lambda: _a() @ Tensor(2.0), ValueError, ["matmul", "at least 1 dimension", "()"]),
    ("matmul batch shapes", lambda: Tensor(np.ones((2, 1, 3))) @ Tensor(np.ones((3, 3, 1))), ValueError,
     ["(2, 1, 3)", "(3, 3, 1)", "batch"]),
    ("reshape size", lambda: _a().reshape(4, 2), ValueError, ["reshape", "(2, 3)", "6 elements", "(4, 2)"]),
    ("reshape two -1", lambda: _a().reshape(-1, -1), ValueError, ["reshape", "(2, 3)"]),
    ("permute not a permutation", lambda: _a().permute(0, 0), ValueError, ["permute", "(0, 0)", "(2, 3)"]),
    ("permute too few dims", lambda: _a().permute(1), ValueError, ["permute", "(1,)", "(2, 3)"]),
    ("permute dim out of range", lambda: _a().permute(0, 3), IndexError, ["permute", "dim 3", "(2, 3)", "-2 to 1"]),
    ("transpose dim out of range", lambda: _a().transpose(0, 3), IndexError, ["transpose", "dim 3", "(2, 3)", "-2 to 1"]),
    ("transpose dim not an int", lambda: _a().transpose(0, 1.0), TypeError, ["transpose", "1.0", "(2, 3)"]),
    ("sum axis out of range", lambda: _a().sum(axis=2), ValueError, ["sum", "axis 2", "(2, 3)", "-2 to 1"]),
    ("mean axis out of range", lambda: _a().mean(axis=-3), ValueError, ["mean", "axis -3", "(2, 3)"]),
    ("max axis repeated", lambda: _a().max(axis=(0, -2)), ValueError, ["max", "repeats", "(2, 3)"]),
    ("softmax axis out of range", lambda: _a().softmax(axis=5), ValueError, ["softmax", "axis 5", "(2, 3)"]),
    ("log_softmax axis out of range", lambda: _a().log_softmax(axis=2), ValueError, ["log_softmax", "(2, 3)"]),
    ("argmax axis out of range", lambda: _a().argmax(axis=2), ValueError, ["argmax", "axis 2", "(2, 3)"]),
    ("axis not an int", lambda: _a().sum(axis=1.0), TypeError, ["axis must be an int", "(2, 3)"]),
    ("max of empty", lambda: Tensor(np.zeros((0, 3))).max(), ValueError, ["max", "empty", "(0, 3)"]),
    ("argmax of empty", lambda: Tensor(np.zeros(0)).argmax(), ValueError, ["argmax", "empty", "(0,)"]),
    ("index out of range", lambda: _a()[5], IndexError, ["index 5", "(2, 3)"]),
    ("too many indices", lambda: _a()[0, 0, 0], IndexError, ["(2, 3)"]),
    ("float index", lambda: _a()[1.5], IndexError, ["1.5", "(2, 3)"]),
    ("item of many", lambda: _a().item(), ValueError, ["item()", "one element", "(2, 3)"]),
    ("int tensor to a negative power", lambda: Tensor([1, 2]) ** -1, ValueError, ["integer", "negative power", "float"]),
]


@pytest.mark.parametrize("fn, error, words", [c[1:] for c in TENSOR_CASES], ids=[c[0] for c in TENSOR_CASES])
def test_tensor_shape_and_axis_errors(fn: Callable[[], Any], error: type, words: List[str]) -> None:
    _raises(fn, error, words)


# ----------------------------------------------------------------------------------------------- backward


def test_backward_on_non_scalar_needs_a_gradient() -> None:
    y = _a() * 2
    _raises(y.backward, RuntimeError, ["non-scalar", "(2, 3)", ".sum()", "grad="])


def test_backward_with_gradient_of_wrong_shape() -> None:
    y = _a() * 2
    _raises(lambda: y.backward(np.ones((3, 2))), ValueError, ["(3, 2)", "(2, 3)", "grad"])


def test_backward_through_tensor_made_under_no_grad() -> None:
    x = _a()
    with no_grad():
        loss = (x * 2).sum()
    _raises(loss.backward, RuntimeError, ["does not require grad", "no_grad()"])


def test_backward_through_value_made_under_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x
    _raises(y.backward, RuntimeError, ["Value", "does not require grad", "no_grad()"])


def test_backward_through_detached_value_and_constant_tensor() -> None:
    _raises(Value(3.0).detach().backward, RuntimeError, ["does not require grad", "detached"])
    _raises(Tensor([1.0, 2.0]).sum().backward, RuntimeError, ["does not require grad"])


def test_value_backward_with_non_numeric_gradient() -> None:
    y = Value(2.0) * 3
    _raises(lambda: y.backward("one"), TypeError, ["real number", "'one'"])


# ----------------------------------------------------------------------------------------------- bad data

DATA_CASES = [
    ("strings", lambda: Tensor(["a"]), TypeError, ["numeric", "<U1", "'a'"]),
    ("ragged lists", lambda: Tensor([[1, 2], [3]]), TypeError, ["rectangular", "list"]),
    ("object array", lambda: Tensor(np.array([1, None], dtype=object)), TypeError, ["numeric", "object", "1"]),
    ("None", lambda: Tensor(None), TypeError, ["numeric", "object"]),
    ("complex", lambda: Tensor([1j]), TypeError, ["numeric", "complex"]),
    ("requires_grad on integers", lambda: Tensor([1, 2], requires_grad=True), TypeError,
     ["floating-point", "int64"]),
    ("Value of a string", lambda: Value("abc"), TypeError, ["Value needs a real number", "str", "'abc'"]),
    ("Value of None", lambda: Value(None), TypeError, ["Value needs a real number", "NoneType"]),
    ("Value of a list", lambda: Value([1.0, 2.0]), TypeError, ["Value needs a real number", "list"]),
    ("Value plus a string", lambda: Value(1.0) + "2", TypeError, ["Value needs a real number", "'2'"]),
    ("Value to a string power", lambda: Value(2.0) ** "2", TypeError, ["**", "Value", "str"]),
    ("Value of a huge int", lambda: Value(10**400), ValueError, ["fits a float64", "401 digits"]),
    ("Value plus a Tensor", lambda: Value(1.0) + Tensor([1.0]), TypeError, ["Value needs a real number", "Tensor"]),
    ("Tensor plus a Value", lambda: Tensor([1.0]) + Value(1.0), TypeError, ["numeric", "object", "Value(data=1"]),
]


@pytest.mark.parametrize("fn, error, words", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_non_numeric_data(fn: Callable[[], Any], error: type, words: List[str]) -> None:
    _raises(fn, error, words)


# ----------------------------------------------------------------------------------------------- losses and labels


def _logits() -> Tensor:
    return Tensor(np.zeros((3, 4)), requires_grad=True)


LOSS_CASES = [
    ("label too large", lambda F: F.cross_entropy(_logits(), [0, 4, 1]), ValueError,
     ["cross_entropy", "label 4", "4 classes", "0..3"]),
    ("negative label", lambda F: F.cross_entropy(_logits(), Tensor([0, -1, 1])), ValueError,
     ["label -1", "0..3"]),
    ("float labels", lambda F: F.cross_entropy(_logits(), np.array([0.0, 1.0, 2.0])), TypeError,
     ["integer class labels", "float64", "astype(np.int64)"]),
    ("float32 Tensor labels", lambda F: F.cross_entropy(_logits(), Tensor([0.0, 1.0, 2.0])), TypeError,
     ["integer class labels", "float32"]),
    ("labels per sample", lambda F: F.cross_entropy(_logits(), [0, 1]), ValueError,
     ["batch sizes differ", "3 samples", "2 labels"]),
    ("one-hot labels", lambda F: F.cross_entropy(_logits(), np.eye(4, dtype=np.int64)[:3]), ValueError,
     ["argmax(axis=1)", "(3, 4)"]),
    ("1-D logits", lambda F: F.cross_entropy(Tensor([1.0, 2.0]), [0]), ValueError, ["(batch, classes)", "(2,)"]),
    ("mse shapes", lambda F: F.mse_loss(Tensor(np.zeros((4, 1))), Tensor(np.zeros(5))), ValueError,
     ["batch sizes differ", "(4, 1)", "(5,)"]),
    ("unknown reduction", lambda F: F.mse_loss(Tensor([1.0]), Tensor([1.0]), reduction="avg"), ValueError,
     ["reduction", "'avg'"]),
]


@pytest.mark.parametrize("fn, error, words", [c[1:] for c in LOSS_CASES], ids=[c[0] for c in LOSS_CASES])
def test_loss_and_label_errors(fn: Callable[[Any], Any], error: type, words: List[str]) -> None:
    from tinygrad_edu.nn import functional as F

    _raises(lambda: fn(F), error, words)


def test_linear_layer_with_wrong_number_of_features() -> None:
    from tinygrad_edu import nn

    layer = nn.Linear(3, 2)
    _raises(lambda: layer(Tensor(np.ones((5, 4)))), ValueError, ["(5, 4)", "3"])


# ----------------------------------------------------------------------------------------------- optimizers


def test_optimizers_given_no_parameters() -> None:
    from tinygrad_edu import optim

    for make in (lambda: optim.SGD([], lr=0.1), lambda: optim.Adam([]), lambda: optim.SGD(iter([]), lr=0.1)):
        _raises(make, ValueError, ["empty parameter list"])


def test_optimizer_given_the_model_instead_of_its_parameters() -> None:
    from tinygrad_edu import nn, optim

    _raises(lambda: optim.SGD(nn.Linear(2, 1), lr=0.1), TypeError, ["SGD", "model.parameters()"])


def test_optimizer_given_a_parameter_that_cannot_learn() -> None:
    from tinygrad_edu import optim

    _raises(lambda: optim.SGD([Tensor([1.0, 2.0])], lr=0.1), ValueError, ["parameter 0", "(2,)", "requires_grad=True"])
    _raises(lambda: optim.Adam([np.ones(3)]), TypeError, ["parameter 0", "ndarray", "not a Tensor or Value"])


# ----------------------------------------------------------------------------------------------- saved weights


def test_loading_weights_of_the_wrong_shape_names_parameter_and_both_shapes(tmp_path: Path) -> None:
    from tinygrad_edu import nn

    path = nn.save(nn.MLP([2, 4, 1]), tmp_path / "small.npz")
    model = nn.MLP([2, 3, 1])
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    message = _raises(lambda: model.load_state_dict(nn.load(path)), RuntimeError,
                      ["layers.0.weight", "(4, 2)", "(3, 2)"])
    assert "size mismatch" in message
    for name, p in model.named_parameters():  # nothing was half-loaded
        np.testing.assert_array_equal(p.data, before[name], err_msg=name)


def test_loading_weights_with_missing_names(tmp_path: Path) -> None:
    from tinygrad_edu import nn

    path = nn.save({"layers.0.weight": np.zeros((4, 2))}, tmp_path / "partial.npz")
    _raises(lambda: nn.MLP([2, 4, 1]).load_state_dict(nn.load(path)), RuntimeError,
            ["missing keys", "layers.0.bias", "layers.2.weight"])


# ----------------------------------------------------------------------------------------------- MNIST files


def _mirror(tmp_path: Path, name: str, payload: bytes) -> str:
    """A local 'mirror' folder served through a file:// URL (offline): it holds `payload` under `name`."""
    folder = tmp_path / "mirror"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(payload)
    return folder.as_uri() + "/"


def _labels_payload(n: int = 10) -> bytes:
    header = bytes([0, 0, 8, 1]) + n.to_bytes(4, "big")
    return gzip.compress(header + bytes(range(n)))


@pytest.mark.parametrize("damage", ["corrupted", "truncated"])
def test_corrupted_or_truncated_mnist_download_names_file_and_checksum(tmp_path: Path, damage: str) -> None:
    from tinygrad_edu.data import mnist

    name = "t10k-images-idx3-ubyte.gz"  # the first file download_mnist fetches
    good = _labels_payload()
    payload = good[:-7] if damage == "truncated" else good[:20] + b"\xff" * 8 + good[28:]
    expected = "0123456789abcdef0123456789abcdef"  # the checksum the (good) file would have
    cache = tmp_path / "cache"
    message = _raises(
        lambda: mnist.download_mnist(cache, base_urls=[_mirror(tmp_path, name, payload)], splits=["t10k"],
                                     checksums={name: expected}),
        ValueError, [name, expected, "md5"])
    assert re.search(r"nothing was saved|not saved", message)
    assert sorted(os.listdir(cache)) == [], "a half-written or bad file stayed in the cache"


def test_truncated_mnist_file_on_disk_names_the_file(tmp_path: Path) -> None:
    from tinygrad_edu.data import load_mnist

    folder = tmp_path / "mnist"
    folder.mkdir()
    images = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(100)
    (folder / "t10k-images-idx3-ubyte").write_bytes(images)  # 2 x 28 x 28 needs 1568 bytes of pixels
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(_labels_payload(2))
    _raises(lambda: load_mnist(folder), ValueError, ["t10k-images-idx3-ubyte", "truncated", "1568", "100"])
    (folder / "t10k-images-idx3-ubyte").unlink()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(images)[:-10])
    _raises(lambda: load_mnist(folder), ValueError, ["t10k-images-idx3-ubyte.gz", "corrupt or truncated", "download"])


def test_missing_mnist_file_says_how_to_get_it(tmp_path: Path) -> None:
    from tinygrad_edu.data import load_mnist

    _raises(lambda: load_mnist(tmp_path, split="train"), FileNotFoundError,
            ["train-images-idx3-ubyte.gz", str(tmp_path), "download_mnist()", "offline"])
