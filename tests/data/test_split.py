"""train_test_split, KFold and StratifiedKFold against sklearn.model_selection.

Shuffled indices cannot match scikit-learn's (it draws from ``RandomState``, dlref from
``numpy.random.Generator``), so the tests compare what must match: sizes, per-class counts,
the partition property, and the exact indices wherever nothing is random.
"""

import warnings

import numpy as np
import pytest
import sklearn.model_selection as ms
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.data import KFold, StratifiedKFold, split_sizes, train_test_split

# -- sizes ----------------------------------------------------------------------------------


def sizes_strategy(n):
    """test_size / train_size values: valid fractions and counts, None, and invalid ones."""
    return st.one_of(
        st.none(),
        st.floats(0.01, 0.99),
        st.sampled_from([0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.7]),
        st.integers(1, max(1, n - 1)),
        st.sampled_from([0, -1, n, n + 1, 0.0, 1.0, 1.5, -0.2]),
    )


@given(st.data())
def test_split_sizes_match_sklearn_or_both_raise(data):
    n = data.draw(st.integers(2, 60))
    test_size = data.draw(sizes_strategy(n))
    train_size = data.draw(sizes_strategy(n))
    x = np.arange(n)
    try:
        theirs = ms.train_test_split(x, test_size=test_size, train_size=train_size, random_state=0)
    except ValueError:
        with pytest.raises(ValueError):
            split_sizes(n, test_size, train_size)
        with pytest.raises(ValueError):
            train_test_split(x, test_size=test_size, train_size=train_size, random_state=0)
        return
    ours = train_test_split(x, test_size=test_size, train_size=train_size, random_state=0)
    assert (len(ours[0]), len(ours[1])) == (len(theirs[0]), len(theirs[1]))
    assert split_sizes(n, test_size, train_size) == (len(theirs[0]), len(theirs[1]))


def test_default_test_size_is_a_quarter():
    train, test = train_test_split(np.arange(10), random_state=0)
    assert (len(train), len(test)) == (7, 3)          # ceil(0.25 * 10) = 3
    assert split_sizes(100) == (75, 25)


# -- train_test_split -----------------------------------------------------------------------

@given(st.integers(2, 50), st.integers(0, 2**32 - 1), st.floats(0.05, 0.95))
def test_split_is_a_disjoint_row_consistent_subset(n, seed, test_size):
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n) * 10
    try:
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=seed)
    except ValueError:                                   # an empty training set for tiny n
        with pytest.raises(ValueError):
            ms.train_test_split(x, y, test_size=test_size)
        return
    assert np.array_equal(x_tr[:, 0] // 2 * 10, y_tr) and np.array_equal(x_te[:, 0] // 2 * 10, y_te)
    rows_tr, rows_te = set(y_tr.tolist()), set(y_te.tolist())
    assert len(rows_tr) == len(y_tr) and len(rows_te) == len(y_te)    # no row twice
    assert not rows_tr & rows_te                                       # disjoint
    assert rows_tr | rows_te <= set(y.tolist())


def test_shuffle_false_is_sklearns_exact_split():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    for kwargs in [{}, {"test_size": 3}, {"train_size": 0.5}, {"train_size": 4, "test_size": 2}]:
        ours = train_test_split(x, y, shuffle=False, **kwargs)
        theirs = ms.train_test_split(x, y, shuffle=False, **kwargs)
        for a, b in zip(ours, theirs):
            assert np.array_equal(a, b)


def test_deterministic_given_the_seed_and_generator_accepted():
    x = np.arange(100)
    a = train_test_split(x, random_state=42)
    b = train_test_split(x, random_state=42)
    c = train_test_split(x, random_state=43)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[1], c[1])
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    d = train_test_split(x, random_state=g1)
    e = train_test_split(x, random_state=g2)
    assert all(np.array_equal(p, q) for p, q in zip(d, e))
    f = train_test_split(x, random_state=g1)             # the generator moved on
    assert not np.array_equal(d[1], f[1])
    y = x % 3
    s1 = train_test_split(x, y, stratify=y, random_state=5)
    s2 = train_test_split(x, y, stratify=y, random_state=5)
    assert all(np.array_equal(p, q) for p, q in zip(s1, s2))


def test_types_kept_for_tensors_and_lists():
    # as scikit-learn: tensors stay tensors, lists come back as lists
    x = torch.arange(12.0).reshape(6, 2)
    labels = ["a", "b", "c", "d", "e", "f"]
    x_tr, x_te, l_tr, l_te = train_test_split(x, labels, test_size=2, random_state=0)
    assert isinstance(x_tr, torch.Tensor) and x_tr.shape == (4, 2)
    assert isinstance(l_tr, list) and isinstance(l_te, list) and len(l_te) == 2
    assert [labels[int(r[0]) // 2] for r in x_te] == l_te


def check_largest_remainder(counts, n_draws, got):
    """got apportions n_draws over classes with counts by the largest-remainder rule.

    Returns True when the apportionment was unique (no tie at the cut), so that any correct
    implementation, scikit-learn's included, must give exactly ``got``.
    """
    # exact arithmetic: quota_i = counts_i * n_draws / total = floor_i + frac_i / total, so
    # equal fractions compare equal (in floats 2/3 and 2/3 may differ in the last bit)
    numerator = np.asarray(counts, dtype=np.int64) * n_draws
    total = int(np.sum(counts))
    floor = numerator // total
    frac = numerator % total
    extra = got - floor
    assert got.sum() == n_draws
    assert set(extra.tolist()) <= {0, 1}
    if extra.any() and not extra.all():
        assert frac[extra == 1].min() >= frac[extra == 0].max()
        return frac[extra == 1].min() > frac[extra == 0].max()
    return True


@given(st.lists(st.integers(1, 40), min_size=1, max_size=6), st.integers(0, 2**32 - 1),
       st.one_of(st.floats(0.05, 0.95), st.integers(1, 60)), st.booleans())
def test_stratified_counts_match_sklearn(class_sizes, seed, test_size, with_train_size):
    y = np.repeat(np.arange(len(class_sizes)) * 3 + 1, class_sizes)           # labels 1, 4, 7, ...
    y = np.random.default_rng(seed).permutation(y)
    x = np.arange(len(y))
    kwargs = {"test_size": test_size}
    if with_train_size:
        kwargs["train_size"] = 0.5 if isinstance(test_size, float) and test_size <= 0.5 else None
    try:
        _, _, sk_tr, sk_te = ms.train_test_split(x, y, stratify=y, random_state=0, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            train_test_split(x, y, stratify=y, random_state=seed, **kwargs)
        return
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, stratify=y, random_state=seed, **kwargs)
    assert (len(y_tr), len(y_te)) == (len(sk_tr), len(sk_te))
    assert np.array_equal(y[x_tr], y_tr) and np.array_equal(y[x_te], y_te)
    assert not set(x_tr.tolist()) & set(x_te.tolist())
    classes = np.unique(y)
    counts = np.array([(y == c).sum() for c in classes])
    ours_tr = np.array([(y_tr == c).sum() for c in classes])
    ours_te = np.array([(y_te == c).sum() for c in classes])
    theirs_tr = np.array([(sk_tr == c).sum() for c in classes])
    theirs_te = np.array([(sk_te == c).sum() for c in classes])
    unique_train = check_largest_remainder(counts, len(y_tr), ours_tr)
    check_largest_remainder(counts, len(y_tr), theirs_tr)            # the checker agrees with sklearn
    unique_test = check_largest_remainder(counts - ours_tr, len(y_te), ours_te)
    if unique_train:
        assert np.array_equal(ours_tr, theirs_tr)
        if unique_test:
            assert np.array_equal(ours_te, theirs_te)


def test_stratified_keeps_a_rare_class_in_both_parts():
    y = np.array([0] * 95 + [1] * 5)
    _, _, y_tr, y_te = train_test_split(np.zeros(100), y, test_size=0.2, stratify=y, random_state=0)
    assert np.bincount(y_tr).tolist() == [76, 4] and np.bincount(y_te).tolist() == [19, 1]


def test_stratify_on_two_dimensional_labels():
    y = np.array([[0, 1], [0, 1], [1, 0], [1, 0], [1, 1], [1, 1]] * 3)
    _, _, y_tr, y_te = train_test_split(np.arange(18), y, test_size=6, stratify=y, random_state=0)
    rows = [tuple(r) for r in y_te]
    assert sorted(set(rows)) == [(0, 1), (1, 0), (1, 1)] and len(rows) == 6


def test_train_test_split_bad_inputs():
    x = np.arange(10)
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()
    with pytest.raises(ValueError, match="same number of samples"):
        train_test_split(x, np.arange(9))
    with pytest.raises(ValueError, match="test_size as a fraction"):
        train_test_split(x, test_size=1.0)
    with pytest.raises(ValueError, match="test_size as a count"):
        train_test_split(x, test_size=10)
    with pytest.raises(TypeError, match="train_size must be a float, an int or None"):
        train_test_split(x, train_size="half")
    with pytest.raises(ValueError, match=r"test_size \+ train_size must be <= 1"):
        train_test_split(x, test_size=0.6, train_size=0.6)
    with pytest.raises(ValueError, match="at most n_samples"):
        train_test_split(x, test_size=6, train_size=6)
    with pytest.raises(ValueError, match="empty training set"):
        train_test_split(np.arange(3), train_size=0.2)
    with pytest.raises(ValueError, match="stratify must be None when shuffle=False"):
        train_test_split(x, shuffle=False, stratify=x % 2)
    with pytest.raises(ValueError, match="least populated class has only 1 member"):
        train_test_split(x, stratify=np.array([0] * 9 + [1]))
    with pytest.raises(ValueError, match="test_size gives 2 samples, fewer than the 3 classes"):
        train_test_split(np.arange(12), test_size=2, stratify=np.arange(12) % 3)
    with pytest.raises(TypeError, match="random_state must be None, an int or a numpy.random.Generator"):
        train_test_split(x, random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match="random_state must be >= 0"):
        train_test_split(x, random_state=-1)
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        train_test_split(x, shuffle="no")
    with pytest.raises(TypeError, match=r"arrays\[1\] must be an array"):
        train_test_split(x, 3)
    with pytest.raises(ValueError, match="at least 2 samples"):
        train_test_split(np.arange(1))
    with pytest.raises(ValueError, match="stratify must have one label per sample"):
        train_test_split(x, stratify=np.arange(9))


# -- KFold ----------------------------------------------------------------------------------

def folds(splitter, *args):
    return [(train.tolist(), test.tolist()) for train, test in splitter.split(*args)]


@given(st.integers(2, 12), st.integers(0, 40))
def test_kfold_indices_equal_sklearn_without_shuffle(k, extra):
    n = k + extra
    x = np.zeros((n, 3))
    assert folds(KFold(k), x) == folds(ms.KFold(k), x)
    assert KFold(k).get_n_splits() == ms.KFold(k).get_n_splits() == k


@given(st.integers(2, 12), st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_kfold_shuffled_sizes_and_partition(k, extra, seed):
    n = k + extra
    ours = folds(KFold(k, shuffle=True, random_state=seed), np.zeros(n))
    theirs = folds(ms.KFold(k, shuffle=True, random_state=0), np.zeros(n))
    assert [len(test) for _, test in ours] == [len(test) for _, test in theirs]
    all_test = [i for _, test in ours for i in test]
    assert sorted(all_test) == list(range(n))                         # every sample tested once
    for train, test in ours:
        assert train == sorted(set(range(n)) - set(test))             # train: the rest, in order


def test_kfold_fold_sizes():
    sizes = [len(test) for _, test in KFold(3).split(np.zeros(10))]
    assert sizes == [4, 3, 3]


def test_kfold_seed_semantics():
    x = np.zeros(30)
    assert folds(KFold(5, shuffle=True, random_state=1), x) == folds(KFold(5, shuffle=True, random_state=1), x)
    seeded = KFold(5, shuffle=True, random_state=1)
    assert folds(seeded, x) == folds(seeded, x)                        # an int: the same folds every call
    drawn = KFold(5, shuffle=True, random_state=np.random.default_rng(1))
    assert folds(drawn, x) != folds(drawn, x)                          # a Generator moves on
    assert folds(KFold(5, shuffle=True, random_state=1), x) != folds(KFold(5, shuffle=True, random_state=2), x)
    assert folds(KFold(5, shuffle=True, random_state=1), x) != folds(KFold(5), x)


def test_kfold_bad_inputs():
    with pytest.raises(ValueError, match="n_splits must be >= 2"):
        KFold(1)
    with pytest.raises(TypeError, match="n_splits must be an int"):
        KFold(3.0)
    with pytest.raises(ValueError, match="random_state must be None when shuffle=False"):
        KFold(3, random_state=0)
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        KFold(3, shuffle=1)
    with pytest.raises(ValueError, match="n_splits=5 must be <= the number of samples"):
        next(KFold(5).split(np.zeros(4)))
    with pytest.raises(ValueError, match="X and y must have the same number of samples"):
        next(KFold(2).split(np.zeros(4), np.zeros(3)))
    with pytest.raises(TypeError, match="X must be an array"):
        next(KFold(2).split(4))


# -- StratifiedKFold ------------------------------------------------------------------------

@st.composite
def labels_strategy(draw):
    sizes = draw(st.lists(st.integers(1, 25), min_size=1, max_size=5))
    seed = draw(st.integers(0, 2**32 - 1))
    values = draw(st.permutations([3, -1, 10, 0, 7])) [: len(sizes)]
    y = np.random.default_rng(seed).permutation(np.repeat(values, sizes))
    return y, min(sizes), max(sizes)


@given(labels_strategy(), st.integers(2, 8))
def test_stratified_kfold_equals_sklearn(labels, k):
    y, smallest, largest = labels
    x = np.zeros((len(y), 2))
    if k > largest or k > len(y):
        with pytest.raises(ValueError):
            next(StratifiedKFold(k).split(x, y))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = folds(ms.StratifiedKFold(k), x, y)
        ours = folds(StratifiedKFold(k), x, y)
        shuffled = folds(StratifiedKFold(k, shuffle=True, random_state=0), x, y)
    assert ours == theirs
    # shuffled: the same number of each class in each fold, a different choice of samples
    for (_, test_a), (_, test_b) in zip(shuffled, theirs):
        assert sorted(y[test_a].tolist()) == sorted(y[test_b].tolist())
    assert sorted(i for _, test in shuffled for i in test) == list(range(len(y)))


def test_stratified_kfold_balances_a_rare_class():
    y = np.array([0] * 45 + [1] * 5)
    for _, test in StratifiedKFold(5).split(np.zeros(50), y):
        assert np.bincount(y[test]).tolist() == [9, 1]


def test_stratified_kfold_warnings_and_errors():
    y = np.array([0] * 10 + [1] * 2)
    with pytest.warns(UserWarning, match="only 2 members, fewer than n_splits=3"):
        list(StratifiedKFold(3).split(np.zeros(12), y))
    with pytest.raises(ValueError, match="n_splits=11 must be <= the number of members of some class"):
        next(StratifiedKFold(11).split(np.zeros(12), y))
    with pytest.raises(ValueError, match="y must be given"):
        next(StratifiedKFold(3).split(np.zeros(12), None))
    with pytest.raises(ValueError, match="y must be 1-D"):
        next(StratifiedKFold(3).split(np.zeros(12), np.zeros((12, 2))))
