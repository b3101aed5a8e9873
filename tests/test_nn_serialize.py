"""nn.save / nn.load: .npz round trips, and a failed save never damages the previous file."""

import os

import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.nn import serialize


def test_save_model_and_load_into_a_fresh_model(tmp_path):
    model = nn.MLP([4, 8, 3], seed=0)
    path = nn.save(model, tmp_path / "model.npz")
    assert path == tmp_path / "model.npz" and path.exists()
    state = nn.load(path)
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    fresh = nn.MLP([4, 8, 3], seed=1)
    fresh.load_state_dict(state)
    for (name, p), (_, q) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        assert q.dtype == np.float32


def test_save_a_state_dict_and_use_the_name_as_given(tmp_path):
    path = nn.save({"w": np.arange(3.0), "b": nn.Linear(2, 2, seed=0).weight}, str(tmp_path / "weights"))
    assert path.name == "weights" and os.listdir(tmp_path) == ["weights"]
    state = nn.load(path)
    np.testing.assert_array_equal(state["w"], [0.0, 1.0, 2.0])
    assert state["b"].shape == (2, 2)


def test_loading_into_a_different_architecture_names_the_parameter(tmp_path):
    nn.save(nn.MLP([4, 8, 3]), tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match=r"size mismatch for layers\.0\.weight.*\(8, 4\).*\(16, 4\)"):
        nn.MLP([4, 16, 3]).load_state_dict(nn.load(tmp_path / "m.npz"))


def test_a_crash_mid_save_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = nn.MLP([2, 3, 1], seed=0)
    nn.save(old, path)
    old_bytes = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip file")
        raise OSError("disk full")

    monkeypatch.setattr(serialize.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP([2, 3, 1], seed=1), path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    for name, array in nn.load(path).items():
        np.testing.assert_array_equal(array, old.state_dict()[name])


def test_saved_file_has_normal_permissions(tmp_path):
    path = nn.save(nn.Linear(2, 1), tmp_path / "m.npz")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_save_rejects_other_objects(tmp_path):
    with pytest.raises(TypeError, match="Module or a dict"):
        nn.save([1, 2, 3], tmp_path / "x.npz")


def test_loading_a_truncated_or_foreign_file_names_it(tmp_path):
    good = nn.save(nn.Linear(3, 2, seed=0), tmp_path / "m.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:100])
    foreign = tmp_path / "notes.npz"
    foreign.write_text("these are not weights")
    for path in (truncated, foreign):
        with pytest.raises(ValueError, match=path.name):
            nn.load(path)
