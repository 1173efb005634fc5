"""Evaluation metrics in NumPy, mirroring ``sklearn.metrics``: same names, arguments,
defaults and results (checked against scikit-learn in the tests).

* Labels: `accuracy_score`, `confusion_matrix`, `precision_score`, `recall_score`,
  `f1_score` (binary and multiclass; ``average`` in ``'binary'``, ``'micro'``,
  ``'macro'``, ``'weighted'``, ``None``).
* Scores: `roc_curve`, `roc_auc_score` (binary).
* Regression: `mean_squared_error`, `mean_absolute_error`.

Bad inputs (lengths that differ, probabilities passed as labels, a multiclass target
with ``average='binary'``, a single class for the AUC) raise a ``ValueError`` naming the
argument. An undefined value (0/0) takes the value of ``zero_division`` and, by default,
emits `UndefinedMetricWarning`.
"""

from dlref.metrics._validation import UndefinedMetricWarning
from dlref.metrics.classification import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)
from dlref.metrics.ranking import roc_auc_score, roc_curve
from dlref.metrics.regression import mean_absolute_error, mean_squared_error

__all__ = [
    "accuracy_score",
    "confusion_matrix",
    "precision_score",
    "recall_score",
    "f1_score",
    "roc_curve",
    "roc_auc_score",
    "mean_squared_error",
    "mean_absolute_error",
    "UndefinedMetricWarning",
]
