r"""Embedding lookup, a table of learned vectors indexed by integers, and its backward
pass.

Looking up row $i$ of a table $W$ is the same as multiplying the one-hot vector $e_i$ by
$W$: $W^\top e_i = W[i]$. The lookup skips building the one-hot vectors, and so does the
backward pass: the gradient of row $k$ is the sum of the output gradients at the
positions whose index is $k$ (a scatter-add), and rows that were not looked up get zero.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_floating, check_same_dtype, shape_of
from dlref._rnn_args import (
    check_embedding_options,
    check_embedding_weight,
    check_indices,
    check_padding_idx,
)

__all__ = ["embedding", "embedding_backward"]


def _check(
    input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse
) -> int | None:
    check_embedding_weight(weight)
    check_indices(input, weight.shape[0])
    padding_idx = check_padding_idx(padding_idx, weight.shape[0])
    check_embedding_options(max_norm, norm_type, scale_grad_by_freq, sparse)
    return padding_idx


# an infinite row becomes NaN (inf * 0), as in torch: silently
@np.errstate(invalid="ignore")
def _renorm_(
    weight: np.ndarray, input: np.ndarray, max_norm: float, norm_type: float
) -> None:
    r"""Scale in place each row of ``weight`` that ``input`` looks up and whose $p$-norm
    exceeds ``max_norm``."""
    rows = np.unique(input)  # each row once
    norms = np.linalg.norm(weight[rows], ord=float(norm_type), axis=1)  # (R,)
    # W[k] <- W[k] * max_norm / (||W[k]||_p + 1e-7)
    # where ||W[k]||_p > max_norm (torch's 1e-7)
    scale = np.where(
        norms > max_norm, max_norm / (norms.astype(np.float64) + 1e-7), 1.0
    )
    # (R, 1) against (R, embedding_dim)
    weight[rows] *= scale.astype(weight.dtype)[:, None]


def embedding(
    input: np.ndarray,
    weight: np.ndarray,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> np.ndarray:
    r"""Look up the rows of an embedding table: $y_{\dots} = W[i_{\dots}]$.

    $$y_{p} = W_{i_p, :} = W^\top e_{i_p}
    \quad \text{for every position } p \text{ of the index array } i,$$

    the product with a one-hot vector $e_{i_p}$, computed as an index.

    Args:
        input: integer indices, any shape, each in ``[0, num_embeddings)``.
        weight: the table $W$, ``(num_embeddings, embedding_dim)``, one row per index.
        padding_idx: an index whose row gets no gradient (see `embedding_backward`); its
            value is looked up like any other. Negative counts from the end.
        max_norm: if given, every row that ``input`` looks up and whose
            ``norm_type``-norm exceeds ``max_norm`` is first scaled **in place** to norm
            ``max_norm`` (as torch does).
        norm_type: the $p$ of the $p$-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by how often it occurs in
            ``input`` (used by `embedding_backward`).
        sparse: must be ``False`` (dense gradients only).

    Shape:
        input ``(*)``; weight ``(num_embeddings, embedding_dim)``; output
        ``(*, embedding_dim)``.

    Returns:
        The looked-up rows, a new array of ``weight``'s dtype.

    PyTorch equivalent: ``torch.nn.functional.embedding`` (same arguments and order).

    Differences from PyTorch: ``sparse=True`` is a ``ValueError`` (dlref has no sparse
    gradients); indices of any integer dtype are accepted (torch: int32 and int64); an
    index out of range is a ``ValueError`` naming ``input`` (torch: ``IndexError``);
    ``max_norm`` must be >= 0 and ``norm_type`` > 0.
    """
    _check(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    # y_p = W[i_p]   (*, embedding_dim)
    return weight[input]


def embedding_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    weight: np.ndarray,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> np.ndarray:
    r"""Gradient of `embedding` for ``weight``: a scatter-add of ``grad_output`` into
    the looked-up rows.

    $$\frac{\partial L}{\partial W_k} = \frac{1}{c_k^{s}} \sum_{p\,:\,i_p = k} g_p,
    \qquad \frac{\partial L}{\partial W_{\text{padding\_idx}}} = 0,$$

    with $c_k$ the number of positions looking up row $k$ and $s = 1$ under
    ``scale_grad_by_freq`` ($s = 0$ otherwise). Rows nobody looked up get zero.
    ``input`` holds indices: it has no gradient, so only the gradient for ``weight`` is
    returned.

    Args:
        grad_output: $g = \partial L/\partial y$, shape ``(*, embedding_dim)`` (the
            output's).
        input: the indices given to `embedding`.
        weight: the table given to `embedding` (only its shape and dtype are used).
        padding_idx: as given to `embedding`: its row's gradient is zero.
        max_norm: as given to `embedding` (not used: the renormalization is not
            differentiated, as in torch).
        norm_type: as given to `embedding` (not used).
        scale_grad_by_freq: as given to `embedding`.
        sparse: as given to `embedding` (must be ``False``).

    Returns:
        $\partial L/\partial W$, the shape and dtype of ``weight``.

    Differences from PyTorch: as for `embedding`; and ``grad_output`` must have the
    dtype of ``weight`` (a ``TypeError``), where torch's autograd casts it silently.
    """
    padding_idx = _check(
        input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse
    )
    check_floating("grad_output", grad_output)
    check_same_dtype("grad_output", grad_output, "weight", weight)
    num_embeddings, embedding_dim = weight.shape
    expected = shape_of(input) + (embedding_dim,)
    if shape_of(grad_output) != expected:
        raise ValueError(
            f"grad_output must have the shape of embedding's output {expected}, "
            f"got {shape_of(grad_output)}"
        )
    index = input.reshape(-1).astype(np.intp)  # (P,)
    g = grad_output.reshape(-1, embedding_dim)  # (P, embedding_dim)
    if scale_grad_by_freq:
        # c_k: how many positions look up row k
        counts = np.bincount(index, minlength=num_embeddings)  # (num_embeddings,)
        # (P, 1) against (P, embedding_dim)
        g = g * (1 / counts[index]).astype(g.dtype)[:, None]
    grad_weight = np.zeros_like(weight)
    # dL/dW_k = sum of g_p over the positions p with
    # i_p = k (a scatter-add: repeated indices add up)
    with np.errstate(invalid="ignore"):  # inf + -inf = NaN, as in torch: silently
        np.add.at(grad_weight, index, g)
    if padding_idx is not None:
        grad_weight[padding_idx] = 0
    return grad_weight
