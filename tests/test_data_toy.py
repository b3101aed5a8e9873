"""Toy datasets: shapes, dtypes, seeding, class balance, and the geometry each one is meant to show."""

import numpy as np
import pytest

from tinygrad_edu.data import (
    make_blobs,
    make_circles,
    make_lesson_classification,
    make_moons,
    make_regression_1d,
    make_spirals,
    make_xor,
    train_val_split,
)

CLASSIFICATION = [
    (make_moons, {"n": 100}, 100, 2, 2),
    (make_circles, {"n": 201}, 201, 2, 2),
    (make_spirals, {"n": 300, "classes": 3}, 300, 2, 3),
    (make_xor, {"n": 200}, 200, 2, 2),
    (make_blobs, {"n": 300, "centers": 4, "dim": 5}, 300, 5, 4),
    (make_lesson_classification, {"n": 100}, 100, 2, 2),
]


def least_squares_accuracy(X, y):
    """Accuracy of the best linear classifier in the least-squares sense (one-vs-rest): a linear-separability probe."""
    A = np.c_[X, np.ones(len(X))]
    W = np.linalg.lstsq(A, np.eye(y.max() + 1)[y], rcond=None)[0]
    return ((A @ W).argmax(axis=1) == y).mean()


@pytest.mark.parametrize("make, kwargs, n, d, classes", CLASSIFICATION)
def test_shapes_dtypes_labels(make, kwargs, n, d, classes):
    X, y = make(**kwargs)
    assert X.shape == (n, d) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == set(range(classes))
    assert np.isfinite(X).all()


@pytest.mark.parametrize("make, kwargs, n, d, classes", CLASSIFICATION)
def test_seed_determinism(make, kwargs, n, d, classes):
    X1, y1 = make(**kwargs, seed=3)
    X2, y2 = make(**kwargs, seed=3)
    X3, _ = make(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("make, kwargs, n, d, classes", [c for c in CLASSIFICATION if c[0] is not make_xor])
def test_balanced_classes(make, kwargs, n, d, classes):
    counts = np.bincount(make(**kwargs)[1], minlength=classes)
    if make is make_lesson_classification:  # flipped labels move a few points between classes
        assert abs(counts[0] - counts[1]) <= 20
    else:
        assert counts.max() - counts.min() <= 1


def test_xor_labels_follow_quadrants():
    X, y = make_xor(n=500, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    assert 0.4 < y.mean() < 0.6


def test_shuffled_so_a_plain_cut_keeps_both_classes():
    _, y = make_moons(n=100)
    assert set(y[:20].tolist()) == {0, 1} and set(y[-20:].tolist()) == {0, 1}


def test_circles_radii():
    X, y = make_circles(n=400, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        make_circles(factor=1.5)


@pytest.mark.parametrize("seed", range(5))
def test_xor_circles_spirals_not_linearly_separable(seed):
    assert least_squares_accuracy(*make_xor(n=1000, seed=seed)) < 0.7
    assert least_squares_accuracy(*make_circles(n=400, seed=seed)) < 0.7
    assert least_squares_accuracy(*make_spirals(seed=seed)) < 0.7


def test_blobs_and_moons_are_nearly_linearly_separable():
    assert least_squares_accuracy(*make_blobs(centers=[[-5, 0], [5, 0]], std=1.0)) > 0.99
    assert least_squares_accuracy(*make_moons(n=400)) > 0.8


def test_lesson_classification_flips_labels():
    accuracy_clean = least_squares_accuracy(*make_lesson_classification(n=1000, flip=0.0, seed=1))
    accuracy_flipped = least_squares_accuracy(*make_lesson_classification(n=1000, flip=0.2, seed=1))
    assert accuracy_flipped < accuracy_clean - 0.05  # ~10% of labels end up wrong


@pytest.mark.parametrize("fn", ["sin", "linear", "cubic", "abs"])
def test_regression_shapes_and_range(fn):
    X, y = make_regression_1d(n=50, fn=fn)
    assert X.shape == y.shape == (50, 1) and X.dtype == y.dtype == np.float32
    assert X.min() >= -3 and X.max() <= 3


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25])
def test_regression_outlier_fraction(fraction):
    X, y = make_regression_1d(n=200, noise=0.1, outliers=fraction, seed=2)
    errors = np.abs(y - np.sin(X))
    big = errors > 2.5
    assert big.sum() == round(200 * fraction)
    assert (errors[big] <= 6.01).all() and (errors[~big] < 0.6).all()


def test_regression_bad_arguments():
    with pytest.raises(ValueError, match="unknown function"):
        make_regression_1d(fn="tan")
    with pytest.raises(ValueError, match="fraction"):
        make_regression_1d(outliers=1.5)


def test_train_val_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, y_train, X_val, y_val = train_val_split(X, y, val_fraction=0.3)
    np.testing.assert_array_equal(y_train, np.arange(7))
    np.testing.assert_array_equal(y_val, [7, 8, 9])
    np.testing.assert_array_equal(X_val, X[7:])

    X_train, y_train, X_val, y_val = train_val_split(X, y, val_fraction=0.3, shuffle=True, seed=1)
    assert sorted(np.concatenate([y_train, y_val]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired with their labels
    assert train_val_split(X, y, 0.3, shuffle=True, seed=1)[1].tolist() == y_train.tolist()

    with pytest.raises(ValueError, match="10 samples and 9 labels"):
        train_val_split(X, y[:9])
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(X, y, val_fraction=1.0)
