"""2-D transposed convolution: the adjoint (input gradient) of a convolution.

A convolution gathers each receptive field into a column (im2col) and multiplies it by
the kernels. The transposed convolution runs that backwards: each input pixel is
multiplied by the kernels into a column (one matrix product), and the columns are
scattered onto the output (col2im), overlapping patches adding up. Its backward pass is
then a convolution again: im2col of the output gradient and two matrix products.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_floating
from dlref._geometry import batched, conv_transpose2d_geometry
from dlref._norm_args import check_grad_output
from dlref.numpy.functional.conv import col2im, im2col, pad2d


def conv_transpose2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> np.ndarray:
    r"""2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    Each input pixel stamps its kernel, scaled by its value, onto the output, $s$ pixels
    apart; overlapping stamps add up, and $p$ pixels are cut off each border:

    $$
    y_{n,o,\,s_H i + d_H p - p_H,\; s_W j + d_W q - p_W}
        \mathrel{+}= \sum_{c \in g} w_{c,o,p,q}\; x_{n,c,i,j},
        \qquad y \leftarrow y + b_o .
    $$

    It is the adjoint of `conv2d` with the same weight, stride, padding, dilation and
    groups: for every $x$ of conv2d's input shape and $y$ of this function's input
    shape, $\langle \operatorname{conv2d}(x, w), y \rangle =
    \langle x, \operatorname{conv\_transpose2d}(y, w) \rangle$, so it is conv2d's input
    gradient (``conv2d_backward(y, x, w, ...)[0]``). It maps conv2d's output size back
    to its input size:

    $$
    H_\text{out} = (H - 1)\,s - 2p + d(k - 1) + p_\text{out} + 1 ,
    $$

    where ``output_padding`` $p_\text{out}$ picks one of the $s$ input sizes that a
    strided convolution maps to the same output size (it adds rows at the bottom and
    columns at the right, it does not pad with zeros on both sides).

    Args:
        input: floating-point feature maps.
        weight: the kernels, ``(C_in, C_out / groups, kH, kW)``: the layout of the
            convolution it is the adjoint of (note: ``C_in`` first, unlike conv2d).
        bias: one value per output channel, or ``None``.
        stride: spacing of the stamps in the output, an int or ``(s_H, s_W)``; >= 1.
        padding: pixels cut off each border of the output, an int or ``(p_H, p_W)``;
            >= 0 (the padding of the convolution this is the adjoint of).
        output_padding: rows and columns added at the bottom and right, an int or a
            pair; each must be smaller than its stride or its dilation.
        groups: split the channels into ``groups`` independent transposed convolutions;
            ``C_in`` (``weight.shape[0]``) must be divisible by it.
        dilation: spacing between kernel taps, an int or ``(d_H, d_W)``; >= 1.

    Shape:
        input ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``; weight
        ``(C_in, C_out / groups, kH, kW)``; bias ``(C_out,)``; output
        ``(N, C_out, H_out, W_out)`` (or ``(C_out, H_out, W_out)``) with
        $H_\text{out} = (H - 1)s - 2p + d(k - 1) + p_\text{out} + 1$.

    Returns:
        The feature maps, ``(N, C_out, H_out, W_out)``, in the dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.conv_transpose2d``, same arguments in the
    same order (``groups`` before ``dilation``) and the same weight layout.

    Differences from PyTorch: every error is a ``ValueError``/``TypeError`` naming the
    argument (torch raises ``RuntimeError``); ``stride``, ``padding``,
    ``output_padding`` and ``dilation`` take an int or a pair (torch's kernel also
    expands a one-element sequence). ``input``, ``weight`` and ``bias`` must share one
    dtype (torch requires it of ``input`` and ``weight`` but casts a ``bias`` of another
    floating dtype silently); as in torch, ``padding`` is an int or a pair (no
    ``'same'``).

    References:
        Dumoulin and Visin, 2016, "A guide to convolution arithmetic for deep learning"
        (section 4, transposed convolution arithmetic),
        https://arxiv.org/abs/1603.07285.
        Zeiler, Krishnan, Taylor and Fergus, 2010, "Deconvolutional networks",
        https://doi.org/10.1109/CVPR.2010.5539957.
    """
    check_floating("input", input)
    x, unbatched = batched("input", input)
    geo = conv_transpose2d_geometry(
        x, weight, bias, stride, padding, output_padding, groups, dilation
    )
    G, L = geo.groups, geo.H * geo.W
    K = geo.C_out // G * geo.kH * geo.kW
    x_g = x.reshape(geo.N, G, geo.C_in // G, L)  # (N, G, C_in/G, H * W)
    W_g = weight.reshape(G, geo.C_in // G, K)  # (G, C_in/G, K)
    # inf - inf = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        # X[n, g, k, l] = sum_c W[g, c, k] x[n, g, c, l]: each pixel's stamps, a column
        X = np.matmul(W_g.transpose(0, 2, 1), x_g)  # (N, G, K, H * W)
        # col2im: add every stamp onto the (padded) output pixels it covers
        y_padded = col2im(X, geo.adjoint())  # (N, C_out, H_out+2p, W_out+2p)
    p_h, p_w = geo.padding
    # cut p off each border: (N, C_out, H_out, W_out)
    y = np.ascontiguousarray(
        y_padded[:, :, p_h : p_h + geo.H_out, p_w : p_w + geo.W_out]
    )
    if bias is not None:
        with np.errstate(invalid="ignore"):  # inf + -inf = NaN, as in torch
            y += bias[:, None, None]  # one bias per output channel
    return y[0] if unbatched else y


def conv_transpose2d_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
):
    r"""Gradients of ``conv_transpose2d``: ``(grad_input, grad_weight, grad_bias)``.

    The forward is $X_{n,g} = W_g^\top x_{n,g}$ (columns), then
    $y = \operatorname{col2im}(X)$. The adjoint of col2im is im2col, so with
    $G = \operatorname{im2col}(\partial L/\partial y)$ (the receptive fields of the
    padded output gradient):

    $$
    \frac{\partial L}{\partial x_{n,g}} = W_g\, G_{n,g}, \qquad
    \frac{\partial L}{\partial W_g} = \sum_n x_{n,g}\, G_{n,g}^\top, \qquad
    \frac{\partial L}{\partial b_o}
        = \sum_{n,i,j} \frac{\partial L}{\partial y_{n,o,i,j}},
    $$

    that is, the input gradient is ``conv2d(grad_output, weight, ...)``: a convolution.

    Args:
        grad_output: $\partial L/\partial y$, of ``conv_transpose2d``'s output shape.
        input: the ``input`` that ``conv_transpose2d`` was called with.
        weight: its ``weight``.
        bias: its ``bias``, or ``None``.
        stride: its ``stride``.
        padding: its ``padding``.
        output_padding: its ``output_padding``.
        groups: its ``groups``.
        dilation: its ``dilation``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``input``,
        ``weight`` and ``bias``; ``grad_bias`` is ``None`` when ``bias`` is ``None``.

    Differences from PyTorch: as for `conv_transpose2d`; and ``grad_output`` must have
    the dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a
    gradient of another dtype silently.
    """
    check_floating("input", input)
    x, unbatched = batched("input", input)
    geo = conv_transpose2d_geometry(
        x, weight, bias, stride, padding, output_padding, groups, dilation
    )
    expected = (geo.C_out, geo.H_out, geo.W_out)
    expected = expected if unbatched else (geo.N, *expected)
    check_grad_output(grad_output, input, expected, "conv_transpose2d's output")
    g = grad_output[None] if unbatched else grad_output  # (N, C_out, H_out, W_out)
    G, L = geo.groups, geo.H * geo.W
    K = geo.C_out // G * geo.kH * geo.kW
    x_g = x.reshape(geo.N, G, geo.C_in // G, L)  # (N, G, C_in/G, H * W)
    W_g = weight.reshape(G, geo.C_in // G, K)  # (G, C_in/G, K)
    (p_h, p_w), (op_h, op_w) = geo.padding, geo.output_padding
    g_padded = pad2d(g, (p_h, p_h, p_w, p_w))  # (N, C_out, H_out+2p, W_out+2p)
    # the last output_padding rows and columns receive no stamp: drop them
    H_p, W_p = g_padded.shape[-2:]
    g_padded = g_padded[:, :, : H_p - op_h, : W_p - op_w]  # (N, C_out, H_p-op, W_p-op)
    # an inf in the gradient or the input gives inf - inf = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        # dL/dX = im2col(dL/dy), the adjoint of col2im                (N, G, K, H * W)
        grad_X = im2col(g_padded, geo.adjoint())
        # dL/dx_g = W_g dL/dX_g                                     (N, G, C_in/G, L)
        grad_x = np.matmul(W_g, grad_X)
        # dL/dW_g = sum_n x_g dL/dX_g^T                             (G, C_in/G, K)
        grad_weight = np.matmul(x_g, grad_X.transpose(0, 1, 3, 2)).sum(axis=0)
        # dL/db_o = sum over n, i, j of dL/dy_n,o,i,j                 (C_out,)
        grad_bias = g.sum(axis=(0, 2, 3)) if bias is not None else None
    grad_x = grad_x.reshape(geo.N, geo.C_in, geo.H, geo.W)  # (N, C_in, H, W)
    grad_weight = grad_weight.reshape(weight.shape)  # (C_in, C_out/G, kH, kW)
    return (grad_x[0] if unbatched else grad_x), grad_weight, grad_bias
