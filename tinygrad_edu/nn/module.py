"""`Module`: the base class of every layer and model, as in PyTorch.

A module finds its parameters by itself: any attribute that is a Tensor with `requires_grad`, another Module, or
a list/tuple of those. So a model is written as plain Python:

    class Net(Module):
        def __init__(self):
            self.hidden = Linear(2, 8)
            self.out = Linear(8, 1)
        def forward(self, x):
            return self.out(self.hidden(x).tanh())

and `Net().named_parameters()` gives `hidden.weight`, `hidden.bias`, `out.weight`, `out.bias`.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple

import numpy as np

from ..tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` skipped: names the model has but the dict lacks, and the reverse."""

    missing_keys: List[str]
    unexpected_keys: List[str]


class Module:
    """Base class for layers and models: parameter discovery, train/eval mode, saving and loading weights.

    Subclasses define `forward`; calling the module calls `forward`. Calling `super().__init__()` is optional.
    """

    training: bool = True

    def __init__(self) -> None:
        self.training = True

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse to replace a parameter by anything but another parameter (or None), as PyTorch does.

        `model.weight = model.weight - lr * model.weight.grad` would silently swap the trained leaf for the
        result of an op (or, under no_grad, for a plain array): `parameters()` and the optimizer would lose it.
        """
        old = self.__dict__.get(name)
        if (isinstance(old, Tensor) and old.requires_grad and old.is_leaf and value is not old
                and not (value is None or (isinstance(value, Tensor) and value.requires_grad and value.is_leaf))):
            what = ("the result of an op (a non-leaf Tensor)" if isinstance(value, Tensor) and not value.is_leaf
                    else "a Tensor that does not require grad" if isinstance(value, Tensor)
                    else f"a {type(value).__name__}")
            raise TypeError(
                f"cannot assign {what} as parameter {name!r} of {type(self).__name__} (a Tensor with "
                f"requires_grad=True made by you, or None, expected). To update a parameter, change it in place: "
                f"`with no_grad(): model.{name} -= lr * model.{name}.grad` (or `model.{name}.data -= ...`); to "
                f"replace it, assign a new leaf: `model.{name} = Tensor(array, requires_grad=True)`"
            )
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------------------------------- calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, x)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------------------------------- discovery

    def _members(self) -> Iterator[Tuple[str, Any]]:
        """(name, Tensor or Module) for every attribute that holds one, lists and tuples numbered `name.i`."""
        for name, value in vars(self).items():
            yield from _flatten(name, value)

    def named_children(self) -> List[Tuple[str, "Module"]]:
        """The direct sub-modules and their names."""
        return [(name, m) for name, m in self._members() if isinstance(m, Module)]

    def named_modules(self, prefix: str = "") -> List[Tuple[str, "Module"]]:
        """This module (named `prefix`, "" at the top) and every module inside it, with dotted names."""
        found = [(prefix, self)]
        for name, child in self.named_children():
            found += child.named_modules(f"{prefix}.{name}" if prefix else name)
        return found

    def named_parameters(self, prefix: str = "") -> List[Tuple[str, Tensor]]:
        """Every trainable Tensor with its dotted name, e.g. `layers.0.weight`; a shared Tensor is listed once."""
        found: List[Tuple[str, Tensor]] = []
        seen = set()
        for name, member in self._members():
            full = f"{prefix}.{name}" if prefix else name
            pairs = member.named_parameters(full) if isinstance(member, Module) else [(full, member)]
            for pname, p in pairs:
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    found.append((pname, p))
        return found

    def register_buffer(self, name: str, tensor: Optional[Tensor]) -> None:
        """Keep `tensor` as state that is saved and loaded with the weights but not trained (PyTorch's buffers:
        BatchNorm's running statistics). It is an attribute like any other: `self.running_mean`."""
        names = self.__dict__.setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix: str = "") -> List[Tuple[str, Tensor]]:
        """Every buffer with its dotted name, e.g. `layers.1.running_mean`."""
        found = []
        for mname, m in self.named_modules(prefix):
            for name in m.__dict__.get("_buffer_names", ()):
                if getattr(m, name) is not None:
                    found.append((f"{mname}.{name}" if mname else name, getattr(m, name)))
        return found

    def parameters(self) -> List[Tensor]:
        """Every trainable Tensor, in a fixed order: what you hand to an optimizer."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Clear every parameter's grad (grads add up across backward calls otherwise)."""
        for p in self.parameters():
            p.zero_grad()

    # ------------------------------------------------------------------------------------------- modes

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and all inside it to training mode (or evaluation mode with `mode=False`)."""
        for _, m in self.named_modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: `.training` is False everywhere (layers such as dropout would behave differently)."""
        return self.train(False)

    # ------------------------------------------------------------------------------------------- weights

    def state_dict(self) -> Dict[str, np.ndarray]:
        """name -> a copy of each parameter's and buffer's array, in PyTorch's order (each module's own parameters,
        then its buffers, then its children's). Copies, so later training does not change a saved snapshot."""
        entries = dict(self.named_parameters())
        entries.update(self.named_buffers())
        order = {name: i for i, name in enumerate(_torch_order(self))}
        return {name: entries[name].data.copy() for name in sorted(entries, key=lambda n: order.get(n, len(order)))}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays into the parameters and buffers, in place (an optimizer holding them sees the new values).
        The values may be ndarrays, Tensors, or PyTorch tensors: `model.load_state_dict(torch_model.state_dict())`.

        With `strict`, the names must match exactly. Shapes must always match, and dtypes must convert within their
        kind (float64 -> float32 is fine, complex or text is not). Mismatches raise RuntimeError (as in PyTorch)
        naming the parameter. All-or-nothing: every entry is checked and converted before the first is copied.
        """
        params = dict(self.named_parameters())
        params.update(self.named_buffers())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys (in the model, not in the state dict): {missing}")
            if unexpected:
                parts.append(f"unexpected keys (in the state dict, not in the model): {unexpected}")
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            value = _as_array(state[name])
            if value.shape != p.shape:
                raise RuntimeError(
                    f"size mismatch for {name}: the state dict has shape {value.shape}, "
                    f"the model's parameter has shape {p.shape}"
                )
            try:
                arrays[name] = value.astype(p.data.dtype, casting="same_kind", copy=False)
            except TypeError:
                raise RuntimeError(
                    f"dtype mismatch for {name}: the state dict has dtype {value.dtype}, which does not convert to "
                    f"the model's {p.data.dtype}"
                ) from None
        for name, value in arrays.items():  # copy only after every check passed: no half-loaded model
            np.copyto(params[name].data, value)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------------------------------- printing

    def extra_repr(self) -> str:
        """The text inside the parentheses for a layer without children, e.g. `in_features=2, out_features=8`."""
        return ""

    def __repr__(self) -> str:
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            lines.append("  " + f"({name}): {child!r}".replace("\n", "\n  "))
        lines.append(")")
        return "\n".join(lines)


def _as_array(value: Any) -> np.ndarray:
    """A state-dict entry as an ndarray: our Tensors, numpy arrays, and PyTorch tensors (a torch `state_dict()`)."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):  # torch.Tensor, duck-typed
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _torch_order(module: Module, prefix: str = "") -> Iterator[str]:
    """Every tensor's dotted name: a module's own tensors (attribute order) before its children's, as PyTorch."""
    children = []
    for name, member in module._members():
        if isinstance(member, Module):
            children.append((name, member))
        else:
            yield prefix + name
    for name, child in children:
        yield from _torch_order(child, f"{prefix}{name}.")


def _flatten(name: str, value: Any) -> Iterator[Tuple[str, Any]]:
    if isinstance(value, (Tensor, Module)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _flatten(f"{name}.{i}", item)
