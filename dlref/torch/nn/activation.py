"""Activation layers as ``torch.nn.Module`` subclasses over
`dlref.torch.functional.activation`.

Names, arguments, defaults and ``repr`` follow ``torch.nn``. Differences: ``Softmax``
and ``LogSoftmax`` default to ``dim=-1`` and refuse ``dim=None`` (a ``TypeError``;
torch's implicit choice is deprecated); ``inplace`` is accepted for signature
compatibility but the computation is out of place.
"""

from __future__ import annotations

import torch

from dlref._checks import check_bool, check_choice, check_dim_type, check_real
from dlref.torch.functional import activation as F


class Sigmoid(torch.nn.Module):
    """Stable logistic sigmoid, elementwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.Sigmoid``.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.sigmoid(input)


class Tanh(torch.nn.Module):
    """Hyperbolic tangent from exponentials, elementwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.Tanh``.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.tanh(input)


class ReLU(torch.nn.Module):
    """max(0, x), elementwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.ReLU`` (``inplace`` accepted, out of place).
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        check_bool("inplace", inplace)
        self.inplace = inplace

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(torch.nn.Module):
    """x for x > 0, negative_slope * x otherwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.LeakyReLU``.

    Differences from PyTorch: ``inplace=True`` with a negative ``negative_slope`` is
    rejected (torch cannot backpropagate through that combination).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        check_real("negative_slope", negative_slope)
        check_bool("inplace", inplace)
        if inplace and negative_slope < 0:
            raise ValueError(
                "negative_slope must be >= 0 when inplace=True (torch's in-place "
                f"backward rejects a negative slope), got {negative_slope}"
            )
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class ELU(torch.nn.Module):
    """x for x > 0, alpha (e^x - 1) otherwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.ELU``.

    Differences from PyTorch: ``inplace=True`` with a negative ``alpha`` is rejected
    (torch cannot backpropagate through that combination).
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        check_real("alpha", alpha)
        check_bool("inplace", inplace)
        if inplace and alpha < 0:
            raise ValueError(
                "alpha must be >= 0 when inplace=True (torch's in-place backward "
                f"rejects a negative alpha), got {alpha}"
            )
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace}"


class SiLU(torch.nn.Module):
    """x sigma(x), elementwise.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.SiLU`` (``inplace`` accepted, out of place).
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        check_bool("inplace", inplace)
        self.inplace = inplace

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(torch.nn.Module):
    """x Phi(x), exact or with the tanh approximation.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.GELU``.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        check_choice("approximate", approximate, ("none", "tanh"))
        self.approximate = approximate

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(torch.nn.Module):
    """Softmax along ``dim`` (default -1).

    Shape:
        input ``(*)``, any shape; output the same shape; each slice along ``dim`` is
        normalised.

    PyTorch equivalent: ``torch.nn.Softmax``.

    Differences from PyTorch: the default is ``dim=-1``, and ``dim=None`` is a
    ``TypeError`` (torch's default ``dim=None`` picks a dimension implicitly, which is
    deprecated).
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        check_dim_type(dim)
        self.dim = dim

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(torch.nn.Module):
    """Log-softmax along ``dim`` (default -1).

    Shape:
        input ``(*)``, any shape; output the same shape; each slice along ``dim`` is
        normalised.

    PyTorch equivalent: ``torch.nn.LogSoftmax``.

    Differences from PyTorch: as for `Softmax` (default ``dim=-1``; ``dim=None`` is a
    ``TypeError``).
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        check_dim_type(dim)
        self.dim = dim

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
