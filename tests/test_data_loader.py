"""DataLoader: every sample once per epoch, batch sizes, dtypes, seeding, and argument checks."""

import numpy as np
import pytest

from tinygrad_edu.data import DataLoader
from tinygrad_edu.tensor import Tensor


def dataset(n=10, dtype=np.float32):
    X = np.arange(n * 3, dtype=dtype).reshape(n, 3)  # row i starts with 3*i, so rows can be traced back
    y = np.arange(n, dtype=np.int64)
    return X, y


def labels_of_epoch(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (7, 10), (1, 1)])
def test_each_sample_exactly_once_per_epoch(n, batch_size, shuffle):
    X, y = dataset(n)
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=0)
    for _ in range(2):
        seen = []
        for xb, yb in loader:
            assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
            assert xb.shape[0] == yb.shape[0] <= batch_size
            np.testing.assert_array_equal(xb.numpy()[:, 0], 3 * yb.numpy())  # rows stay paired with labels
            seen.extend(yb.numpy().tolist())
        assert sorted(seen) == list(range(n))
        if not shuffle:
            assert seen == list(range(n))


def test_len_and_drop_last():
    X, y = dataset(10)
    assert len(DataLoader(X, y, batch_size=3)) == 4
    assert [b[0].shape[0] for b in DataLoader(X, y, batch_size=3)] == [3, 3, 3, 1]
    loader = DataLoader(X, y, batch_size=3, drop_last=True, seed=0)
    assert len(loader) == 3
    sizes = [xb.shape[0] for xb, _ in loader]
    assert sizes == [3, 3, 3] and len(sizes) == len(loader)
    assert len(DataLoader(X, y, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(X, y, batch_size=20, drop_last=True)) == 0


def test_seed_determinism_and_new_order_each_epoch():
    X, y = dataset(50)
    a, b = DataLoader(X, y, batch_size=8, seed=7), DataLoader(X, y, batch_size=8, seed=7)
    epoch1_a, epoch2_a = labels_of_epoch(a), labels_of_epoch(a)
    np.testing.assert_array_equal(epoch1_a, labels_of_epoch(b))
    np.testing.assert_array_equal(epoch2_a, labels_of_epoch(b))
    assert not np.array_equal(epoch1_a, epoch2_a)
    assert not np.array_equal(epoch1_a, labels_of_epoch(DataLoader(X, y, batch_size=8, seed=8)))


def test_does_not_touch_global_random_state():
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    list(DataLoader(*dataset(), batch_size=2))
    assert np.random.rand() == expected


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64, np.uint8])
def test_batch_dtypes(x_dtype):
    X, y = dataset(6, dtype=x_dtype)
    xb, yb = next(iter(DataLoader(X, y, batch_size=4)))
    assert xb.dtype == x_dtype and yb.dtype == np.int64


def test_accepts_tensors_lists_and_no_labels():
    X, y = dataset(6)
    xb, yb = next(iter(DataLoader(Tensor(X), Tensor(y), batch_size=6, shuffle=False)))
    np.testing.assert_array_equal(xb.numpy(), X)
    np.testing.assert_array_equal(yb.numpy(), y)

    xb, yb = next(iter(DataLoader([[0.5, 1.0], [1.5, 2.0]], [0, 1], batch_size=2)))
    assert xb.dtype == np.float32 and yb.dtype.kind == "i"

    batches = list(DataLoader(X, batch_size=4, shuffle=False))
    assert all(isinstance(b, Tensor) for b in batches)
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batches]), X)


def test_batches_are_copies():
    X, y = dataset(4)
    xb, _ = next(iter(DataLoader(X, y, batch_size=4, shuffle=False)))
    xb.data[:] = -1
    assert X.min() == 0


def test_argument_errors_name_the_numbers():
    X, y = dataset(10)
    with pytest.raises(ValueError, match="10 samples and 9 labels"):
        DataLoader(X, y[:9], batch_size=2)
    with pytest.raises(ValueError, match=r"batch_size.*got 0.*10 samples"):
        DataLoader(X, y, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, y, batch_size=2.5)
