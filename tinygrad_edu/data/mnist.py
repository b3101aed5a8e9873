"""MNIST: load the bundled test set offline, or download the full set once into a cache folder.

The official 10,000-image test set ("t10k") ships inside the package, so every lesson works offline:
`mnist_lesson_split()` uses its first 8,000 images to train and its last 2,000 to validate. The 60,000-image
training set is fetched on request by `download_mnist()`, checked against the official md5 sums.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from .._files import atomic_file, remove_stale_temps
from .idx import IMAGES_MAGIC, LABELS_MAGIC, PathLike, read_idx, read_idx_header

BUNDLED_DIR = Path(__file__).parent / "mnist"
SPLITS = ("train", "t10k")
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_SIZES = {  # bytes of each official file: a download never streams more
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}
MAX_DOWNLOAD_BYTES = 64 << 20  # for a file whose checksum the caller overrides (its size is not known)


def mnist_files(split: str) -> Tuple[str, str]:
    """The (images, labels) file names of a split, e.g. ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")."""
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; expected one of {SPLITS}")
    return f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"


def default_cache_dir() -> Path:
    """Where downloads go: $TINYGRAD_EDU_CACHE/mnist if that variable is set, else ~/.cache/tinygrad_edu/mnist."""
    root = os.environ.get("TINYGRAD_EDU_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "tinygrad_edu") / "mnist"


def _find(folder: Path, name: str) -> Optional[Path]:
    """`name` in `folder`, gzipped or already unpacked (same name without .gz)."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def load_mnist(
    path: Optional[PathLike] = None,
    split: str = "t10k",
    normalize: bool = True,
    flatten: bool = True,
    dtype: np.dtype = np.float32,
) -> Tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split as (X, y): X is (N, 784) (or (N, 28, 28) if not `flatten`), y is int64 digits 0-9.

    `path` is a folder holding the IDX files. Without it, "t10k" comes from the copy bundled with the package and
    "train" from the download cache (see `download_mnist`). `normalize` scales pixels from 0..255 to [0, 1].
    """
    if normalize and not np.issubdtype(dtype, np.floating):
        raise ValueError(f"normalize=True scales pixels to [0, 1] and needs a float dtype, got {np.dtype(dtype)}")
    images_name, labels_name = mnist_files(split)
    if path is not None:
        folder = Path(path)
    elif split == "t10k":
        folder = BUNDLED_DIR
    else:
        folder = default_cache_dir()
    images_path, labels_path = _find(folder, images_name), _find(folder, labels_name)
    if images_path is None or labels_path is None:
        missing = images_name if images_path is None else labels_name
        hint = (
            "Download it once with `tinygrad_edu.data.download_mnist()` (needs internet, about 11 MB), "
            "or work offline with the bundled test set: `load_mnist()` / `mnist_lesson_split()`."
        )
        raise FileNotFoundError(f"MNIST {split!r} split not found: no {missing} in {folder}. {hint}")

    # Both headers first (cheap), so a wrong file is reported before anything large is decompressed.
    images_header = read_idx_header(images_path, expect_magic=IMAGES_MAGIC)  # 0x803: uint8, 3 dims (N, rows, cols)
    labels_header = read_idx_header(labels_path, expect_magic=LABELS_MAGIC)
    if images_header.shape[1:] != (28, 28):
        raise ValueError(f"{images_path}: MNIST images are 28 x 28 pixels, the header says {images_header.shape[1:]}")
    if images_header.shape[0] != labels_header.shape[0]:
        raise ValueError(f"{images_path} holds {images_header.shape[0]} images but {labels_path} holds "
                         f"{labels_header.shape[0]} labels")
    images = read_idx(images_path, expect_magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, expect_magic=LABELS_MAGIC)

    X = images.astype(dtype)
    if normalize:
        X /= 255
    if flatten:
        X = X.reshape(len(X), -1)
    return X, labels.astype(np.int64)


def mnist_lesson_split(
    flatten: bool = True, dtype: np.dtype = np.float32
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The project's default offline split: first 8,000 bundled t10k images to train, last 2,000 to validate.

    Returns (X_train, y_train, X_val, y_val). The digits in the file are not sorted by class, so a plain cut
    keeps all ten classes in both parts, and everyone who runs a lesson gets the same split.
    """
    X, y = load_mnist(flatten=flatten, dtype=dtype)
    return X[:8000], y[:8000], X[8000:], y[8000:]


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _RedirectRefused(OSError):
    """A mirror redirected the download to another host or from https to http: a hijacked or moved mirror."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the same host (same scheme and port, or an upgrade from http to https)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        same_host = new.hostname == old.hostname
        if not same_host or not (new[:2] == old[:2] or (old.scheme, new.scheme) == ("http", "https")):
            why = f"another host ({new.hostname})" if not same_host else f"from {old.scheme} to {new.scheme}"
            raise _RedirectRefused(f"refused a redirect to {new.geturl()}: {why}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameHostRedirects)


def _fetch(url: str, target: Path, expected_md5: str, timeout: float, deadline: float, max_bytes: int) -> None:
    """Stream `url` into `target` atomically; stop at `max_bytes` or after `deadline` seconds.

    A wrong md5 or too many bytes raise ValueError; a server too slow raises TimeoutError. Nothing is left behind.
    """
    digest = hashlib.md5()
    size = 0
    give_up_at = time.monotonic() + deadline
    with atomic_file(target) as out, _OPENER.open(url, timeout=min(timeout, deadline)) as response:
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > max_bytes:
            raise ValueError(f"{url}: the server announces {int(announced):,} bytes, more than the {max_bytes:,} "
                             "this file has; nothing was saved")
        while True:
            chunk = response.read1(1 << 16)  # returns what one receive brought: a slow server cannot stall us here
            if time.monotonic() > give_up_at:
                raise TimeoutError(f"{url}: not finished after {deadline:g} s (deadline), {size:,} bytes received; "
                                   "nothing was saved")
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise ValueError(f"{url}: more than the {max_bytes:,} bytes this file has; nothing was saved")
            out.write(chunk)
            digest.update(chunk)
        if digest.hexdigest() != expected_md5:
            raise ValueError(f"{url}: md5 mismatch, expected {expected_md5}, got {digest.hexdigest()}; "
                             "nothing was saved")


def download_mnist(
    cache_dir: Optional[PathLike] = None,
    base_urls: Optional[Sequence[str]] = None,
    splits: Iterable[str] = SPLITS,
    timeout: float = 30,
    checksums: Optional[Dict[str, str]] = None,
    deadline: float = 600,
    max_bytes: Optional[int] = None,
) -> Path:
    """Download the MNIST IDX files of `splits` into `cache_dir` (default: `default_cache_dir()`); return that folder.

    Mirrors in `base_urls` are tried in order; a mirror that fails for a file (unreachable, too slow, a wrong md5,
    too big, a redirect to another host) is skipped for the next. Each file is checked against its md5
    (`checksums` overrides entries of the official table `MNIST_MD5`), then moved into place atomically, so the
    cache never holds a partial file. Files already present with the right md5 are not downloaded again.

    Limits: `timeout` seconds for each wait for data, `deadline` seconds in all for one file from one mirror (it
    is checked after every receive, so it can be overrun by at most `timeout`), and `max_bytes` per file (default:
    the official size of each file, or 64 MiB for a file whose checksum you override). Redirects are followed
    only within the same host (http may be upgraded to https).

    Raises ValueError when every mirror failed and one of them served a wrong file (md5 or size), and
    ConnectionError when no mirror could be reached (for example when offline); the bundled test set
    (`load_mnist()`) works without any download.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder)  # downloads killed mid-way (kill -9) by an earlier run
    mirrors = list(base_urls) if base_urls is not None else list(DEFAULT_MIRRORS)
    table = {**MNIST_MD5, **(checksums or {})}
    if isinstance(splits, str):
        splits = (splits,)

    for split in splits:
        for name in mnist_files(split):
            target, expected = folder / name, table[name]
            if target.is_file() and _md5(target) == expected:
                continue
            official = expected == MNIST_MD5.get(name)
            limit = max_bytes if max_bytes is not None else MNIST_SIZES[name] if official else MAX_DOWNLOAD_BYTES
            failures, bad_file = [], False
            for base in mirrors:
                url = base.rstrip("/") + "/" + name
                try:
                    _fetch(url, target, expected, timeout, deadline, limit)
                except ValueError as e:  # the mirror answered with the wrong bytes: try the next one
                    failures.append(f"  {e}")
                    bad_file = True
                    continue
                except (OSError, http.client.HTTPException) as e:
                    failures.append(f"  {url}: {e}")
                    continue
                break
            else:
                tried = f"could not download {name}; tried:\n" + "\n".join(failures) + "\n"
                if bad_file:
                    raise ValueError(tried + "No mirror served the official file; nothing was saved.")
                raise ConnectionError(
                    tried + "Check your internet connection, or use the MNIST test set bundled with the package, "
                    "which needs no download: `load_mnist()` or `mnist_lesson_split()`."
                )
    return folder
