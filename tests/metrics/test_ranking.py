"""ROC curve and ROC AUC against sklearn.metrics on random binary targets with tied scores and
sample weights; the AUC against a brute-force count of positive-negative pairs (the
Mann-Whitney U statistic); edge cases and bad inputs."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning as SkUndefined

from dlref import metrics
from dlref.metrics import UndefinedMetricWarning
from dlref.testing import assert_close


@st.composite
def scored(draw, both_classes=False):
    """Binary labels, scores with many ties (few distinct values) or none, optional weights."""
    n = draw(st.integers(2 if both_classes else 1, 40))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if both_classes:
        y[0], y[1] = 0, 1
    distinct = draw(st.sampled_from([1, 2, 3, 5, 1000]))  # 1: every score tied
    s = np.array(draw(st.lists(st.integers(0, distinct - 1), min_size=n, max_size=n))) / distinct
    if draw(st.booleans()):
        s = s * 7.0 - 3.0  # negative scores too, like logits
    w = None
    if draw(st.booleans()):
        w = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7]), min_size=n, max_size=n)))
        if both_classes:
            w[0], w[1] = 1.0, 1.5
        elif not np.any(w):
            w[0] = 1.0
    return y, s, w


def pair_count_auc(y, s, w=None):
    """P(score of a random positive > score of a random negative) + 1/2 P(tie), by counting pairs."""
    w = np.ones(len(y)) if w is None else w
    pos, neg = y == 1, y == 0
    s_pos, s_neg = s[pos][:, None], s[neg][None, :]           # (n_pos, 1), (1, n_neg)
    pair_weight = w[pos][:, None] * w[neg][None, :]           # (n_pos, n_neg)
    wins = (s_pos > s_neg) + 0.5 * (s_pos == s_neg)
    return np.sum(pair_weight * wins) / np.sum(pair_weight)


def caught_kinds(caught):
    return {issubclass(c.category, (UndefinedMetricWarning, SkUndefined)) for c in caught} - {False}


@settings(max_examples=200)
@given(data=scored(), drop=st.booleans(), labels=st.sampled_from(["01", "-11", "str"]))
def test_roc_curve_against_sklearn(data, drop, labels):
    y, s, w = data
    kwargs = {}
    if labels == "-11":
        y = 2 * y - 1
    elif labels == "str":
        y = np.array(["neg", "pos"])[y]
        kwargs["pos_label"] = "pos"
    with warnings.catch_warnings(record=True) as ours_caught:
        warnings.simplefilter("always")
        ours = metrics.roc_curve(y, s, sample_weight=w, drop_intermediate=drop, **kwargs)
    with warnings.catch_warnings(record=True) as theirs_caught:
        warnings.simplefilter("always")
        theirs = skm.roc_curve(y, s, sample_weight=w, drop_intermediate=drop, **kwargs)
    for name, a, b in zip(["fpr", "tpr", "thresholds"], ours, theirs):
        assert a.dtype == np.float64
        assert_close(a, b, msg=name)
    assert caught_kinds(ours_caught) == caught_kinds(theirs_caught)


@settings(max_examples=200)
@given(data=scored(both_classes=True))
def test_roc_auc_against_sklearn_and_pair_counting(data):
    y, s, w = data
    ours = metrics.roc_auc_score(y, s, sample_weight=w)
    assert isinstance(ours, float)
    assert_close(ours, skm.roc_auc_score(y, s, sample_weight=w))
    assert_close(ours, pair_count_auc(y, s, w))


@settings(max_examples=50)
@given(data=scored(both_classes=True))
def test_auc_invariances(data):
    y, s, w = data
    auc = metrics.roc_auc_score(y, s, sample_weight=w)
    # a strictly increasing transform of the scores keeps every ranking, hence the AUC
    assert_close(metrics.roc_auc_score(y, np.exp(s) * 3 + 1, sample_weight=w), auc)
    # reversing the scores reverses every comparison
    assert_close(metrics.roc_auc_score(y, -s, sample_weight=w), 1 - auc)
    # other label values: the larger label is the positive class
    assert_close(metrics.roc_auc_score(np.array(["a", "b"])[y], s, sample_weight=w), auc)


@settings(max_examples=50)
@given(data=scored(both_classes=True))
def test_roc_curve_is_monotone_and_spans_the_square(data):
    y, s, w = data
    fpr, tpr, thresholds = metrics.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert thresholds[0] == np.inf and np.all(np.diff(thresholds) < 0)
    # without dropping, one threshold per distinct score of a sample with non-zero weight
    kept = s if w is None else s[w != 0]
    assert len(thresholds) == 1 + len(np.unique(kept))


def test_ties_form_one_threshold():
    y = np.array([0, 1, 0, 1, 1])
    s = np.array([0.3, 0.3, 0.3, 0.8, 0.1])
    fpr, tpr, thresholds = metrics.roc_curve(y, s, drop_intermediate=False)
    assert_close(thresholds, np.array([np.inf, 0.8, 0.3, 0.1]))
    assert_close(fpr, np.array([0.0, 0.0, 1.0, 1.0]))
    assert_close(tpr, np.array([0.0, 1 / 3, 2 / 3, 1.0]))
    # pairs: 0.8 beats both negatives, 0.3 ties both (2 x 1/2), 0.1 loses both: (2 + 1 + 0) / 6
    assert_close(metrics.roc_auc_score(y, s), 0.5)


def test_perfect_worst_and_constant_scores():
    y = np.array([0, 0, 1, 1, 0, 1])
    assert metrics.roc_auc_score(y, y * 2.0 - 1) == 1.0
    assert metrics.roc_auc_score(y, 1.0 - y) == 0.0
    assert metrics.roc_auc_score(y, np.full(6, 0.42)) == 0.5
    fpr, tpr, thresholds = metrics.roc_curve(y, np.full(6, 0.42))
    assert_close(fpr, np.array([0.0, 1.0]))
    assert_close(tpr, np.array([0.0, 1.0]))
    assert_close(thresholds, np.array([np.inf, 0.42]))
    fpr, tpr, _ = metrics.roc_curve(y, y.astype(float))
    assert_close(fpr, np.array([0.0, 0.0, 1.0]))
    assert_close(tpr, np.array([0.0, 1.0, 1.0]))


def test_one_class_in_y_true():
    y, s = np.ones(4, dtype=int), np.array([0.1, 0.4, 0.35, 0.8])
    with pytest.warns(UndefinedMetricWarning, match="no negative sample"):
        fpr, tpr, _ = metrics.roc_curve(y, s)
    assert np.all(np.isnan(fpr)) and not np.any(np.isnan(tpr))
    with pytest.warns(UndefinedMetricWarning, match="no positive sample"):
        metrics.roc_curve(np.zeros(4, dtype=int), s)
    with pytest.raises(ValueError, match=r"y_true must hold exactly two classes for ROC AUC, got only one class \[1\]"):
        metrics.roc_auc_score(y, s)


def test_multiclass_y_true_with_pos_label():
    y = np.array([0, 1, 2, 2, 1, 0])
    s = np.array([0.1, 0.5, 0.9, 0.7, 0.3, 0.2])
    for a, b in zip(metrics.roc_curve(y, s, pos_label=2), skm.roc_curve(y, s, pos_label=2)):
        assert_close(a, b)


def test_bad_inputs():
    with pytest.raises(ValueError, match="y_true and y_score must have the same number of samples"):
        metrics.roc_curve([0, 1, 1], [0.2, 0.4])
    with pytest.raises(ValueError, match=r"y_score must be 1-D.*y_score\[:, 1\]"):
        metrics.roc_auc_score([0, 1, 1], np.array([[0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]))
    with pytest.raises(ValueError, match="y_score must be 1-D scores"):
        metrics.roc_curve([0, 1, 1], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="y_score must not contain NaN"):
        metrics.roc_auc_score([0, 1], [0.2, np.nan])
    with pytest.raises(TypeError, match="y_score must hold numbers"):
        metrics.roc_curve([0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="y_true holds 3 classes: pass pos_label"):
        metrics.roc_curve([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="pos_label must be given"):
        metrics.roc_curve([1, 2, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="pos_label must be given"):
        metrics.roc_curve(["a", "b"], [0.1, 0.2])
    with pytest.raises(ValueError, match="y_true must hold class labels"):
        metrics.roc_curve([0.5, 1.0], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"exactly two classes for ROC AUC, got 3 classes"):
        metrics.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="sample_weight gives a total weight of 0 to one of the two classes"):
        metrics.roc_auc_score([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        metrics.roc_auc_score([0, 1], [0.1, 0.2], sample_weight=[1.0, -1.0])
    with pytest.raises(TypeError, match="drop_intermediate must be a bool"):
        metrics.roc_curve([0, 1], [0.1, 0.2], drop_intermediate="yes")
