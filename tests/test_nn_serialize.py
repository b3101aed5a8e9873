"""nn.save / nn.load: .npz round trips, and a failed save never damages the previous file."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.nn import serialize

ROOT = Path(__file__).resolve().parent.parent


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


# ------------------------------------------------------------------------------------------- hostile files


def write_npz_member(path, name, header_array_like, data_chunks, mode="w", stored=False):
    """Add `name`.npy to the zip at `path`: a .npy header for (shape, dtype, fortran) then the given data chunks."""
    shape, dtype, fortran = header_array_like
    with zipfile.ZipFile(path, mode, compression=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name + ".npy", "w", force_zip64=True) as member:
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": fortran, "shape": shape}
            np.lib.format.write_array_header_1_0(member, header)
            for chunk in data_chunks:
                member.write(chunk)


def zeros_chunks(nbytes, chunk=1 << 22):
    block = bytes(chunk)
    while nbytes > 0:
        yield block[: min(chunk, nbytes)]
        nbytes -= chunk


BOMB_ELEMENTS = 1 << 25  # float64: 256 MiB of zeros in a ~260 kB file


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    write_npz_member(path, "layers.0.weight", ((BOMB_ELEMENTS,), np.float64, False), zeros_chunks(8 * BOMB_ELEMENTS))
    assert path.stat().st_size < 2_000_000
    return path


def test_zip_bomb_is_refused_from_its_header_before_any_data_is_read(bomb):
    with pytest.raises(ValueError, match=r"bomb\.npz.*layers\.0\.weight.*shape \(33554432,\).*model's parameter has "
                                         r"shape \(8, 4\)"):
        nn.load(bomb, nn.MLP([4, 8, 3]))
    with pytest.raises(ValueError, match=r"bomb\.npz.*268,435,456 bytes, over the limit of 1,000,000 bytes"):
        nn.load(bomb, max_bytes=1_000_000)


def test_zip_bomb_peak_memory_stays_small(bomb):
    """Measured in a fresh process: the refused 256 MiB bomb costs almost nothing (numpy's np.load: +256 MiB)."""
    code = (
        "import resource, sys\n"
        "from tinygrad_edu import nn\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    nn.load(sys.argv[1], max_bytes=1 << 20)\n"
        "except ValueError:\n"
        "    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    grown_kib = int(subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True,
                                   check=True, cwd=ROOT).stdout)
    assert grown_kib < 20_000, f"peak memory grew by {grown_kib} KiB while refusing the bomb"


def test_header_claiming_128_gib_raises_value_error_naming_the_file(tmp_path):
    path = tmp_path / "huge.npz"
    write_npz_member(path, "w", ((1 << 34,), np.float64, False), [bytes(64)])
    with pytest.raises(ValueError, match=r"huge\.npz.*'w'.*137,438,953,472 bytes"):
        nn.load(path)


def test_plain_npy_file_is_a_clear_value_error(tmp_path):
    path = tmp_path / "w.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match=r"w\.npy is a single \.npy array, not a weights file"):
        nn.load(path)


def test_unused_members_are_never_decompressed(tmp_path):
    model = nn.Linear(3, 2, seed=0)
    path = nn.save(model, tmp_path / "m.npz")
    write_npz_member(path, "extra", ((4,), np.float64, False), [b"UNUSED!!" * 4], mode="a", stored=True)
    raw = path.read_bytes()
    assert raw.count(b"UNUSED!!" * 4) == 1
    path.write_bytes(raw.replace(b"UNUSED!!" * 4, b"DAMAGED!" * 4))  # its CRC no longer matches
    with pytest.raises(ValueError, match=r"m\.npz"):
        nn.load(path)  # without a model every member is read, and the damaged one fails
    state = nn.load(path, model)  # with the model, "extra" is skipped unread
    assert sorted(state) == ["bias", "weight"]
    model.load_state_dict(state)


def test_load_checks_dtype_against_the_model_and_rejects_pickles(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, weight=np.zeros((2, 3), np.complex64), bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"m\.npz.*'weight'.*complex64"):
        nn.load(path, nn.Linear(3, 2))
    np.savez(path, weight=np.array([[None] * 3] * 2, dtype=object), bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"m\.npz.*'weight'.*dtype object"):
        nn.load(path)
    np.savez(path, weight=np.ones((2, 3), np.int64), bias=np.zeros(2))  # ints convert to the float32 parameters
    layer = nn.Linear(3, 2)
    layer.load_state_dict(nn.load(path, layer))
    assert layer.weight.data.dtype == np.float32 and layer.weight.data.sum() == 6


def test_fortran_order_and_big_endian_arrays_round_trip(tmp_path):
    w = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    b = np.arange(2, dtype=">f4")
    path = tmp_path / "m.npz"
    np.savez(path, weight=w, bias=b)
    state = nn.load(path)
    np.testing.assert_array_equal(state["weight"], w)
    np.testing.assert_array_equal(state["bias"], b)
    assert state["weight"].flags.writeable


def test_load_state_dict_is_all_or_nothing():
    model = nn.MLP([2, 3, 1], seed=0)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    state = {name: np.full(p.shape, 7.0) for name, p in model.named_parameters()}
    state["layers.2.bias"] = np.full((1,), 1j)  # the last entry cannot become float32
    with pytest.raises(RuntimeError, match=r"dtype mismatch for layers\.2\.bias.*complex128.*float32"):
        model.load_state_dict(state)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name], err_msg=f"{name} was overwritten by a failed load")
    state["layers.2.bias"] = np.array(["x"])
    with pytest.raises(RuntimeError, match="dtype mismatch"):
        model.load_state_dict(state)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])
