"""Bad inputs to dlref.data (scaling, one-hot, splits, class imbalance), judged by the reference.

Scalers and splits are judged by scikit-learn with the same NumPy arrays (``convert=keep``);
`one_hot` by ``torch.nn.functional.one_hot``; the resamplers have no reference library, so
every hostile call must raise unless `Case.accepts` says why it is fine.
"""

import numpy as np
import pytest
import sklearn.model_selection as skms
import sklearn.preprocessing as skp
import torch
import torch.nn.functional as TF
from sklearn.model_selection._split import _validate_shuffle_split
from sklearn.utils.class_weight import compute_class_weight as sk_compute_class_weight

from badinput.framework import Case, check_valid_call, expand, ids, judge, keep
from dlref import data

rng = np.random.default_rng(0)
X = rng.standard_normal((6, 3))
X_TEST = rng.standard_normal((4, 3))
LABELS = np.array([[0, 2, 1], [3, 0, 1]])
X10 = rng.standard_normal((10, 3))
Y10 = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
X9 = rng.standard_normal((9, 2))
Y9 = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
CLASSES = np.array([0, 1, 2])
Y_IMB = np.array([0, 0, 0, 1, 2, 2, 0, 1])
X_IMB = rng.standard_normal((8, 2))

# why dlref raises where the reference returns (each is stated in the docstring)
FINITE = ("NaN or infinite inputs raise ValueError (scikit-learn's scalers skip NaN in fit and carry it "
          "through transform)")
Y_COLUMN = "y must be 1-D (scikit-learn ravels an (n, 1) column)"
GENERATOR = ("random_state is None, an int or a numpy.random.Generator (scikit-learn's RandomState is not "
             "taken: dlref draws from NumPy's Generator)")
BOOL = "boolean arrays are not features: TypeError (scikit-learn casts them to float)"
RANGE = "a NaN or infinite bound in feature_range raises ValueError (scikit-learn scales to NaN or inf)"
OBJECTS = "an object array (None among the values) raises TypeError (scikit-learn reads None as NaN)"


def sklearn_random_state(random_state):
    """The scikit-learn random_state for ours: a Generator (dlref's form) becomes a seed."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    return random_state


# -- scalers ----------------------------------------------------------------------------------


def scaler_cases(name, ours_cls, ref_cls, ctor_extras, stricter, inverse_arg):
    fitted = ours_cls().fit(X)
    ref_fitted = ref_cls().fit(X)
    return [
        Case(f"dlref.data.{name}", lambda x, **kw: ours_cls(**kw).fit_transform(x), dict(x=X),
             reference=quiet(lambda x, **kw: ref_cls(**kw).fit_transform(x)), convert=keep, stricter=dict(stricter),
             extra=ctor_extras + [("x=strings", {"x": np.array([["a", "b"]] * 3)}),
                                  ("x=bool", {"x": X > 0}), ("x=objects", {"x": np.array([[None, 1.0]] * 3)}),
                                  ("x=scalar", {"x": 1.0}), ("x='abc'", {"x": "abc"}),
                                  ("x=ragged", {"x": [[1.0, 2.0], [3.0]]}),
                                  ("x=one sample", {"x": X[:1]}), ("x=huge", {"x": X * 1e300})],
             id=f"{name}-fit_transform"),
        Case(f"dlref.data.{name}", lambda x: fitted.transform(x), dict(x=X_TEST),
             reference=lambda x: ref_fitted.transform(x), convert=keep, stricter=dict(stricter),
             id=f"{name}-transform"),
        # the argument of inverse_transform is z (StandardScaler) or x_scaled (MinMaxScaler)
        Case(f"dlref.data.{name}", lambda **a: fitted.inverse_transform(*a.values()), {inverse_arg: X_TEST},
             reference=lambda **a: ref_fitted.inverse_transform(*a.values()), convert=keep, stricter=dict(stricter),
             id=f"{name}-inverse_transform"),
    ]


BOOL_EXTRAS = [("{}='yes'", "yes"), ("{}=None", None), ("{}=1", 1)]


def bool_extras(name):
    return [(label.format(name), {name: value}) for label, value in BOOL_EXTRAS]


def one_apply_reference(ref_cls, two=True):
    """``standardize``/``min_max_scale`` in scikit-learn: fit on the first array, transform every one."""
    def reference(x_train, **kw):
        others = kw.pop("others") if two else None
        scaler = ref_cls(**kw).fit(x_train)
        return (scaler.transform(x_train), scaler.transform(others)) if two else scaler.transform(x_train)
    return reference


def quiet(reference):
    """scikit-learn's scaler squares a 1e300 spread with numpy's overflow warning; its result is NaN."""
    def call(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return reference(*args, **kwargs)
    return call


def one_hot_reference(labels, num_classes=-1):
    # torch indexes with int64 only; dlref's one_hot takes every integer dtype (its docstring says so),
    # so integer labels go to torch as int64, and a list as a tensor (NumPy functions take array-likes);
    # an array torch cannot hold (strings) makes the reference raise
    if isinstance(labels, np.ndarray):
        labels = torch.from_numpy(labels.copy())
    if isinstance(labels, list):
        labels = torch.as_tensor(labels)
    if isinstance(labels, torch.Tensor) and labels.dtype in (torch.int8, torch.int16, torch.int32, torch.uint8):
        labels = labels.long()
    return TF.one_hot(labels, num_classes)


def scaling_cases():
    out = []
    std_extras = bool_extras("with_mean") + bool_extras("with_std") + [
        ("with_mean=False", {"with_mean": False}), ("with_std=False", {"with_std": False})]
    out += scaler_cases("StandardScaler", data.StandardScaler, skp.StandardScaler, std_extras,
                        {"nan": FINITE, "x=bool": BOOL, "x=objects": OBJECTS}, "z")
    mm_extras = bool_extras("clip") + [
        ("feature_range=(1, 0)", {"feature_range": (1, 0)}), ("feature_range=(0, 0)", {"feature_range": (0, 0)}),
        ("feature_range=(0,)", {"feature_range": (0,)}), ("feature_range='ab'", {"feature_range": "ab"}),
        ("feature_range=(0, inf)", {"feature_range": (0, np.inf)}),
        ("feature_range=(0, nan)", {"feature_range": (0, np.nan)}),
        ("feature_range=(0, '1')", {"feature_range": (0, "1")}), ("feature_range=None", {"feature_range": None}),
        ("feature_range=list", {"feature_range": [-1, 1]}), ("feature_range=(-1, 1)", {"feature_range": (-1, 1)}),
        ("clip=True", {"clip": True})]
    out += scaler_cases("MinMaxScaler", data.MinMaxScaler, skp.MinMaxScaler, mm_extras,
                        {"nan": FINITE, "x=bool": BOOL, "feature_range=(0, nan)": RANGE,
                         "feature_range=(0, inf)": RANGE}, "x_scaled")
    out += [
        Case("dlref.data.standardize", lambda x_train, others, **kw: data.standardize(x_train, others, **kw),
             dict(x_train=X, others=X_TEST), reference=one_apply_reference(skp.StandardScaler), convert=keep,
             stricter={"nan": FINITE}, extra=std_extras),
        Case("dlref.data.standardize", lambda x_train, **kw: data.standardize(x_train, **kw), dict(x_train=X),
             reference=one_apply_reference(skp.StandardScaler, two=False), convert=keep,
             stricter={"nan": FINITE}, id="standardize-one"),
        Case("dlref.data.min_max_scale", lambda x_train, others, **kw: data.min_max_scale(x_train, others, **kw),
             dict(x_train=X, others=X_TEST), reference=one_apply_reference(skp.MinMaxScaler), convert=keep,
             stricter={"nan": FINITE, "feature_range=(0, nan)": RANGE, "feature_range=(0, inf)": RANGE},
             extra=mm_extras),
        Case("dlref.data.min_max_scale", lambda x_train, **kw: data.min_max_scale(x_train, **kw), dict(x_train=X),
             reference=one_apply_reference(skp.MinMaxScaler, two=False), convert=keep,
             stricter={"nan": FINITE}, id="min_max_scale-one"),
        Case("dlref.data.one_hot", data.one_hot, dict(labels=LABELS, num_classes=4), reference=one_hot_reference,
             convert=keep,
             extra=[("labels=negative", {"labels": np.array([0, -1])}), ("labels=too large", {"labels": np.array([4])}),
                    ("num_classes=0", {"num_classes": 0}), ("num_classes=-2", {"num_classes": -2}),
                    ("num_classes=-1", {"num_classes": -1}), ("num_classes=2.5", {"num_classes": 2.5}),
                    ("num_classes=None", {"num_classes": None}), ("num_classes='4'", {"num_classes": "4"}),
                    ("num_classes=True", {"num_classes": True}), ("num_classes=2 too few", {"num_classes": 2}),
                    ("labels=float", {"labels": LABELS.astype(np.float64)}),
                    ("labels=bool", {"labels": LABELS > 0}), ("labels=int32", {"labels": LABELS.astype(np.int32)}),
                    ("labels=scalar", {"labels": np.array(2)}),
                    ("labels=empty num_classes=0", {"labels": np.zeros(0, dtype=np.int64), "num_classes": 0}),
                    ("labels=empty num_classes=-1", {"labels": np.zeros(0, dtype=np.int64), "num_classes": -1}),
                    ("labels=strings", {"labels": np.array(["a"])}), ("labels=7", {"labels": 7})]),
    ]
    return out


# -- splits -----------------------------------------------------------------------------------


def tts_ours(X, y, **kw):
    return data.train_test_split(X, y, **kw)


def tts_reference(X, y, random_state=None, **kw):
    return skms.train_test_split(X, y, random_state=sklearn_random_state(random_state), **kw)


def kfold(cls):
    def split(X, y=None, n_splits=3, shuffle=False, random_state=None):
        return list(cls(n_splits, shuffle=shuffle, random_state=random_state).split(X, y))
    return split


def kfold_reference(cls):
    def split(X, y=None, n_splits=3, shuffle=False, random_state=None):
        splitter = cls(n_splits, shuffle=shuffle, random_state=sklearn_random_state(random_state))
        return list(splitter.split(X, y))
    return split


def random_state_extras():
    return [("random_state=-1", {"random_state": -1}), ("random_state=1.5", {"random_state": 1.5}),
            ("random_state='0'", {"random_state": "0"}), ("random_state=Generator",
                                                          {"random_state": np.random.default_rng(0)}),
            ("random_state=RandomState", {"random_state": np.random.RandomState(0)})]


def split_cases():
    tts_extras = [
        (f"test_size={v!r}", {"test_size": v}) for v in (0.0, 1.0, 1.5, -0.2, 0, 10, 11, -1, "0.3", None, 0.01,
                                                          np.nan, np.inf, True, 9, 1)
    ] + [
        (f"train_size={v!r}", {"train_size": v, "test_size": None}) for v in (0.05, 0.0, 1.0, 10, 0, 0.99, np.nan)
    ] + [
        ("test_size=0.7 train_size=0.5", {"test_size": 0.7, "train_size": 0.5}),
        ("test_size=8 train_size=5", {"test_size": 8, "train_size": 5}),
        ("test_size=0.3 train_size=5", {"test_size": 0.3, "train_size": 5}),
        ("stratify=y", {"stratify": Y10}),
        ("stratify=singleton class", {"stratify": np.array([0] * 9 + [1])}),
        ("stratify=short", {"stratify": Y10[:5]}),
        ("stratify=2-D", {"stratify": np.stack([Y10, Y10], 1)}),
        ("stratify=3-D", {"stratify": Y10[:, None, None]}),
        ("stratify=list", {"stratify": Y10.tolist()}),
        ("stratify=strings", {"stratify": np.array(["a", "b"] * 5)}),
        ("stratify=nan", {"stratify": np.where(Y10 == 0, np.nan, 1.0)}),
        ("stratify=continuous", {"stratify": np.linspace(0, 1, 10)}),
        ("stratify=5 classes test_size=2", {"stratify": np.arange(10) % 5, "test_size": 2}),
        ("stratify=scalar", {"stratify": 1}),
        ("stratify=y shuffle=False", {"stratify": Y10, "shuffle": False}),
        ("shuffle=True", {"shuffle": True, "random_state": 0}), ("shuffle='yes'", {"shuffle": "yes"}), ("shuffle=None", {"shuffle": None}),
        ("X=scalar", {"X": 1.0}), ("X='abc'", {"X": "abc"}), ("X=one sample", {"X": X10[:1], "y": Y10[:1]}),
        ("X=list of lists", {"X": X10.tolist(), "y": Y10.tolist()}),
        ("X=tensor", {"X": torch.tensor(X10)}),
    ] + [(label, dict(kw, shuffle=True)) for label, kw in random_state_extras()]
    sizes = [("n_samples", (0, -1, 1, 1.5, None, "10", True, 2)),
             ("test_size", (0.0, 1.0, 1.5, -0.2, 0, 10, 11, -1, "0.3", 0.01, np.nan, np.inf, True, 9)),
             ("train_size", (0.05, 0.0, 1.0, 10, 0, 0.99, np.nan, "0.5"))]
    size_extras = [(f"{name}={v!r}", {name: v}) for name, values in sizes for v in values] + [
        ("test_size=0.7 train_size=0.5", {"test_size": 0.7, "train_size": 0.5}),
        ("test_size=8 train_size=5", {"test_size": 8, "train_size": 5}),
        ("test_size=None train_size=None", {"test_size": None, "train_size": None}),
        ("default_test_size=0.0", {"test_size": None, "default_test_size": 0.0}),
        ("default_test_size=1.5", {"test_size": None, "default_test_size": 1.5}),
        ("default_test_size=None", {"test_size": None, "default_test_size": None}),
        ("default_test_size='a'", {"test_size": None, "default_test_size": "a"}),
    ]
    cv_extras = [(f"n_splits={v!r}", {"n_splits": v}) for v in (1, 0, -2, 2.5, "3", None, True, 10, 100)] + [
        ("shuffle='yes'", {"shuffle": "yes"}), ("shuffle=None", {"shuffle": None}),
        ("shuffle=False random_state=0", {"random_state": 0}),
        ("shuffle=True random_state=0", {"shuffle": True, "random_state": 0}),
        ("shuffle=True random_state=None", {"shuffle": True}),
    ] + [(label, dict(kw, shuffle=True)) for label, kw in random_state_extras()] + [
        ("X=scalar", {"X": 1.0}), ("X='abc'", {"X": "abc"}), ("X=list of lists", {"X": X9.tolist()}),
    ]
    skf_extras = [
        ("y=None", {"y": None}), ("y=continuous", {"y": np.linspace(0, 1, 9)}),
        ("y=2-D", {"y": np.stack([Y9, Y9], 1)}), ("y=column", {"y": Y9[:, None]}),
        ("y=strings", {"y": np.array(list("abcabcabc"))}),
        ("y=singleton class", {"y": np.array([0, 0, 0, 0, 1, 1, 1, 1, 2])}),
        ("y=every class too small", {"y": np.array([0, 0, 1, 1, 2, 2, 3, 3, 4]), "n_splits": 3}),
        ("y=one class", {"y": np.zeros(9, dtype=np.int64)}),
        ("y=float labels", {"y": Y9.astype(np.float64)}),
        ("y=nan", {"y": np.where(Y9 == 0, np.nan, 1.0)}),
        ("y=inf", {"y": np.where(Y9 == 0, np.inf, 1.0)}),
        ("y=complex", {"y": Y9.astype(np.complex128)}),
        ("y=bool", {"y": Y9 > 0}),
        ("y=objects", {"y": np.array([None] * 9, dtype=object)}),
        ("y=scalar", {"y": 1}),
    ]
    return [
        # shuffle=False, so that both libraries return the same rows and NaN lands alike
        Case("dlref.data.train_test_split", tts_ours, dict(X=X10, y=Y10, test_size=0.3, shuffle=False),
             reference=tts_reference, convert=keep, stricter={"random_state=RandomState": GENERATOR},
             extra=tts_extras, aliases=("arrays",)),
        Case("dlref.data.train_test_split", lambda arrays: data.train_test_split(*arrays), dict(arrays=(X10, Y10)),
             reference=lambda arrays: skms.train_test_split(*arrays, shuffle=False), convert=keep,
             id="train_test_split-arrays", extra=[("arrays=()", {"arrays": ()}), ("arrays=(None,)", {"arrays": (None,)}),
                                                  ("arrays=one", {"arrays": (X10,)}),
                                                  ("arrays=three", {"arrays": (X10, Y10, X10[:9])})]),
        Case("dlref.data.split_sizes", data.split_sizes, dict(n_samples=10, test_size=0.3, train_size=None,
                                                               default_test_size=0.25),
             reference=_validate_shuffle_split, convert=keep, hostile=(), extra=size_extras,
             stricter={"n_samples=-1": "n_samples must be >= 1 (scikit-learn's private helper returns sizes "
                                       "for a negative count)"}),
        Case("dlref.data.KFold", kfold(data.KFold), dict(X=X9, y=Y9, n_splits=3), reference=kfold_reference(skms.KFold),
             convert=keep, stricter={"random_state=RandomState": GENERATOR}, extra=cv_extras),
        Case("dlref.data.KFold", lambda X, n_splits=3: data.KFold(n_splits).get_n_splits(X), dict(X=X9),
             reference=lambda X, n_splits=3: skms.KFold(n_splits).get_n_splits(X), convert=keep,
             id="KFold-get_n_splits"),
        Case("dlref.data.StratifiedKFold", kfold(data.StratifiedKFold), dict(X=X9, y=Y9, n_splits=3),
             reference=kfold_reference(skms.StratifiedKFold), convert=keep,
             stricter={"random_state=RandomState": GENERATOR, "y=column": Y_COLUMN}, extra=cv_extras + skf_extras),
        Case("dlref.data.StratifiedKFold", kfold(data.StratifiedKFold), dict(X=X9, y=Y9.astype(np.float64)),
             reference=kfold_reference(skms.StratifiedKFold), convert=keep, id="StratifiedKFold-float y"),
    ]


# -- class imbalance --------------------------------------------------------------------------


def imbalance_cases():
    ccw_extras = [
        ("class_weight='foo'", {"class_weight": "foo"}), ("class_weight=1", {"class_weight": 1}),
        ("class_weight=None", {"class_weight": None}), ("class_weight={}", {"class_weight": {}}),
        ("class_weight=dict", {"class_weight": {0: 1.0, 2: 3.0}}),
        ("class_weight=dict unknown key", {"class_weight": {0: 1.0, 7: 3.0}}),
        ("class_weight=dict only unknown", {"class_weight": {7: 3.0}}),
        ("class_weight=dict string value", {"class_weight": {0: "a"}}),
        ("class_weight=dict None value", {"class_weight": {0: None}}),
        ("class_weight=list", {"class_weight": [1.0, 2.0, 3.0]}),
        ("y=label not in classes", {"y": np.array([0, 1, 5])}),
        ("classes=absent from y", {"classes": np.array([0, 1, 2, 3])}),
        ("classes=repeated", {"classes": np.array([0, 0, 1, 2])}),
        ("classes=2-D", {"classes": CLASSES[None]}),
        ("classes=strings", {"classes": np.array(["a", "b", "c"]), "y": np.array(["a", "b", "c", "a"])}),
        ("classes=scalar", {"classes": 1}),
        ("y=2-D", {"y": Y_IMB[:, None]}), ("y=scalar", {"y": 0}),
        ("y=nan", {"y": np.array([0.0, 1.0, np.nan])}),
        ("sample_weight=ones", {"sample_weight": np.ones(8)}),
        ("sample_weight=negative", {"sample_weight": -np.ones(8)}),
        ("sample_weight=nan", {"sample_weight": np.full(8, np.nan)}),
        ("sample_weight=short", {"sample_weight": np.ones(7)}),
        ("sample_weight=2-D", {"sample_weight": np.ones((8, 1))}),
        ("sample_weight=strings", {"sample_weight": np.array(["a"] * 8)}),
        ("sample_weight=zero class", {"sample_weight": (Y_IMB != 1).astype(np.float64)}),
        ("sample_weight=scalar", {"sample_weight": 2.0}),
    ]
    # x may be any array; the resamplers only index it, so these variants of x are fine
    fine = ("x=list", "x=wrong_size", "x=int", "x=float16", "x=complex", "x=nan", "x=inf", "y=list",
            "x=tensor", "y=strings", "y=one class", "y=float labels", "x=list of lists")
    resample_extras = [
        ("generator=0", {"generator": 0}), ("generator=RandomState", {"generator": np.random.RandomState(0)}),
        ("generator='a'", {"generator": "a"}),
        ("y=nan", {"y": np.where(Y_IMB == 0, np.nan, 1.0)}), ("y=inf", {"y": np.where(Y_IMB == 0, np.inf, 1.0)}),
        ("y=2-D", {"y": Y_IMB[:, None]}), ("y=strings", {"y": np.array(list("aaabccab"))}),
        ("y=one class", {"y": np.zeros(8, dtype=np.int64)}), ("y=float labels", {"y": Y_IMB.astype(np.float64)}),
        ("y=objects", {"y": np.array([None] * 8, dtype=object)}), ("y=complex", {"y": Y_IMB.astype(np.complex128)}),
        ("y=scalar", {"y": 1}), ("x=scalar", {"x": 1.0}), ("x='abc'", {"x": "abc"}),
        ("x=tensor", {"x": torch.tensor(X_IMB)}), ("x=list of lists", {"x": X_IMB.tolist()}),
        ("x=ragged", {"x": [[1.0], [2.0, 3.0]] * 4}), ("x=dict", {"x": {i: i for i in range(8)}}),
    ]
    return [
        Case("dlref.data.compute_class_weight", data.compute_class_weight,
             dict(class_weight="balanced", classes=CLASSES, y=Y_IMB), reference=sk_compute_class_weight,
             convert=keep, extra=ccw_extras, stricter={
                 "classes=repeated": "classes must not repeat a label (scikit-learn gives the class two weights)",
                 "sample_weight=negative": "negative sample weights raise ValueError (scikit-learn sums them)",
                 "y=2-D": "y must be 1-D (scikit-learn ravels an (n, 1) column)",
                 "class_weight=dict None value": "class_weight values must be numbers (scikit-learn stores None "
                                                 "as NaN)"}),
        Case("dlref.data.random_oversample", data.random_oversample,
             dict(x=X_IMB, y=Y_IMB, generator=np.random.default_rng(0)),
             reference=None, hostile=("x", "y"), accepts=fine, extra=resample_extras),
        Case("dlref.data.random_undersample", data.random_undersample,
             dict(x=X_IMB, y=Y_IMB, generator=np.random.default_rng(0)),
             reference=None, hostile=("x", "y"), accepts=fine, extra=resample_extras),
    ]


CASES = scaling_cases() + split_cases() + imbalance_cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id or c.name.split(".")[-1] for c in CASES])
def test_valid_call(case):
    check_valid_call(case)


@pytest.mark.parametrize("cls", [data.StandardScaler, data.MinMaxScaler])
def test_transform_before_fit_says_so(cls):
    with pytest.raises(RuntimeError, match="not fitted"):
        cls().transform(X)
