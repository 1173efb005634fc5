r"""Dropout from tensor primitives (``bernoulli_``, division, multiplication); autograd
gives the backward.

The keep-mask is drawn as torch's CPU kernel draws its noise, ``bernoulli_(1 - p)`` on a
tensor of the input's shape, so with the same seed on the CPU the twin and
``torch.nn.functional.dropout`` keep the same elements and agree to the last bit. A mask
can also be passed in (``mask=``), as in the NumPy backend's ``dropout``, so that a
NumPy result and a torch result can be compared exactly on any device.

``torch.nn.functional.dropout`` (and ``torch.dropout``, ``torch.native_dropout``) is
never called here: the tests compare against it.
"""

from __future__ import annotations

import torch

from dlref._checks import check_bool, check_floating
from dlref._norm_args import as_shape, check_dropout_p, check_keep_mask

__all__ = ["dropout", "dropout_mask"]


def _check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            "generator must be a torch.Generator or None, got "
            f"{type(generator).__name__}"
        )


def _as_device(device) -> torch.device | None:
    """``device`` as a ``torch.device`` (None stays None); a string torch does not know
    is a ValueError."""
    if device is None or isinstance(device, torch.device):
        return device
    if not isinstance(device, (str, int)) or isinstance(device, bool):
        raise TypeError(
            "device must be a torch.device, a string or an int, got "
            f"{type(device).__name__}"
        )
    try:
        return torch.device(device)
    except RuntimeError as error:
        raise ValueError(
            f"device must name a torch device, got {device!r} ({error})"
        ) from None


def dropout_mask(
    shape, p: float = 0.5, generator: torch.Generator | None = None, device=None
) -> torch.Tensor:
    r"""Draw a keep-mask: each entry ``True`` (keep) with probability $1 - p$,
    independently.

    $$m_i \sim \text{Bernoulli}(1 - p)$$

    Args:
        shape: the shape of the input the mask is for (an int or a sequence of ints).
        p: probability of dropping an element, in $[0, 1]$.
        generator: ``torch.Generator`` to draw from (torch's global one when ``None``).
        device: where the mask is made (the generator must live there too).

    Shape:
        output ``shape``.

    Returns:
        A boolean tensor of ``shape``.

    PyTorch equivalent: none public; ``torch.nn.functional.dropout`` draws
    ``empty_like(input).bernoulli_(1 - p)`` on the CPU, and so does this function.
    """
    shape = as_shape("shape", shape)
    check_dropout_p(p)
    _check_generator(generator)
    device = _as_device(device)
    # keep_i ~ Bernoulli(1 - p), one draw per element from the generator
    return (
        torch.empty(shape, device=device).bernoulli_(1 - p, generator=generator).bool()
    )


def dropout(
    input: torch.Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: torch.Generator | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    r"""Inverted dropout: zero each element with probability $p$, scale the rest by
    $1/(1-p)$.

    $$y = x \odot \frac{m}{1 - p}, \qquad m_i \sim \text{Bernoulli}(1 - p),$$

    so that $\mathbb{E}[y] = x$; in evaluation (``training=False``) $y = x$. Autograd
    gives $\partial L/\partial x = g \odot m/(1 - p)$.

    Args:
        input: floating-point tensor.
        p: probability of **dropping** an element, in $[0, 1]$; ``p = 1`` gives zeros.
        training: apply dropout, or return ``input`` unchanged.
        inplace: multiply ``input`` in place and return it.
        generator: ``torch.Generator`` that draws the mask when ``mask`` is ``None``
            (torch's global generator when ``None``).
        mask: a boolean keep-mask of ``input``'s shape and device (``True`` = keep) to
            use instead of drawing one.

    Shape:
        input any; ``mask`` the shape of ``input``; output as input.

    Returns:
        $x \odot m/(1 - p)$ in ``input``'s dtype (``input`` itself when
        ``training=False``, or when ``p = 0`` and no mask is given, as torch returns
        it).

    PyTorch equivalent: ``torch.nn.functional.dropout(input, p, training,
    inplace)``; on the CPU it computes ``input * (noise / (1 - p))`` with ``noise =
    bernoulli_(1 - p)``, as here.

    Differences from PyTorch: the ``generator`` and ``mask`` arguments; a ``mask`` given
    with ``training=True`` is used even when ``p = 0``; ``p`` must be a real number, not
    a bool, and ``inplace`` a bool (torch takes ``True`` as ``p = 1`` and tests
    ``inplace`` for truth). On CUDA torch uses a fused kernel with its own random stream
    and rounding (``x * m * (1/(1-p))``), so the same seed gives another mask there, and
    results with the same mask can differ in the last bit.

    References:
        N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov (2014),
        "Dropout: a simple way to prevent neural networks from overfitting", JMLR 15,
        https://jmlr.org/papers/v15/srivastava14a.html
    """
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
    check_floating("input", input)
    check_dropout_p(p)
    check_bool("training", training)
    check_bool("inplace", inplace)
    _check_generator(generator)
    if mask is not None:
        check_keep_mask(mask, input, torch.Tensor)
        if mask.device != input.device:
            raise ValueError(
                f"mask must be on the device of input ({input.device}), got "
                f"{mask.device}"
            )
    if not training:
        return input
    if p == 1.0:
        # torch multiplies by a zero
        # (so inf and NaN give NaN, as they would with a mask)
        zero = torch.zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    if mask is None:
        if p == 0.0:
            return input
        mask = dropout_mask(input.shape, p, generator, input.device)
    # noise = m / (1 - p), in the input's dtype
    noise = mask.to(input.dtype).div_(1 - p)
    # y = x * noise
    return input.mul_(noise) if inplace else input * noise
