"""The IDX file format used by MNIST: a tiny header, then one big-endian array.

Layout: 2 zero bytes, 1 byte type code (0x08 = uint8, ...), 1 byte number of dimensions `d`, then `d` big-endian
uint32 sizes, then the data. MNIST images have magic 0x00000803 (uint8, 3 dims: N x 28 x 28) and labels 0x00000801
(uint8, 1 dim: N). Files are usually gzipped; we detect that from the gzip magic bytes 1f 8b, not the file name.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

_TYPE_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: PathLike, expect_magic: Optional[int] = None) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into a native-endian ndarray.

    Every problem (truncated download, wrong file, corrupt gzip) raises ValueError naming the file and what was
    expected vs found, so a learner sees "file X is too short" rather than a numpy reshape traceback.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({e}); delete the file and download it again") from None

    if len(raw) < 4:
        raise ValueError(f"{path}: expected an IDX header of at least 4 bytes, found a file of {len(raw)} bytes")
    magic = int.from_bytes(raw[:4], "big")
    if expect_magic is not None and magic != expect_magic:
        raise ValueError(f"{path}: expected IDX magic number 0x{expect_magic:08x}, found 0x{magic:08x}")
    type_code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or type_code not in _TYPE_CODES:
        raise ValueError(f"{path}: not an IDX file (magic number 0x{magic:08x} has no known type code)")

    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: expected a {header}-byte header for {ndim} dimensions, found only {len(raw)} bytes")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_TYPE_CODES[type_code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        raise ValueError(
            f"{path}: expected {expected} bytes of data for shape {dims}, found {found} "
            f"({'truncated' if found < expected else 'trailing garbage'})"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: PathLike, array: np.ndarray, compress: bool = False) -> Path:
    """Write `array` as an IDX file (gzipped if `compress`). Handy for building small test fixtures."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _TYPE_CODES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of {sorted(str(d) for d in codes)}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.astype(_TYPE_CODES[code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path
