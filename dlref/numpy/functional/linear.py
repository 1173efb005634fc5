"""The affine map y = x W^T + b and its backward pass."""

from __future__ import annotations

import numpy as np

from dlref._checks import check_floating, check_last_dim, check_ndim


def linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    r"""Affine map :math:`y = x W^\top + b`.

    Shapes:
        input ``(*, in_features)``, weight ``(out_features, in_features)``,
        bias ``(out_features,)``, output ``(*, out_features)``.

    PyTorch equivalent: ``torch.nn.functional.linear`` (same weight layout: one row per
    output unit). Textbooks often write :math:`W x` with ``W`` of shape
    ``(out, in)`` acting on a column vector: the same weights, read row-wise here.
    """
    check_floating("input", input)
    check_ndim("weight", weight, (2,), "(out_features, in_features)")
    check_last_dim("input", input, weight.shape[1], "in_features of weight")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must have shape ({weight.shape[0]},), got {bias.shape}")
    # y = x W^T + b                                   (*, out_features)
    output = input @ weight.T
    if bias is not None:
        output = output + bias
    return output


def linear_backward(grad_output: np.ndarray, input: np.ndarray, weight: np.ndarray,
                    bias: np.ndarray | None = None):
    r"""Gradients of :func:`linear`: returns ``(grad_input, grad_weight, grad_bias)``.

    With :math:`G = \partial L / \partial y`:
    :math:`\partial L/\partial x = G W`, :math:`\partial L/\partial W = G^\top x` (summed
    over every leading dimension), :math:`\partial L/\partial b = \sum G`.
    ``grad_bias`` is ``None`` when ``bias`` is ``None``.
    """
    in_features = weight.shape[1]
    out_features = weight.shape[0]
    # dL/dx = G W                                     (*, in_features)
    grad_input = grad_output @ weight
    # dL/dW = G^T x, every leading dimension is a batch dimension
    g2 = grad_output.reshape(-1, out_features)        # (N, out_features)
    x2 = input.reshape(-1, in_features)               # (N, in_features)
    grad_weight = g2.T @ x2                           # (out_features, in_features)
    # dL/db = sum of G over the batch                 (out_features,)
    grad_bias = g2.sum(axis=0) if bias is not None else None
    return grad_input, grad_weight, grad_bias
