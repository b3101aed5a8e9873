"""Save and load weights as .npz files (numpy's zip of named arrays), atomically.

`save` writes to a temporary file next to the target and renames it over the target only when the write has
finished (`os.replace` is atomic), so a crash or a full disk mid-save leaves the previous file untouched.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any, Dict, Mapping, Union

import numpy as np

from .._files import atomic_file
from ..tensor import Tensor
from .module import Module

PathLike = Union[str, "os.PathLike[str]"]


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


def load(path: PathLike) -> Dict[str, np.ndarray]:
    """Read a file written by `save`: a dict name -> ndarray, ready for `model.load_state_dict`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise ValueError(f"{path} is not a weights file written by save() (.npz), or it is truncated: {e}") from None
