"""The IDX file format used by MNIST: a tiny header, then one big-endian array.

Layout: 2 zero bytes, 1 byte type code (0x08 = uint8, ...), 1 byte number of dimensions `d`, then `d` big-endian
uint32 sizes, then the data. MNIST images have magic 0x00000803 (uint8, 3 dims: N x 28 x 28) and labels 0x00000801
(uint8, 1 dim: N). Files are usually gzipped; we detect that from the gzip magic bytes 1f 8b, not the file name.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, NamedTuple, Optional, Tuple, Union

import numpy as np

from .._files import atomic_write

PathLike = Union[str, "os.PathLike[str]"]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

_TYPE_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


MAX_IDX_BYTES = 1 << 30  # 1 GiB of array data; the largest MNIST file (train images) holds 47 MB
_CHUNK = 1 << 20


class IdxHeader(NamedTuple):
    """What an IDX header says: the magic number, the element dtype (big-endian) and the shape."""

    magic: int
    dtype: np.dtype
    shape: Tuple[int, ...]

    @property
    def nbytes(self) -> int:
        """Bytes of data the header promises, computed with Python ints (no overflow, whatever the header claims)."""
        return math.prod(self.shape) * self.dtype.itemsize


def read_idx_header(path: PathLike, expect_magic: Optional[int] = None) -> IdxHeader:
    """Read and check only the header of an IDX file (gzipped or raw): cheap, whatever the size of the data."""
    with _open(Path(path)) as stream:
        return _read_header(Path(path), stream, expect_magic)


def read_idx(path: PathLike, expect_magic: Optional[int] = None, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into a native-endian ndarray.

    The header is read and checked first (magic number, type code, sizes, at most `max_bytes` of data); only
    then is the body decompressed, 1 MiB at a time, straight into the result array. Every problem (truncated
    download, wrong file, corrupt gzip, a hostile header) raises ValueError naming the file and what was expected
    vs found, so a learner sees "file X is too short" rather than a numpy traceback or a full memory.
    """
    path = Path(path)
    with _open(path) as stream:
        header = _read_header(path, stream, expect_magic)
        expected = header.nbytes
        if expected > max_bytes:
            raise ValueError(f"{path}: the header announces shape {header.shape} of {header.dtype.newbyteorder('=')}, "
                             f"{expected:,} bytes, over the limit of {max_bytes:,} bytes (max_bytes)")
        array = np.empty(header.shape, dtype=header.dtype)
        buffer = memoryview(array.reshape(-1).view(np.uint8))
        found = 0
        while found < expected:
            n = _guarded(path, stream.readinto, buffer[found : found + _CHUNK])
            if not n:
                raise ValueError(f"{path}: expected {expected} bytes of data for shape {header.shape}, found {found} "
                                 "(truncated)")
            found += n
        if _guarded(path, stream.read, 1):
            raise ValueError(f"{path}: expected {expected} bytes of data for shape {header.shape}, found more "
                             "(trailing garbage)")
    if array.dtype.itemsize > 1:
        array.byteswap(inplace=True)  # big-endian file -> native order, in place (no second copy)
    return array.view(array.dtype.newbyteorder("="))


@contextlib.contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes as a stream, decompressed on the fly when it starts with the gzip magic 1f 8b."""
    with open(path, "rb") as raw:
        if raw.read(2) == _GZIP_MAGIC:
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream  # type: ignore[misc]
        else:
            raw.seek(0)
            yield raw


def _guarded(path: Path, read: Callable[..., Any], *args: Any) -> Any:
    try:
        return read(*args)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({e}); delete the file and download it again") from None


def _read_exact(path: Path, stream: BinaryIO, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = _guarded(path, stream.read, n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _read_header(path: Path, stream: BinaryIO, expect_magic: Optional[int]) -> IdxHeader:
    first = _read_exact(path, stream, 4)
    if len(first) < 4:
        raise ValueError(f"{path}: expected an IDX header of at least 4 bytes, found a file of {len(first)} bytes")
    magic = int.from_bytes(first, "big")
    if expect_magic is not None and magic != expect_magic:
        raise ValueError(f"{path}: expected IDX magic number 0x{expect_magic:08x}, found 0x{magic:08x}")
    type_code, ndim = first[2], first[3]
    if first[:2] != b"\x00\x00" or type_code not in _TYPE_CODES:
        raise ValueError(f"{path}: not an IDX file (magic number 0x{magic:08x} has no known type code)")
    sizes = _read_exact(path, stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(f"{path}: expected a {4 + 4 * ndim}-byte header for {ndim} dimensions, found only "
                         f"{4 + len(sizes)} bytes")
    shape = tuple(int.from_bytes(sizes[4 * i : 4 * i + 4], "big") for i in range(ndim))
    return IdxHeader(magic, np.dtype(_TYPE_CODES[type_code]), shape)


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
    atomic_write(path, gzip.compress(data) if compress else data)
    return path
