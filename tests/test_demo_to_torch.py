"""demos/to_torch.py end to end (--fast): trained here, moved to PyTorch with identical outputs, trained on there,
and loaded back with the same validation loss in both engines."""

import pytest

from .test_demos import assert_names_folder, assert_pictures, demo


def test_to_torch_demo_trains_across_both_engines(torch, tmp_path, capsys):
    r = demo("to_torch").main(["--fast", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert len(r["losses_here"]) == 5 and len(r["losses_torch"]) == 5
    assert r["max_output_difference"] < 1e-6
    assert r["losses_torch"][-1] < r["losses_here"][0], "training should go on improving in PyTorch"
    assert r["val_loss"] == pytest.approx(r["torch_val_loss"], rel=1e-5)
    assert "same state_dict keys: True" in out
    assert f"PyTorch      epoch 10: training loss {r['losses_torch'][-1]:.4f}" in out
    assert_pictures(r["files"], tmp_path)
    assert_names_folder(out, tmp_path)
