"""The affine map y = x W^T + b and its backward pass."""

from __future__ import annotations

import numpy as np

from dlref._checks import check_floating, check_same_dtype, shape_of
from dlref._geometry import check_linear


def linear(
    input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
) -> np.ndarray:
    r"""Affine map $y = x W^\top + b$.

    Args:
        input: floating-point array whose last dimension is ``in_features``; every
            leading dimension is a batch dimension.
        weight: ``(out_features, in_features)``, one row per output unit.
        bias: ``(out_features,)``, or ``None`` for no bias.

    Shape:
        input ``(*, in_features)``, weight ``(out_features, in_features)``,
        bias ``(out_features,)``, output ``(*, out_features)``.

    Returns:
        ``input @ weight.T + bias``, shape ``(*, out_features)``.

    PyTorch equivalent: ``torch.nn.functional.linear`` (same weight layout: one row per
    output unit). Textbooks often write $W x$ with ``W`` of shape
    ``(out, in)`` acting on a column vector: the same weights, read row-wise here.

    Differences from PyTorch: ``weight`` must be 2-D and ``bias`` 1-D
    ``(out_features,)``; torch also accepts a 1-D ``weight`` (one output unit, dimension
    dropped) and a 0-D or ``(1, out_features)`` ``bias`` (broadcast). Errors are
    ``ValueError``/``TypeError`` naming the argument (torch: ``RuntimeError``).
    """
    check_linear(input, weight, bias)
    # y = x W^T + b                                   (*, out_features)
    output = input @ weight.T
    if bias is not None:
        output = output + bias
    return output


def linear_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
):
    r"""Gradients of ``linear``: returns ``(grad_input, grad_weight, grad_bias)``.

    With $G = \partial L / \partial y$:
    $\partial L/\partial x = G W$, $\partial L/\partial W = G^\top x$ (summed
    over every leading dimension), $\partial L/\partial b = \sum G$.

    Args:
        grad_output: $G$, shape ``(*, out_features)``: the shape of ``linear``'s output.
        input: the ``input`` that ``linear`` was called with, ``(*, in_features)``.
        weight: its ``weight``, ``(out_features, in_features)``.
        bias: its ``bias``, or ``None``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``input``,
        ``weight`` and ``bias``; ``grad_bias`` is ``None`` when ``bias`` is ``None``.

    Differences from PyTorch: as for `linear`; and ``grad_output`` must have the dtype
    of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient of
    another dtype silently.
    """
    check_linear(input, weight, bias)
    check_floating("grad_output", grad_output)
    check_same_dtype("grad_output", grad_output, "input", input)
    out_features, in_features = weight.shape
    expected = shape_of(input)[:-1] + (out_features,)
    if shape_of(grad_output) != expected:
        raise ValueError(
            f"grad_output must have the shape of linear's output {expected}, got "
            f"{shape_of(grad_output)}"
        )
    # dL/dx = G W                                     (*, in_features)
    grad_input = grad_output @ weight
    # dL/dW = G^T x, every leading dimension is a batch dimension
    g2 = grad_output.reshape(-1, out_features)  # (N, out_features)
    x2 = input.reshape(-1, in_features)  # (N, in_features)
    grad_weight = g2.T @ x2  # (out_features, in_features)
    # dL/db = sum of G over the batch                 (out_features,)
    grad_bias = g2.sum(axis=0) if bias is not None else None
    return grad_input, grad_weight, grad_bias
