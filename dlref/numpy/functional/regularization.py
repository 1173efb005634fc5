r"""Dropout (inverted) and its backward pass.

In training mode every element is kept with probability $1 - p$ and zeroed with
probability $p$; kept elements are scaled by $1/(1-p)$ so that the expected output
equals the input. In evaluation mode dropout is the identity.

The random keep-mask can be passed in (``mask=``), so a NumPy result can be compared
exactly with another framework's, and ``dropout_backward`` is given the same mask: the
backward pass cannot redraw it.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_floating, check_generator
from dlref._norm_args import (
    as_shape,
    check_dropout_p,
    check_grad_output,
    check_keep_mask,
)

__all__ = ["dropout", "dropout_backward", "dropout_mask"]


def _noise(mask: np.ndarray, p: float, dtype: np.dtype) -> np.ndarray:
    """m / (1 - p) rounded to ``dtype`` as torch rounds it (float16 divides in float32
    first)."""
    work = np.float32 if dtype.itemsize < 4 else dtype
    return (mask.astype(work) / np.dtype(work).type(1.0 - p)).astype(dtype, copy=False)


def dropout_mask(
    shape: tuple[int, ...], p: float = 0.5, generator: np.random.Generator | None = None
) -> np.ndarray:
    r"""Draw a keep-mask: each entry ``True`` (keep) with probability $1 - p$,
    independently.

    $$m_i \sim \text{Bernoulli}(1 - p): \quad m_i = [u_i \ge p],\ u_i \sim U[0, 1).$$

    Args:
        shape: the shape of the input the mask is for (an int or a sequence of ints).
        p: probability of dropping an element, in $[0, 1]$.
        generator: ``numpy.random.Generator`` to draw from (a fresh unseeded one when
            ``None``).

    Shape:
        output ``shape``.

    Returns:
        Boolean array of ``shape``.

    PyTorch equivalent: none public; ``F.dropout`` draws
    ``empty_like(input).bernoulli_(1 - p)`` inside
    (`dlref.torch.functional.dropout_mask` does the same).
    """
    shape = as_shape("shape", shape)
    check_dropout_p(p)
    rng = check_generator("generator", generator)
    # keep_i ~ Bernoulli(1 - p):  P(u >= p) = 1 - p for u ~ U[0, 1)
    return rng.random(shape) >= p


def dropout(
    input: np.ndarray,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: np.random.Generator | None = None,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    r"""Inverted dropout: zero each element with probability $p$, scale the rest by
    $1/(1-p)$.

    $$y = \frac{m \odot x}{1 - p}, \qquad m_i \sim
    \text{Bernoulli}(1 - p)\ \text{independently},$$

    so that $\mathbb{E}[y_i] = x_i$: the expected activation seen by the next layer is
    the same in training and in evaluation, where dropout is the identity ($y = x$).

    Args:
        input: floating-point array.
        p: probability of **dropping** an element (torch's convention; the original
            paper's $p$ is the probability of keeping), in $[0, 1]$. ``p = 1`` gives
            zeros.
        training: apply dropout (``True``) or return ``input`` unchanged (``False``).
        inplace: write the result into ``input`` and return it (as torch's ``inplace``).
        generator: ``numpy.random.Generator`` that draws the mask when ``mask`` is
            ``None`` (dlref's addition: torch draws from its global generator).
        mask: a boolean keep-mask of ``input``'s shape (``True`` = keep) to use instead
            of drawing one; pass the same mask to `dropout_backward`.

    Shape:
        input any; ``mask`` the shape of ``input``; output the shape and dtype of
        ``input``.

    Returns:
        The array $m \odot x / (1 - p)$ (``input`` itself when ``training=False``).

    PyTorch equivalent: ``torch.nn.functional.dropout(input, p, training,
    inplace)``; it computes ``input * (m / (1 - p))`` in ``input``'s dtype, and so does
    this function, so with torch's mask the results agree to the last bit.

    Differences from PyTorch: the ``generator`` and ``mask`` arguments; a ``mask`` given
    with ``training=True`` is used even when ``p = 0``; ``p`` must be a real number, not
    a bool, and ``inplace`` a bool (torch takes ``True`` as ``p = 1`` and tests
    ``inplace`` for truth).

    References:
        N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov (2014),
        "Dropout: a simple way to prevent neural networks from overfitting", JMLR 15,
        https://jmlr.org/papers/v15/srivastava14a.html
    """
    check_floating("input", input)
    check_dropout_p(p)
    check_bool("training", training)
    check_bool("inplace", inplace)
    check_generator("generator", generator)
    if mask is not None:
        check_keep_mask(mask, input, np.ndarray)
    if not training:
        return input
    out = input if inplace else None
    if p == 1.0:
        # torch returns input * 0 (so inf and NaN give NaN, as they would with a mask)
        with np.errstate(invalid="ignore"):
            return np.multiply(input, np.zeros_like(input), out=out)
    if mask is None:
        if p == 0.0:
            return input if inplace else input.copy()
        mask = dropout_mask(input.shape, p, generator)
    # noise = m / (1 - p), in the input's dtype     (same shape as input)
    noise = _noise(mask, p, input.dtype)
    # y = x * noise  (as in torch, a dropped inf becomes NaN: inf * 0)
    with np.errstate(invalid="ignore"):
        return np.multiply(input, noise, out=out)


def dropout_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: np.random.Generator | None = None,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    r"""Gradient of `dropout`: $\partial L/\partial x = m \odot g / (1 - p)$.

    The mask the forward pass used must be passed: a backward pass that drew a new mask
    would differentiate a different function.

    Args:
        grad_output: $g = \partial L/\partial y$, the shape of ``input``.
        input: the ``input`` that `dropout` was called with (only its shape and dtype
            are used; with ``inplace=True`` it holds the output by now, which is fine).
        p: as given to `dropout`.
        training: as given to `dropout`.
        inplace: as given to `dropout` (not used).
        generator: as given to `dropout` (not used).
        mask: the keep-mask `dropout` used. Required when ``training=True`` and
            $0 < p < 1$; ignored otherwise (the gradient is $g$ with ``training=False``,
            $g$ with ``p = 0`` and no mask, zeros with ``p = 1``).

    Shape:
        ``grad_output``, ``input`` and ``mask`` alike; output the same.

    Returns:
        $\partial L/\partial x$, the shape and dtype of ``input``.

    PyTorch equivalent: autograd through ``torch.nn.functional.dropout``.

    Differences from PyTorch: as for `dropout`; and ``grad_output`` must have the dtype
    of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient of
    another dtype silently.
    """
    check_floating("input", input)
    check_grad_output(grad_output, input)
    check_dropout_p(p)
    check_bool("training", training)
    check_bool("inplace", inplace)
    if mask is not None:
        check_keep_mask(mask, input, np.ndarray)
    if not training:
        return grad_output.astype(input.dtype, copy=True)
    if p == 1.0:
        return np.multiply(grad_output, np.zeros_like(input))
    if mask is None:
        if p == 0.0:
            return grad_output.astype(input.dtype, copy=True)
        raise ValueError(
            "mask is required: pass the keep-mask that dropout used "
            "(the backward pass cannot redraw it)"
        )
    # dL/dx = g * m / (1 - p)
    noise = _noise(mask, p, input.dtype)
    return (grad_output * noise).astype(input.dtype, copy=False)
