"""2-D convolution from ``unfold`` (im2col) and ``matmul``; autograd gives the backward
pass.

``torch.nn.functional.conv2d`` is never called here: the tests compare against it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlref._checks import check_floating
from dlref._geometry import batched, conv2d_geometry


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    check_floating(name, x)


def conv2d(
    input: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> torch.Tensor:
    r"""2-D convolution (cross-correlation) as im2col by ``F.unfold`` and one batched
    ``matmul``.

    $$
    y_{n,o,i,j} = b_o + \sum_{c \in g} \sum_{p,q}
        w_{o,c,p,q}\; x^{\text{pad}}_{n,\,c,\; s_H i + d_H p,\; s_W j + d_W q}
    $$

    ``F.unfold`` copies every receptive field into a column (channel, kernel row, kernel
    column: the order of the flattened weight), and the convolution is the product of
    the flattened kernels with those columns, one per sample and group.

    Args:
        input: floating-point images.
        weight: the kernels, same dtype as ``input``.
        bias: one value per output channel, or ``None``.
        stride: an int or ``(s_H, s_W)``, >= 1.
        padding: an int or ``(p_H, p_W)`` (>= 0), ``'valid'`` or ``'same'`` (stride 1
            only).
        dilation: an int or ``(d_H, d_W)``, >= 1.
        groups: independent channel groups; ``C_in`` and ``C_out`` divisible by it.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; weight
        ``(C_out, C_in / groups, kH, kW)``; bias ``(C_out,)``; output
        ``(N, C_out, H_out, W_out)`` with $H_\text{out} = \lfloor (H + 2p - d(k-1) -
        1)/s \rfloor + 1$.

    Returns:
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)`` for an unbatched
        input).

    PyTorch equivalent: ``torch.nn.functional.conv2d`` (not called here).
    Differences from PyTorch:
    argument errors are ``ValueError``/``TypeError`` naming the argument (torch raises
    ``RuntimeError``); ``stride``, ``padding`` and ``dilation`` take an int or a pair
    (torch's kernel also expands a one-element sequence); memory: the unfolded columns
    hold $k_H k_W$ copies of the input, which torch's direct kernels avoid.
    """
    _check_tensor("input", input)
    _check_tensor("weight", weight)
    if bias is not None:
        _check_tensor("bias", bias)
    x, unbatched = batched("input", input)
    geo = conv2d_geometry(x, weight, bias, stride, padding, dilation, groups)
    top, bottom, left, right = geo.padding
    G, L = geo.groups, geo.H_out * geo.W_out
    x = F.pad(x, (left, right, top, bottom))  # (N, C_in, H_p, W_p), zeros
    # (N, C_in * kH * kW, L)
    X = F.unfold(x, (geo.kH, geo.kW), dilation=geo.dilation, stride=geo.stride)
    K = geo.C_in // G * geo.kH * geo.kW
    X = X.reshape(geo.N, G, K, L)  # (N, G, K, L)
    W_mat = weight.reshape(G, geo.C_out // G, K)  # (G, C_out/G, K)
    # y[n, g, o, l] = sum_k W[g, o, k] X[n, g, k, l]
    y = torch.matmul(W_mat, X)  # (N, G, C_out/G, L)
    y = y.reshape(geo.N, geo.C_out, geo.H_out, geo.W_out)  # (N, C_out, H_out, W_out)
    if bias is not None:
        y = y + bias.reshape(-1, 1, 1)  # one bias per output channel
    return y[0] if unbatched else y
