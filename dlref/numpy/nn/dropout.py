"""`Dropout`: inverted dropout in training mode, the identity in evaluation mode."""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_floating, check_generator
from dlref._norm_args import check_dropout_p
from dlref.numpy.functional.regularization import (
    dropout,
    dropout_backward,
    dropout_mask,
)
from dlref.numpy.nn.module import Module


class Dropout(Module):
    r"""Zero each element with probability ``p`` during training; scale the rest by
    $1/(1-p)$.

    $$y = \frac{m \odot x}{1 - p}\ \text{(training)},
    \qquad y = x\ \text{(evaluation)},$$

    with $m_i \sim \text{Bernoulli}(1 - p)$ drawn afresh at every forward call (see
    `dlref.numpy.functional.dropout`). Call ``model.eval()`` before evaluating.

    Args:
        p: probability of dropping an element, in $[0, 1]$ (default 0.5).
        inplace: write the result into the input array (as torch's ``inplace``).
        generator: ``numpy.random.Generator`` for the masks (dlref's addition: torch
            draws from its global generator); a fresh unseeded one when ``None``.

    Shape:
        input any, output the same; ``forward(input, mask)`` takes a boolean ``mask`` of
        the input's shape.

    Attributes:
        mask: the boolean keep-mask of the last training-mode forward (``None`` before
            one, and after an evaluation-mode forward).

    PyTorch equivalent: ``torch.nn.Dropout(p, inplace)``.

    Differences from PyTorch: ``generator``, and ``forward(input, mask=None)`` accepts a
    keep-mask to use instead of drawing one; ``p`` must be a real number, not a bool,
    and ``inplace`` a bool (torch takes ``True`` as ``p = 1`` and tests ``inplace`` for
    truth).
    """

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_dropout_p(p)
        check_bool("inplace", inplace)
        self.p = p
        self.inplace = inplace
        self.generator = check_generator("generator", generator)
        self.mask: np.ndarray | None = None

    def forward(self, input: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_floating("input", input)  # before a mask is drawn for it
        if self.training and mask is None and 0.0 < self.p < 1.0:
            mask = dropout_mask(np.shape(input), self.p, self.generator)
        self.mask = mask if self.training else None
        out = dropout(input, self.p, self.training, self.inplace, mask=self.mask)
        self._save(input=input, mask=self.mask, training=self.training)
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, mask, training = self._saved("input", "mask", "training")
        return dropout_backward(grad_output, input, self.p, training, mask=mask)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
