"""EarlyStopping in fit: it watches the validation (or training) loss, stops after `patience` epochs without an
improvement larger than `min_delta`, and restores the best epoch's weights."""

import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, make_moons, train_val_split
from tinygrad_edu.optim import SGD
from tinygrad_edu.train import EarlyStopping, fit


class ScriptedLosses:
    """A fake validation: the loss of each epoch read from a list, and one weight that records the epoch."""

    def __init__(self, losses):
        self.losses = list(losses)

    def __call__(self, epoch, history, model):
        history.val_loss.append(self.losses[epoch - 1])
        model.weight.data[...] = epoch  # the weights "of" this epoch
        return False


def _run(losses, stopper, epochs=None):
    model = nn.Linear(1, 1, seed=0)
    X, y = np.zeros((4, 1), np.float32), np.zeros((4, 1), np.float32)
    history = fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.0), DataLoader(X, y, batch_size=4),
                  epochs=epochs or len(losses), metric=None, progress=False, warn_overfitting=False,
                  callbacks=[ScriptedLosses(losses), stopper])
    return model, history


def test_stops_after_patience_epochs_without_improvement_and_restores_the_best():
    stopper = EarlyStopping(patience=2)
    model, history = _run([1.0, 0.5, 0.6, 0.55, 0.4, 0.3], stopper)
    assert history.epoch == [1, 2, 3, 4]  # epochs 3 and 4 did not beat 0.5
    assert (stopper.best_epoch, stopper.best, stopper.stopped_epoch) == (2, 0.5, 4)
    assert model.weight.data.item() == 2.0  # the weights of epoch 2 are back


def test_min_delta_and_keeping_the_last_weights():
    stopper = EarlyStopping(patience=2, min_delta=0.1, restore_best_weights=False)
    model, history = _run([1.0, 0.95, 0.92, 0.5], stopper)
    assert history.epoch == [1, 2, 3] and stopper.best_epoch == 1  # 0.95 and 0.92 are not 0.1 better
    assert model.weight.data.item() == 3.0


def test_restores_the_best_weights_when_all_epochs_ran():
    stopper = EarlyStopping(patience=10)
    model, history = _run([1.0, 0.2, 0.7], stopper)
    assert history.epoch == [1, 2, 3] and stopper.stopped_epoch is None
    assert model.weight.data.item() == 2.0


def test_can_be_reused_for_a_second_fit():
    stopper = EarlyStopping(patience=1)
    _run([1.0, 2.0, 3.0], stopper)
    _, history = _run([5.0, 4.0, 3.0], stopper)
    assert history.epoch == [1, 2, 3] and stopper.best == 3.0


def test_real_training_with_validation_stops_and_keeps_the_best_val_loss():
    X, y = make_moons(200, noise=0.3, seed=0)
    X_train, y_train, X_val, y_val = train_val_split(X, y, val_fraction=0.3)
    model = nn.MLP([2, 32, 32, 2], seed=0)
    stopper = EarlyStopping(patience=3)
    history = fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.5, momentum=0.9),
                  DataLoader(X_train, y_train, batch_size=16, seed=0), epochs=300, val=(X_val, y_val),
                  progress=False, warn_overfitting=False, callbacks=[stopper])
    assert len(history.epoch) < 300 and stopper.stopped_epoch == history.epoch[-1]
    from tinygrad_edu.train import evaluate
    assert evaluate(model, nn.CrossEntropyLoss(), X_val, y_val)[0] == pytest.approx(min(history.val_loss), rel=1e-5)


def test_monitor_train_loss_and_errors():
    X, y = np.zeros((4, 1), np.float32), np.zeros((4, 1), np.float32)
    model = nn.Linear(1, 1, seed=0)
    with pytest.raises(ValueError, match="no validation set: pass val="):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, y, batch_size=4), epochs=2,
            metric=None, progress=False, callbacks=[EarlyStopping()])
    stopper = EarlyStopping(patience=1, monitor="train_loss")
    fit(model, nn.MSELoss(), SGD(model.parameters(), lr=0.1), DataLoader(X, y, batch_size=4), epochs=50,
        metric=None, progress=False, callbacks=[stopper])
    assert stopper.best_epoch is not None
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="monitor must be 'val_loss' or 'train_loss'"):
        EarlyStopping(monitor="val_acc")
    with pytest.raises(ValueError, match="min_delta must be >= 0"):
        EarlyStopping(min_delta=-1)
