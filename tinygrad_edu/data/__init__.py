"""Datasets and batching: bundled MNIST (plus an optional download of the full set), seeded toy datasets, DataLoader."""

from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import download_mnist, load_mnist, mnist_lesson_split
from .toy import (
    make_blobs,
    make_circles,
    make_lesson_classification,
    make_moons,
    make_regression_1d,
    make_spirals,
    make_xor,
    train_val_split,
)

__all__ = [
    "DataLoader",
    "load_mnist",
    "download_mnist",
    "mnist_lesson_split",
    "read_idx",
    "write_idx",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_xor",
    "make_blobs",
    "make_lesson_classification",
    "make_regression_1d",
    "train_val_split",
]
