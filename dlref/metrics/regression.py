r"""Regression metrics: mean squared error and mean absolute error, mirroring
``sklearn.metrics``.

For $n$ samples with weights $w_i$ (all 1 by default) and, per output $o$,

$$\text{MSE}_o = \frac{\sum_i w_i (y_{io} - \hat y_{io})^2}{\sum_i w_i}, \qquad
  \text{MAE}_o = \frac{\sum_i w_i \lvert y_{io} - \hat y_{io}\rvert}{\sum_i w_i}.$$
"""

from __future__ import annotations

import numpy as np

from dlref.metrics._validation import check_sample_weight


def _check_regression(y_true, y_pred, sample_weight, multioutput):
    """Check the inputs of a regression metric; return 2-D ``y_true``, ``y_pred``,
    weights, output weights."""
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numbers, got dtype {y.dtype}")
        if y.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D (n_samples,) or 2-D (n_samples, n_outputs), got "
                f"shape {y.shape}"
            )
        if y.shape[0] == 0:
            raise ValueError(
                f"{name} must hold at least one sample, got shape {y.shape}"
            )
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError(f"{name} must not contain NaN or infinity")
        if y.dtype.kind != "f":
            y = y.astype(np.float64)
        # (n_samples, n_outputs); 1-D is one output
        arrays.append(y.reshape(len(y), -1))
    y_true, y_pred = arrays
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "y_true and y_pred must have the same number of samples, got "
            f"{y_true.shape[0]} and {y_pred.shape[0]}"
        )
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            "y_true and y_pred must have the same number of outputs, got "
            f"{y_true.shape[1]} and {y_pred.shape[1]}"
        )
    w = check_sample_weight(sample_weight, y_true.shape[0])
    n_outputs = y_true.shape[1]
    if isinstance(multioutput, str):
        if multioutput not in ("raw_values", "uniform_average"):
            raise ValueError(
                f"multioutput must be 'raw_values', 'uniform_average' or an array of "
                f"{n_outputs} weights, got {multioutput!r}"
            )
    else:
        if multioutput is None:
            raise TypeError(
                f"multioutput must be 'raw_values', 'uniform_average' or an array of "
                f"{n_outputs} weights, got None"
            )
        multioutput = np.asarray(multioutput)
        if multioutput.dtype.kind not in "biuf":
            raise TypeError(
                f"multioutput weights must be numbers, got dtype {multioutput.dtype}"
            )
        multioutput = multioutput.astype(np.float64)
        if n_outputs == 1:
            raise ValueError(
                "multioutput weights need several outputs; y_true has one column"
            )
        if multioutput.shape != (n_outputs,):
            raise ValueError(
                f"multioutput must hold one weight per output, shape ({n_outputs},), "
                f"got shape {multioutput.shape}"
            )
        if not np.all(np.isfinite(multioutput)):
            raise ValueError("multioutput weights must be finite, got NaN or infinity")
        if np.sum(multioutput) == 0:
            raise ValueError(
                "multioutput weights must not sum to 0: the weighted mean divides "
                "by their sum"
            )
    return y_true, y_pred, w, multioutput


def _mean_over_samples(loss: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weighted mean over the samples (axis 0) of a ``(n_samples, n_outputs)`` array."""
    if w is None:
        return loss.mean(axis=0)
    # sum_i w_i loss_i / sum_i w_i
    w = w.astype(loss.dtype)[:, None]  # (n_samples, 1)
    return (w * loss).sum(axis=0) / w.sum()


def _combine_outputs(per_output: np.ndarray, multioutput):
    """One value per output (``'raw_values'``), their mean, or their weighted mean."""
    if isinstance(multioutput, str):
        return per_output if multioutput == "raw_values" else float(np.mean(per_output))
    return float(np.sum(multioutput * per_output) / np.sum(multioutput))


def mean_squared_error(
    y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"
):
    r"""Mean squared error, $\frac{1}{n}\sum_i (y_i - \hat y_i)^2$ (weighted when
    ``sample_weight`` is given).

    In the squared units of the target; its square root (RMSE) is in the target's units.
    It is minimized by predicting the (conditional) mean, and a single large error
    dominates it.

    Args:
        y_true: targets.
        y_pred: predictions.
        sample_weight: non-negative weight of each sample.
        multioutput: ``'uniform_average'`` (the mean over the outputs), ``'raw_values'``
            (one value per output) or an array of ``n_outputs`` weights.

    Shape:
        ``y_true``, ``y_pred``: ``(n_samples,)`` or ``(n_samples, n_outputs)`` (a 1-D
        array and a single column are the same thing); ``sample_weight``:
        ``(n_samples,)``.

    Returns:
        A Python float, or an array ``(n_outputs,)`` with ``'raw_values'`` (float32
        inputs give float32 values).

    scikit-learn equivalent: ``sklearn.metrics.mean_squared_error``; PyTorch's
    ``torch.nn.functional.mse_loss`` is the same number for one output without weights.

    Differences from scikit-learn: negative sample weights raise ``ValueError``.
    """
    y_true, y_pred, w, multioutput = _check_regression(
        y_true, y_pred, sample_weight, multioutput
    )
    # (y - y_hat)^2, averaged over the samples; an error beyond ~1e154 squares to inf,
    # as in scikit-learn, without a warning (the result is then inf, which says so)
    with np.errstate(over="ignore"):
        squared_error = (y_true - y_pred) ** 2  # (n_samples, n_outputs)
    return _combine_outputs(_mean_over_samples(squared_error, w), multioutput)


def mean_absolute_error(
    y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"
):
    r"""Mean absolute error, $\frac{1}{n}\sum_i \lvert y_i - \hat y_i\rvert$ (weighted
    when ``sample_weight`` is given).

    In the target's units. It is minimized by predicting the (conditional) median, and
    each error counts in proportion to its size, so a few large errors weigh less than
    in the MSE.

    Shapes, arguments and returns as ``mean_squared_error``.

    scikit-learn equivalent: ``sklearn.metrics.mean_absolute_error``; PyTorch's
    ``torch.nn.functional.l1_loss`` is the same number for one output without weights.

    Differences from scikit-learn: as ``mean_squared_error``.
    """
    y_true, y_pred, w, multioutput = _check_regression(
        y_true, y_pred, sample_weight, multioutput
    )
    # |y - y_hat|, averaged over the samples
    absolute_error = np.abs(y_true - y_pred)  # (n_samples, n_outputs)
    return _combine_outputs(_mean_over_samples(absolute_error, w), multioutput)
