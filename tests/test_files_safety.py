"""Temporary files of a writer killed mid-write (kill -9) are removed by the next write into the same folder."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tinygrad_edu import nn
from tinygrad_edu._files import atomic_write, remove_stale_temps, temp_name

ROOT = Path(__file__).resolve().parent.parent

SLOW_SAVE = """
import sys, time
import numpy as np
from tinygrad_edu import nn
from tinygrad_edu.nn import serialize

def slow_savez(file, **arrays):  # nn.save's writer, stopped half way so the parent can kill -9 it there
    file.write(b"PK" + bytes(1 << 20))
    file.flush()
    print("writing", flush=True)
    time.sleep(60)

serialize.np.savez = slow_savez
nn.save({"w": np.zeros(3)}, sys.argv[1])
"""

def kill_mid_write(script, *args):
    """Run `script` until it prints its first line, then SIGKILL it; return its PID."""
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    return proc.pid

def test_killed_save_leaves_a_recognisable_temp_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "model.npz"
    nn.save(nn.Linear(2, 1, seed=0), target)
    pid = kill_mid_write(SLOW_SAVE, target)
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".model.npz.tmp-{pid}-"), leftovers
    assert nn.load(target)["weight"].shape == (1, 2)  # the old file is intact

    nn.save(nn.Linear(2, 1, seed=1), tmp_path / "other.npz")  # any later save into the folder cleans up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "other.npz"]

def test_temp_files_of_live_writers_and_other_files_are_kept(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead = tmp_path / f".c.npz.tmp-{int(finished.stdout)}-89abcdef"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        kept = [
            tmp_path / f".a.npz.tmp-{sleeper.pid}-0123abcd",  # another process, still writing
            temp_name(tmp_path / "b.npz"),  # this process
            tmp_path / ".notes.tmp-1-not-hex",  # not our pattern
            tmp_path / "x.tmp-99999999-0123abcd",  # no leading dot: a user's own file
        ]
        for path in kept + [dead]:
            path.write_bytes(b"x")
        assert remove_stale_temps(tmp_path) == [dead]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)

def test_atomic_write_uses_the_new_temp_names_and_leaves_nothing(tmp_path):
    atomic_write(tmp_path / "a.txt", b"hello")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    name = temp_name(tmp_path / "a.txt").name
    assert name.startswith(f".a.txt.tmp-{os.getpid()}-") and len(name.rsplit("-", 1)[1]) == 8
    assert (tmp_path / "a.txt").read_bytes() == b"hello"
