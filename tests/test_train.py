"""fit / evaluate / History: what a hidden layer buys on circles, the bookkeeping, callbacks and warnings."""

import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn
from tinygrad_edu.data import DataLoader, make_circles, make_moons, make_regression_1d, train_val_split
from tinygrad_edu.optim import SGD, Adam
from tinygrad_edu.train import History, OverfittingWarning, evaluate, fit


def _circles():
    X, y = make_circles(400, noise=0.05, seed=0)
    return train_val_split(X, y, val_fraction=0.25)


def test_a_hidden_tanh_layer_solves_circles_and_a_linear_model_cannot():
    X_train, y_train, X_val, y_val = _circles()
    results = {}
    for name, model in [("mlp", nn.MLP([2, 8, 2], activation="tanh", seed=0)), ("linear", nn.Linear(2, 2, seed=0))]:
        history = fit(model, nn.CrossEntropyLoss(), Adam(model.parameters(), lr=0.05),
                      DataLoader(X_train, y_train, batch_size=32, seed=0), epochs=40, val=(X_val, y_val),
                      progress=False, warn_overfitting=False)
        results[name] = evaluate(model, nn.CrossEntropyLoss(), X_val, y_val)[1]
        assert history.val_acc[-1] == results[name]
    assert results["mlp"] > 0.95
    assert results["linear"] < 0.65  # a line through a ring: about chance


def test_history_records_every_epoch():
    X_train, y_train, X_val, y_val = _circles()
    model = nn.MLP([2, 8, 2], activation="tanh", seed=0)
    h = fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1, momentum=0.9),
            DataLoader(X_train, y_train, batch_size=50, seed=0), epochs=3, val=(X_val, y_val), progress=False,
            record_grad_norms=True)
    assert h.epoch == [1, 2, 3]
    for values in (h.train_loss, h.train_acc, h.val_loss, h.val_acc, h.seconds, h.max_abs_weight):
        assert len(values) == 3 and all(np.isfinite(values))
    assert all(0 <= a <= 1 for a in h.train_acc + h.val_acc) and all(s > 0 for s in h.seconds)
    assert h.max_abs_weight[-1] == max(float(np.abs(p.data).max()) for p in model.parameters())
    assert list(h.grad_norms) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert all(len(v) == 3 and all(n > 0 for n in v) for v in h.grad_norms.values())
    assert h.train_loss[-1] < h.train_loss[0]


def test_train_loss_is_the_batch_size_weighted_mean():
    X = np.array([[0.0], [1.0], [2.0]], np.float32)
    y = np.array([[1.0], [1.0], [1.0]], np.float32)
    model = nn.Linear(1, 1, seed=0)
    model.weight.data[:] = 1.0
    model.bias.data[:] = 0.0
    h = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.0), DataLoader(X, y, batch_size=2, shuffle=False),
            epochs=1, metric=None, progress=False)
    assert h.train_loss == [pytest.approx((1 + 0 + 1) / 3)]  # batches [0, 1] and [2] have means 0.5 and 1
    assert h.train_acc == [] and h.val_loss == []


def test_regression_without_metric():
    X, y = make_regression_1d(200, noise=0.05, seed=0, fn="linear")  # (200, 1) each: y = 0.5 x + 1 + noise
    model = nn.Linear(1, 1, seed=0)
    h = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.05), DataLoader(X, y, 20, seed=0), epochs=30,
            val=(X, y), metric=None, progress=False)
    assert h.train_acc == [] and h.val_acc == [] and len(h.val_loss) == 30
    assert h.val_loss[-1] < 0.01
    np.testing.assert_allclose([model.weight.item(), model.bias.item()], [0.5, 1.0], atol=0.05)


def test_validation_runs_in_eval_mode_without_graph():
    seen = []

    class Probe(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2, seed=0)

        def forward(self, x):
            out = self.lin(x)
            seen.append((self.training, out.requires_grad))
            return out

    X, y = make_moons(20, seed=0)
    model = Probe()
    fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, y, 20), epochs=1,
        val=(X, y), progress=False)
    assert seen == [(True, True), (False, False)]
    assert model.training  # back in training mode afterwards


def test_callbacks_get_epoch_history_model_and_can_stop():
    X, y = make_moons(40, seed=0)
    model = nn.MLP([2, 4, 2], seed=0)
    calls = []

    def record(epoch, history, m):
        calls.append((epoch, len(history.train_loss), m is model))

    h = fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, y, 10), epochs=10,
            callbacks=[record, lambda epoch, history, m: epoch == 3], progress=False)
    assert calls == [(1, 1, True), (2, 2, True), (3, 3, True)]
    assert h.epoch == [1, 2, 3]


def test_overfitting_helper():
    h = History(epoch=[1, 2, 3, 4, 5], train_loss=[1.0, 0.8, 0.6, 0.5, 0.4], val_loss=[1.0, 0.7, 0.75, 0.8, 0.9])
    assert h.overfitting() and h.best_epoch() == 2
    assert not h.overfitting(patience=4)
    noisy = History(epoch=[1, 2, 3, 4, 5], train_loss=[1.0, 0.8, 0.6, 0.5, 0.4], val_loss=[1.0, 0.7, 0.71, 0.72, 0.71])
    assert not noisy.overfitting()  # within 5% of the best: noise, not overfitting
    both_rise = History(epoch=[1, 2, 3, 4, 5], train_loss=[1.0, 0.5, 0.6, 0.7, 0.8], val_loss=[1.0, 0.7, 0.8, 0.9, 1.0])
    assert not both_rise.overfitting()  # the training loss rose too: that is divergence
    assert not History().overfitting() and History().best_epoch() is None


def _memorise(warn_overfitting):
    """A big net, a tiny noisy training set: the textbook recipe for overfitting."""
    X, y = make_moons(60, noise=0.3, seed=0)
    X_train, y_train, X_val, y_val = train_val_split(X, y, 0.5)
    model = nn.MLP([2, 64, 64, 2], seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, nn.CrossEntropyLoss(), Adam(model.parameters(), lr=0.02),
                      DataLoader(X_train, y_train, 30, seed=0), epochs=60, val=(X_val, y_val), progress=False,
                      warn_overfitting=warn_overfitting)
    return history, [w for w in caught if issubclass(w.category, OverfittingWarning)]


def test_fit_warns_once_when_a_big_net_memorises_a_tiny_noisy_set():
    h, overfit = _memorise(warn_overfitting=True)
    assert len(overfit) == 1 and "starting to overfit" in str(overfit[0].message)
    assert h.overfitting() and min(h.val_loss) < h.val_loss[-1]
    assert h.train_loss[-1] < h.train_loss[h.best_epoch() - 1]
    h_quiet, quiet = _memorise(warn_overfitting=False)
    assert quiet == [] and h_quiet.val_loss == h.val_loss


def test_a_diverging_loss_stops_with_a_clear_error():
    X = np.array([[np.nan, 0.0], [1.0, 1.0]], np.float32)
    model = nn.Linear(2, 2, seed=0)
    with pytest.raises(RuntimeError, match="loss became nan in epoch 1, batch 1.*smaller learning rate"):
        fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, np.array([0, 1]), 2),
            epochs=1, progress=False)


def test_fit_argument_errors():
    model = nn.Linear(2, 2)
    opt = SGD(model.parameters(), lr=0.1)
    loader = DataLoader(np.zeros((4, 2), np.float32), np.zeros(4, np.int64), 2)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1.5, progress=False)
    with pytest.raises(ValueError, match="val must be a pair"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, val=(1, 2, 3), progress=False)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, nn.CrossEntropyLoss(), opt, [], epochs=1, progress=False)


def test_evaluate_in_chunks_equals_one_pass_and_restores_mode():
    X, y = make_moons(103, seed=1)
    model = nn.MLP([2, 8, 2], seed=0)
    whole = evaluate(model, nn.CrossEntropyLoss(), X, y)
    chunked = evaluate(model, nn.CrossEntropyLoss(), Tensor(X), Tensor(y), batch_size=10)
    assert chunked == pytest.approx(whole, rel=1e-5)
    assert model.training
    loss, metric = evaluate(model.eval(), nn.CrossEntropyLoss(), X, y, metric=None)
    assert metric is None and not model.training
    with pytest.raises(ValueError, match="103 samples but y has 5 labels"):
        evaluate(model, nn.CrossEntropyLoss(), X, y[:5])


def test_progress_bar_shows_the_latest_numbers(capsys):
    X, y = make_moons(20, seed=0)
    model = nn.Linear(2, 2, seed=0)
    fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, y, 10), epochs=2, val=(X, y))
    err = capsys.readouterr().err
    assert "2/2" in err and "val_acc=" in err and "loss=" in err
