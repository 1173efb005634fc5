"""The affine map y = x W^T + b from a matrix product (autograd gives the backward
pass)."""

from __future__ import annotations

import torch

from dlref._geometry import check_linear


def linear(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None
) -> torch.Tensor:
    r"""Affine map $y = x W^\top + b$, written with ``matmul``.

    Args:
        input: floating-point tensor whose last dimension is ``in_features``.
        weight: ``(out_features, in_features)``, one row per output unit.
        bias: ``(out_features,)`` or ``None``.

    Shape:
        input ``(*, in_features)``, weight ``(out_features, in_features)``,
        bias ``(out_features,)``, output ``(*, out_features)``.

    Returns:
        ``input @ weight.T + bias``, shape ``(*, out_features)``.

    PyTorch equivalent: ``torch.nn.functional.linear`` (not called here: the tests
    compare against it).

    Differences from PyTorch: ``weight`` must be 2-D and ``bias`` 1-D
    ``(out_features,)``; torch also accepts a 1-D ``weight`` (one output unit, dimension
    dropped) and a 0-D or ``(1, out_features)`` ``bias`` (broadcast). Errors are
    ``ValueError``/``TypeError`` naming the argument (torch: ``RuntimeError``).
    """
    check_linear(input, weight, bias)
    # y = x W^T + b                                   (*, out_features)
    output = torch.matmul(input, weight.t())
    if bias is not None:
        output = output + bias
    return output
