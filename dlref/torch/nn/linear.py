"""`Linear`: the fully connected layer as a ``torch.nn.Module`` built on our
``linear``."""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref._checks import check_positive_int
from dlref.torch.functional.affine import linear


class Linear(nn.Module):
    r"""Fully connected layer $y = x W^\top + b$.

    Every output unit sees every input feature: ``weight`` has shape
    ``(out_features, in_features)``, one row per output unit.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default ``True``).
        device: where the parameters live (default: torch's default device).
        dtype: parameter dtype (default: torch's default dtype, float32).

    Initialization (torch's, drawn from torch's global generator in the same order, so
    ``torch.manual_seed`` gives the same weights as ``torch.nn.Linear``): ``weight`` by
    ``kaiming_uniform_(a=sqrt(5))``, i.e. $U(-1/\sqrt{in}, 1/\sqrt{in})$, and
    ``bias`` from the same interval.

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    PyTorch equivalent: ``torch.nn.Linear``, same parameter names (``weight``, ``bias``)
    and ``state_dict`` keys.

    Differences from PyTorch: ``in_features`` and ``out_features`` must be at
    least 1 (torch accepts 0).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_positive_int("in_features", in_features)
        check_positive_int("out_features", out_features)
        if dtype is not None and not (
            isinstance(dtype, torch.dtype) and dtype.is_floating_point
        ):
            raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype}")
        factory_kwargs = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(
            torch.empty((out_features, in_features), **factory_kwargs)
        )
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features, **factory_kwargs))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's default initialization: uniform in ``±1/sqrt(in_features)``."""
        # kaiming_uniform_ with a = sqrt(5):
        # bound = sqrt(6 / ((1 + a^2) fan_in)) = 1 / sqrt(fan_in)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
