"""`Dropout` as a ``torch.nn.Module``: inverted dropout in training mode, the identity
in evaluation mode."""

from __future__ import annotations

import torch
from torch import nn

from dlref._checks import check_bool, check_floating
from dlref._norm_args import check_dropout_p
from dlref.torch.functional.regularization import dropout, dropout_mask

__all__ = ["Dropout"]


class Dropout(nn.Module):
    r"""Zero each element with probability ``p`` during training; scale the rest by
    $1/(1-p)$.

    $$y = x \odot \frac{m}{1 - p}\ \text{(training)},
    \qquad y = x\ \text{(evaluation)},$$

    with $m_i \sim \text{Bernoulli}(1 - p)$ drawn afresh at every forward call (see
    `dlref.torch.functional.dropout`). Call ``model.eval()`` before evaluating.

    Args:
        p: probability of dropping an element, in $[0, 1]$ (default 0.5).
        inplace: multiply the input in place (as torch's ``inplace``).
        generator: ``torch.Generator`` for the masks (torch's global one when ``None``).

    Shape:
        input any, output the same; ``forward(input, mask)`` takes a boolean ``mask`` of
        the input's shape and device.

    Attributes:
        mask: the boolean keep-mask of the last training-mode forward (``None`` before
            one, and after an evaluation-mode forward), to hand to the NumPy `Dropout`.

    PyTorch equivalent: ``torch.nn.Dropout(p, inplace)``; with torch's global generator
    the masks on the CPU are the ones ``torch.nn.Dropout`` draws.

    Differences from PyTorch: ``generator``, the ``mask`` attribute, and
    ``forward(input, mask=None)`` accepting a keep-mask to use instead of drawing one;
    ``p`` must be a real number, not a bool, and ``inplace`` a bool (torch takes
    ``True`` as ``p = 1`` and tests ``inplace`` for truth).
    """

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_dropout_p(p)
        check_bool("inplace", inplace)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                "generator must be a torch.Generator or None, got "
                f"{type(generator).__name__}"
            )
        self.p = p
        self.inplace = inplace
        self.generator = generator
        self.mask: torch.Tensor | None = None

    def forward(
        self, input: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        if not isinstance(input, torch.Tensor):  # before a mask is drawn for it
            raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
        check_floating("input", input)
        if self.training and mask is None and 0.0 < self.p < 1.0:
            mask = dropout_mask(input.shape, self.p, self.generator, input.device)
        self.mask = mask if self.training else None
        return dropout(input, self.p, self.training, self.inplace, mask=self.mask)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
