r"""Classification metrics from predicted labels: accuracy, the confusion matrix,
precision, recall and F1, mirroring ``sklearn.metrics``.

Everything here is a count of samples (or a sum of their weights) in the cells of the
confusion matrix $C$, where $C_{ij}$ counts the samples of true class $i$ predicted as
class $j$. For each class $k$:

* $TP_k = C_{kk}$: truly $k$, predicted $k$;
* $FP_k = \sum_{i \ne k} C_{ik}$: predicted $k$, truly something else;
* $FN_k = \sum_{j \ne k} C_{kj}$: truly $k$, predicted something else.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlref._checks import check_bool, check_choice
from dlref.metrics._validation import (
    UndefinedMetricWarning,
    check_classification_targets,
    check_labels,
    check_sample_weight,
)

AVERAGES = ("binary", "micro", "macro", "weighted", None)


def accuracy_score(
    y_true, y_pred, *, normalize: bool = True, sample_weight=None
) -> float:
    r"""Fraction (or number) of samples whose predicted label equals the true label.

    $$\text{accuracy} = \frac{\sum_i w_i\,[\hat y_i = y_i]}{\sum_i w_i}
      = \frac{\operatorname{tr} C}{\sum_{ij} C_{ij}}$$

    Args:
        y_true: true class labels (integers, whole-number floats, booleans or strings).
        y_pred: predicted class labels, of the same kind.
        normalize: ``True`` for the fraction, ``False`` for the (weighted) number
            correct.
        sample_weight: non-negative weight of each sample; all 1 when ``None``.

    Shape:
        ``y_true``, ``y_pred``, ``sample_weight``: ``(n_samples,)``.

    Returns:
        A Python float.

    scikit-learn equivalent: ``sklearn.metrics.accuracy_score``.

    Differences from scikit-learn: 1-D targets only (no multilabel indicator matrices,
    no ``(n, 1)`` columns); negative sample weights raise ``ValueError``.
    """
    _, y_true, y_pred, _ = check_classification_targets(y_true, y_pred)
    check_bool("normalize", normalize)
    w = check_sample_weight(sample_weight, len(y_true))
    w = np.ones(len(y_true)) if w is None else w
    correct = y_true == y_pred  # (n_samples,) booleans
    if not normalize:
        return float(np.sum(w * correct))
    # sum_i w_i [y_hat_i = y_i] / sum_i w_i
    return float(np.sum(w * correct) / np.sum(w))


def _label_indices(y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Position of each value of ``y`` in ``labels``, or -1 where it is not one of
    them."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    position = np.minimum(np.searchsorted(sorted_labels, y), len(labels) - 1)
    found = sorted_labels[position] == y
    return np.where(found, order[position], -1)


def _confusion(
    y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray, w: np.ndarray | None
) -> np.ndarray:
    """Unnormalized confusion matrix over ``labels``; samples with other labels are left
    out."""
    K = len(labels)
    i = _label_indices(y_true, labels)  # row: the true class
    j = _label_indices(y_pred, labels)  # column: the predicted class
    keep = (i >= 0) & (j >= 0)
    weights = None if w is None else w[keep]
    # C[i, j] = sum of the weights of the samples with true class i and predicted class
    # j; the cell (i, j) is number K * i + j of the flattened matrix
    # (K, K)
    C = np.bincount(K * i[keep] + j[keep], weights=weights, minlength=K * K).reshape(
        K, K
    )
    if w is None or w.dtype.kind in "biu":
        C = C.astype(np.int64)  # whole-number weights give whole-number counts
    return C


def _divide_or_zero(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, with 0 where the denominator is 0 (and no
    warning)."""
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def confusion_matrix(
    y_true, y_pred, *, labels=None, sample_weight=None, normalize: str | None = None
) -> np.ndarray:
    r"""Confusion matrix $C$: $C_{ij}$ counts the samples of true class $i$ predicted as
    class $j$.

    $$C_{ij} = \sum_n w_n\,[y_n = \ell_i]\,[\hat y_n = \ell_j]$$

    Rows are true classes and columns predicted classes, in the order of ``labels``
    (sorted labels of ``y_true`` and ``y_pred`` when ``None``). For two classes
    $\{0, 1\}$: ``[[TN, FP], [FN, TP]]``. The diagonal holds the correct predictions.

    Args:
        y_true: true class labels.
        y_pred: predicted class labels.
        labels: the classes to show, in this order; samples whose true or predicted
            label is not among them are left out. At least one must occur in ``y_true``.
        sample_weight: non-negative weight of each sample.
        normalize: ``None`` (counts), ``'true'`` (each row sums to 1: the fraction of
            each true class predicted as each class; the diagonal is the recall),
            ``'pred'`` (each column sums to 1; the diagonal is the precision) or
            ``'all'`` (the whole matrix sums to 1). An empty row or column stays 0.

    Shape:
        ``y_true``, ``y_pred``, ``sample_weight``: ``(n_samples,)``; output ``(K, K)``
        with ``K = len(labels)``.

    Returns:
        ``int64`` counts without weights or with whole-number weights, ``float64`` with
        float weights or when normalized.

    scikit-learn equivalent: ``sklearn.metrics.confusion_matrix``.

    Differences from scikit-learn: ``labels`` must be a non-empty 1-D list of distinct
    labels (repeated entries or a nested list raise ``ValueError``); 1-D targets only.
    """
    _, y_true, y_pred, present = check_classification_targets(y_true, y_pred)
    w = check_sample_weight(sample_weight, len(y_true))
    check_choice("normalize", normalize, ("true", "pred", "all", None))
    if labels is None:
        labels = present
    else:
        labels = check_labels(labels, present)
        if not np.any(np.isin(labels, y_true)):
            raise ValueError(
                "labels must include at least one label of y_true, got "
                f"{labels.tolist()}"
            )
    C = _confusion(y_true, y_pred, labels, w)
    if normalize == "true":
        # each row divided by the number of samples of that true class
        C = _divide_or_zero(C, C.sum(axis=1, keepdims=True))
    elif normalize == "pred":
        # each column divided by the number of samples predicted as that class
        C = _divide_or_zero(C, C.sum(axis=0, keepdims=True))
    elif normalize == "all":
        C = _divide_or_zero(C, np.asarray(C.sum()))
    if C.shape == (1, 1):
        warnings.warn(
            "confusion_matrix found a single label in y_true and y_pred, so the "
            "matrix is 1x1; pass labels=[...] with every class to get the full "
            "matrix",
            UserWarning,
            stacklevel=2,
        )
    return C


def _check_zero_division(zero_division) -> float:
    """The value that 0/0 takes: 0.0 for ``'warn'``, else ``zero_division`` (0, 1 or
    NaN)."""
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError(
                f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}"
            )
        return 0.0
    if isinstance(zero_division, (int, float, np.number)) and (
        zero_division in (0, 1) or np.isnan(zero_division)
    ):
        return float(zero_division)
    raise ValueError(
        f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}"
    )


def _tp_fp_fn(y_true, y_pred, labels, pos_label, average, sample_weight):
    """Check the arguments shared by precision, recall and F1; return ``TP, FP, FN`` per
    label.

    The counts come from the confusion matrix over *all* labels (those asked for first),
    so that a prediction of a class left out of ``labels`` still counts as a false
    positive or a false negative for the classes kept. With ``average='micro'`` the
    counts are summed over the labels into arrays of one element.
    """
    check_choice("average", average, AVERAGES)
    y_type, y_true, y_pred, present = check_classification_targets(y_true, y_pred)
    w = check_sample_weight(sample_weight, len(y_true))
    if average == "binary":
        if y_type == "multiclass":
            raise ValueError(
                "average='binary' needs binary targets, but y_true and y_pred hold "
                f"{len(present)} labels {present.tolist()}; choose average from "
                "'micro', 'macro', 'weighted' or None"
            )
        if pos_label not in present.tolist() and len(present) == 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a label of y_true or y_pred: use "
                f"one of {present.tolist()}"
            )
        labels = np.asarray([pos_label])  # the positive class is the only one scored
    else:
        if pos_label not in (None, 1):
            warnings.warn(
                f"pos_label={pos_label!r} is ignored when average={average!r} (it is "
                "used only with average='binary'); pass labels=[pos_label] to score "
                "that class alone",
                UserWarning,
                stacklevel=3,
            )
        labels = present if labels is None else check_labels(labels, present)
    k = len(labels)
    # every label, those asked for first: (K, K) with K >= k
    all_labels = np.concatenate([labels, np.setdiff1d(present, labels)])
    C = _confusion(y_true, y_pred, all_labels, w)
    TP = np.diag(C)[:k]
    # predicted k, truly another class: the column sum without the diagonal
    FP = C.sum(axis=0)[:k] - TP
    # truly k, predicted another class: the row sum without the diagonal
    FN = C.sum(axis=1)[:k] - TP
    if average == "micro":
        TP, FP, FN = TP.sum(keepdims=True), FP.sum(keepdims=True), FN.sum(keepdims=True)
    return TP, FP, FN


def _ratio(
    numerator: np.ndarray,
    denominator: np.ndarray,
    zero_division,
    metric: str,
    missing: str,
) -> np.ndarray:
    """``numerator / denominator`` per label; where the denominator is 0,
    ``zero_division``.

    With ``zero_division='warn'`` the value is 0 and an ``UndefinedMetricWarning`` says
    so.
    """
    value = _check_zero_division(zero_division)
    undefined = denominator == 0
    ratio = np.full(numerator.shape, value, dtype=np.float64)
    np.divide(numerator, denominator, out=ratio, where=~undefined)
    if zero_division == "warn" and np.any(undefined):
        where = (
            ""
            if len(ratio) == 1
            else f" for {int(undefined.sum())} of {len(ratio)} labels"
        )
        warnings.warn(
            f"{metric} is ill-defined (0/0) and set to 0.0{where}: there are no "
            f"{missing} samples. Pass zero_division=0, 1 or np.nan to choose the "
            "value and silence this warning.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
    return ratio


def _average(score: np.ndarray, support: np.ndarray, average):
    """Per-label scores (``average=None``), or their mean, plain or weighted by support.

    NaN scores (from ``zero_division=np.nan``) are left out of the mean; when every
    score is NaN the mean is NaN. With ``'weighted'`` and a support of 0 for every
    label, the plain mean is used (as scikit-learn does).
    """
    if average is None:
        return score
    defined = ~np.isnan(score)
    if not np.any(defined):
        return float("nan")
    weights = support[defined] if average == "weighted" else None
    if weights is None or np.sum(weights) == 0:
        return float(np.mean(score[defined]))
    # sum_k n_k s_k / sum_k n_k,
    # with n_k = TP_k + FN_k the number of true samples of class k
    return float(np.sum(weights * score[defined]) / np.sum(weights))


def precision_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average: str | None = "binary",
    sample_weight=None,
    zero_division="warn",
):
    r"""Precision: of the samples predicted as a class, the fraction that truly are.

    $$P_k = \frac{TP_k}{TP_k + FP_k}$$

    ``average`` combines the classes: ``'binary'`` scores ``pos_label`` only (binary
    targets); ``'micro'`` sums $TP$ and $FP$ over the classes first; ``'macro'`` is the
    mean of $P_k$; ``'weighted'`` the mean weighted by each class's number of true
    samples; ``None`` returns every $P_k$.

    Args:
        y_true: true class labels.
        y_pred: predicted class labels (not scores or probabilities: threshold them
            first).
        labels: the classes to score and average over, in this order (default: all
            labels of ``y_true`` and ``y_pred``, sorted); ignored with
            ``average='binary'``.
        pos_label: the positive class for ``average='binary'``.
        average: ``'binary'`` (default), ``'micro'``, ``'macro'``, ``'weighted'`` or
            ``None``.
        sample_weight: non-negative weight of each sample.
        zero_division: the value of $0/0$ (no sample predicted as the class): ``'warn'``
            (0, with an ``UndefinedMetricWarning``), ``0``, ``1`` or ``np.nan`` (NaN
            values are left out of the averages).

    Shape:
        ``y_true``, ``y_pred``, ``sample_weight``: ``(n_samples,)``.

    Returns:
        A Python float, or a ``float64`` array of one value per label with
        ``average=None``.

    scikit-learn equivalent: ``sklearn.metrics.precision_score``.

    Differences from scikit-learn: no ``average='samples'`` (multilabel only there); 1-D
    targets only; ``labels`` must be a non-empty 1-D list of distinct labels of the
    targets' kind (scikit-learn takes an empty list, repeats, and strings for numeric
    targets, which it scores 0); negative sample weights raise ``ValueError``; the
    warnings' wording.
    """
    TP, FP, FN = _tp_fp_fn(y_true, y_pred, labels, pos_label, average, sample_weight)
    # P = TP / (TP + FP)
    precision = _ratio(TP, TP + FP, zero_division, "Precision", "predicted")
    return _average(precision, TP + FN, average)


def recall_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average: str | None = "binary",
    sample_weight=None,
    zero_division="warn",
):
    r"""Recall (sensitivity, true positive rate): of the samples of a class, the
    fraction found.

    $$R_k = \frac{TP_k}{TP_k + FN_k}$$

    Arguments, averages and returns as ``precision_score``; here $0/0$ happens for a
    class with no true sample. ``average='micro'`` recall over all classes equals the
    accuracy (every wrong prediction is one false negative).

    scikit-learn equivalent: ``sklearn.metrics.recall_score``.

    Differences from scikit-learn: as ``precision_score``.
    """
    TP, FP, FN = _tp_fp_fn(y_true, y_pred, labels, pos_label, average, sample_weight)
    # R = TP / (TP + FN)
    recall = _ratio(TP, TP + FN, zero_division, "Recall", "true")
    return _average(recall, TP + FN, average)


def f1_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average: str | None = "binary",
    sample_weight=None,
    zero_division="warn",
):
    r"""F1 score: the harmonic mean of precision and recall.

    $$F_{1,k} = \frac{2 P_k R_k}{P_k + R_k} = \frac{2\,TP_k}{2\,TP_k + FP_k + FN_k}$$

    The second form is what is computed: it is defined whenever the class occurs in
    ``y_true`` or ``y_pred``, and it is 0 when $TP_k = 0$ even where $P_k$ or $R_k$ is
    $0/0$. Only a class that appears in neither is $0/0$. Arguments, averages and
    returns as ``precision_score``; note that the macro F1 is the mean of the $F_{1,k}$,
    not the harmonic mean of the macro precision and macro recall.

    scikit-learn equivalent: ``sklearn.metrics.f1_score``.

    Differences from scikit-learn: as ``precision_score``.
    """
    TP, FP, FN = _tp_fp_fn(y_true, y_pred, labels, pos_label, average, sample_weight)
    # F1 = 2 TP / (2 TP + FP + FN)
    f1 = _ratio(2 * TP, 2 * TP + FP + FN, zero_division, "F1", "true nor predicted")
    return _average(f1, TP + FN, average)
