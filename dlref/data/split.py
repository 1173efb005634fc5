"""Splitting data for evaluation: a random train/test split and k-fold cross-validation.

All three follow scikit-learn (``sklearn.model_selection``): the same arguments, the
same split sizes, the same per-class counts when stratifying, and, without shuffling,
the same indices. Randomness comes from ``random_state``: an int seeds a new
``numpy.random.Generator`` (the same split on every call), a ``Generator`` is used as it
is (its state moves on), ``None`` draws fresh randomness. Because NumPy's ``Generator``
is not scikit-learn's ``RandomState``, shuffled indices differ from scikit-learn's for
the same seed; their sizes and class proportions do not.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Iterator

import numpy as np

from dlref._checks import shape_of
from dlref.data._labels import check_label_values
from dlref.data._random import check_random_state, generator_from


def _num_samples(name: str, a) -> int:
    if isinstance(a, (str, bytes)) or a is None or not hasattr(a, "__len__"):
        raise TypeError(
            f"{name} must be an array or a sequence of samples, got {type(a).__name__}"
        )
    if getattr(a, "ndim", 1) == 0:
        raise ValueError(
            f"{name} must have a first (sample) dimension, got a 0-d array"
        )
    return len(a)


def _take(a, index: np.ndarray):
    """Rows ``index`` of ``a``: arrays and tensors are indexed directly; other sequences
    give lists."""
    if hasattr(a, "shape") and hasattr(a, "__getitem__"):
        return a[index]
    return [a[i] for i in index.tolist()]


def _labels(name: str, y, n_samples: int | None = None) -> np.ndarray:
    """Class labels as codes 0..K-1; rows of a 2-D ``y`` (several labels per sample) are
    one label."""
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (one label per sample) or 2-D, got shape {shape_of(y)}"
        )
    if n_samples is not None and len(y) != n_samples:
        raise ValueError(
            f"{name} must have one label per sample ({n_samples}), got {len(y)}"
        )
    check_label_values(name, y)
    _, codes = np.unique(y, axis=0, return_inverse=True)
    return codes.reshape(-1)


def _check_size(name: str, size, n_samples: int) -> None:
    """A size is None, a fraction in (0, 1) or a count in [1, n_samples - 1]."""
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise TypeError(
            f"{name} must be a float, an int or None, got {type(size).__name__}"
        )
    if isinstance(size, numbers.Integral):
        if not 0 < size < n_samples:
            raise ValueError(
                f"{name} as a count must be in [1, {n_samples - 1}] "
                f"(n_samples={n_samples}), got {size}"
            )
    elif not 0.0 < size < 1.0:
        raise ValueError(f"{name} as a fraction must be in (0, 1), got {size}")


def split_sizes(
    n_samples: int, test_size=None, train_size=None, default_test_size: float = 0.25
) -> tuple[int, int]:
    r"""The numbers of training and test samples that `train_test_split` returns.

    A fraction becomes a count with the test set rounded up and the training set rounded
    down, $n_\text{test} = \lceil f_\text{test}\,n \rceil$,
    $n_\text{train} = \lfloor f_\text{train}\,n \rfloor$; a missing size is the rest,
    $n - n_\text{other}$; with neither given, ``test_size = default_test_size``.

    Args:
        n_samples: $n \ge 1$.
        test_size: a fraction in $(0, 1)$, a count in $[1, n - 1]$, or ``None``.
        train_size: the same for the training set.
        default_test_size: the test size (checked as ``test_size``) when both are
            ``None``.

    Returns:
        ``(n_train, n_test)``.

    scikit-learn equivalent: the private
    ``sklearn.model_selection._split._validate_shuffle_split``.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    _check_size("test_size", test_size, n_samples)
    _check_size("train_size", train_size, n_samples)
    if test_size is None and train_size is None:
        if default_test_size is None:
            raise ValueError(
                "default_test_size must be given when test_size and train_size are "
                "both None"
            )
        _check_size("default_test_size", default_test_size, n_samples)
        test_size = default_test_size
    both_fractions = isinstance(test_size, float) and isinstance(train_size, float)
    if both_fractions and test_size + train_size > 1:
        raise ValueError(
            f"test_size + train_size must be <= 1 as fractions, got {test_size} + "
            f"{train_size} = {test_size + train_size}"
        )
    # n_test = ceil(f_test n), n_train = floor(f_train n); a missing one is the rest
    n_test = (
        None
        if test_size is None
        else (
            math.ceil(test_size * n_samples)
            if isinstance(test_size, float)
            else int(test_size)
        )
    )
    n_train = (
        None
        if train_size is None
        else (
            math.floor(train_size * n_samples)
            if isinstance(train_size, float)
            else int(train_size)
        )
    )
    if n_train is None:
        n_train = n_samples - n_test
    if n_test is None:
        n_test = n_samples - n_train
    if n_train + n_test > n_samples:
        raise ValueError(
            f"train_size and test_size must add up to at most n_samples={n_samples}, "
            f"got {n_train} + {n_test} = {n_train + n_test} samples"
        )
    if n_train == 0:
        raise ValueError(
            f"train_size gives an empty training set: n_samples={n_samples}, "
            f"test_size={test_size}, train_size={train_size}"
        )
    return n_train, n_test


def _largest_remainder(
    counts: np.ndarray, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    r"""Integer counts per class, summing to ``n_draws``, as close as possible to the
    proportions.

    Hamilton's largest-remainder rule: each class gets the floor of its quota $q_c =
    n_\text{draws}\,\text{counts}_c / \sum \text{counts}$, and the draws left over go
    one each to the classes with the largest fractional parts
    $q_c - \lfloor q_c \rfloor$. Equal fractional parts are ordered at random, so no
    class is favoured by its position.
    """
    # q_c = n_draws counts_c / sum(counts)
    quota = counts * n_draws / counts.sum()
    floored = np.floor(quota)
    left_over = int(n_draws - floored.sum())
    # classes ordered by fractional part, largest first; ties in random order
    order = np.lexsort((rng.random(len(counts)), -(quota - floored)))
    floored[order[:left_over]] += 1
    return floored.astype(np.int64)


def train_test_split(
    *arrays,
    test_size=None,
    train_size=None,
    random_state=None,
    shuffle: bool = True,
    stratify=None,
) -> list:
    r"""Split arrays into random train and test subsets, the same rows for every array.

    Sizes (see `split_sizes`): $n_\text{test} = \lceil f_\text{test}\,n\rceil$ for a
    fraction, the given count for an int; the default is ``test_size=0.25``.

    With ``stratify=y`` each class $c$ (with $n_c$ samples) gets about
    $n_\text{train}\,n_c / n$ training rows, rounded by the largest-remainder rule, and
    the test rows are apportioned the same way from what is left: the class proportions
    of both parts match $y$'s as closely as integer counts allow.

    Args:
        *arrays: arrays, tensors or sequences with the same first dimension $n$.
        test_size: fraction in $(0, 1)$, count, or ``None`` (the rest; 0.25 if both are
            ``None``).
        train_size: fraction in $(0, 1)$, count, or ``None`` (the rest).
        random_state: ``None``, an int seed, or a ``numpy.random.Generator``.
        shuffle: shuffle before splitting; with ``False`` the training set is the first
            $n_\text{train}$ rows and the test set the next $n_\text{test}$.
        stratify: class labels ``(n,)`` to stratify on, or ``None``. Needs
            ``shuffle=True``.

    Returns:
        A list ``[a_train, a_test, b_train, b_test, ...]``, two entries per input array,
        each indexed with the same rows (arrays and tensors keep their type; other
        sequences, lists among them, come back as lists, as in scikit-learn).

    scikit-learn equivalent: ``sklearn.model_selection.train_test_split`` (same sizes
    and per-class counts; the shuffled order differs, as the random generators differ).
    Differences from scikit-learn: a ``numpy.random.Generator`` replaces
    ``RandomState``.
    """
    if not arrays:
        raise ValueError("arrays: at least one array is required")
    n = _num_samples("arrays[0]", arrays[0])
    for i, a in enumerate(arrays[1:], start=1):
        if _num_samples(f"arrays[{i}]", a) != n:
            raise ValueError(
                f"arrays must have the same number of samples, got {n} and {len(a)} "
                f"(arrays[{i}])"
            )
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
    check_random_state("random_state", random_state)
    if n < 2:
        raise ValueError(f"arrays must hold at least 2 samples to split, got {n}")
    n_train, n_test = split_sizes(n, test_size, train_size)

    if not shuffle:
        if stratify is not None:
            raise ValueError(
                "stratify must be None when shuffle=False: a stratified split needs "
                "shuffling"
            )
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is None:
        rng = generator_from(random_state)
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test : n_test + n_train]
    else:
        train, test = _stratified_indices(
            _labels("stratify", stratify, n),
            n_train,
            n_test,
            generator_from(random_state),
        )
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


def _stratified_indices(
    codes: np.ndarray, n_train: int, n_test: int, rng: np.random.Generator
):
    counts = np.bincount(codes)
    if counts.min() < 2:
        raise ValueError(
            f"stratify: the least populated class has only {counts.min()} member; "
            "every class needs at least 2 to appear in both parts"
        )
    for name, size in (("train_size", n_train), ("test_size", n_test)):
        if size < len(counts):
            raise ValueError(
                f"{name} gives {size} samples, fewer than the {len(counts)} classes "
                "of stratify"
            )
    train_per_class = _largest_remainder(counts, n_train, rng)
    test_per_class = _largest_remainder(counts - train_per_class, n_test, rng)
    # a random order inside each class: shuffle everything, then stable-sort by class
    order = rng.permutation(len(codes))
    order = order[np.argsort(codes[order], kind="stable")]  # (n,) grouped by class
    cls = codes[order]
    # rank of each sample inside its class: position minus where the class starts
    rank = np.arange(len(codes)) - np.concatenate([[0], np.cumsum(counts)[:-1]])[cls]
    in_train = rank < train_per_class[cls]
    in_test = ~in_train & (rank < train_per_class[cls] + test_per_class[cls])
    return rng.permutation(order[in_train]), rng.permutation(order[in_test])


def _check_cv_arguments(n_splits, shuffle, random_state) -> None:
    """The checks both k-fold splitters make in their constructor."""
    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
        raise TypeError(f"n_splits must be an int, got {type(n_splits).__name__}")
    if n_splits < 2:
        raise ValueError(
            f"n_splits must be >= 2 (at least one train/test split), got {n_splits}"
        )
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
    check_random_state("random_state", random_state)
    if not shuffle and random_state is not None:
        raise ValueError(
            "random_state must be None when shuffle=False: nothing is random "
            "without shuffling"
        )


def _check_cv_samples(n_splits: int, X, y) -> int:
    """The number of samples of ``X`` (and ``y``), at least ``n_splits``."""
    n = _num_samples("X", X)
    if y is not None and _num_samples("y", y) != n:
        raise ValueError(
            f"X and y must have the same number of samples, got {n} and {len(y)}"
        )
    if n_splits > n:
        raise ValueError(
            f"n_splits={n_splits} must be <= the number of samples, got n_samples={n}"
        )
    return n


def _splits_from_folds(
    fold: np.ndarray, order: np.ndarray, k: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Split i tests on the samples of fold i (listed in ``order``) and trains on the
    others."""
    for i in range(k):
        test = order[fold[order] == i]
        train = np.flatnonzero(fold != i)
        yield train, test


class KFold:
    r"""K-fold cross-validation: $k$ consecutive folds, each the test set once.

    The $n$ samples (shuffled first with ``shuffle=True``) are cut into $k$ consecutive
    folds; the first $n \bmod k$ folds hold $\lfloor n/k \rfloor + 1$ samples, the
    others $\lfloor n/k \rfloor$. Split $i$ tests on fold $i$ and trains on the other
    $k - 1$ folds, so every sample is tested exactly once.

    Args:
        n_splits: $k \ge 2$.
        shuffle: shuffle the samples before cutting the folds (once per call to
            `split`).
        random_state: with ``shuffle=True``: an int (the same folds on every call), a
            ``numpy.random.Generator`` (new folds on every call) or ``None``. Must be
            ``None`` when ``shuffle=False``.

    scikit-learn equivalent: ``sklearn.model_selection.KFold``: the same fold sizes, and
    with ``shuffle=False`` the same indices; shuffled folds differ (different
    generators).

    Differences from scikit-learn: ``random_state`` takes a ``numpy.random.Generator``,
    not a ``RandomState``.
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state=None):
        _check_cv_arguments(n_splits, shuffle, random_state)
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, "
            f"random_state={self.random_state!r})"
        )

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of splits, $k$ (the arguments are ignored, as in scikit-learn)."""
        return self.n_splits

    def _test_folds(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """The fold of every sample ``(n,)``, and the order in which test indices are
        listed ``(n,)``."""
        n = _check_cv_samples(self.n_splits, X, y)
        k = self.n_splits
        # fold sizes: n // k + 1 for the first n % k folds, n // k after
        sizes = np.full(k, n // k)
        sizes[: n % k] += 1
        fold = np.repeat(np.arange(k), sizes)  # (n,) consecutive folds
        if self.shuffle:
            # the sample at shuffled position j belongs to fold[j]
            order = generator_from(self.random_state).permutation(n)
            fold_of_sample = np.empty(n, dtype=np.int64)
            fold_of_sample[order] = fold
            return fold_of_sample, order
        return fold, np.arange(n)

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_index, test_index)`` for each of the $k$ splits.

        Args:
            X: the samples (only their number is used).
            y: labels, ignored (checked for length).
            groups: ignored.

        Yields:
            Two int64 arrays: the training indices in increasing order, and the test
            indices (in shuffled order when ``shuffle=True``, as scikit-learn).
        """
        fold, order = self._test_folds(X, y)
        yield from _splits_from_folds(fold, order, self.n_splits)


class StratifiedKFold:
    r"""K-fold cross-validation whose folds keep the class proportions of ``y``.

    Lay the samples out sorted by class (classes in order of first appearance) and deal
    the positions to folds in turn, $0, 1, \ldots, k-1, 0, 1, \ldots$: fold $i$ receives
    from class $c$ as many samples as positions of $c$'s block it was dealt. Every fold
    then holds $\lfloor n_c/k \rfloor$ or $\lceil n_c/k \rceil$ samples of class $c$,
    and the fold sizes differ by at most one. Inside each class the samples keep their
    order (fold 0 takes the first ones), unless ``shuffle=True`` shuffles which fold
    each sample joins.

    Args:
        n_splits: $k \ge 2$.
        shuffle: shuffle which fold each sample of a class joins.
        random_state: as in `KFold`; must be ``None`` when ``shuffle=False``.

    scikit-learn equivalent: ``sklearn.model_selection.StratifiedKFold``: the same
    per-class counts per fold and, with ``shuffle=False``, the same indices. A warning
    is given when the smallest class has fewer than ``n_splits`` samples, and an error
    when every class has.

    Differences from scikit-learn: ``y`` must be 1-D (scikit-learn ravels an ``(n, 1)``
    column); ``random_state`` takes a ``numpy.random.Generator``, not a ``RandomState``.
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state=None):
        _check_cv_arguments(n_splits, shuffle, random_state)
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"StratifiedKFold(n_splits={self.n_splits}, shuffle={self.shuffle}, "
            f"random_state={self.random_state!r})"
        )

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of splits, $k$ (the arguments are ignored, as in scikit-learn)."""
        return self.n_splits

    def _test_folds(self, X, y) -> np.ndarray:
        """The fold of every sample, ``(n,)``."""
        if y is None:
            raise ValueError(
                "y must be given: StratifiedKFold stratifies on the labels"
            )
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D class labels, got shape {shape_of(y)}")
        check_label_values("y", y)
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(
                "y must hold class labels, got continuous values (fractional floats)"
            )
        n = _check_cv_samples(self.n_splits, X, y)
        k = self.n_splits
        # class codes in order of first appearance in y
        _, first, codes = np.unique(y, return_index=True, return_inverse=True)
        rank_of_class = np.argsort(np.argsort(first))
        codes = rank_of_class[codes.reshape(-1)]
        counts = np.bincount(codes)
        if np.all(k > counts):
            raise ValueError(
                f"n_splits={k} must be <= the number of members of some class, "
                f"got class sizes {counts.tolist()}"
            )
        if k > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, "
                f"fewer than n_splits={k}",
                UserWarning,
                stacklevel=3,
            )
        # deal the sorted positions 0..n-1 to folds in turn:
        # position j goes to fold j mod k
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        fold = np.empty(n, dtype=np.int64)
        rng = generator_from(self.random_state) if self.shuffle else None
        for c, (s, n_c) in enumerate(zip(start, counts)):
            # (k,) class-c samples per fold
            per_fold = np.bincount(np.arange(s, s + n_c) % k, minlength=k)
            fold_c = np.repeat(np.arange(k), per_fold)  # (n_c,) fold 0 first
            if rng is not None:
                fold_c = rng.permutation(fold_c)
            fold[codes == c] = fold_c
        return fold

    def split(self, X, y, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_index, test_index)`` for each of the $k$ splits, stratified on
        ``y``.

        Args:
            X: the samples (only their number is used).
            y: class labels ``(n,)``.
            groups: ignored.

        Yields:
            Two int64 arrays of increasing indices: training and test.
        """
        fold = self._test_folds(X, y)
        yield from _splits_from_folds(fold, np.arange(len(fold)), self.n_splits)
