"""Classification metrics (accuracy, confusion matrix, precision, recall, F1) against
sklearn.metrics on random binary and multiclass labels, with sample weights, every average,
label subsets and every zero_division; warnings, edge cases and bad inputs."""

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

PRF = ["precision_score", "recall_score", "f1_score"]
AVERAGES = ["binary", "micro", "macro", "weighted", None]
ZERO_DIVISIONS = ["warn", 0, 1, np.nan]


def outcome(fn, *args, **kwargs):
    """What a call does: ``("value", result, warnings)`` or ``("error", exception type, message)``.

    ``warnings`` is the set of {"undefined", "user"}: an UndefinedMetricWarning (ours or
    scikit-learn's), or another UserWarning.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except (ValueError, TypeError) as error:
            return "error", type(error), str(error)
    kinds = set()
    for w in caught:
        if issubclass(w.category, (UndefinedMetricWarning, SkUndefined)):
            kinds.add("undefined")
        elif issubclass(w.category, UserWarning):
            kinds.add("user")
    return "value", result, kinds


def assert_same_outcome(name, args, kwargs):
    """dlref and scikit-learn agree: the same value and warnings, or both raise ValueError."""
    ours = outcome(getattr(metrics, name), *args, **kwargs)
    theirs = outcome(getattr(skm, name), *args, **kwargs)
    assert ours[0] == theirs[0], f"{name}{kwargs}: dlref {ours}, sklearn {theirs}"
    if ours[0] == "error":
        assert ours[1] is ValueError and theirs[1] is ValueError, (ours, theirs)
        return
    assert_close(np.asarray(ours[1], dtype=np.float64), np.asarray(theirs[1], dtype=np.float64),
                 msg=f"{name}{kwargs}")
    assert type(ours[1]) is type(theirs[1]) or (isinstance(ours[1], float) and isinstance(theirs[1], float))
    assert ours[2] == theirs[2], f"{name}{kwargs}: warnings dlref {ours[2]}, sklearn {theirs[2]}"


@st.composite
def label_pairs(draw, max_classes=5):
    """y_true, y_pred over a few classes, as ints, shifted ints, whole floats or strings."""
    n = draw(st.integers(1, 30))
    k = draw(st.integers(1, max_classes))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["int", "shifted", "float", "str"]))
    names = np.array([-2, 1, 3, 7, 10])[:k]
    if kind == "shifted":
        y_true, y_pred = names[y_true], names[y_pred]
    elif kind == "float":
        y_true, y_pred = y_true.astype(float), y_pred.astype(float)
    elif kind == "str":
        letters = np.array(["ant", "bee", "cat", "dog", "eel"])
        y_true, y_pred = letters[y_true], letters[y_pred]
    return y_true, y_pred, kind, names


@st.composite
def weights(draw, n):
    """None, integer weights, or float weights (zeros included)."""
    kind = draw(st.sampled_from(["none", "int", "float"]))
    if kind == "none":
        return None
    if kind == "int":
        return np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    return np.array(draw(st.lists(st.floats(0, 5, allow_subnormal=False), min_size=n, max_size=n)))


def class_values(y_true, kind, names):
    """The label values a test may pass as ``labels`` or ``pos_label`` for these targets."""
    if kind == "str":
        return ["ant", "bee", "cat", "dog", "eel", "fox"]
    if kind == "shifted":
        return [int(v) for v in names] + [99]
    return [0, 1, 2, 3, 4, 5]


@settings(max_examples=150)
@given(data=st.data(), pair=label_pairs())
def test_prf_against_sklearn(data, pair):
    y_true, y_pred, kind, names = pair
    values = class_values(y_true, kind, names)
    w = data.draw(weights(len(y_true)))
    average = data.draw(st.sampled_from(AVERAGES))
    labels = data.draw(st.none() | st.lists(st.sampled_from(values), min_size=1, max_size=4, unique=True))
    pos_label = data.draw(st.sampled_from([1] + values[:3]))
    zero_division = data.draw(st.sampled_from(ZERO_DIVISIONS))
    for name in PRF:
        assert_same_outcome(name, (y_true, y_pred), dict(
            labels=labels, pos_label=pos_label, average=average, sample_weight=w,
            zero_division=zero_division))


@settings(max_examples=100)
@given(data=st.data(), pair=label_pairs())
def test_accuracy_and_confusion_matrix_against_sklearn(data, pair):
    y_true, y_pred, kind, names = pair
    w = data.draw(weights(len(y_true)))
    normalize = data.draw(st.booleans())
    assert_same_outcome("accuracy_score", (y_true, y_pred), dict(normalize=normalize, sample_weight=w))
    values = class_values(y_true, kind, names)
    labels = data.draw(st.none() | st.lists(st.sampled_from(values), min_size=1, max_size=6, unique=True))
    cm_normalize = data.draw(st.sampled_from([None, "true", "pred", "all"]))
    ours = outcome(metrics.confusion_matrix, y_true, y_pred, labels=labels, sample_weight=w, normalize=cm_normalize)
    theirs = outcome(skm.confusion_matrix, y_true, y_pred, labels=labels, sample_weight=w, normalize=cm_normalize)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "value":
        assert ours[1].dtype == theirs[1].dtype
        assert_close(ours[1], theirs[1])
        assert ours[2] == theirs[2]


@settings(max_examples=60)
@given(pair=label_pairs(max_classes=2), data=st.data())
def test_binary_identities(pair, data):
    """On binary targets: recall with 'micro' over all labels is the accuracy, and
    F1 = 2PR / (P + R) wherever P + R > 0."""
    y_true, y_pred, kind, names = pair
    labels = np.union1d(y_true, y_pred)
    w = data.draw(weights(len(y_true)))
    if w is not None and np.sum(w) == 0:
        with pytest.raises(ValueError, match="sample_weight must hold at least one non-zero"):
            metrics.accuracy_score(y_true, y_pred, sample_weight=w)
        return
    micro = metrics.recall_score(y_true, y_pred, average="micro", sample_weight=w)
    assert_close(micro, metrics.accuracy_score(y_true, y_pred, sample_weight=w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        P = metrics.precision_score(y_true, y_pred, average=None, labels=labels, sample_weight=w)
        R = metrics.recall_score(y_true, y_pred, average=None, labels=labels, sample_weight=w)
        F = metrics.f1_score(y_true, y_pred, average=None, labels=labels, sample_weight=w)
    both = P + R > 0
    assert_close(F[both], (2 * P * R / np.where(both, P + R, 1))[both])


def test_binary_example_by_hand():
    # 10 samples: TP = 3, FN = 1, FP = 2, TN = 4
    y_true = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0])
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred), [[4, 2], [1, 3]])
    assert metrics.accuracy_score(y_true, y_pred) == 0.7
    assert metrics.accuracy_score(y_true, y_pred, normalize=False) == 7.0
    assert metrics.precision_score(y_true, y_pred) == 3 / 5
    assert metrics.recall_score(y_true, y_pred) == 3 / 4
    assert_close(metrics.f1_score(y_true, y_pred), 2 * 3 / (2 * 3 + 2 + 1))
    # the negative class as the positive one: TP = 4, FP = 1, FN = 2
    assert metrics.precision_score(y_true, y_pred, pos_label=0) == 4 / 5
    assert metrics.recall_score(y_true, y_pred, pos_label=0) == 4 / 6


def test_multiclass_averages_by_hand():
    y_true = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 0, 0, 0, 1, 1, 0, 2, 0])
    # class 0: TP 5, FP 2, FN 1; class 1: TP 1, FP 1, FN 1; class 2: TP 1, FP 0, FN 1
    P = metrics.precision_score(y_true, y_pred, average=None)
    assert_close(P, np.array([5 / 7, 1 / 2, 1.0]))
    assert_close(metrics.precision_score(y_true, y_pred, average="macro"), (5 / 7 + 1 / 2 + 1) / 3)
    assert_close(metrics.precision_score(y_true, y_pred, average="weighted"), (6 * 5 / 7 + 2 / 2 + 2 * 1) / 10)
    assert_close(metrics.precision_score(y_true, y_pred, average="micro"), 7 / 10)
    assert_close(metrics.recall_score(y_true, y_pred, average="micro"), 7 / 10)
    assert_close(metrics.f1_score(y_true, y_pred, average="micro"), 7 / 10)
    # a subset of labels: class 1 alone; micro over it is its own precision
    assert_close(metrics.precision_score(y_true, y_pred, labels=[1], average="micro"), 1 / 2)


def test_perfect_and_worst_predictions():
    y = np.array([0, 1, 1, 0, 2, 2, 1])
    for name in PRF:
        assert getattr(metrics, name)(y, y, average="macro") == 1.0
    assert metrics.accuracy_score(y, y) == 1.0
    assert np.array_equal(metrics.confusion_matrix(y, y), np.diag([2, 3, 2]))
    yb = np.array([0, 1, 1, 0, 1])
    worst = 1 - yb
    assert metrics.accuracy_score(yb, worst) == 0.0
    for name in PRF:
        assert getattr(metrics, name)(yb, worst) == 0.0
    assert np.array_equal(metrics.confusion_matrix(yb, worst), [[0, 2], [3, 0]])


def test_all_one_class():
    y_true = np.zeros(5, dtype=int)
    y_pred = np.zeros(5, dtype=int)
    assert metrics.accuracy_score(y_true, y_pred) == 1.0
    # no positive anywhere: precision, recall and F1 of class 1 are 0/0
    for name in PRF:
        with pytest.warns(UndefinedMetricWarning, match="ill-defined"):
            assert getattr(metrics, name)(y_true, y_pred) == 0.0
        assert getattr(metrics, name)(y_true, y_pred, zero_division=1) == 1.0
        assert np.isnan(getattr(metrics, name)(y_true, y_pred, zero_division=np.nan))
    with pytest.warns(UserWarning, match="single label"):
        assert np.array_equal(metrics.confusion_matrix(y_true, y_pred), [[5]])
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, labels=[0, 1]), [[5, 0], [0, 0]])


def test_zero_division_rules():
    # nothing predicted positive: precision is 0/0, recall is 0 / 2 = 0, F1 = 0 / (0 + 0 + 2) = 0
    y_true, y_pred = np.array([1, 1, 0, 0]), np.zeros(4, dtype=int)
    with pytest.warns(UndefinedMetricWarning, match="Precision is ill-defined"):
        assert metrics.precision_score(y_true, y_pred) == 0.0
    assert metrics.precision_score(y_true, y_pred, zero_division=1) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: recall and F1 are defined here
        assert metrics.recall_score(y_true, y_pred) == 0.0
        assert metrics.f1_score(y_true, y_pred, zero_division=1) == 0.0
    # np.nan values are left out of the macro mean: classes 0 and 1 defined, class 2 not
    y_true, y_pred = np.array([0, 1, 0, 1]), np.array([0, 1, 1, 1])
    per_label = metrics.precision_score(y_true, y_pred, labels=[0, 1, 2], average=None, zero_division=np.nan)
    assert_close(per_label, np.array([1.0, 2 / 3, np.nan]))
    assert_close(metrics.precision_score(y_true, y_pred, labels=[0, 1, 2], average="macro",
                                         zero_division=np.nan), (1 + 2 / 3) / 2)


def test_pos_label_ignored_warning():
    with pytest.warns(UserWarning, match="pos_label=0 is ignored"):
        metrics.precision_score([0, 1, 1], [0, 1, 0], pos_label=0, average="macro")


def test_confusion_matrix_normalize_and_dtype():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    C = metrics.confusion_matrix(y_true, y_pred)
    assert C.dtype == np.int64
    assert_close(metrics.confusion_matrix(y_true, y_pred, normalize="true").sum(axis=1), np.ones(3))
    assert_close(metrics.confusion_matrix(y_true, y_pred, normalize="pred").sum(axis=0), np.ones(3))
    assert_close(metrics.confusion_matrix(y_true, y_pred, normalize="all").sum(), np.float64(1.0))
    # the diagonal of the row-normalized matrix is the recall, of the column-normalized one the precision
    assert_close(np.diag(metrics.confusion_matrix(y_true, y_pred, normalize="true")),
                 metrics.recall_score(y_true, y_pred, average=None))
    assert_close(np.diag(metrics.confusion_matrix(y_true, y_pred, normalize="pred")),
                 metrics.precision_score(y_true, y_pred, average=None))
    # a label absent from the data gives an empty row and column, 0 after normalizing (no NaN)
    cm = metrics.confusion_matrix(y_true, y_pred, labels=[0, 1, 2, 3], normalize="true")
    assert np.all(np.isfinite(cm)) and np.all(cm[3] == 0)
    assert metrics.confusion_matrix(y_true, y_pred, sample_weight=np.full(6, 0.5)).dtype == np.float64


def test_torch_tensors_accepted():
    torch = pytest.importorskip("torch")
    y_true = torch.tensor([0, 1, 2, 2])
    y_pred = torch.tensor([0, 2, 2, 2])
    assert metrics.accuracy_score(y_true, y_pred) == 0.75
    assert_close(metrics.f1_score(y_true, y_pred, average="macro"),
                 skm.f1_score(y_true.numpy(), y_pred.numpy(), average="macro", zero_division=0))


@pytest.mark.parametrize("name", PRF)
def test_bad_inputs_prf(name):
    fn = getattr(metrics, name)
    with pytest.raises(ValueError, match="y_true and y_pred must have the same number of samples"):
        fn([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"average='binary' needs binary targets.*\[0, 1, 2\]"):
        fn([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="y_pred must hold class labels, got continuous values"):
        fn([0, 1, 1], [0.2, 0.9, 0.6])
    with pytest.raises(ValueError, match="y_true must hold class labels"):
        fn([0.5, 1, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="average must be one of"):
        fn([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match="pos_label=2 is not a label"):
        fn([0, 1], [0, 1], pos_label=2)
    with pytest.raises(ValueError, match="zero_division must be"):
        fn([0, 1], [0, 1], zero_division=0.5)
    with pytest.raises(ValueError, match="zero_division must be"):
        fn([0, 1], [0, 1], zero_division="nan")
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        fn([0, 1], [0, 1], sample_weight=[1.0])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        fn([0, 1], [0, 1], sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match="y_true must be 1-D"):
        fn(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"pass y.ravel\(\)"):
        fn(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="both hold numbers or both hold strings"):
        fn(["a", "b"], [0, 1], average="macro")
    with pytest.raises(ValueError, match="labels must not repeat"):
        fn([0, 1, 2], [0, 1, 2], labels=[0, 0], average="macro")
    with pytest.raises(ValueError, match="y_pred must not contain NaN"):
        fn([0, 1], [0, np.nan])
    with pytest.raises(ValueError, match="y_true must hold at least one sample"):
        fn([], [])


def test_bad_inputs_accuracy_and_confusion_matrix():
    with pytest.raises(ValueError, match="y_true and y_pred must have the same number of samples"):
        metrics.accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_pred must hold class labels"):
        metrics.accuracy_score([0, 1, 1], [0.1, 0.7, 0.9])
    with pytest.raises(ValueError, match="sample_weight must hold at least one non-zero weight"):
        metrics.accuracy_score([0, 1], [0, 1], sample_weight=[0, 0])
    with pytest.raises(ValueError, match="normalize must be one of"):
        metrics.confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="labels must include at least one label of y_true"):
        metrics.confusion_matrix([0, 1], [0, 1], labels=[5, 6])
    with pytest.raises(ValueError, match="labels must be a non-empty"):
        metrics.confusion_matrix([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError, match="labels must hold the same kind of values"):
        metrics.confusion_matrix(["a", "b"], ["a", "b"], labels=[0, 1])
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        metrics.confusion_matrix([0, 1], [0, 1], sample_weight=["a", "b"])
