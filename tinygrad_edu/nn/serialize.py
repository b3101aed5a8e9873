"""Save and load weights as .npz files (numpy's zip of named arrays), atomically and within bounds.

`save` writes to a temporary file next to the target and renames it over the target only when the write has
finished (`os.replace` is atomic), so a crash or a full disk mid-save leaves the previous file untouched.

`load` treats the file as untrusted: before reading any data it reads every member's .npy header (shape, dtype)
and checks it against the zip's own size record, against a size limit and, when given a model, against the
model's parameters. So a small hostile file (a "zip bomb", a header claiming 128 GiB) raises a ValueError
naming the file instead of filling the memory; members the model does not use are never decompressed.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np
from numpy.lib import format as npy_format

from .._files import atomic_file
from ..tensor import Tensor
from .module import Module

PathLike = Union[str, "os.PathLike[str]"]

MAX_LOAD_BYTES = 1 << 30  # 1 GiB of array data per file: far above any model of the lessons
_CHUNK = 1 << 20  # decompress 1 MiB at a time straight into the result array


def save(model_or_state_dict: Union[Module, Mapping[str, Any]], path: PathLike) -> Path:
    """Write a model's `state_dict()` (or a dict name -> array) to `path` as .npz. Returns the path.

    The file name is used as given (no ".npz" is appended).
    """
    if isinstance(model_or_state_dict, Module):
        state = model_or_state_dict.state_dict()
    elif isinstance(model_or_state_dict, Mapping):
        state = {str(k): np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in model_or_state_dict.items()}
    else:
        raise TypeError(f"save() takes a Module or a dict of arrays, got {type(model_or_state_dict).__name__}")
    path = Path(path)
    with atomic_file(path) as f:
        np.savez(f, **state)
    return path


def load(
    path: PathLike,
    model: Optional[Union[Module, Mapping[str, Any]]] = None,
    max_bytes: int = MAX_LOAD_BYTES,
) -> Dict[str, np.ndarray]:
    """Read a file written by `save`: a dict name -> ndarray, ready for `model.load_state_dict`.

    With `model` (a Module, or a dict name -> array giving the expected shapes and dtypes), only the names the
    model has are read, and each must have the model's shape and a dtype that converts to the model's (as
    `load_state_dict` would); other members are skipped unread. At most `max_bytes` of array data are read.
    Every problem raises ValueError naming the file (and the member) before any large allocation.
    """
    path = Path(path)
    expected = _expected_arrays(model) if model is not None else None
    try:
        with open(path, "rb") as f:
            magic = f.read(len(npy_format.MAGIC_PREFIX))
            if magic == npy_format.MAGIC_PREFIX:
                raise ValueError(f"{path} is a single .npy array, not a weights file written by save() (.npz); "
                                 "save() writes a zip of named arrays (np.savez)")
            with zipfile.ZipFile(f) as archive:
                plan = _read_headers(path, archive, expected, max_bytes)
                return {name: _read_data(path, archive, *entry) for name, entry in plan.items()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error) as e:
        raise ValueError(f"{path} is not a weights file written by save() (.npz), or it is truncated: {e}") from None


def _expected_arrays(model: Union[Module, Mapping[str, Any]]) -> Dict[str, Tuple[Tuple[int, ...], np.dtype]]:
    if isinstance(model, Module):
        return {name: (p.shape, p.data.dtype) for name, p in model.named_parameters()}
    out = {}
    for name, value in model.items():
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        out[name] = (tuple(array.shape), array.dtype)
    return out


_Entry = Tuple[zipfile.ZipInfo, Tuple[int, ...], np.dtype, bool]


def _read_headers(
    path: Path, archive: zipfile.ZipFile, expected: Optional[Mapping[str, Tuple[Tuple[int, ...], np.dtype]]],
    max_bytes: int,
) -> Dict[str, _Entry]:
    """Check every member that will be read, from its header only; return name -> (zip entry, shape, dtype, F-order)."""
    plan: Dict[str, _Entry] = {}
    total = 0
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ValueError(f"{path}: member {info.filename!r} is not a .npy array; not a weights file written by save()")
        name = info.filename[: -len(".npy")]
        if info.flag_bits & 0x1:
            raise ValueError(f"{path}: member {info.filename!r} is encrypted; not a weights file written by save()")
        if name in plan:
            raise ValueError(f"{path}: the array {name!r} appears twice")
        if expected is not None and name not in expected:
            continue  # a name the model does not have: never decompressed
        with archive.open(info) as member:
            shape, dtype, fortran, header_size = _read_header(path, name, member)
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow, whatever the header claims
        if header_size + nbytes != info.file_size:
            raise ValueError(f"{path}: array {name!r} claims shape {shape} of {dtype} ({nbytes:,} bytes), but the zip "
                             f"member holds {info.file_size - header_size:,} bytes of data; the file is damaged")
        if expected is not None:
            want_shape, want_dtype = expected[name]
            if shape != tuple(want_shape):
                raise ValueError(f"{path}: array {name!r} has shape {shape}, the model's parameter has shape "
                                 f"{tuple(want_shape)}")
            if not np.can_cast(dtype, want_dtype, casting="same_kind"):
                raise ValueError(f"{path}: array {name!r} has dtype {dtype}, which does not convert to the model's "
                                 f"{want_dtype}")
        total += nbytes
        if total > max_bytes:
            raise ValueError(f"{path}: array {name!r} of shape {shape} and dtype {dtype} brings the data to "
                             f"{total:,} bytes, over the limit of {max_bytes:,} bytes (max_bytes)")
        plan[name] = (info, shape, dtype, fortran)
    return plan


def _read_header(path: Path, name: str, member: IO[bytes]) -> Tuple[Tuple[int, ...], np.dtype, bool, int]:
    try:
        version = npy_format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(member)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except (ValueError, EOFError, SyntaxError, TypeError) as e:
        raise ValueError(f"{path}: array {name!r} has no valid .npy header ({e})") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{path}: array {name!r} has dtype {dtype}; weights are bool, integer or float arrays")
    return tuple(int(n) for n in shape), dtype, bool(fortran), member.tell()


def _read_data(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: Tuple[int, ...],
               dtype: np.dtype, fortran: bool) -> np.ndarray:
    """Decompress one member into a preallocated array, 1 MiB at a time: the peak is the array itself."""
    array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    buffer = memoryview(array.reshape(-1, order="A").view(np.uint8))
    name = info.filename[: -len(".npy")]
    with archive.open(info) as member:
        _read_header(path, name, member)
        done = 0
        while done < len(buffer):
            n = member.readinto(buffer[done : done + _CHUNK])
            if not n:
                raise ValueError(f"{path}: array {name!r} is truncated ({done:,} of {len(buffer):,} bytes)")
            done += n
        if member.read(1):
            raise ValueError(f"{path}: array {name!r} has data after its {len(buffer):,} bytes")
    return array
