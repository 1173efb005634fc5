"""2-D transposed convolution from ``matmul`` and ``fold`` (col2im); autograd: backward.

``torch.nn.functional.conv_transpose2d`` is never called here: the tests compare against
it (and replace it with a function that raises while ours runs).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlref._geometry import batched, conv_transpose2d_geometry
from dlref.torch.functional.conv import _check_tensor


def conv_transpose2d(
    input: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> torch.Tensor:
    r"""2-D transposed convolution as one batched ``matmul`` and ``F.fold`` (col2im).

    Each input pixel stamps its kernel, scaled by its value, onto the output, $s$ pixels
    apart; overlapping stamps add up, and $p$ pixels are cut off each border:

    $$
    y_{n,o,\,s_H i + d_H p - p_H,\; s_W j + d_W q - p_W}
        \mathrel{+}= \sum_{c \in g} w_{c,o,p,q}\; x_{n,c,i,j}
    $$

    (plus $b_o$). The adjoint of `conv2d` (im2col, then a product with the kernels):
    here a product with the transposed kernels gives every pixel's stamps as columns,
    and ``F.fold`` adds the columns onto the output, the adjoint of ``F.unfold``.

    Args:
        input: floating-point feature maps.
        weight: the kernels ``(C_in, C_out / groups, kH, kW)``, dtype of ``input``.
        bias: one value per output channel, or ``None``.
        stride: an int or ``(s_H, s_W)``, >= 1.
        padding: an int or ``(p_H, p_W)``, >= 0: cut off each border of the output.
        output_padding: an int or a pair added at the bottom and right; in each
            dimension smaller than the stride or the dilation.
        groups: independent channel groups; ``C_in`` divisible by it.
        dilation: an int or ``(d_H, d_W)``, >= 1.

    Shape:
        input ``(N, C_in, H, W)`` or ``(C_in, H, W)``; weight
        ``(C_in, C_out / groups, kH, kW)``; bias ``(C_out,)``; output
        ``(N, C_out, H_out, W_out)`` with
        $H_\text{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$.

    Returns:
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)`` unbatched).

    PyTorch equivalent: ``torch.nn.functional.conv_transpose2d`` (not called here),
    same arguments in the same order (``groups`` before ``dilation``).

    Differences from PyTorch: argument errors are ``ValueError``/``TypeError`` naming
    the argument (torch raises ``RuntimeError``); ``stride``, ``padding``,
    ``output_padding`` and ``dilation`` take an int or a pair (torch's kernel also
    expands a one-element sequence); ``bias`` must have the dtype of ``input`` (torch
    casts a bias of another floating dtype silently); memory: the columns hold
    $k_H k_W$ values per input pixel and output channel, which torch's direct kernels
    avoid.
    """
    _check_tensor("input", input)
    _check_tensor("weight", weight)
    if bias is not None:
        _check_tensor("bias", bias)
    x, unbatched = batched("input", input)
    geo = conv_transpose2d_geometry(
        x, weight, bias, stride, padding, output_padding, groups, dilation
    )
    G, L = geo.groups, geo.H * geo.W
    K = geo.C_out // G * geo.kH * geo.kW
    x_g = x.reshape(geo.N, G, geo.C_in // G, L)  # (N, G, C_in/G, H * W)
    W_g = weight.reshape(G, geo.C_in // G, K)  # (G, C_in/G, K)
    # X[n, g, k, l] = sum_c W[g, c, k] x[n, g, c, l]: each pixel's stamps, a column
    X = torch.matmul(W_g.transpose(1, 2), x_g)  # (N, G, K, H * W)
    X = X.reshape(geo.N, geo.C_out * geo.kH * geo.kW, L)  # (N, C_out * kH * kW, H * W)
    # the stamps span (H - 1) s + d (k - 1) + 1 rows before padding is cut off
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    full = (
        (geo.H - 1) * s_h + d_h * (geo.kH - 1) + 1,
        (geo.W - 1) * s_w + d_w * (geo.kW - 1) + 1,
    )
    # col2im: add every column onto the output pixels it covers
    y = F.fold(
        X, full, (geo.kH, geo.kW), dilation=geo.dilation, stride=geo.stride
    )  # (N, C_out, H_full, W_full)
    # cut p off each border, then add output_padding rows and columns (zeros where
    # no stamp reaches) at the bottom and right: a negative pad crops
    (p_h, p_w), (op_h, op_w) = geo.padding, geo.output_padding
    y = F.pad(y, (-p_w, op_w - p_w, -p_h, op_h - p_h))  # (N, C_out, H_out, W_out)
    if bias is not None:
        y = y + bias.reshape(-1, 1, 1)  # one bias per output channel
    return y[0] if unbatched else y
