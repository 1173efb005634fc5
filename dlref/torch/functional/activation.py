r"""Activation functions from torch tensor primitives; autograd computes their
gradients.

Each function is written from ``torch.exp``, ``torch.expm1``, ``torch.erfc``,
``torch.where``, ``clamp`` and arithmetic, never from the op it mirrors
(``torch.sigmoid``, ``torch.tanh``, ``F.relu``, ``F.softmax``, ...), so the tests can
compare the two. The stable forms are those of `dlref.numpy.functional.activation`.

One autograd detail shapes this code: ``torch.where`` sends a zero gradient to the
branch it does not select, but ``0 * inf`` is NaN, so no branch may have an infinite
derivative at any input, selected or not. Every branch below is built from $e^{-|x|}$ or
$e^{\min(x,0)}$ and stays finite.
"""

from __future__ import annotations

import math

import torch

from dlref._checks import check_choice, check_dim, check_floating, check_real

__all__ = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "gelu",
    "silu",
    "elu",
]


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    check_floating(name, x)


def _neg_abs(x: torch.Tensor) -> torch.Tensor:
    # -|x|, with derivative -1 at x = 0 (torch.abs has derivative 0 there, which would
    # give sigmoid'(0) = 0 instead of 1/4)
    return torch.where(x >= 0, -x, x)


def sigmoid(input: torch.Tensor) -> torch.Tensor:
    r"""Logistic sigmoid $1/(1+e^{-x})$, stable: $z = e^{-|x|}$, then
    $1/(1+z)$ for $x \ge 0$ and $z/(1+z)$ for $x < 0$.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.sigmoid``.
    Differences from PyTorch: integer tensors are rejected.
    """
    _check_tensor("input", input)
    x = input
    # z = e^{-|x|} in (0, 1]
    z = torch.exp(_neg_abs(x))
    # sigma(x) = 1/(1+z) for x >= 0,  z/(1+z) for x < 0
    return torch.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def tanh(input: torch.Tensor) -> torch.Tensor:
    r"""Hyperbolic tangent from $z = e^{-2|x|}$: $\tanh x = \operatorname{sign}(x)\,(1 -
    z)/(1 + z)$.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.tanh``.
    Differences from PyTorch: integer tensors are rejected.
    """
    _check_tensor("input", input)
    x = input
    z = torch.exp(2.0 * _neg_abs(x))
    # tanh|x| = (1 - z)/(1 + z), and tanh is odd
    t = (1.0 - z) / (1.0 + z)
    return torch.where(x >= 0, t, -t)


def relu(input: torch.Tensor) -> torch.Tensor:
    r"""$\max(0, x)$, written as ``where(x <= 0, 0, x)``: NaN stays NaN and the
    gradient at 0 is 0, both as in torch.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.functional.relu`` (no ``inplace``; see the module).
    """
    _check_tensor("input", input)
    x = input
    # ReLU(x) = 0 if x <= 0 else x
    return torch.where(x <= 0, torch.zeros_like(x), x)


def leaky_relu(input: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    r"""$x$ for $x > 0$, ``negative_slope`` $\cdot x$ otherwise (deterministic).

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.functional.leaky_relu`` (no ``inplace``).
    """
    _check_tensor("input", input)
    check_real("negative_slope", negative_slope)
    x = input
    # f(x) = x if x > 0 else a x
    return torch.where(x > 0, x, negative_slope * x)


def elu(input: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    r"""$x$ for $x > 0$, $\alpha(e^x - 1)$ otherwise, with ``expm1`` of
    $\min(x, 0)$ so that no exponential overflows (gradient $\alpha$ at 0, as torch).

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.functional.elu`` (no ``inplace``).
    """
    _check_tensor("input", input)
    check_real("alpha", alpha)
    x = input
    # f(x) = x if x > 0 else alpha (e^x - 1), e^x taken at min(x, 0)
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))


def silu(input: torch.Tensor) -> torch.Tensor:
    r"""$x\,\sigma(x)$ with the stable `sigmoid` above.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.functional.silu`` (no ``inplace``).
    """
    _check_tensor("input", input)
    return input * sigmoid(input)


def gelu(input: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    r"""$x\,\Phi(x)$; exact with $\Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2)$, or
    the tanh approximation $\tfrac12 x(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3)))$.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    PyTorch equivalent: ``torch.nn.functional.gelu``.
    """
    _check_tensor("input", input)
    check_choice("approximate", approximate, ("none", "tanh"))
    x = input
    if approximate == "tanh":
        # u = sqrt(2/pi) (x + 0.044715 x^3)
        u = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + tanh(u))
    # Phi(x) = erfc(-x / sqrt 2) / 2
    Phi = 0.5 * torch.erfc(-x / math.sqrt(2.0))
    return x * Phi


def softmax(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""$e^{x_i - m} / \sum_j e^{x_j - m}$ along ``dim``, $m$ the maximum.

    The shift $m$ is detached: softmax does not change when a constant is subtracted,
    so $m$ carries no gradient, and autograd need not differentiate through ``max``.

    Shape:
        input ``(*)``, any shape; output the same shape; each slice along ``dim`` is
        normalised.

    PyTorch equivalent: ``torch.nn.functional.softmax``. Differences from PyTorch:
    ``dim`` defaults to ``-1``, and ``dim=None`` is a ``TypeError`` (torch's
    ``dim=None`` picks a dimension implicitly, which is deprecated: dlref does not guess
    which dimension holds the classes); a ``dim`` out of range raises ``ValueError``
    (torch: ``IndexError``).
    """
    _check_tensor("input", input)
    check_dim(dim, input.dim())
    x = input
    if x.numel() == 0:
        return x.clone()
    # m = max_j x_j, a constant for the gradient
    m = x.detach().amax(dim=dim, keepdim=True)
    e = torch.exp(x - m)
    return e / e.sum(dim=dim, keepdim=True)


def log_softmax(input: torch.Tensor, dim: int = -1) -> torch.Tensor:
    r"""$(x_i - m) - \log\sum_j e^{x_j - m}$ along ``dim`` (log-sum-exp), $m$ the
    maximum.

    Shape:
        input ``(*)``, any shape; output the same shape; each slice along ``dim`` is
        normalised.

    PyTorch equivalent: ``torch.nn.functional.log_softmax``; differences as for
    `softmax`.
    """
    _check_tensor("input", input)
    check_dim(dim, input.dim())
    x = input
    if x.numel() == 0:
        return x.clone()
    m = x.detach().amax(dim=dim, keepdim=True)
    shifted = x - m
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
