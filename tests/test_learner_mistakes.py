"""The mistakes learners make in their first hour each get a message that names the mistake and a fix that works."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import DataLoader, make_moons
from tinygrad_edu.train import History, fit

F = nn.functional


def test_mse_with_a_different_number_of_outputs_suggests_the_model_size_not_an_impossible_reshape():
    with pytest.raises(ValueError) as e:
        F.mse_loss(Tensor(np.zeros((4, 2))), Tensor(np.zeros(4)))
    assert "reshape" not in str(e.value) and "Linear(..., 1)" in str(e.value)
    with pytest.raises(ValueError, match=r"target.reshape\(4, 1\)") as e:
        F.mse_loss(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)))
    F.mse_loss(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)).reshape(4, 1))  # the hint works


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_one_hot_labels_to_cross_entropy_say_argmax(dtype):
    one_hot = np.eye(3, dtype=dtype)[[0, 2, 1, 0]]
    logits = Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"argmax\(axis=1\)"):
        F.cross_entropy(logits, one_hot)
    F.cross_entropy(logits, one_hot.argmax(axis=1))  # the hint works


def test_optimizer_mistakes():
    model = nn.MLP([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match=r"lr must be a number, got str '0.1' \(write lr=0.1, without quotes\)"):
        optim.SGD(model.parameters(), lr="0.1")
    with pytest.raises(TypeError, match=r"model.parameters\(\) \(with parentheses\)"):
        optim.Adam(model.parameters)
    with pytest.raises(TypeError, match="momentum must be a number"):
        optim.SGD(model.parameters(), lr=0.1, momentum="0.9")


def moons():
    X, y = make_moons(64, seed=0)
    model = nn.MLP([2, 4, 2], seed=0)
    return X, y, model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1)


def test_fit_with_loss_and_optimizer_swapped():
    X, y, model, loss, opt = moons()
    with pytest.raises(TypeError, match="swapped.*fit\\(model, loss_fn, optimizer, train_loader, epochs\\)"):
        fit(model, opt, loss, DataLoader(X, y), 1, progress=False)


def test_fit_given_a_pair_of_arrays_says_dataloader():
    X, y, model, loss, opt = moons()
    with pytest.raises(TypeError, match=r"DataLoader\(X, y, batch_size=32\)"):
        fit(model, loss, opt, (X, y), 1, progress=False)
    fit(model, loss, opt, DataLoader(X, y, batch_size=32), 1, progress=False)  # the hint works


def test_history_repr_is_one_short_line():
    X, y, model, loss, opt = moons()
    history = fit(model, loss, opt, DataLoader(X, y, batch_size=8), 30, val=(X, y), progress=False,
                  warn_overfitting=False)
    text = repr(history)
    assert "\n" not in text and len(text) < 160
    assert text.startswith("History(30 epochs, train_loss ") and "val_acc" in text
    assert repr(History()) == "History(0 epochs)"
