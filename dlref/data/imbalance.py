"""Class imbalance: resample the training set, or weight the loss by class.

When one class is rare, a model can score a high accuracy by never predicting it. Two
remedies change what the loss sees:

* **Resampling** the training set: `random_oversample` repeats rows of the smaller
  classes (drawn with replacement) until every class is as large as the largest;
  `random_undersample` drops rows of the larger classes until every class is as small as
  the smallest.
* **Class weights** in the loss: `compute_class_weight("balanced", ...)` gives class $c$
  the weight $n / (K n_c)$, to pass as ``CrossEntropyLoss(weight=...)``; each class then
  contributes the same total weight.

Resample the training set only, after splitting: a copy of a training row in the test
set is leakage.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlref._checks import shape_of
from dlref.data._labels import check_label_values
from dlref.data._random import check_generator


def _class_labels(name: str, y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D class labels, got shape {shape_of(y)}")
    if y.size == 0:
        raise ValueError(f"{name} must hold at least one label, got an empty array")
    check_label_values(name, y)
    return y


def compute_class_weight(class_weight, *, classes, y, sample_weight=None) -> np.ndarray:
    r"""Weights per class, to make each class count equally in a weighted loss.

    With ``class_weight="balanced"``:

    $$
    w_c = \frac{n}{K\,n_c}
    $$

    for $n$ samples, $K$ classes and $n_c$ samples of class $c$ (with ``sample_weight``,
    $n$ and $n_c$ are sums of sample weights). Then $\sum_{i} w_{y_i} = n$ and every
    class carries the total weight $n_c w_c = n / K$.

    Args:
        class_weight: ``"balanced"``, a dict ``{class: weight}`` (classes left out get
            1), or ``None`` (all 1).
        classes: the class labels, a NumPy array ``(K,)``, in the order the weights are
            wanted.
        y: the training labels ``(n,)``; every label must be one of ``classes``.
        sample_weight: optional weights per sample ``(n,)`` (for ``"balanced"``).

    Returns:
        The float64 weights ``(K,)``, in the order of ``classes``.

    scikit-learn equivalent: ``sklearn.utils.class_weight.compute_class_weight``. In
    PyTorch, pass the result as ``torch.nn.CrossEntropyLoss(weight=torch.tensor(w))``.

    Differences from scikit-learn: ``classes`` must not repeat a label, ``y`` must be
    1-D (scikit-learn ravels an ``(n, 1)`` column), and negative sample weights raise
    ``ValueError``.
    """
    if not isinstance(classes, np.ndarray):
        raise TypeError(
            f"classes must be a numpy.ndarray of labels, got {type(classes).__name__}"
        )
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(
            "classes must be a non-empty 1-D array of labels, got shape "
            f"{shape_of(classes)}"
        )
    check_label_values("classes", classes)
    if len(np.unique(classes)) != len(classes):
        raise ValueError(f"classes must not repeat a label, got {classes.tolist()}")
    y = _class_labels("y", y)
    missing = np.setdiff1d(np.unique(y), classes)
    if missing.size:
        raise ValueError(
            f"classes must include every label in y, missing {missing.tolist()}"
        )
    if class_weight is None or (isinstance(class_weight, dict) and not class_weight):
        return np.ones(len(classes), dtype=np.float64)
    if isinstance(class_weight, dict):
        for c, value in class_weight.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(
                    f"class_weight[{c!r}] must be a number, got {type(value).__name__}"
                )
        weight = np.ones(len(classes), dtype=np.float64)
        unweighted = [c for c in classes.tolist() if c not in class_weight]
        for i, c in enumerate(classes.tolist()):
            if c in class_weight:
                weight[i] = class_weight[c]
        if unweighted and len(classes) - len(unweighted) != len(class_weight):
            raise ValueError(
                "class_weight has keys that are not in classes; the classes "
                f"{unweighted} got none"
            )
        return weight
    if not isinstance(class_weight, str) or class_weight != "balanced":
        raise ValueError(
            f"class_weight must be 'balanced', a dict or None, got {class_weight!r}"
        )
    absent = np.setdiff1d(classes, y)
    if absent.size:
        raise ValueError(
            "classes must all occur in y for 'balanced' weights, absent: "
            f"{absent.tolist()}"
        )
    if sample_weight is None:
        sample_weight = np.ones(len(y))
    sample_weight = np.asarray(sample_weight)
    if sample_weight.dtype.kind not in "biuf":
        raise TypeError(
            f"sample_weight must hold numbers, got dtype {sample_weight.dtype}"
        )
    sample_weight = sample_weight.astype(np.float64)
    if sample_weight.shape != y.shape:
        raise ValueError(
            f"sample_weight must have shape {y.shape} (one per label), got "
            f"{shape_of(sample_weight)}"
        )
    if np.any(sample_weight < 0) or not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight must be finite and >= 0")
    # position of each label of y in classes: (n,)
    index = np.searchsorted(np.sort(classes), y)
    index = np.argsort(classes)[index]
    n_c = np.bincount(index, weights=sample_weight, minlength=len(classes))
    if np.any(n_c == 0):
        raise ValueError(
            "sample_weight gives a class a total weight of 0: its balanced weight "
            "is undefined"
        )
    # w_c = n / (K n_c)
    return n_c.sum() / (len(classes) * n_c)


def _check_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    y = _class_labels("y", y)
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"x must be an array of samples, got {type(x).__name__}")
    if not hasattr(x, "shape"):
        try:
            x = np.asarray(x)
        except ValueError:  # ragged nested lists
            raise ValueError(
                "x must be an array of samples, got rows of different lengths"
            ) from None
    if len(x.shape) == 0:
        raise ValueError("x must have a first (sample) dimension, got a 0-d array")
    if x.shape[0] != len(y):
        raise ValueError(
            f"x and y must have the same number of samples, got {x.shape[0]} and "
            f"{len(y)}"
        )
    return x, y


def random_oversample(x, y, *, generator: np.random.Generator | None = None) -> tuple:
    r"""Repeat random rows of the smaller classes until every class has as many as the
    largest.

    Each class $c$ receives $\max_k n_k - n_c$ extra rows, drawn uniformly with
    replacement from its own rows. The result holds all the original rows first, in
    their order, followed by the drawn copies, class by class (shuffle before training,
    as ``fit`` does).

    Args:
        x: the samples (any array or tensor indexable by an index array).
        y: their class labels.
        generator: the ``numpy.random.Generator`` for the draws (``None``: a fresh one).

    Shape:
        ``x`` ``(n, *)``, ``y`` ``(n,)``; returns ``(K max n_k, *)`` and
        ``(K max n_k,)``.

    Returns:
        ``(x_resampled, y_resampled)``.

    Equivalent: ``imblearn.over_sampling.RandomOverSampler().fit_resample(x, y)``
    (imbalanced-learn).
    """
    rng = check_generator("generator", generator)
    x, y = _check_xy(x, y)
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes)
    extra = [
        rng.choice(
            np.flatnonzero(codes == c), size=counts.max() - counts[c], replace=True
        )
        for c in range(len(classes))
    ]
    index = np.concatenate([np.arange(len(y))] + extra).astype(np.int64)
    return x[index], y[index]


def random_undersample(x, y, *, generator: np.random.Generator | None = None) -> tuple:
    r"""Keep a random subset of each class, as large as the smallest class.

    Each class keeps $\min_k n_k$ of its rows, drawn uniformly without replacement; the
    kept rows stay in their original order. Information in the dropped rows is lost.

    Args:
        x: the samples (any array or tensor indexable by an index array).
        y: their class labels.
        generator: the ``numpy.random.Generator`` for the draws (``None``: a fresh one).

    Shape:
        ``x`` ``(n, *)``, ``y`` ``(n,)``; returns ``(K min n_k, *)`` and
        ``(K min n_k,)``.

    Returns:
        ``(x_resampled, y_resampled)``.

    Equivalent: ``imblearn.under_sampling.RandomUnderSampler().fit_resample(x, y)``
    (imbalanced-learn).
    """
    rng = check_generator("generator", generator)
    x, y = _check_xy(x, y)
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes)
    kept = [
        rng.choice(np.flatnonzero(codes == c), size=counts.min(), replace=False)
        for c in range(len(classes))
    ]
    index = np.sort(np.concatenate(kept)).astype(np.int64)
    return x[index], y[index]
