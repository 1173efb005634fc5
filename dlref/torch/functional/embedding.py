r"""Embedding lookup from tensor primitives: an index into the table (autograd gives the
scatter-add backward).

``torch.nn.functional.embedding``, ``torch.embedding`` and ``torch.embedding_renorm_``
are never called here: the tests compare against them.
"""

from __future__ import annotations

import torch

from dlref._rnn_args import (
    check_embedding_options,
    check_embedding_weight,
    check_indices,
    check_padding_idx,
)

__all__ = ["embedding"]


def _check_tensor(name: str, value) -> None:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")


@torch.no_grad()
def _renorm_(
    weight: torch.Tensor, index: torch.Tensor, max_norm: float, norm_type: float
) -> None:
    r"""Scale in place each row of ``weight`` that ``index`` looks up and whose $p$-norm
    exceeds ``max_norm``."""
    rows = torch.unique(index)  # each row once
    norms = torch.linalg.vector_norm(weight[rows], ord=norm_type, dim=1)  # (R,)
    # W[k] <- W[k] * max_norm / (||W[k]||_p + 1e-7)
    # where ||W[k]||_p > max_norm (torch's 1e-7)
    scale = torch.where(
        norms > max_norm, max_norm / (norms + 1e-7), torch.ones_like(norms)
    )
    weight[rows] = weight[rows] * scale[:, None]  # (R, embedding_dim)


def embedding(
    input: torch.Tensor,
    weight: torch.Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> torch.Tensor:
    r"""Look up the rows of an embedding table: $y_p = W[i_p]$.

    $$y_{p} = W_{i_p, :} = W^\top e_{i_p},$$

    an index into ``weight``; autograd's backward of the index is the scatter-add
    $\partial L/\partial W_k = \sum_{p: i_p = k} g_p$. The ``padding_idx`` positions
    read a detached copy of their row, so that row gets no gradient;
    ``scale_grad_by_freq`` divides the gradient reaching each position by its row's
    count (a gradient hook).

    Args:
        input: integer indices, any shape, each in ``[0, num_embeddings)``.
        weight: the table, ``(num_embeddings, embedding_dim)``.
        padding_idx: a row that gets no gradient; negative counts from the end.
        max_norm: if given, rows looked up whose ``norm_type``-norm exceeds it are first
            scaled **in place** to norm ``max_norm`` (not differentiated, as in torch).
        norm_type: the $p$ of that $p$-norm (default 2).
        scale_grad_by_freq: divide each row's gradient by how often it occurs in
            ``input``.
        sparse: must be ``False``.

    Shape:
        input ``(*)``; weight ``(num_embeddings, embedding_dim)``; output
        ``(*, embedding_dim)``.

    Returns:
        The looked-up rows, in ``weight``'s dtype and on its device.

    PyTorch equivalent: ``torch.nn.functional.embedding`` (same arguments and order).

    Differences from PyTorch: ``sparse=True`` is a ``ValueError``; indices of any
    integer dtype are accepted (torch: int32 and int64); an index out of range is a
    ``ValueError`` naming ``input`` (torch: ``IndexError``, on CUDA a device-side
    assert); ``max_norm`` must be >= 0 and ``norm_type`` > 0.
    """
    _check_tensor("input", input)
    _check_tensor("weight", weight)
    check_embedding_weight(weight)
    if input.device != weight.device:
        raise ValueError(
            f"input must be on the device of weight ({weight.device}), got "
            f"{input.device}"
        )
    check_indices(input, weight.shape[0])
    padding_idx = check_padding_idx(padding_idx, weight.shape[0])
    check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse)
    index = input.long()
    if max_norm is not None:
        _renorm_(weight, index, max_norm, norm_type)
    # y_p = W[i_p]   (*, embedding_dim)
    output = weight[index]
    if padding_idx is not None and output.requires_grad:
        # the same values, but the padding positions pass no gradient to their row
        # (*, embedding_dim)
        output = torch.where(
            (index == padding_idx).unsqueeze(-1), output.detach(), output
        )
    if scale_grad_by_freq and output.requires_grad:
        # c_k: how many positions look up row k;
        # the gradient at position p is scaled by 1 / c_{i_p}
        # (num_embeddings,)
        counts = torch.bincount(index.reshape(-1), minlength=weight.shape[0])
        scale = counts[index].unsqueeze(-1).to(weight.dtype).reciprocal()  # (*, 1)
        output.register_hook(lambda grad: grad * scale)
    return output
