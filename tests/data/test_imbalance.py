"""Class weights against sklearn.utils.class_weight; random over- and under-sampling properties."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_class_weight as sk_compute_class_weight

from dlref.data import compute_class_weight, random_oversample, random_undersample
from dlref.testing import assert_close


@st.composite
def imbalanced_labels(draw, min_classes=1):
    sizes = draw(st.lists(st.integers(1, 60), min_size=min_classes, max_size=6))
    values = draw(st.permutations([5, -2, 0, 9, 3, 100]))[: len(sizes)]
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).permutation(np.repeat(values, sizes))


# -- compute_class_weight -------------------------------------------------------------------

@given(imbalanced_labels(), st.integers(0, 2**32 - 1), st.booleans())
def test_balanced_weights_match_sklearn(y, seed, weighted):
    rng = np.random.default_rng(seed)
    classes = rng.permutation(np.unique(y))                        # any order of the classes
    sample_weight = rng.uniform(0.1, 3.0, len(y)) if weighted else None
    ours = compute_class_weight("balanced", classes=classes, y=y, sample_weight=sample_weight)
    theirs = sk_compute_class_weight("balanced", classes=classes, y=y, sample_weight=sample_weight)
    assert_close(ours, theirs)


@given(imbalanced_labels())
def test_balanced_weights_give_every_class_the_same_total(y):
    classes = np.unique(y)
    w = compute_class_weight("balanced", classes=classes, y=y)
    per_class_total = np.array([w[i] * np.sum(y == c) for i, c in enumerate(classes)])
    assert_close(per_class_total, np.full(len(classes), len(y) / len(classes)))
    assert_close(w[np.searchsorted(classes, y)].sum(), float(len(y)))


def test_dict_none_and_string_labels_match_sklearn():
    y = np.array(["cat", "dog", "dog", "dog", "bird"])
    classes = np.array(["bird", "cat", "dog"])
    for class_weight in [None, {}, {"cat": 2.0}, {"cat": 2.0, "dog": 0.5, "bird": 3.0},
                         {"cat": 2.0, "dog": 0.5, "bird": 3.0, "fish": 9.0}, "balanced"]:
        assert_close(compute_class_weight(class_weight, classes=classes, y=y),
                     sk_compute_class_weight(class_weight, classes=classes, y=y))


def test_class_weight_bad_inputs_as_sklearn():
    y = np.array([0, 0, 1, 2])
    cases = [
        ("balanced", np.array([0, 1]), y, "classes must include every label in y"),
        ("balanced", np.array([0, 1, 2, 3]), y, "classes must all occur in y"),
        ({7: 2.0}, np.array([0, 1, 2]), y, "class_weight has keys that are not in classes"),
    ]
    for class_weight, classes, labels, message in cases:
        with pytest.raises(ValueError, match=message):
            compute_class_weight(class_weight, classes=classes, y=labels)
        with pytest.raises(ValueError):
            sk_compute_class_weight(class_weight, classes=classes, y=labels)
    with pytest.raises(ValueError, match="class_weight must be 'balanced', a dict or None"):
        compute_class_weight("balance", classes=np.array([0, 1, 2]), y=y)
    with pytest.raises(ValueError, match="classes must not repeat"):
        compute_class_weight("balanced", classes=np.array([0, 1, 1, 2]), y=y)
    with pytest.raises(ValueError, match="classes must be a non-empty 1-D"):
        compute_class_weight("balanced", classes=np.array([]), y=y)
    with pytest.raises(ValueError, match="y must be 1-D"):
        compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=y[None])
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight must be finite and >= 0"):
        compute_class_weight("balanced", classes=np.array([0, 1, 2]), y=y, sample_weight=-np.ones(4))


# -- resampling -----------------------------------------------------------------------------

def tagged(y):
    """Samples (n, 2, 3) whose first entry is the row number, so each output row can be traced."""
    x = np.zeros((len(y), 2, 3))
    x[:, 0, 0] = np.arange(len(y))
    return x


@given(imbalanced_labels(), st.integers(0, 2**32 - 1))
def test_oversample_properties(y, seed):
    x = tagged(y)
    x_res, y_res = random_oversample(x, y, generator=np.random.default_rng(seed))
    classes, counts = np.unique(y, return_counts=True)
    _, res_counts = np.unique(y_res, return_counts=True)
    assert res_counts.tolist() == [counts.max()] * len(classes)    # every class as large as the largest
    assert x_res.shape == (counts.max() * len(classes), 2, 3)
    assert np.array_equal(x_res[: len(y)], x) and np.array_equal(y_res[: len(y)], y)   # originals first
    rows = x_res[:, 0, 0].astype(int)
    assert np.array_equal(y[rows], y_res)                          # each copy keeps its own label
    again = random_oversample(x, y, generator=np.random.default_rng(seed))
    assert np.array_equal(again[0], x_res) and np.array_equal(again[1], y_res)


@given(imbalanced_labels(), st.integers(0, 2**32 - 1))
def test_undersample_properties(y, seed):
    x = tagged(y)
    x_res, y_res = random_undersample(x, y, generator=np.random.default_rng(seed))
    classes, counts = np.unique(y, return_counts=True)
    _, res_counts = np.unique(y_res, return_counts=True)
    assert res_counts.tolist() == [counts.min()] * len(classes)
    rows = x_res[:, 0, 0].astype(int)
    assert np.all(np.diff(rows) > 0)                              # distinct rows, original order
    assert np.array_equal(y[rows], y_res)
    again = random_undersample(x, y, generator=np.random.default_rng(seed))
    assert np.array_equal(again[0], x_res)


def test_resampling_draws_from_the_generator():
    y = np.array([0] * 30 + [1] * 5)
    x = tagged(y)
    a = random_oversample(x, y, generator=np.random.default_rng(0))[0]
    b = random_oversample(x, y, generator=np.random.default_rng(1))[0]
    assert not np.array_equal(a, b)
    c = random_undersample(x, y, generator=np.random.default_rng(0))[0]
    d = random_undersample(x, y, generator=np.random.default_rng(1))[0]
    assert not np.array_equal(c, d)
    # over many draws every minority row is copied about equally often
    rng = np.random.default_rng(2)
    copies = np.concatenate([random_oversample(x, y, generator=rng)[0][35:, 0, 0] for _ in range(200)])
    freq = np.bincount(copies.astype(int) - 30, minlength=5) / copies.size
    assert np.abs(freq - 0.2).max() < 6 * np.sqrt(0.2 * 0.8 / copies.size)


def test_resampling_bad_inputs():
    y = np.array([0, 0, 1])
    x = np.zeros((3, 2))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        random_oversample(x, y, generator=0)
    with pytest.raises(ValueError, match="x and y must have the same number of samples"):
        random_undersample(np.zeros((4, 2)), y)
    with pytest.raises(ValueError, match="y must be 1-D"):
        random_oversample(x, y[:, None])
    with pytest.raises(ValueError, match="y must hold at least one label"):
        random_oversample(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="x must be an array"):
        random_undersample(None, y)
    with pytest.raises(ValueError, match="y must not contain NaN"):
        random_oversample(x, np.array([0.0, np.nan, 1.0]))
