"""MNIST: the bundled t10k files, the IDX parser, and download_mnist against a local HTTP server on 127.0.0.1."""

import gzip
import hashlib
import json
import signal
import http.server
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.data import download_mnist, load_mnist, mnist_lesson_split, read_idx, write_idx
from tinygrad_edu.data.mnist import BUNDLED_DIR, MNIST_MD5, MNIST_SIZES, default_cache_dir

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


@pytest.fixture(scope="module")
def bundled():
    return load_mnist()


# ------------------------------------------------------------------------------------------- bundled t10k


def test_bundled_files_have_official_md5():
    for name in FILES[2:]:
        assert hashlib.md5((BUNDLED_DIR / name).read_bytes()).hexdigest() == MNIST_MD5[name]


def test_load_bundled_t10k(bundled):
    X, y = bundled
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    counts = np.bincount(y, minlength=10)
    assert len(counts) == 10 and counts.sum() == 10000 and counts.min() > 800
    assert y[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first test digits


def test_load_unflattened_and_raw_pixels(bundled):
    X, _ = load_mnist(flatten=False, normalize=False, dtype=np.uint8)
    assert X.shape == (10000, 28, 28) and X.dtype == np.uint8 and X.max() == 255
    np.testing.assert_allclose(X[:100].reshape(100, -1) / 255.0, bundled[0][:100], atol=1e-7)
    with pytest.raises(ValueError, match="float dtype"):
        load_mnist(dtype=np.uint8)


def test_lesson_split(bundled):
    X_train, y_train, X_val, y_val = mnist_lesson_split()
    assert X_train.shape == (8000, 784) and y_train.shape == (8000,)
    assert X_val.shape == (2000, 784) and y_val.shape == (2000,)
    np.testing.assert_array_equal(X_train, bundled[0][:8000])
    np.testing.assert_array_equal(y_val, bundled[1][8000:])
    assert set(y_train.tolist()) == set(y_val.tolist()) == set(range(10))


def test_unknown_split_and_missing_train(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown MNIST split"):
        load_mnist(split="test")
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "mnist"
    with pytest.raises(FileNotFoundError, match="download_mnist"):
        load_mnist(split="train")


# ------------------------------------------------------------------------------------------- IDX parser


def small_mnist(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_round_trip(tmp_path, compress):
    images, labels = small_mnist()
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, compress=compress)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, compress=compress)
    assert ((tmp_path / f"t10k-images-idx3-ubyte{suffix}").read_bytes()[:2] == b"\x1f\x8b") == compress
    X, y = load_mnist(tmp_path, flatten=False, normalize=False, dtype=np.uint8)
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)
    assert y.dtype == np.int64


def test_idx_other_dtypes(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a.idx", a)), a)
    with pytest.raises(ValueError, match="cannot store"):
        write_idx(tmp_path / "b.idx", np.zeros(3, dtype=np.int64))


def test_truncated_file_names_path_and_sizes(tmp_path):
    images, _ = small_mnist()
    path = write_idx(tmp_path / "imgs.idx", images)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"imgs\.idx.*expected 4704 bytes.*found 4604.*truncated"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match=r"imgs\.idx.*found a file of 2 bytes"):
        read_idx(path)


def test_truncated_gzip_names_path(tmp_path):
    images, _ = small_mnist()
    path = write_idx(tmp_path / "imgs.gz", images, compress=True)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"imgs\.gz.*gzip"):
        read_idx(path)


def test_wrong_magic_names_path_and_numbers(tmp_path):
    images, labels = small_mnist()
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", labels, compress=True)  # labels where images belong
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels, compress=True)
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz.*expected .*0x00000803, found 0x00000801"):
        load_mnist(tmp_path)
    garbage = tmp_path / "garbage.idx"
    garbage.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match=r"garbage\.idx.*not an IDX file"):
        read_idx(garbage)


def test_image_label_count_mismatch(tmp_path):
    images, labels = small_mnist()
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:-1])
    with pytest.raises(ValueError, match="6 images.*5 labels"):
        load_mnist(tmp_path)


def idx_header(type_code, dims):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(int(n).to_bytes(4, "big") for n in dims)


def gzip_stream(path, header, zero_bytes):
    """A gzip file: `header`, then `zero_bytes` zeros, compressed 4 MiB at a time (a 64 MiB body is ~64 kB)."""
    with gzip.open(path, "wb") as f:
        f.write(header)
        block = bytes(1 << 22)
        while zero_bytes > 0:
            f.write(block[: min(len(block), zero_bytes)])
            zero_bytes -= len(block)
    return path


def test_huge_sizes_are_computed_exactly_and_refused_from_the_header(tmp_path):
    path = gzip_stream(tmp_path / "imgs.gz", idx_header(0x08, [2**32 - 1] * 3), 100)
    with pytest.raises(ValueError, match=r"imgs\.gz.*\(4294967295, 4294967295, 4294967295\).*"
                                         r"79,228,162,458,924,105,385,300,197,375 bytes, over the limit"):
        read_idx(path)
    path = gzip_stream(tmp_path / "wraps.gz", idx_header(0x08, [65536] * 4), 0)  # 2**64 bytes: 0 in int64
    with pytest.raises(ValueError, match=r"wraps\.gz.*18,446,744,073,709,551,616 bytes, over the limit"):
        read_idx(path)


def test_gzip_bomb_is_refused_before_decompressing_the_body(tmp_path):
    """A 64 MiB body behind a header announcing 2 GiB: refused after 16 bytes, peak memory measured in a subprocess."""
    path = gzip_stream(tmp_path / "bomb.gz", idx_header(0x08, [2, 32768, 32768]), 64 << 20)
    assert path.stat().st_size < 200_000
    code = (
        "import resource, sys\n"
        "from tinygrad_edu.data import read_idx\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    read_idx(sys.argv[1])\n"
        "except ValueError as e:\n"
        "    print(e)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.splitlines()
    assert "bomb.gz" in out[0] and "2,147,483,648 bytes, over the limit of 1,073,741,824 bytes" in out[0]
    assert int(out[1]) < 20_000, f"peak memory grew by {out[1]} KiB"
    with pytest.raises(ValueError, match=r"bomb\.gz.*over the limit of 1,000 bytes"):
        read_idx(write_idx(tmp_path / "small.idx", np.zeros(2000, np.uint8)).rename(tmp_path / "bomb.gz"),
                 max_bytes=1000)


@pytest.mark.parametrize("data, message", [
    (b"", "found a file of 0 bytes"),
    (b"\x00\x00\x08", "found a file of 3 bytes"),
    (b"\x00\x00\x08\x03" + bytes(6), "expected a 16-byte header for 3 dimensions, found only 10 bytes"),
    (b"\x00\x00\x07\x01" + bytes(8), "not an IDX file"),
    (b"\x01\x00\x08\x01" + bytes(8), "not an IDX file"),
    (idx_header(0x0D, [3]) + bytes(10), "expected 12 bytes of data for shape \\(3,\\), found 10 \\(truncated\\)"),
    (idx_header(0x0B, [2, 2]) + bytes(9), "expected 8 bytes .* found more \\(trailing garbage\\)"),
])
@pytest.mark.parametrize("compress", [False, True])
def test_every_bad_header_names_the_file(tmp_path, data, message, compress):
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(ValueError, match="bad\\.idx.*" + message):
        read_idx(path)


def test_big_endian_types_are_swapped_in_place(tmp_path):
    a = (np.arange(24, dtype=np.int32) - 12).reshape(2, 3, 4) * 1000003
    for compress in (False, True):
        out = read_idx(write_idx(tmp_path / "a.idx", a, compress=compress))
        assert out.dtype == np.dtype(np.int32) and out.dtype.isnative and out.flags.writeable
        np.testing.assert_array_equal(out, a)


def test_mnist_shapes_are_checked_from_the_headers_before_the_bodies(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((6, 28, 27), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(6, np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: MNIST images are 28 x 28.*\(28, 27\)"):
        load_mnist(tmp_path)
    gzip_stream(tmp_path / "t10k-images-idx3-ubyte", idx_header(0x08, [5, 28, 28]), 100)  # truncated body
    with pytest.raises(ValueError, match=r"holds 5 images but .*t10k-labels-idx1-ubyte holds 6 labels"):
        load_mnist(tmp_path)  # the counts disagree: said before the truncated body is read


# ------------------------------------------------------------------------------------------- download


class Mirror:
    """A real HTTP server on 127.0.0.1 serving `files` under each prefix in `prefixes`, counting requests."""

    def __init__(self, files, prefixes=("/b/",)):
        self.files, self.prefixes, self.requests, self.sent = files, prefixes, [], 0
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                prefix, _, name = self.path.rpartition("/")
                special = getattr(self, "serve_" + prefix.strip("/").replace("-", "_"), None)
                if special is not None and name in mirror.files:
                    try:
                        special(mirror.files[name], name)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client hung up, as it should
                    return
                body = mirror.files.get(name) if prefix + "/" in mirror.prefixes else None
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def serve_slow(self, body, name):  # all headers at once, then one byte every 50 ms
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    mirror.sent += 1
                    time.sleep(0.05)

            def serve_bad(self, body, name):  # the right size, the wrong bytes
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(bytes(len(body)))

            def serve_endless(self, body, name):  # no Content-Length: the body ends when the server closes
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                block = bytes(1 << 16)
                while mirror.sent < 64 << 20:
                    self.wfile.write(block)
                    mirror.sent += len(block)

            def serve_huge(self, body, name):  # announces 300 MiB
                self.send_response(200)
                self.send_header("Content-Length", str(300 << 20))
                self.end_headers()
                self.wfile.write(body)

            def serve_away(self, body, name):  # to another host name for the same server
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{mirror.server.server_port}/b/{name}")
                self.end_headers()

            def serve_to_https(self, body, name):  # an https URL on the same host: allowed (nothing listens there)
                self.send_response(301)
                self.send_header("Location", f"https://127.0.0.1:1/b/{name}")
                self.end_headers()

            def serve_moved(self, body, name):  # same host, another folder: followed
                self.send_response(301)
                self.send_header("Location", f"/b/{name}")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def url(self, prefix):
        return f"http://127.0.0.1:{self.server.server_port}{prefix}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def gz_bytes(tmp_path, name, array):
    return write_idx(tmp_path / f"src-{name}", array, compress=True).read_bytes()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Small generated MNIST-like files for both splits, their md5 table, and a running mirror."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    images, labels = small_mnist()
    files = {}
    for name in FILES:
        files[name] = gz_bytes(tmp_path, name, images if "images" in name else labels)
    checksums = {name: hashlib.md5(body).hexdigest() for name, body in files.items()}
    mirror = Mirror(files)
    yield mirror, checksums, (images, labels)
    mirror.close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_download_then_cached(served, tmp_path):
    mirror, checksums, (images, labels) = served
    cache = tmp_path / "cache"
    out = download_mnist(cache, base_urls=[mirror.url("/b/")], checksums=checksums, timeout=5)
    assert out == cache and sorted(p.name for p in cache.iterdir()) == sorted(FILES)
    assert len(mirror.requests) == 4
    X, y = load_mnist(cache, split="train", flatten=False, normalize=False, dtype=np.uint8)
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)

    download_mnist(cache, base_urls=[mirror.url("/b/")], checksums=checksums, timeout=5)
    assert len(mirror.requests) == 4  # nothing fetched again


def test_download_uses_env_cache_and_only_requested_splits(served, tmp_path, monkeypatch):
    mirror, checksums, _ = served
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "root"))
    out = download_mnist(base_urls=[mirror.url("/b/")], splits="train", checksums=checksums, timeout=5)
    assert out == tmp_path / "root" / "mnist"
    assert sorted(p.name for p in out.iterdir()) == FILES[:2]
    assert load_mnist(split="train")[0].shape == (6, 784)


def test_download_wrong_checksum_leaves_nothing(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    bad = {**checksums, "train-images-idx3-ubyte.gz": "0" * 32}
    with pytest.raises(ValueError, match=rf"train-images-idx3-ubyte\.gz.*expected 0{{32}}, got {checksums[FILES[0]]}"):
        download_mnist(cache, base_urls=[mirror.url("/b/")], checksums=bad, timeout=5)
    assert list(cache.iterdir()) == []


def test_download_replaces_corrupt_cached_file(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / FILES[0]).write_bytes(b"half a file")
    download_mnist(cache, base_urls=[mirror.url("/b/")], splits=("train",), checksums=checksums, timeout=5)
    assert hashlib.md5((cache / FILES[0]).read_bytes()).hexdigest() == checksums[FILES[0]]


def test_download_falls_back_to_second_mirror(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    download_mnist(cache, base_urls=[mirror.url("/a/"), mirror.url("/b/")], checksums=checksums, timeout=5)
    assert sorted(p.name for p in cache.iterdir()) == sorted(FILES)
    assert [p.split("/")[1] for p in mirror.requests] == ["a", "b"] * 4


def test_download_offline_raises_clear_error(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    dead = closed_port_url()
    with pytest.raises(ConnectionError) as info:
        download_mnist(cache, base_urls=[dead, mirror.url("/a/")], checksums=checksums, timeout=5)
    message = str(info.value)
    assert dead + "train-images-idx3-ubyte.gz" in message
    assert mirror.url("/a/") + "train-images-idx3-ubyte.gz" in message and "404" in message
    assert "load_mnist()" in message
    assert list(cache.iterdir()) == []


def test_md5_table_and_default_mirrors():
    from tinygrad_edu.data.mnist import DEFAULT_MIRRORS

    assert sorted(MNIST_MD5) == sorted(MNIST_SIZES) == sorted(FILES)
    for name in FILES[2:]:
        assert (BUNDLED_DIR / name).stat().st_size == MNIST_SIZES[name]
    assert DEFAULT_MIRRORS == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )


# ------------------------------------------------------------------------------------------- hostile mirrors


def test_wrong_md5_on_the_first_mirror_tries_the_next(served, tmp_path):
    mirror, checksums, (images, _) = served
    cache = tmp_path / "cache"
    download_mnist(cache, base_urls=[mirror.url("/bad/"), mirror.url("/b/")], splits="train", checksums=checksums,
                   timeout=5)
    assert [p.split("/")[1] for p in mirror.requests] == ["bad", "b"] * 2
    np.testing.assert_array_equal(load_mnist(cache, split="train", flatten=False, normalize=False,
                                             dtype=np.uint8)[0], images)


def test_a_slow_drip_server_hits_the_deadline_and_the_next_mirror_is_tried(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    start = time.monotonic()
    download_mnist(cache, base_urls=[mirror.url("/slow/"), mirror.url("/b/")], splits="train", checksums=checksums,
                   timeout=5, deadline=0.5)
    assert time.monotonic() - start < 4  # two files, each given up on after 0.5 s (the socket timeout is 5 s)
    assert sorted(p.name for p in cache.iterdir()) == FILES[:2]
    with pytest.raises(ConnectionError, match=r"/slow/train-images-idx3-ubyte\.gz: not finished after 0\.3 s"):
        download_mnist(tmp_path / "c2", base_urls=[mirror.url("/slow/")], splits="train", checksums=checksums,
                       timeout=5, deadline=0.3)
    assert list((tmp_path / "c2").iterdir()) == []


def test_size_cap_stops_the_stream_and_an_oversized_announcement_is_refused(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match=r"/endless/train-images-idx3-ubyte\.gz: more than the 10,000 bytes"):
        download_mnist(cache, base_urls=[mirror.url("/endless/")], splits="train", checksums=checksums,
                       timeout=5, max_bytes=10_000)
    assert mirror.sent < 8 << 20  # stopped long before the server's 64 MiB (what got sent sits in socket buffers)
    with pytest.raises(ValueError, match=r"/huge/train-images-idx3-ubyte\.gz: the server announces 314,572,800 bytes"):
        download_mnist(cache, base_urls=[mirror.url("/huge/")], splits="train", checksums=checksums, timeout=5)
    assert list(cache.iterdir()) == []


def test_official_files_are_capped_at_their_official_size(served, tmp_path):
    mirror, _, _ = served
    with pytest.raises(ValueError, match=r"announces 314,572,800 bytes, more than the 9,912,422 this file has"):
        download_mnist(tmp_path, base_urls=[mirror.url("/huge/")], splits="train", timeout=5)


def test_redirects_to_another_host_are_refused_and_same_host_ones_followed(served, tmp_path):
    mirror, checksums, _ = served
    with pytest.raises(ConnectionError) as info:
        download_mnist(tmp_path / "a", base_urls=[mirror.url("/away/")], splits="train", checksums=checksums,
                       timeout=5)
    assert f"refused a redirect to http://localhost:{mirror.server.server_port}/b/train-images" in str(info.value)
    assert "another host (localhost)" in str(info.value)
    assert not any(p.startswith("/b/") for p in mirror.requests)  # the redirect was not followed
    assert list((tmp_path / "a").iterdir()) == []

    download_mnist(tmp_path / "b", base_urls=[mirror.url("/moved/")], splits="train", checksums=checksums, timeout=5)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == FILES[:2]

    with pytest.raises(ConnectionError) as info:  # an upgrade to https on the same host is followed (and fails here)
        download_mnist(tmp_path / "c", base_urls=[mirror.url("/to-https/")], splits="train", checksums=checksums,
                       timeout=5)
    assert "https://127.0.0.1:1/b/train-images" not in str(info.value) and "Connection refused" in str(info.value)


def test_download_killed_mid_file_leaves_a_temp_file_the_next_download_removes(served, tmp_path):
    mirror, checksums, _ = served
    cache = tmp_path / "cache"
    script = (
        "import json, sys\n"
        "from tinygrad_edu.data import download_mnist\n"
        "download_mnist(sys.argv[1], base_urls=[sys.argv[2]], splits='train', checksums=json.loads(sys.argv[3]),"
        " timeout=5)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(cache), mirror.url("/slow/"), json.dumps(checksums)],
                            cwd=ROOT)
    try:
        for _ in range(400):  # wait until the download is under way: a partial file exists, bytes have been sent
            partial = list(cache.glob(".*")) if cache.exists() else []
            if partial and mirror.sent > 10:
                break
            time.sleep(0.025)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(partial) == 1 and partial[0].name.startswith(f".train-images-idx3-ubyte.gz.tmp-{proc.pid}-")
    download_mnist(cache, base_urls=[mirror.url("/b/")], splits="train", checksums=checksums, timeout=5)
    assert sorted(p.name for p in cache.iterdir()) == FILES[:2]
