"""`Sequential` and `Flatten`: chaining layers, forward and backward."""

from __future__ import annotations

import math
import numbers
from collections import OrderedDict

import numpy as np

from dlref._checks import check_floating
from dlref.numpy.nn.module import Module


class Sequential(Module):
    """Layers applied one after the other; ``backward`` runs them in reverse.

    Forward: ``x -> m0(x) -> m1(...) -> ...``. Backward is the chain rule read right to
    left: the gradient for each layer's input is the gradient for the previous layer's
    output.

    Args:
        *modules: the layers, or a single ``OrderedDict`` of named layers (as in torch).
            A name is a non-empty str without ``"."`` (it becomes a ``state_dict`` key
            prefix) that is not already an attribute (``forward``, ``training``, ...).

    PyTorch equivalent: ``torch.nn.Sequential`` (same ``state_dict`` keys:
    ``"0.weight"``, ...).

    Differences from PyTorch: a ``None`` layer raises ``TypeError`` (torch accepts it
    and fails in ``forward``); a bad name raises ``TypeError``/``ValueError`` (torch:
    ``KeyError``).
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            if not isinstance(name, str):
                raise TypeError(
                    f"modules' names must be str, got {type(name).__name__} {name!r}"
                )
            if (
                not name
                or "." in name
                or (hasattr(self, name) and name not in self._modules)
            ):
                raise ValueError(
                    "modules' names must be non-empty, without '.', and not an "
                    f"attribute of Sequential, got {name!r}"
                )
            if not isinstance(module, Module):
                raise TypeError(
                    "modules must be dlref.numpy.nn modules, got "
                    f"{type(module).__name__} at {name!r}"
                )
            setattr(self, name, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            names = list(self._modules)[index]
            return Sequential(OrderedDict((n, self._modules[n]) for n in names))
        return modules[index]

    def append(self, module: Module) -> "Sequential":
        if not isinstance(module, Module):
            raise TypeError(
                f"module must be a dlref.numpy.nn module, got {type(module).__name__}"
            )
        setattr(self, str(len(self)), module)
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input

    def backward(self, grad_output):
        for module in reversed(list(self)):
            grad_output = module.backward(grad_output)
        return grad_output


class Flatten(Module):
    """Flatten dimensions ``start_dim`` to ``end_dim`` into one:
    ``(N, C, H, W) -> (N, C*H*W)``.

    ``backward(grad_output)`` reshapes the gradient back to the input's shape, in the
    input's dtype (``grad_output`` must be a floating array of the output's shape).

    Args:
        start_dim: first dimension to flatten (default 1).
        end_dim: last dimension to flatten (default -1); counted from the input's
            dimensions.

    Shape:
        input ``(*, S_start, ..., S_end, *)``; output ``(*, S_start * ... * S_end, *)``.

    PyTorch equivalent: ``torch.nn.Flatten(start_dim=1, end_dim=-1)``.

    Differences from PyTorch: a bool ``start_dim``/``end_dim`` raises ``TypeError``
    (torch reads ``True`` as 1).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: np.ndarray) -> np.ndarray:
        if not isinstance(input, np.ndarray):
            raise TypeError(
                f"input must be a numpy.ndarray, got {type(input).__name__}"
            )
        ndim = max(input.ndim, 1)  # a 0-d input flattens to shape (1,), as in torch
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -ndim <= dim < ndim:
                raise ValueError(
                    f"{name} must be in [{-ndim}, {ndim - 1}] for input of shape "
                    f"{input.shape}, got {dim}"
                )
        start = self.start_dim % ndim
        end = self.end_dim % ndim
        if start > end:
            raise ValueError(
                f"start_dim ({self.start_dim}) must come before end_dim "
                f"({self.end_dim}) for input of shape {input.shape}"
            )
        # the flattened size spelled out
        # (a -1 cannot be inferred when another dimension is 0)
        flat = math.prod(input.shape[start : end + 1])
        # (N, C*H*W) for the defaults
        output = input.reshape(input.shape[:start] + (flat,) + input.shape[end + 1 :])
        self._save(
            input_shape=input.shape, output_shape=output.shape, dtype=input.dtype
        )
        return output

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input_shape, output_shape, dtype = self._saved(
            "input_shape", "output_shape", "dtype"
        )
        if not isinstance(grad_output, np.ndarray):
            raise TypeError(
                f"grad_output must be a numpy.ndarray, got {type(grad_output).__name__}"
            )
        check_floating("grad_output", grad_output)
        if grad_output.shape != output_shape:
            raise ValueError(
                f"grad_output must have the shape of the output {output_shape}, got "
                f"{grad_output.shape}"
            )
        # undo the reshape:
        # gradients flow unchanged, in the input's dtype (as autograd casts them)
        return grad_output.reshape(input_shape).astype(dtype, copy=False)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
