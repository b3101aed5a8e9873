"""Small 2-D datasets for lessons: each is seeded, shuffled, and returns X float32 (n, d) and y int64 (n,).

They are chosen to show what a model can and cannot learn: blobs are linearly separable, moons almost, while
xor, circles and spirals need a hidden layer.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple, Union

import numpy as np

Dataset = Tuple[np.ndarray, np.ndarray]


def _split_evenly(n: int, parts: int) -> np.ndarray:
    """Sizes of `parts` groups adding up to `n`, differing by at most one (the first ones get the extras)."""
    if n < parts:
        raise ValueError(f"need at least one sample per class: n={n} is smaller than the {parts} classes")
    return np.full(parts, n // parts) + (np.arange(parts) < n % parts)


def _finish(rng: np.random.Generator, X: np.ndarray, y: np.ndarray) -> Dataset:
    """Shuffle (so that a plain cut into train/val keeps all classes) and cast to the library's dtypes."""
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (label 0 on top, 1 below), plus gaussian noise of std `noise`."""
    rng = np.random.default_rng(seed)
    n_top, n_bottom = _split_evenly(n, 2)
    t_top, t_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n_bottom)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + rng.normal(0, noise, (n, 2))
    y = np.repeat([0, 1], [n_top, n_bottom])
    return _finish(rng, X, y)


def make_circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle of radius `factor` (label 1) inside a circle of radius 1 (label 0)."""
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner radius relative to the outer one and must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_out, n_in = _split_evenly(n, 2)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1)
    X = np.concatenate([outer, inner]) + rng.normal(0, noise, (n, 2))
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(rng, X, y)


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """`classes` interleaved spiral arms (the CS231n dataset); `noise` jitters the angle."""
    rng = np.random.default_rng(seed)
    sizes = _split_evenly(n, classes)
    arms = []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(4 * k, 4 * (k + 1), size) + rng.normal(0, noise, size)
        arms.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
    y = np.repeat(np.arange(classes), sizes)
    return _finish(rng, np.concatenate(arms), y)


def make_xor(n: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Points in the square [-1, 1]^2, label 1 where the signs of x and y differ; noise is added after labelling."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] > 0) != (X[:, 1] > 0)
    return _finish(rng, X + rng.normal(0, noise, (n, 2)), y)


def make_blobs(
    n: int = 300, centers: Union[int, Sequence[Sequence[float]]] = 3, std: float = 1.0, seed: int = 0, dim: int = 2
) -> Dataset:
    """Gaussian clusters of std `std`, one per class: `centers` random points in [-10, 10]^dim, or the given ones."""
    rng = np.random.default_rng(seed)
    if np.isscalar(centers):
        means = rng.uniform(-10, 10, (int(centers), dim))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2:
            raise ValueError(f"centers must be a number or a (k, dim) list of points, got shape {means.shape}")
    sizes = _split_evenly(n, len(means))
    y = np.repeat(np.arange(len(means)), sizes)
    X = means[y] + rng.normal(0, std, (n, means.shape[1]))
    return _finish(rng, X, y)


def make_lesson_classification(n: int = 100, flip: float = 0.2, seed: int = 0) -> Dataset:
    """The AI-For-Beginners MLP lesson's dataset, a numpy version of scikit-learn's

    make_classification(n_samples=n, n_features=2, n_informative=2, n_redundant=0, n_repeated=0, n_classes=2,
    n_clusters_per_class=1, flip_y=flip): one gaussian cluster per class, centred on two different corners of the
    square [-1, 1]^2 and stretched by a random linear map; then a fraction `flip` of the labels is replaced by a
    random class (so about half of those end up wrong). The flipped labels cap the best possible accuracy near 90%.
    """
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    centroids = corners[rng.choice(4, size=2, replace=False)]
    sizes = _split_evenly(n, 2)
    y = np.repeat([0, 1], sizes)
    X = rng.standard_normal((n, 2))
    for k in range(2):
        mix = 2 * rng.uniform(size=(2, 2)) - 1
        X[y == k] = X[y == k] @ mix + centroids[k]
    flipped = rng.uniform(size=n) < flip
    y[flipped] = rng.integers(0, 2, size=int(flipped.sum()))
    return _finish(rng, X, y)


REGRESSION_FUNCTIONS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "linear": lambda x: 0.5 * x + 1.0,
    "cubic": lambda x: 0.1 * x**3 - 0.5 * x,
    "abs": np.abs,
}


def make_regression_1d(
    n: int = 100, noise: float = 0.1, outliers: float = 0.0, seed: int = 0, fn: str = "sin"
) -> Tuple[np.ndarray, np.ndarray]:
    """X (n, 1) uniform in [-3, 3], y (n, 1) = fn(X) + gaussian noise, both float32.

    `fn` names one of REGRESSION_FUNCTIONS. A fraction `outliers` of the points gets an error of +/- 3 to 6 instead,
    to compare how MSE and more robust losses (L1, Huber) react to bad data.
    """
    if fn not in REGRESSION_FUNCTIONS:
        raise ValueError(f"unknown function {fn!r}; choose one of {sorted(REGRESSION_FUNCTIONS)}")
    if not 0 <= outliers <= 1:
        raise ValueError(f"outliers is a fraction of the points and must be in [0, 1], got {outliers}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, (n, 1))
    y = REGRESSION_FUNCTIONS[fn](X) + rng.normal(0, noise, (n, 1))
    bad = rng.choice(n, size=int(round(outliers * n)), replace=False)
    y[bad] = REGRESSION_FUNCTIONS[fn](X[bad]) + rng.choice([-1, 1], (len(bad), 1)) * rng.uniform(3, 6, (len(bad), 1))
    return X.astype(np.float32), y.astype(np.float32)


def train_val_split(
    X: np.ndarray, y: np.ndarray, val_fraction: float = 0.2, shuffle: bool = False, seed: int = 0
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut a dataset into (X_train, y_train, X_val, y_val); the last `val_fraction` of the rows validate.

    Without `shuffle` the cut keeps the row order (the toy datasets above are already shuffled).
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} samples and {len(y)} labels")
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    n_train = len(X) - int(round(len(X) * val_fraction))
    train, val = order[:n_train], order[n_train:]
    return X[train], y[train], X[val], y[val]
