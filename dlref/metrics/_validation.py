"""Argument checks shared by the metrics, and the warning they emit for undefined
values.

Every public metric checks its inputs here before computing, and raises a ``ValueError``
(or ``TypeError``) naming the argument: lengths that differ, a 2-D array where labels
are expected, NaN, continuous scores passed as class labels, negative sample weights.
"""

from __future__ import annotations

import numpy as np

_STRING_KINDS = "USO"  # str, bytes, Python objects (e.g. strings from pandas)
_NUMBER_KINDS = "biuf"  # bool, int, unsigned int, float


class UndefinedMetricWarning(UserWarning):
    """A metric was 0/0 for some label and was set to a conventional value.

    Emitted, as scikit-learn's
    ``sklearn.exceptions.UndefinedMetricWarning``, when ``zero_division='warn'`` and a
    precision, recall or F1 has a zero denominator, and by ``roc_curve`` when ``y_true``
    has no positive (or no negative) sample.
    """


def as_1d(name: str, y, what: str = "labels") -> np.ndarray:
    """``y`` as a non-empty 1-D NumPy array; NaN and infinity rejected."""
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
    if y.ndim != 1:
        hint = ""
        if y.ndim == 2 and y.shape[1] == 1:
            hint = "; pass y.ravel() for a single column"
        elif y.ndim == 2:
            hint = "; multilabel and multioutput targets are not supported"
        raise ValueError(
            f"{name} must be 1-D {what} of shape (n_samples,), got shape "
            f"{y.shape}{hint}"
        )
    if y.size == 0:
        raise ValueError(f"{name} must hold at least one sample, got an empty array")
    if y.dtype.kind not in _STRING_KINDS + _NUMBER_KINDS:
        raise TypeError(f"{name} must hold numbers or strings, got dtype {y.dtype}")
    if y.dtype.kind == "O" and not all(isinstance(v, str) for v in y):
        # an object array is taken as strings (e.g. from pandas);
        # None or mixed objects cannot be sorted
        kinds = sorted({type(v).__name__ for v in y if not isinstance(v, str)})
        raise TypeError(
            f"{name} must hold numbers or strings, got objects of type "
            f"{', '.join(kinds)}"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return y


def check_same_length(
    name: str, x: np.ndarray, other_name: str, other: np.ndarray
) -> None:
    """Raise ValueError unless ``x`` and ``other`` have the same number of samples."""
    if len(x) != len(other):
        raise ValueError(
            f"{name} and {other_name} must have the same number of samples, got "
            f"{len(x)} and {len(other)}"
        )


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """``None``, or a 1-D array of ``n_samples`` finite, non-negative weights, not all
    0."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in _NUMBER_KINDS:
        raise TypeError(f"sample_weight must hold numbers, got dtype {w.dtype}")
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample, "
            f"got shape {w.shape}"
        )
    if w.dtype.kind == "f" and not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must not contain NaN or infinity")
    if np.any(w < 0):
        raise ValueError(
            f"sample_weight must be non-negative, got a minimum of {w.min()}"
        )
    if not np.any(w):
        raise ValueError(
            "sample_weight must hold at least one non-zero weight, got all zeros"
        )
    return w


def label_type(name: str, y: np.ndarray) -> str:
    """``'binary'`` (at most 2 distinct values), ``'multiclass'`` or ``'continuous'``.

    Floats count as labels when every value is a whole number (``1.0``, ``0.0``), as in
    scikit-learn's ``type_of_target``; any fractional value makes ``y`` continuous.
    """
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        return "continuous"
    return "binary" if len(np.unique(y)) <= 2 else "multiclass"


def check_classification_targets(
    y_true, y_pred
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Check ``y_true`` and ``y_pred`` hold class labels of one task.

    Returns:
        ``(y_type, y_true, y_pred, present_labels)``: ``'binary'`` or ``'multiclass'``
        (multiclass as soon as the two together hold more than two labels), the arrays,
        and the sorted labels that occur in either.
    """
    y_true = as_1d("y_true", y_true)
    y_pred = as_1d("y_pred", y_pred)
    check_same_length("y_true", y_true, "y_pred", y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if label_type(name, y) == "continuous":
            example = y[y != np.round(y)][0]
            raise ValueError(
                f"{name} must hold class labels, got continuous values (e.g. "
                f"{example:.4g}); classification metrics compare labels: threshold "
                "scores first, e.g. y_pred = (y_score >= 0.5).astype(int)"
            )
    if (y_true.dtype.kind in _STRING_KINDS) != (y_pred.dtype.kind in _STRING_KINDS):
        raise ValueError(
            "y_true and y_pred must both hold numbers or both hold strings, got "
            f"dtypes {y_true.dtype} and {y_pred.dtype}"
        )
    present = np.union1d(y_true, y_pred)
    y_type = "binary" if len(present) <= 2 else "multiclass"
    return y_type, y_true, y_pred, present


def check_labels(labels, present: np.ndarray) -> np.ndarray:
    """``labels`` as a 1-D array of distinct values of the same kind as the targets."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(
            "labels must be a non-empty 1-D list of class labels, got shape "
            f"{labels.shape}"
        )
    if (labels.dtype.kind in _STRING_KINDS) != (present.dtype.kind in _STRING_KINDS):
        raise ValueError(
            "labels must hold the same kind of values as y_true and y_pred, got "
            f"dtypes {labels.dtype} and {present.dtype}"
        )
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"labels must not repeat a label, got {labels.tolist()}")
    return labels
