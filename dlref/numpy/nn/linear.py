"""`Linear`: the fully connected layer."""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_positive_int
from dlref.numpy.functional.affine import linear, linear_backward
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter


class Linear(Module):
    r"""Fully connected layer $y = x W^\top + b$.

    Every output unit sees every input feature: ``weight`` has shape
    ``(out_features, in_features)``, one row per output unit.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default ``True``).
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's addition:
            torch draws from its global generator).

    Initialization (torch's): ``weight`` and ``bias`` ~ $U(-1/\sqrt{in}, 1/\sqrt{in})$,
    which is ``kaiming_uniform_(weight, a=sqrt(5))``.

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    PyTorch equivalent: ``torch.nn.Linear``; ``state_dict`` keys ``weight``, ``bias``.

    Differences from PyTorch: ``in_features`` and ``out_features`` must be at least 1
    (torch accepts 0); ``generator``; no ``device`` argument.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_positive_int("in_features", in_features)
        check_positive_int("out_features", out_features)
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise TypeError(
                f"dtype must be a floating-point dtype, got {np.dtype(dtype)}"
            )
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's default initialization: uniform in ``±1/sqrt(in_features)``."""
        rng = generator if generator is not None else np.random.default_rng()
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: np.ndarray) -> np.ndarray:
        bias = self.bias.data if self.bias is not None else None
        self._save(input=input)
        return linear(input, self.weight.data, bias)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input = self._saved("input")
        bias = self.bias.data if self.bias is not None else None
        grad_input, grad_weight, grad_bias = linear_backward(
            grad_output, input, self.weight.data, bias
        )
        self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
