"""Activation layers: thin modules over `dlref.numpy.functional.activation`.

Each module has no parameters. ``forward`` keeps its input (what every ``*_backward`` of
the functional API takes) and ``backward(grad_output)`` returns the gradient for it.

Difference from PyTorch shared by ``ReLU``, ``LeakyReLU``, ``SiLU`` and ``ELU``: the
``inplace`` flag is accepted for signature compatibility (and shown by ``repr``), but
the computation is always out of place; the input array is never modified.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_choice, check_dim_type, check_real
from dlref.numpy.functional import activation as F
from dlref.numpy.nn.module import Module


class Sigmoid(Module):
    r"""Applies $\sigma(x) = 1/(1+e^{-x})$ elementwise (see
    `dlref.numpy.functional.sigmoid`).

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.Sigmoid``.
    """

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.sigmoid(input)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.sigmoid_backward(grad_output, self._saved("input"))


class Tanh(Module):
    r"""Applies $\tanh(x)$ elementwise (see `dlref.numpy.functional.tanh`).

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.Tanh``.
    """

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.tanh(input)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.tanh_backward(grad_output, self._saved("input"))


class ReLU(Module):
    r"""Applies $\max(0, x)$ elementwise (see `dlref.numpy.functional.relu`).

    Args:
        inplace: accepted for compatibility with torch; the computation is out of place.

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.ReLU``.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        check_bool("inplace", inplace)
        self.inplace = inplace

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.relu(input)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.relu_backward(grad_output, self._saved("input"))

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    r"""Applies $x$ for $x > 0$ and ``negative_slope`` $\cdot x$ otherwise.

    See `dlref.numpy.functional.leaky_relu`. Deterministic: no randomness is involved.

    Args:
        negative_slope: slope for negative inputs, default 0.01.
        inplace: accepted for compatibility; out of place here. With ``inplace=True`` a
            negative ``negative_slope`` is rejected, because torch cannot backpropagate
            through its in-place version with a negative slope.

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.LeakyReLU``.
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

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.leaky_relu(input, self.negative_slope)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.leaky_relu_backward(
            grad_output, self._saved("input"), self.negative_slope
        )

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class ELU(Module):
    r"""Applies $x$ for $x > 0$ and $\alpha(e^x - 1)$ otherwise.

    See `dlref.numpy.functional.elu`.

    Args:
        alpha: $\alpha$, default 1.0.
        inplace: accepted for compatibility; out of place here. With ``inplace=True`` a
            negative ``alpha`` is rejected, because torch cannot backpropagate through
            its in-place ELU with a negative ``alpha``.

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.ELU``.
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

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.elu(input, self.alpha)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.elu_backward(grad_output, self._saved("input"), self.alpha)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace}"


class SiLU(Module):
    r"""Applies $x\,\sigma(x)$ elementwise (see `dlref.numpy.functional.silu`).

    Args:
        inplace: accepted for compatibility with torch; the computation is out of place.

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.SiLU``.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        check_bool("inplace", inplace)
        self.inplace = inplace

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.silu(input)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.silu_backward(grad_output, self._saved("input"))

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    r"""Applies $x\,\Phi(x)$ elementwise (see `dlref.numpy.functional.gelu`).

    Args:
        approximate: ``'none'`` (exact, default) or ``'tanh'``.

    Shape:
        input any, output the same. PyTorch equivalent: ``torch.nn.GELU``.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        check_choice("approximate", approximate, ("none", "tanh"))
        self.approximate = approximate

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.gelu(input, self.approximate)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.gelu_backward(grad_output, self._saved("input"), self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    r"""Applies softmax along ``dim``: each slice becomes a probability vector.

    See `dlref.numpy.functional.softmax` (stable: the maximum is subtracted first).

    Args:
        dim: dimension to normalise over, default ``-1``.

    Shape:
        input any, output the same; slices along ``dim`` sum to 1.

    PyTorch equivalent: ``torch.nn.Softmax(dim)``.
    Differences from PyTorch: torch's default ``dim=None``
    picks a dimension implicitly (deprecated); here the default is ``-1``, the class
    dimension of ``(N, C)`` logits, and ``dim=None`` is a ``TypeError``. For
    ``(N, C, H, W)`` pass ``dim=1``.
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        check_dim_type(dim)  # its range is checked against the input in forward
        self.dim = dim

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.softmax(input, self.dim)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.softmax_backward(grad_output, self._saved("input"), self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    r"""Applies log-softmax along ``dim`` (see `dlref.numpy.functional.log_softmax`).

    Args:
        dim: dimension to normalise over, default ``-1``.

    Shape:
        input any, output the same.

    PyTorch equivalent: ``torch.nn.LogSoftmax(dim)``.

    Differences from PyTorch: as for `Softmax` (default ``dim=-1``; ``dim=None`` is a
    ``TypeError``).
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        check_dim_type(dim)  # its range is checked against the input in forward
        self.dim = dim

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return F.log_softmax(input, self.dim)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return F.log_softmax_backward(grad_output, self._saved("input"), self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
