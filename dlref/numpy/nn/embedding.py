"""`Embedding`: a table of learned vectors, one per index (word, token, category)."""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_float_dtype, check_generator
from dlref._rnn_args import check_embedding_args, check_embedding_weight
from dlref.numpy.functional.embedding import embedding, embedding_backward
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    r"""A lookup table of ``num_embeddings`` learned vectors: $y_p = W[i_p]$.

    $$y_p = W_{i_p, :} \in \mathbb{R}^{\text{embedding\_dim}},$$

    the product of a one-hot vector with $W$, computed as an index (see `embedding`);
    the backward pass adds each output gradient into the row it came from.

    Args:
        num_embeddings: rows of the table (the vocabulary size).
        embedding_dim: length of each vector.
        padding_idx: a row that gets no gradient and starts at zero (the padding token);
            negative counts from the end. Default ``None``.
        max_norm: if given, rows looked up whose ``norm_type``-norm exceeds it are
            scaled in place to norm ``max_norm`` at each forward (as torch does).
        norm_type: the $p$ of that $p$-norm (default 2).
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: must be ``False`` (dense gradients only).
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's addition:
            torch draws from its global generator).

    Initialization (torch's): ``weight`` ~ $\mathcal N(0, 1)$, then the ``padding_idx``
    row set to zero.

    Shape:
        input ``(*)`` integer indices in ``[0, num_embeddings)``; output
        ``(*, embedding_dim)``; ``weight`` ``(num_embeddings, embedding_dim)``.
        ``backward(grad_output)`` takes the output's shape, accumulates ``weight.grad``
        and returns ``None`` (indices have no gradient).

    PyTorch equivalent: ``torch.nn.Embedding``; ``state_dict`` key ``weight``; also
    ``Embedding.from_pretrained``.

    Differences from PyTorch: ``sparse=True`` is a ``ValueError``; no ``_weight``,
    ``_freeze`` or ``device`` arguments (use `from_pretrained`); ``generator``; argument
    errors are ``ValueError``/``TypeError`` naming the argument (torch raises
    ``AssertionError`` for a ``padding_idx`` out of range, ``IndexError`` for an index
    out of range).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        self.padding_idx = check_embedding_args(
            num_embeddings,
            embedding_dim,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
        )
        check_float_dtype("dtype", dtype)
        rng = check_generator("generator", generator)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters(rng)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's initialization: $\\mathcal N(0, 1)$, the padding row zero."""
        init.normal_(self.weight, generator=check_generator("generator", generator))
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: np.ndarray,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> "Embedding":
        """An `Embedding` holding a copy of ``embeddings``
        ``(num_embeddings, embedding_dim)``, frozen by default.

        As ``torch.nn.Embedding.from_pretrained``: ``freeze=True`` sets
        ``weight.requires_grad = False``; the ``padding_idx`` row is kept as given (not
        zeroed).
        """
        check_embedding_weight(embeddings, "embeddings")
        check_bool("freeze", freeze)
        if hasattr(embeddings, "detach"):  # a torch tensor, without importing torch
            embeddings = embeddings.detach().cpu().numpy()
        embeddings = np.array(embeddings)  # a copy: the layer owns its table
        rows, cols = embeddings.shape
        layer = cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            dtype=embeddings.dtype,
            generator=np.random.default_rng(0),
        )
        layer.weight = Parameter(embeddings, requires_grad=not freeze)
        return layer

    def forward(self, input: np.ndarray) -> np.ndarray:
        output = embedding(
            input,
            self.weight.data,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )
        self._save(input=input)
        return output

    def backward(self, grad_output: np.ndarray) -> None:
        """Accumulate ``weight.grad`` (zero in the ``padding_idx`` row); return
        ``None``: indices have no gradient."""
        input = self._saved("input")
        self.weight.accumulate_grad(
            embedding_backward(
                grad_output,
                input,
                self.weight.data,
                self.padding_idx,
                self.max_norm,
                self.norm_type,
                self.scale_grad_by_freq,
                self.sparse,
            )
        )
        return None

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s
