"""Bad inputs to dlref.metrics, judged by scikit-learn (see framework.py).

The arrays go to ``sklearn.metrics`` as NumPy arrays (``convert=keep``), so lists, 2-D
targets, empty arrays, NaN and inf, strings, bad ``average`` / ``zero_division`` /
``pos_label`` / ``labels`` / ``sample_weight`` are judged by what scikit-learn does with
exactly the same call.
"""

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm

from badinput.framework import Case, check_valid_call, expand, ids, judge, keep
from dlref import metrics

Y_TRUE = np.array([0, 1, 1, 0, 1, 0, 1, 1])
Y_PRED = np.array([0, 1, 0, 0, 1, 1, 1, 1])
Y_TRUE_F = Y_TRUE.astype(np.float64)           # whole-number floats: the NaN/inf/float16 variants apply
Y_PRED_F = Y_PRED.astype(np.float64)
Y_MULTI = np.array([0, 1, 2, 2, 1, 0, 2, 1])
Y_MULTI_PRED = np.array([0, 2, 2, 2, 1, 0, 1, 1])
Y_SCORE = np.array([0.1, 0.8, 0.4, 0.35, 0.9, 0.6, 0.7, 0.55])
W = np.array([1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 1.0, 3.0])
Y_REG = np.array([0.5, -1.0, 2.0, 3.5, 0.0, 1.5])
Y_REG_PRED = np.array([0.4, -0.5, 2.5, 3.0, 0.2, 1.0])
STR_TRUE = np.array(["cat", "dog", "dog", "cat", "dog", "cat", "dog", "dog"])
STR_PRED = np.array(["cat", "dog", "cat", "cat", "dog", "dog", "dog", "dog"])

# why dlref raises where scikit-learn returns (each is stated in the function's docstring)
SAMPLE_WEIGHT = "negative sample weights raise ValueError (scikit-learn sums them as given)"
ONE_D = "1-D targets only: no (n, 1) columns or multilabel/multioutput matrices"
LABELS = ("labels must be a non-empty 1-D list of distinct labels of the targets' kind; scikit-learn "
          "takes an empty list (NaN or an empty array), repeats (a class scored twice), a nested list, and "
          "strings for numeric targets (scored 0)")
SAMPLE_WEIGHT_1D = "sample_weight must be 1-D (n_samples,); scikit-learn ravels an (n, 1) column for the ROC"
LABEL_STRICTER = {"sample_weight=negative": SAMPLE_WEIGHT, "y_true=column": ONE_D, "y_pred=column": ONE_D}


def sample_weight_extras(n=8):
    return [("sample_weight=negative", {"sample_weight": -np.ones(n)}),
            ("sample_weight=zeros", {"sample_weight": np.zeros(n)}),
            ("sample_weight=short", {"sample_weight": np.ones(n - 1)}),
            ("sample_weight=2-D", {"sample_weight": np.ones((n, 1))}),
            ("sample_weight=strings", {"sample_weight": np.array(["a"] * n)}),
            ("sample_weight=list", {"sample_weight": [1.0] * n}),
            ("sample_weight='1'", {"sample_weight": "1"})]


def label_extras():
    """Hostile label pairs shared by every label metric."""
    return [
        ("strings", {"y_true": STR_TRUE, "y_pred": STR_PRED}),
        ("string_and_number", {"y_true": STR_TRUE, "y_pred": Y_PRED}),
        ("continuous_y_pred", {"y_pred": Y_SCORE}),
        ("continuous_y_true", {"y_true": Y_SCORE}),
        ("y_true=column", {"y_true": Y_TRUE[:, None], "y_pred": Y_PRED[:, None]}),
        ("y_pred=column", {"y_pred": Y_PRED[:, None]}),
        ("y_true=matrix", {"y_true": np.ones((8, 3), dtype=np.int64)}),
        ("y_true=bool", {"y_true": Y_TRUE.astype(bool), "y_pred": Y_PRED.astype(bool)}),
        ("y_true=scalar", {"y_true": 1, "y_pred": 1}),
        ("y_true=objects", {"y_true": np.array([None] * 8, dtype=object)}),
        ("y_true=short", {"y_true": Y_TRUE[:5]}),
    ] + sample_weight_extras()


def prf_extras(metric_args):
    """Bad ``average``, ``zero_division``, ``pos_label`` and ``labels``."""
    out = []
    for average in ("samples", "foo", 1, "binary_"):
        out.append((f"average={average!r}", {"average": average}))
    out.append(("average=binary multiclass", {"y_true": Y_MULTI, "y_pred": Y_MULTI_PRED, "average": "binary"}))
    for zero_division in ("x", 2, None, -1, 0.5, "nan", [0]):
        out.append((f"zero_division={zero_division!r}", {"zero_division": zero_division}))
    out.append(("zero_division=nan", {"zero_division": np.nan}))
    out.append(("zero_division=nan all undefined", {"y_pred": np.zeros(8, dtype=np.int64), "zero_division": np.nan}))
    for pos_label in (2, "1", None, 1.5):
        out.append((f"pos_label={pos_label!r}", {"pos_label": pos_label}))
    out.append(("pos_label=dog strings", {"y_true": STR_TRUE, "y_pred": STR_PRED, "pos_label": "dog"}))
    out.append(("pos_label=default strings", {"y_true": STR_TRUE, "y_pred": STR_PRED}))
    for average in (None, "macro", "micro", "weighted"):
        for name, labels in (("absent", [0, 5]), ("repeated", [0, 0, 1]), ("empty", []), ("2-D", [[0, 1]]),
                             ("strings", ["a", "b"]), ("None", None), ("subset", [2]), ("wider", [0, 1, 2, 3])):
            out.append((f"labels={name} average={average!r}",
                        {"y_true": Y_MULTI, "y_pred": Y_MULTI_PRED, "average": average, "labels": labels}))
    out.append(("labels=3", {"average": "macro", "labels": 3}))
    return out


def labels_stricter(extras):
    """`LABELS` for every extra call that passes an empty, repeated, nested or string ``labels``."""
    bad = ("labels=empty", "labels=repeated", "labels=2-D", "labels=strings")
    return {label: LABELS for label, _ in extras if label.startswith(bad)}


def prf_case(name, ours, reference):
    args = dict(y_true=Y_TRUE, y_pred=Y_PRED)
    extras = label_extras() + prf_extras(args)
    return [
        Case(f"dlref.metrics.{name}", ours, args, reference=reference, convert=keep,
             stricter=dict(LABEL_STRICTER, **labels_stricter(extras)), extra=extras),
        Case(f"dlref.metrics.{name}", ours, dict(y_true=Y_TRUE_F, y_pred=Y_PRED_F, sample_weight=W),
             reference=reference, convert=keep, stricter=dict(LABEL_STRICTER), id=f"{name}-float"),
        Case(f"dlref.metrics.{name}", lambda **a: ours(average="macro", **a),
             dict(y_true=Y_MULTI, y_pred=Y_MULTI_PRED), reference=lambda **a: reference(average="macro", **a),
             convert=keep, stricter=dict(LABEL_STRICTER), id=f"{name}-macro"),
    ]


def cases():
    out = [
        Case("dlref.metrics.accuracy_score", metrics.accuracy_score, dict(y_true=Y_TRUE, y_pred=Y_PRED),
             reference=skm.accuracy_score, convert=keep, stricter=dict(LABEL_STRICTER),
             extra=label_extras() + [("normalize=False", {"normalize": False}),
                                     ("normalize='yes'", {"normalize": "yes"}),
                                     ("normalize=None", {"normalize": None})]),
        Case("dlref.metrics.accuracy_score", metrics.accuracy_score,
             dict(y_true=Y_TRUE_F, y_pred=Y_PRED_F, sample_weight=W), reference=skm.accuracy_score, convert=keep,
             stricter=dict(LABEL_STRICTER), id="accuracy_score-float"),
        Case("dlref.metrics.confusion_matrix", metrics.confusion_matrix, dict(y_true=Y_MULTI, y_pred=Y_MULTI_PRED),
             reference=skm.confusion_matrix, convert=keep,
             stricter=dict(LABEL_STRICTER, **{"labels=repeated": LABELS, "labels=2-D": LABELS}),
             extra=label_extras() + [
                 ("labels=absent", {"labels": [5, 6]}), ("labels=repeated", {"labels": [0, 0, 1]}),
                 ("labels=empty", {"labels": []}), ("labels=2-D", {"labels": [[0, 1]]}),
                 ("labels=strings", {"labels": ["a", "b"]}), ("labels=subset", {"labels": [2, 0]}),
                 ("labels=partly absent", {"labels": [0, 7]}), ("labels=3", {"labels": 3}),
                 ("normalize='rows'", {"normalize": "rows"}), ("normalize=1", {"normalize": 1}),
                 ("normalize='true'", {"normalize": "true"}), ("normalize='all'", {"normalize": "all"}),
                 ("normalize='pred' labels", {"normalize": "pred", "labels": [0, 1, 2, 3]}),
             ]),
        Case("dlref.metrics.confusion_matrix", metrics.confusion_matrix,
             dict(y_true=Y_TRUE_F, y_pred=Y_PRED_F, sample_weight=W), reference=skm.confusion_matrix, convert=keep,
             stricter=dict(LABEL_STRICTER), id="confusion_matrix-float"),
    ]
    out += prf_case("precision_score", metrics.precision_score, skm.precision_score)
    out += prf_case("recall_score", metrics.recall_score, skm.recall_score)
    out += prf_case("f1_score", metrics.f1_score, skm.f1_score)

    score_stricter = dict(LABEL_STRICTER, **{
        "y_score=2 columns": "a 2-D y_score is refused with a hint to pass the positive column",
        "sample_weight=2-D": SAMPLE_WEIGHT_1D})
    single_class = ("y_true with a single class raises ValueError (scikit-learn returns NaN with a warning, "
                    "before it compares the lengths)")
    score_extras = [
        ("strings", {"y_true": STR_TRUE}),
        ("y_true=continuous", {"y_true": Y_SCORE}),
        ("y_true=column", {"y_true": Y_TRUE[:, None]}),
        ("y_score=2 columns", {"y_score": np.stack([1 - Y_SCORE, Y_SCORE], axis=1)}),
        ("y_score=3 columns", {"y_score": np.ones((8, 3))}),
        ("y_score=strings", {"y_score": np.array(["a"] * 8)}),
        ("y_score=bool", {"y_score": Y_SCORE > 0.5}),
        ("y_true=short", {"y_true": Y_TRUE[:5]}),
        ("y_true=bool", {"y_true": Y_TRUE.astype(bool)}),
        ("y_true=scalar", {"y_true": 1, "y_score": 0.5}),
        ("y_true={1,2}", {"y_true": Y_TRUE + 1}),
        ("y_true={-1,1}", {"y_true": 2 * Y_TRUE - 1}),
        ("y_true=multiclass", {"y_true": Y_MULTI}),
    ] + sample_weight_extras()
    auc_stricter = dict(score_stricter, **{
        "single_class": single_class,
        "y_true=wrong_size": single_class + "; the variant appends a 0 and the 9 labels are all 0",
        "sample_weight=removes a class": "a sample weight that removes a class raises ValueError, as a "
                                         "single class does (scikit-learn returns NaN)"})
    out += [
        Case("dlref.metrics.roc_curve", metrics.roc_curve, dict(y_true=Y_TRUE, y_score=Y_SCORE),
             reference=skm.roc_curve, convert=keep, stricter=score_stricter,
             extra=score_extras + [
                 ("single_class", {"y_true": np.ones(8, dtype=np.int64)}),
                 ("single_class_zero", {"y_true": np.zeros(8, dtype=np.int64)}),
                 ("pos_label=2", {"pos_label": 2}), ("pos_label='1'", {"pos_label": "1"}),
                 ("pos_label=dog strings", {"y_true": STR_TRUE, "pos_label": "dog"}),
                 ("y_true={1,2} pos_label=2", {"y_true": Y_TRUE + 1, "pos_label": 2}),
                 ("y_true=multiclass pos_label=2", {"y_true": Y_MULTI, "pos_label": 2}),
                 ("drop_intermediate='yes'", {"drop_intermediate": "yes"}),
                 ("drop_intermediate=None", {"drop_intermediate": None}),
                 ("drop_intermediate=False", {"drop_intermediate": False}),
                 ("y_score=constant", {"y_score": np.full(8, 0.5)}),
                 ("y_score=huge", {"y_score": Y_SCORE * 1e300}),
             ]),
        Case("dlref.metrics.roc_curve", metrics.roc_curve, dict(y_true=Y_TRUE_F, y_score=Y_SCORE, sample_weight=W),
             reference=skm.roc_curve, convert=keep, stricter=score_stricter, id="roc_curve-float"),
        Case("dlref.metrics.roc_auc_score", metrics.roc_auc_score, dict(y_true=Y_TRUE, y_score=Y_SCORE),
             reference=skm.roc_auc_score, convert=keep,
             stricter=auc_stricter,
             extra=score_extras + [
                 ("single_class", {"y_true": np.ones(8, dtype=np.int64)}),
                 ("sample_weight=removes a class", {"sample_weight": (Y_TRUE == 1).astype(np.float64)}),
                 ("y_score=constant", {"y_score": np.full(8, 0.5)}),
                 ("y_score=huge", {"y_score": Y_SCORE * 1e300}),
             ]),
        Case("dlref.metrics.roc_auc_score", metrics.roc_auc_score,
             dict(y_true=Y_TRUE_F, y_score=Y_SCORE, sample_weight=W), reference=skm.roc_auc_score, convert=keep,
             stricter=auc_stricter, id="roc_auc_score-float"),
    ]

    regression_extras = [
        ("2-D", {"y_true": np.stack([Y_REG, Y_REG], 1), "y_pred": np.stack([Y_REG_PRED, Y_REG], 1)}),
        ("2-D vs 1-D", {"y_true": np.stack([Y_REG, Y_REG], 1)}),
        ("column vs 1-D", {"y_true": Y_REG[:, None]}),
        ("3-D", {"y_true": Y_REG[:, None, None], "y_pred": Y_REG_PRED[:, None, None]}),
        ("strings", {"y_true": np.array(["a"] * 6)}),
        ("bool", {"y_true": Y_REG > 0, "y_pred": Y_REG_PRED > 0}),
        ("scalar", {"y_true": 1.0, "y_pred": 2.0}),
        ("huge", {"y_true": Y_REG * 1e200, "y_pred": -Y_REG * 1e200}),
        ("multioutput='foo'", {"multioutput": "foo"}),
        ("multioutput=None", {"multioutput": None}),
        ("multioutput='raw_values'", {"multioutput": "raw_values"}),
        ("multioutput=weights 1 output", {"multioutput": [0.3, 0.7]}),
        ("multioutput=weights", {"y_true": np.stack([Y_REG, Y_REG], 1), "y_pred": np.stack([Y_REG_PRED, Y_REG], 1),
                                 "multioutput": [0.3, 0.7]}),
        ("multioutput=wrong count", {"y_true": np.stack([Y_REG, Y_REG], 1),
                                     "y_pred": np.stack([Y_REG_PRED, Y_REG], 1), "multioutput": [0.3, 0.3, 0.4]}),
        ("multioutput=strings", {"y_true": np.stack([Y_REG, Y_REG], 1), "y_pred": np.stack([Y_REG_PRED, Y_REG], 1),
                                 "multioutput": ["a", "b"]}),
        ("multioutput=nan", {"y_true": np.stack([Y_REG, Y_REG], 1), "y_pred": np.stack([Y_REG_PRED, Y_REG], 1),
                             "multioutput": [np.nan, 1.0]}),
        ("multioutput=zeros", {"y_true": np.stack([Y_REG, Y_REG], 1), "y_pred": np.stack([Y_REG_PRED, Y_REG], 1),
                               "multioutput": [0.0, 0.0]}),
    ] + sample_weight_extras(6)
    def quiet(metric):
        # scikit-learn squares a 1e200 error to inf with numpy's overflow warning; inf is its result
        def reference(**a):
            with np.errstate(over="ignore"):
                return metric(**a)
        return reference

    for name in ("mean_squared_error", "mean_absolute_error"):
        ours, reference = getattr(metrics, name), quiet(getattr(skm, name))
        out += [
            Case(f"dlref.metrics.{name}", ours, dict(y_true=Y_REG, y_pred=Y_REG_PRED), reference=reference,
                 convert=keep, stricter=dict(LABEL_STRICTER), extra=regression_extras),
            Case(f"dlref.metrics.{name}", ours, dict(y_true=Y_REG, y_pred=Y_REG_PRED, sample_weight=W[:6]),
                 reference=reference, convert=keep, stricter=dict(LABEL_STRICTER), id=f"{name}-weighted"),
        ]

    # the 0/0 path that emits UndefinedMetricWarning (no positive at all), made hostile
    for name in ("precision_score", "recall_score", "f1_score"):
        out.append(Case("dlref.metrics.UndefinedMetricWarning", getattr(metrics, name),
                        dict(y_true=np.zeros(8), y_pred=np.zeros(8)), reference=getattr(skm, name),
                        convert=keep, stricter=dict(LABEL_STRICTER), id=f"UndefinedMetricWarning-{name}"))
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id or c.name.split(".")[-1] for c in CASES])
def test_valid_call(case):
    check_valid_call(case)


@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_undefined_metric_warning_where_sklearn_warns(name):
    """The 0/0 that makes scikit-learn emit its UndefinedMetricWarning makes dlref emit its own."""
    from sklearn.exceptions import UndefinedMetricWarning as SkUndefined
    y_true, y_pred = np.zeros(8), np.zeros(8)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        getattr(skm, name)(y_true, y_pred)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        getattr(metrics, name)(y_true, y_pred)
    assert any(issubclass(w.category, SkUndefined) for w in theirs)
    assert any(issubclass(w.category, metrics.UndefinedMetricWarning) for w in ours)
