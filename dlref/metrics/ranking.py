r"""Metrics of scores rather than labels: the ROC curve and the area under it, mirroring
``sklearn.metrics``.

A classifier that outputs a score $s$ (a probability, a logit, a margin) becomes a
labeller once a threshold $t$ is chosen: predict positive when $s \ge t$. The ROC curve
follows the true positive rate and the false positive rate over every threshold at once.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlref.metrics._validation import (
    UndefinedMetricWarning,
    as_1d,
    check_same_length,
    check_sample_weight,
    label_type,
)


def _check_scores(y_true, y_score, sample_weight):
    """Check the inputs of a score metric; return ``y_true``, ``y_score`` (float64) and
    the weights."""
    y_true = as_1d("y_true", y_true)
    y_score = np.asarray(
        y_score.detach().cpu() if hasattr(y_score, "detach") else y_score
    )
    if y_score.ndim == 2 and y_score.shape[1] == 2:
        raise ValueError(
            f"y_score must be 1-D, one score per sample, got shape {y_score.shape}; "
            "for the two columns of predict_proba or a softmax, pass the positive "
            "class's column, y_score[:, 1]"
        )
    y_score = as_1d("y_score", y_score, what="scores")
    if y_score.dtype.kind not in "biuf":
        raise TypeError(f"y_score must hold numbers, got dtype {y_score.dtype}")
    check_same_length("y_true", y_true, "y_score", y_score)
    if label_type("y_true", y_true) == "continuous":
        raise ValueError(
            "y_true must hold class labels (0 and 1, say), got continuous values"
        )
    w = check_sample_weight(sample_weight, len(y_true))
    return y_true, y_score.astype(np.float64), w


def _positive_label(y_true: np.ndarray, pos_label):
    """``pos_label``, or 1 when ``y_true``'s classes are {0, 1}, {-1, 1} or one of
    them."""
    classes = np.unique(y_true)
    if pos_label is not None:
        return pos_label
    standard = ([0, 1], [-1, 1], [0], [-1], [1])
    if classes.dtype.kind in "USO" or not any(
        len(classes) == len(c) and np.all(classes == c) for c in standard
    ):
        raise ValueError(
            f"pos_label must be given when y_true's labels are not {{0, 1}} or {{-1, "
            f"1}}, got labels {classes.tolist()}"
        )
    return 1


def _counts_at_thresholds(
    y_true: np.ndarray, y_score: np.ndarray, pos_label, w: np.ndarray | None
):
    r"""False and true positives at each distinct score, from the highest score down.

    At threshold $t$ (predict positive when $s \ge t$): $TP(t) = \sum_{i: s_i \ge t} w_i
    [y_i = +]$ and $FP(t) = \sum_{i: s_i \ge t} w_i [y_i = -]$. Sorting the scores once
    in decreasing order turns both into cumulative sums; tied scores cross the threshold
    together, so only the last position of each run of ties is kept.

    Returns:
        ``FP``, ``TP`` and the thresholds (the distinct scores, decreasing).
    """
    if w is not None:  # samples of weight 0 do not exist for the curve
        keep = w != 0
        y_true, y_score, w = y_true[keep], y_score[keep], w[keep]
    w = np.ones(len(y_true)) if w is None else w.astype(np.float64)
    is_positive = y_true == pos_label
    order = np.argsort(-y_score, kind="stable")  # decreasing scores
    s, is_positive, w = y_score[order], is_positive[order], w[order]
    # the last index of each run of equal scores, then the end of the array
    last_of_tie = np.concatenate([np.flatnonzero(np.diff(s)), [len(s) - 1]])
    TP = np.cumsum(w * is_positive)[last_of_tie]
    FP = np.cumsum(w * ~is_positive)[last_of_tie]
    return FP, TP, s[last_of_tie]


def roc_curve(
    y_true,
    y_score,
    *,
    pos_label=None,
    sample_weight=None,
    drop_intermediate: bool = True,
):
    r"""Receiver operating characteristic: true and false positive rates at every
    threshold.

    $$\text{TPR}(t) = \frac{TP(t)}{P}, \qquad \text{FPR}(t) = \frac{FP(t)}{N}$$

    for "predict positive when $s \ge t$", with $P$ and $N$ the (weighted) numbers of
    positive and negative samples. The thresholds are the distinct values of
    ``y_score``, decreasing (tied scores give one threshold and one point), preceded by
    $+\infty$ (no sample predicted positive), so the curve runs from $(0, 0)$ to
    $(1, 1)$.

    Args:
        y_true: true labels; {0, 1} or {-1, 1} unless ``pos_label`` is given (with
            ``pos_label``, any labels: the others count as negative).
        y_score: a score per sample, higher meaning more likely positive (a probability
            of the positive class, a logit, a decision function).
        pos_label: the positive class; 1 when ``None``.
        sample_weight: non-negative weight of each sample; samples of weight 0 are
            removed.
        drop_intermediate: drop the thresholds whose point lies on a straight segment
            between its neighbours (they change neither the plot nor the area).

    Shape:
        ``y_true``, ``y_score``, ``sample_weight``: ``(n_samples,)``; outputs:
        ``(n_thresholds,)`` each.

    Returns:
        ``fpr``, ``tpr``, ``thresholds`` (``float64``), with ``thresholds[0] = inf``.
        When ``y_true`` has no negative (no positive) sample, ``fpr`` (``tpr``) is NaN
        and an ``UndefinedMetricWarning`` is emitted.

    scikit-learn equivalent: ``sklearn.metrics.roc_curve`` (scikit-learn >= 1.3, where
    ``thresholds[0]`` is ``inf``; earlier versions used ``max(y_score) + 1``).

    Differences from scikit-learn: negative sample weights raise ``ValueError``;
    ``y_true`` and ``sample_weight`` must be 1-D (scikit-learn ravels an ``(n, 1)``
    column); a 2-D ``y_score`` is refused with a hint to pass the positive column.
    """
    y_true, y_score, w = _check_scores(y_true, y_score, sample_weight)
    if not isinstance(drop_intermediate, (bool, np.bool_)):
        raise TypeError(
            f"drop_intermediate must be a bool, got {type(drop_intermediate).__name__}"
        )
    n_classes = len(np.unique(y_true))
    if n_classes > 2 and pos_label is None:
        raise ValueError(
            f"y_true holds {n_classes} classes: pass pos_label to say which one is "
            "positive"
        )
    pos_label = _positive_label(y_true, pos_label)
    FP, TP, thresholds = _counts_at_thresholds(y_true, y_score, pos_label, w)
    if drop_intermediate and len(FP) > 2:
        # a point is a corner when the second difference of FP or of TP is not 0 there
        corner = np.logical_or(np.diff(FP, 2), np.diff(TP, 2))
        keep = np.concatenate([[True], corner, [True]])
        FP, TP, thresholds = FP[keep], TP[keep], thresholds[keep]
    # threshold +inf: nothing predicted positive, the point (0, 0)
    FP = np.concatenate([[0.0], FP])
    TP = np.concatenate([[0.0], TP])
    thresholds = np.concatenate([[np.inf], thresholds])
    N, P = FP[-1], TP[-1]  # at the lowest threshold every sample is predicted positive
    if N <= 0:
        warnings.warn(
            "roc_curve: y_true has no negative sample, so the false positive rate "
            "FP / N is 0/0 and set to NaN",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        fpr = np.full(FP.shape, np.nan)
    else:
        fpr = FP / N
    if P <= 0:
        warnings.warn(
            "roc_curve: y_true has no positive sample, so the true positive rate "
            "TP / P is 0/0 and set to NaN",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        tpr = np.full(TP.shape, np.nan)
    else:
        tpr = TP / P
    return fpr, tpr, thresholds


def roc_auc_score(y_true, y_score, *, sample_weight=None) -> float:
    r"""Area under the ROC curve of a binary classifier.

    The area under the piecewise-linear ROC curve, by the trapezoid rule,

    $$\text{AUC} = \sum_m (\text{FPR}_{m+1} -
    \text{FPR}_m)\,\frac{\text{TPR}_{m+1} + \text{TPR}_m}{2},$$

    equals the probability that a random positive scores above a random negative, ties
    counting one half (the Mann-Whitney $U$ statistic divided by $P \cdot N$):

    $$\text{AUC} = \frac{1}{P N} \sum_{i \in +} \sum_{j \in -}
      \Big([s_i > s_j] + \tfrac12 [s_i = s_j]\Big).$$

    Args:
        y_true: true labels of exactly two classes; the greater one is the positive
            class.
        y_score: a score per sample for the positive class.
        sample_weight: non-negative weight of each sample.

    Shape:
        ``y_true``, ``y_score``, ``sample_weight``: ``(n_samples,)``.

    Returns:
        A Python float in [0, 1]: 1 ranks every positive above every negative, 0.5 is no
        better than chance (or a constant score), 0 ranks them exactly backwards.

    scikit-learn equivalent: ``sklearn.metrics.roc_auc_score`` for binary targets.

    Differences from scikit-learn: binary only (no ``average``, ``multi_class``,
    ``labels`` or ``max_fpr``); ``y_true`` with a single class raises ``ValueError``
    (recent scikit-learn returns NaN with a warning), as does a sample weight that
    removes a class; ``sample_weight`` as ``roc_curve``.
    """
    y_true, y_score, w = _check_scores(y_true, y_score, sample_weight)
    classes = np.unique(y_true)
    if len(classes) != 2:
        kind = "only one class" if len(classes) == 1 else f"{len(classes)} classes"
        raise ValueError(
            f"y_true must hold exactly two classes for ROC AUC, got {kind} "
            f"{classes.tolist()}; the AUC compares positives with negatives, so it "
            "needs both"
        )
    is_positive = (y_true == classes[1]).astype(np.int64)
    if w is not None and (
        np.sum(w * is_positive) == 0 or np.sum(w * (1 - is_positive)) == 0
    ):
        raise ValueError(
            "sample_weight gives a total weight of 0 to one of the two classes"
        )
    fpr, tpr, _ = roc_curve(is_positive, y_score, sample_weight=w)
    # trapezoid rule: width times mean height of each segment
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
