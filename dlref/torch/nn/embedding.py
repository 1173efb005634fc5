"""`Embedding` as a ``torch.nn.Module`` built on our ``embedding`` (an index into the
table)."""

from __future__ import annotations

import torch
from torch import nn

from dlref._checks import check_bool, check_torch_float_dtype
from dlref._rnn_args import check_embedding_args, check_embedding_weight
from dlref.torch.functional.embedding import embedding

__all__ = ["Embedding"]


class Embedding(nn.Module):
    r"""A lookup table of ``num_embeddings`` learned vectors: $y_p = W[i_p]$.

    $$y_p = W_{i_p, :} \in \mathbb{R}^{\text{embedding\_dim}},$$

    an index into ``weight`` (see `dlref.torch.functional.embedding`); autograd adds
    each output gradient into the row it came from.

    Args:
        num_embeddings: rows of the table (the vocabulary size).
        embedding_dim: length of each vector.
        padding_idx: a row that gets no gradient and starts at zero; negative counts
            from the end. Default ``None``.
        max_norm: if given, rows looked up whose ``norm_type``-norm exceeds it are
            scaled in place to norm ``max_norm`` at each forward.
        norm_type: the $p$ of that $p$-norm (default 2).
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: must be ``False``.
        device: where the table lives (default: torch's default device).
        dtype: table dtype (default: torch's default dtype, float32).

    Initialization (torch's, from torch's global generator, so ``torch.manual_seed``
    gives the table ``torch.nn.Embedding`` gets): ``weight`` ~ $\mathcal N(0, 1)$, then
    the ``padding_idx`` row set to zero.

    Shape:
        input ``(*)`` integer indices in ``[0, num_embeddings)``; output
        ``(*, embedding_dim)``; ``weight`` ``(num_embeddings, embedding_dim)``.

    PyTorch equivalent: ``torch.nn.Embedding``; ``state_dict`` key ``weight``; also
    ``Embedding.from_pretrained``.

    Differences from PyTorch: ``sparse=True`` is a ``ValueError``; no ``_weight`` or
    ``_freeze`` arguments (use `from_pretrained`); argument errors are
    ``ValueError``/``TypeError`` naming the argument.
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
        device=None,
        dtype=None,
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
        check_torch_float_dtype("dtype", dtype)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.weight = nn.Parameter(
            torch.empty((num_embeddings, embedding_dim), device=device, dtype=dtype)
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's initialization: $\\mathcal N(0, 1)$, the padding row zero."""
        nn.init.normal_(self.weight)
        if self.padding_idx is not None:
            with torch.no_grad():
                self.weight[self.padding_idx].fill_(0)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: torch.Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> "Embedding":
        """An `Embedding` holding ``embeddings`` ``(num_embeddings, embedding_dim)``
        (shared, as in torch).

        As ``torch.nn.Embedding.from_pretrained``: ``freeze=True`` sets
        ``weight.requires_grad = False``; the ``padding_idx`` row is kept as given.
        """
        if not isinstance(embeddings, torch.Tensor):
            raise TypeError(
                f"embeddings must be a torch.Tensor, got {type(embeddings).__name__}"
            )
        check_embedding_weight(embeddings, "embeddings")
        check_bool("freeze", freeze)
        rows, cols = embeddings.shape
        layer = cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            # no table drawn: it is replaced below
            device="meta",
            dtype=embeddings.dtype,
        )
        layer.weight = nn.Parameter(embeddings, requires_grad=not freeze)
        return layer

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

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
