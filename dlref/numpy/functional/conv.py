"""2-D convolution (cross-correlation, as in PyTorch) by im2col and one matrix product.

The forward pass gathers every receptive field of the padded input into a column
(``im2col``, a strided view from ``sliding_window_view`` copied once), so that the whole
convolution is one batched ``matmul`` with the flattened kernels. The backward pass uses
the same columns for the weight gradient, and scatters the column gradient back onto the
input (``col2im``) with one strided addition per kernel offset.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlref._checks import check_floating
from dlref._geometry import ConvGeometry, batched, conv2d_geometry
from dlref._norm_args import check_grad_output


def pad2d(x: np.ndarray, padding: tuple[int, int, int, int]) -> np.ndarray:
    """Zero-pad the last two dimensions by ``(top, bottom, left, right)``."""
    top, bottom, left, right = padding
    if padding == (0, 0, 0, 0):
        return x
    N, C, H, W = x.shape
    x_padded = np.zeros((N, C, H + top + bottom, W + left + right), dtype=x.dtype)
    x_padded[:, :, top : top + H, left : left + W] = x
    return x_padded


def im2col(x_padded: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    r"""Every receptive field of the (padded) input as a column: ``(N, G, C_in/G * kH *
    kW, H_out * W_out)``.

    Column ``l = i * W_out + j`` holds the $C_\text{in}/G \cdot k_H k_W$ input values
    that output pixel $(i, j)$ sees, ordered (channel, kernel row, kernel column) like
    the flattened weight, so that the convolution becomes ``weight @ columns``.
    """
    (s_h, s_w), (d_h, d_w), G = geo.stride, geo.dilation, geo.groups
    span = (d_h * (geo.kH - 1) + 1, d_w * (geo.kW - 1) + 1)
    # every window of the dilated kernel's span, a view:
    # (N, C, H_p - span_h + 1, W_p - span_w + 1, span_h, span_w)
    windows = sliding_window_view(x_padded, span, axis=(2, 3))
    # keep every s-th window and every d-th pixel in it:
    # (N, C, H_out, W_out, kH, kW), still a view
    windows = windows[:, :, ::s_h, ::s_w, ::d_h, ::d_w]
    N, C = x_padded.shape[:2]
    # (N, G, C/G, H_out, W_out, kH, kW)
    windows = windows.reshape(N, G, C // G, geo.H_out, geo.W_out, geo.kH, geo.kW)
    # the one copy: (N, G, C/G, kH, kW, H_out, W_out)
    # -> (N, G, C/G * kH * kW, H_out * W_out)
    return windows.transpose(0, 1, 2, 5, 6, 3, 4).reshape(
        N, G, C // G * geo.kH * geo.kW, geo.H_out * geo.W_out
    )


def col2im(grad_columns: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """The adjoint of ``im2col``: add each column's entries back onto the pixels they
    came from.

    Returns the gradient for the padded input, ``(N, C_in, H_p, W_p)``. A pixel seen by
    several receptive fields (overlapping windows) receives the sum of their gradients.
    The loop runs over the $k_H k_W$ kernel offsets only; each step adds one strided
    slice of the padded image at once.
    """
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    top, bottom, left, right = geo.padding
    N, C = grad_columns.shape[0], geo.C_in
    # (N, G, C/G * kH * kW, H_out * W_out) -> (N, C, kH, kW, H_out, W_out)
    grad_columns = grad_columns.reshape(N, C, geo.kH, geo.kW, geo.H_out, geo.W_out)
    grad_padded = np.zeros(
        (N, C, geo.H + top + bottom, geo.W + left + right), dtype=grad_columns.dtype
    )
    for p in range(geo.kH):
        for q in range(geo.kW):
            # kernel offset (p, q) reads x_p[s i + d p, s j + d q]
            # for every output pixel (i, j)
            rows = slice(d_h * p, d_h * p + s_h * (geo.H_out - 1) + 1, s_h)
            cols = slice(d_w * q, d_w * q + s_w * (geo.W_out - 1) + 1, s_w)
            # (N, C, H_out, W_out)
            grad_padded[:, :, rows, cols] += grad_columns[:, :, p, q]
    return grad_padded


def conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> np.ndarray:
    r"""2-D convolution of a batch of images with a bank of kernels, as
    ``torch.nn.functional.conv2d``.

    Output channel $o$ (in group $g$) at pixel $(i, j)$ is a dot product of its kernel
    with the input window under it, a cross-correlation (the kernel is not flipped):

    $$
    y_{n,o,i,j} = b_o + \sum_{c \in g} \sum_{p=0}^{k_H-1} \sum_{q=0}^{k_W-1}
        w_{o,c,p,q}\; x^{\text{pad}}_{n,\,c,\; s_H i + d_H p,\; s_W j + d_W q}
    $$

    with the output size, per dimension,
    $H_\text{out} = \lfloor (H + 2p - d(k-1) - 1)/s \rfloor + 1$.

    Computed as im2col (every window copied into a column) and one batched ``matmul``.

    Args:
        input: floating-point images.
        weight: the kernels, one ``(C_in / groups, kH, kW)`` block per output channel.
        bias: one value per output channel, or ``None``.
        stride: step between windows, an int or ``(s_H, s_W)``; >= 1.
        padding: zeros added on each side, an int or ``(p_H, p_W)`` (>= 0), or
            ``'valid'`` (no padding) or ``'same'`` (output as large as the input; stride
            1 only).
        dilation: spacing between kernel taps, an int or ``(d_H, d_W)``; >= 1.
        groups: split the channels into ``groups`` independent convolutions; ``C_in``
            and ``C_out`` must both be divisible by it.

    Shape:
        input ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``; weight
        ``(C_out, C_in / groups, kH, kW)``; bias ``(C_out,)``; output
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``).

    Returns:
        The feature maps, ``(N, C_out, H_out, W_out)``, in the dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.conv2d``, same arguments and layouts.

    Differences from PyTorch: every error is a ``ValueError``/``TypeError`` naming the
    argument (torch raises ``RuntimeError`` for most); ``stride``, ``padding`` and
    ``dilation`` take an int or a pair (torch's kernel also expands a one-element
    sequence). As in torch, ``input``, ``weight`` and ``bias`` must share one dtype.

    References:
        Dumoulin and Visin, 2016, "A guide to convolution arithmetic for deep learning",
        https://arxiv.org/abs/1603.07285. Chellapilla, Puri and Simard, 2006, "High
        performance convolutional neural networks for document processing" (convolution
        as unrolled matrix products), https://inria.hal.science/inria-00112631.
    """
    check_floating("input", input)
    x, unbatched = batched("input", input)
    geo = conv2d_geometry(x, weight, bias, stride, padding, dilation, groups)
    G = geo.groups
    X = im2col(pad2d(x, geo.padding), geo)  # (N, G, C_in/G * kH * kW, H_out * W_out)
    # (G, C_out/G, C_in/G * kH * kW)
    W_mat = weight.reshape(G, geo.C_out // G, X.shape[2])
    # y[n, g, o, l] = sum_k W[g, o, k] X[n, g, k, l]:
    # one matrix product per sample and group
    with np.errstate(invalid="ignore"):  # inf - inf = NaN, as in torch: silently
        y = np.matmul(W_mat, X)  # (N, G, C_out/G, H_out * W_out)
    y = y.reshape(geo.N, geo.C_out, geo.H_out, geo.W_out)  # (N, C_out, H_out, W_out)
    if bias is not None:
        y += bias[:, None, None]  # one bias per output channel
    return y[0] if unbatched else y


def conv2d_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
):
    r"""Gradients of ``conv2d``: returns ``(grad_input, grad_weight, grad_bias)``.

    With the forward written as $Y_{n,g} = W_g X_{n,g}$ on the im2col columns $X$ and
    $G = \partial L/\partial Y$:

    $$
    \frac{\partial L}{\partial W_g} = \sum_n G_{n,g} X_{n,g}^\top, \qquad
    \frac{\partial L}{\partial X_{n,g}} = W_g^\top G_{n,g}, \qquad
    \frac{\partial L}{\partial b_o} = \sum_{n,i,j} G_{n,o,i,j},
    $$

    and $\partial L/\partial x$ is ``col2im`` of $\partial L/\partial X$: each input
    pixel collects the gradient of every window it appeared in, then the padding is cut
    off.

    Args:
        grad_output: $\partial L/\partial y$, the shape of ``conv2d``'s output.
        input: the ``input`` that ``conv2d`` was called with.
        weight: its ``weight``.
        bias: its ``bias``, or ``None``.
        stride: its ``stride``.
        padding: its ``padding``.
        dilation: its ``dilation``.
        groups: its ``groups``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``input``,
        ``weight`` and ``bias``; ``grad_bias`` is ``None`` when ``bias`` is ``None``.

    Differences from PyTorch: as for `conv2d`; and ``grad_output`` must have the dtype
    of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient of
    another dtype silently.
    """
    check_floating("input", input)
    x, unbatched = batched("input", input)
    geo = conv2d_geometry(x, weight, bias, stride, padding, dilation, groups)
    expected = (
        (geo.C_out, geo.H_out, geo.W_out)
        if unbatched
        else (geo.N, geo.C_out, geo.H_out, geo.W_out)
    )
    check_grad_output(grad_output, input, expected, "conv2d's output")
    G, L = geo.groups, geo.H_out * geo.W_out
    X = im2col(pad2d(x, geo.padding), geo)  # (N, G, K, L), K = C_in/G * kH * kW
    W_mat = weight.reshape(G, geo.C_out // G, X.shape[2])  # (G, C_out/G, K)
    grad_y = grad_output.reshape(geo.N, G, geo.C_out // G, L)  # (N, G, C_out/G, L)
    # an inf in G (or in the input) gives inf - inf = NaN below, as in torch: silently
    with np.errstate(invalid="ignore"):
        # dL/dW_g = sum_n G_ng X_ng^T   (G, C_out/G, K)
        grad_weight = np.matmul(grad_y, X.transpose(0, 1, 3, 2)).sum(axis=0)
        # dL/dX_ng = W_g^T G_ng   (N, G, K, L)
        grad_X = np.matmul(W_mat.transpose(0, 2, 1), grad_y)
        grad_padded = col2im(grad_X, geo)  # (N, C_in, H_p, W_p)
    grad_weight = grad_weight.reshape(weight.shape)  # (C_out, C_in/G, kH, kW)
    top, bottom, left, right = geo.padding
    # (N, C_in, H, W): padding cut off
    grad_x = grad_padded[:, :, top : top + geo.H, left : left + geo.W]
    # dL/db_o = sum over n, i, j of G_n,o,i,j                                 (C_out,)
    grad_bias = (
        grad_output.sum(axis=(-2, -1)).reshape(-1, geo.C_out).sum(axis=0)
        if bias is not None
        else None
    )
    grad_x = np.ascontiguousarray(grad_x[0] if unbatched else grad_x)
    return grad_x, grad_weight, grad_bias
