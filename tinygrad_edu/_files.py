"""Atomic file writes: nothing a user saves (weights, pictures, downloads) is ever left half-written.

A write goes to a temporary file in the target's folder, named `.NAME.tmp-PID-RANDOM`, and is renamed over the
target only when complete. A process killed mid-write (`kill -9`, a power cut) cannot remove its temporary file,
so every later write into the same folder first removes the temporary files whose writing process is dead: the
PID in the name says whose file it is. (On a folder shared by several machines a PID names a process of the
machine that wrote it; such folders are not a use case here.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Iterator, List, Union

PathLike = Union[str, "os.PathLike[str]"]

_TEMP_NAME = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]{8}$")


def temp_name(path: Path) -> Path:
    """A fresh temporary name for `path` in the same folder: `.NAME.tmp-PID-RANDOM`."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 checks existence without sending anything
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is another user's
        return True
    except (OverflowError, OSError):  # not a valid PID on this system: nobody can be writing that file
        return False
    return True


def remove_stale_temps(folder: PathLike) -> List[Path]:
    """Delete the temporary files left in `folder` by writers that died mid-write; return what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match["pid"])):
            with contextlib.suppress(FileNotFoundError):  # another process may clean up at the same time
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_file(path: PathLike) -> Iterator[BinaryIO]:
    """Write through a temporary file next to `path`; only when the block finishes is it renamed over `path`.

    `os.replace` on the same file system is atomic: readers see the old file or the new one, never a partial
    one. If the block raises (a crash, a full disk, a failed checksum), the temporary file is removed and `path`
    is left as it was. Temporary files of earlier writers that were killed are removed first.
    """
    path = Path(path)
    remove_stale_temps(path.parent)
    while True:
        tmp = temp_name(path)
        try:  # O_EXCL: never reuse a name; mode 0o666 minus the umask gives the file normal permissions
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_file`)."""
    with atomic_file(path) as f:
        f.write(data)
