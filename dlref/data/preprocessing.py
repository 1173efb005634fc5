"""Feature scaling and one-hot encoding, fitted on the training set only.

A scaler learns its statistics (a mean and a standard deviation, or a minimum and a
maximum, per feature) from the training data with ``fit`` and applies that same affine
map to any later data with ``transform``. Fitting on the test set as well would let the
test data shape the model's input: that is *leakage*, and it makes the test score
optimistic. `standardize` and `min_max_scale` are the one-call forms: they fit on their
first argument and transform every argument with it.

The classes mirror scikit-learn's ``StandardScaler`` and ``MinMaxScaler`` (same
arguments, attributes ``mean_``, ``var_``, ``scale_``, ``data_min_``, ...); `one_hot`
mirrors ``torch.nn.functional.one_hot``.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlref._checks import shape_of


def _as_features(name: str, x) -> np.ndarray:
    """``x`` as a 2-D ``(n_samples, n_features)`` floating array (ints become
    float64)."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(
            f"{name} must be an array of shape (n_samples, n_features), got "
            f"{type(x).__name__}"
        )
    try:
        x = np.asarray(x)
    except ValueError:  # ragged nested lists
        raise ValueError(
            f"{name} must be an array of shape (n_samples, n_features), got rows of "
            "different lengths"
        ) from None
    if x.dtype == bool or not (
        np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        hint = " (use x.reshape(-1, 1) for a single feature)" if x.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features){hint}, got shape {shape_of(x)}"
        )
    if x.shape[0] == 0:
        raise ValueError(
            f"{name} must hold at least one sample, got shape {shape_of(x)}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got NaN or infinity")
    return x


def _check_fitted(scaler, name: str, x) -> np.ndarray:
    """``x`` checked as features, for a fitted ``scaler`` with the same number of
    features."""
    if not hasattr(scaler, "n_features_in_"):
        raise RuntimeError(
            f"this {type(scaler).__name__} is not fitted yet: call fit(x_train) first"
        )
    x = _as_features(name, x)
    if x.shape[1] != scaler.n_features_in_:
        raise ValueError(
            f"{name} must have {scaler.n_features_in_} features (as the data passed "
            f"to fit), got shape {shape_of(x)}"
        )
    return x


class StandardScaler:
    r"""Standardize each feature to mean 0 and standard deviation 1, with training
    statistics.

    $$
    z_{ij} = \frac{x_{ij} - \mu_j}{s_j}, \qquad
    \mu_j = \frac1n \sum_{i=1}^n x_{ij}, \qquad
    s_j = \sqrt{\frac1n \sum_{i=1}^n (x_{ij} - \mu_j)^2}
    $$

    $\mu$ and $s$ come from the data given to `fit` (the biased variance, divisor $n$).
    A feature that is constant in that data (its variance is within the rounding error
    of the two-pass variance, $n\epsilon\sigma^2 + (n\epsilon\mu)^2$, Chan et al. 1983)
    gets $s_j = 1$, so it maps to 0 instead of NaN.

    Args:
        with_mean: subtract $\mu$ (otherwise $\mu$ is still stored but not used).
        with_std: divide by $s$.

    Shape:
        ``(n_samples, n_features)`` in and out. Statistics are computed in float64;
        ``transform`` returns the dtype it is given (float32 stays float32; ints become
        float64).

    Attributes:
        mean_: $\mu$, shape ``(n_features,)``, float64.
        var_: $s^2$ before the constant-feature fix, float64.
        scale_: $s$ with constant features set to 1 (``None`` when ``with_std=False``).
        n_samples_seen_: $n$.
        n_features_in_: the number of features.

    scikit-learn equivalent: ``sklearn.preprocessing.StandardScaler``. Differences from
    scikit-learn: no ``copy``, ``partial_fit`` or sample weights; NaN or infinite inputs
    raise ``ValueError`` (scikit-learn skips NaN in ``fit``); boolean and object arrays
    raise ``TypeError`` (scikit-learn casts them to float, None to NaN); ``mean_`` and
    ``var_`` are kept when ``with_mean=False`` / ``with_std=False``.

    References: Chan, T. F., Golub, G. H., LeVeque, R. J. (1983). Algorithms for
    computing the sample variance: analysis and recommendations. The American
    Statistician 37(3).
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        for name, value in (("with_mean", with_mean), ("with_std", with_std)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
        self.with_mean = bool(with_mean)
        self.with_std = bool(with_std)

    def fit(self, x) -> "StandardScaler":
        """Learn $\\mu$ and $s$ per feature from ``x`` ``(n_samples, n_features)``;
        return ``self``."""
        x = _as_features("x", x).astype(np.float64)
        n = x.shape[0]
        # mu_j = mean_i x_ij
        mu = x.mean(axis=0)
        # s_j^2 = mean_i (x_ij - mu_j)^2
        # (two passes: subtract the mean first, then square);
        # a spread beyond ~1e154 squares to inf,
        # and its s is then taken without squaring below
        deviation = x - mu  # (n_samples, n_features)
        eps = np.finfo(np.float64).eps
        with np.errstate(over="ignore"):
            var = (deviation**2).mean(axis=0)
            # rounding error bound of the two-pass variance: n eps var + (n eps mu)^2
            constant = var <= n * eps * var + (n * eps * mu) ** 2
        s = np.sqrt(var)
        huge = np.isinf(var)
        if np.any(huge):
            # s = d sqrt(mean((x - mu)^2 / d^2)) with d = max |x - mu|: no square
            # overflows; the bound above, divided by d^2 the same way,
            # decides whether it is constant
            d = np.abs(deviation[:, huge]).max(axis=0)  # (n_huge,)
            s[huge] = d * np.sqrt(((deviation[:, huge] / d) ** 2).mean(axis=0))
            constant[huge] = s[huge] <= np.hypot(
                np.sqrt(n * eps) * s[huge], n * eps * mu[huge]
            )
        self.mean_ = mu
        self.var_ = var
        self.scale_ = np.where(constant, 1.0, s) if self.with_std else None
        self.n_samples_seen_ = n
        self.n_features_in_ = x.shape[1]
        return self

    def transform(self, x) -> np.ndarray:
        """$z = (x - \\mu) / s$ with the fitted $\\mu$, $s$; the dtype of ``x`` (ints
        give float64)."""
        return self._transform(x, "x")

    def fit_transform(self, x) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def _transform(self, x, name: str) -> np.ndarray:
        # z = (x - mu) / s with the fitted mu, s
        x = _check_fitted(self, name, x)
        z = x.astype(np.float64)
        if self.with_mean:
            z = z - self.mean_
        if self.with_std:
            z = z / self.scale_
        return z.astype(x.dtype, copy=False)

    def inverse_transform(self, z) -> np.ndarray:
        """$x = z\\,s + \\mu$: undo `transform`."""
        z = _check_fitted(self, "z", z)
        x = z.astype(np.float64)
        if self.with_std:
            x = x * self.scale_
        if self.with_mean:
            x = x + self.mean_
        return x.astype(z.dtype, copy=False)


class MinMaxScaler:
    r"""Rescale each feature linearly so that its training range becomes
    ``feature_range``.

    $$
    x'_{ij} = a + (x_{ij} - m_j)\,\frac{b - a}{M_j - m_j}
            = x_{ij}\,\text{scale}_j + \text{min}_j
    $$

    with $m_j$, $M_j$ the minimum and maximum of feature $j$ in the data given to `fit`,
    and ``feature_range`` $= (a, b)$. A feature with $M_j = m_j$ uses $M_j - m_j = 1$.
    Test data outside the training range maps outside $[a, b]$ unless ``clip=True``.

    Args:
        feature_range: the target interval $(a, b)$ with $a < b$.
        clip: clip transformed values to ``feature_range``.

    Shape:
        ``(n_samples, n_features)`` in and out; dtype kept (ints become float64).

    Attributes:
        data_min_: $m$, float64 ``(n_features,)``.
        data_max_: $M$.
        data_range_: $M - m$.
        scale_: $(b - a) / (M - m)$ (with the constant-feature fix).
        min_: $a - m\,\text{scale}$.
        n_samples_seen_: $n$.
        n_features_in_: the number of features.

    scikit-learn equivalent: ``sklearn.preprocessing.MinMaxScaler``. Differences from
    scikit-learn: no ``copy`` or ``partial_fit``; NaN or infinite inputs raise
    ``ValueError`` (scikit-learn skips NaN in ``fit``), as does a NaN or infinite bound
    in ``feature_range``; boolean and object arrays raise ``TypeError``.
    """

    def __init__(self, feature_range: tuple[float, float] = (0, 1), clip: bool = False):
        if (
            not isinstance(feature_range, tuple)
            or len(feature_range) != 2
            or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool)
                for v in feature_range
            )
        ):
            raise TypeError(
                "feature_range must be a pair of numbers as a tuple (a, b), got "
                f"{feature_range!r}"
            )
        a, b = feature_range
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(
                "feature_range must be (a, b) with finite a < b, got "
                f"{tuple(feature_range)}"
            )
        if not isinstance(clip, (bool, np.bool_)):
            raise TypeError(f"clip must be a bool, got {type(clip).__name__}")
        self.feature_range = (a, b)
        self.clip = bool(clip)

    def fit(self, x) -> "MinMaxScaler":
        """Learn each feature's minimum and maximum from ``x``
        ``(n_samples, n_features)``; return ``self``."""
        x = _as_features("x", x).astype(np.float64)
        a, b = self.feature_range
        m = x.min(axis=0)
        M = x.max(axis=0)
        data_range = M - m
        # scale_j = (b - a) / (M_j - m_j), with a zero range read as 1
        self.scale_ = (b - a) / np.where(data_range == 0.0, 1.0, data_range)
        # min_j = a - m_j scale_j, so that x' = x scale + min
        self.min_ = a - m * self.scale_
        self.data_min_, self.data_max_, self.data_range_ = m, M, data_range
        self.n_samples_seen_ = x.shape[0]
        self.n_features_in_ = x.shape[1]
        return self

    def transform(self, x) -> np.ndarray:
        """$x' = x\\,\\text{scale} + \\text{min}$ with the fitted values; the dtype of
        ``x``."""
        return self._transform(x, "x")

    def fit_transform(self, x) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def _transform(self, x, name: str) -> np.ndarray:
        x = _check_fitted(self, name, x)
        # x' = x scale + min
        x_scaled = x.astype(np.float64) * self.scale_ + self.min_
        if self.clip:
            x_scaled = np.clip(x_scaled, *self.feature_range)
        return x_scaled.astype(x.dtype, copy=False)

    def inverse_transform(self, x_scaled) -> np.ndarray:
        """$x = (x' - \\text{min}) / \\text{scale}$: undo `transform`."""
        x_scaled = _check_fitted(self, "x_scaled", x_scaled)
        x = (x_scaled.astype(np.float64) - self.min_) / self.scale_
        return x.astype(x_scaled.dtype, copy=False)


def _fit_apply(scaler, x_train, others: tuple):
    # check every array before computing; others[i] is named by its position in errors
    x_train = _as_features("x_train", x_train)
    others = tuple(_as_features(f"others[{i}]", x) for i, x in enumerate(others))
    scaler.fit(x_train)
    out = [scaler._transform(x_train, "x_train")]
    out += [scaler._transform(x, f"others[{i}]") for i, x in enumerate(others)]
    return out[0] if not others else tuple(out)


def standardize(x_train, *others, with_mean: bool = True, with_std: bool = True):
    r"""Standardize with the training statistics: fit on ``x_train``, transform it and
    ``others``.

    $$
    z = \frac{x - \mu_\text{train}}{s_\text{train}}
    $$

    ``x_tr, x_val, x_te = standardize(x_tr, x_val, x_te)`` is
    ``s = StandardScaler().fit(x_tr)`` followed by ``s.transform`` of each array: the
    validation and test arrays never influence $\mu$ or $s$.

    Args:
        x_train: ``(n_samples, n_features)``, the data the statistics come from.
        *others: more arrays with the same number of features, transformed, not fitted.
        with_mean: subtract the mean, as in `StandardScaler`.
        with_std: divide by the standard deviation, as in `StandardScaler`.

    Returns:
        The transformed ``x_train`` when no ``others`` are given; otherwise a tuple with
        the transformed ``x_train`` followed by each transformed array of ``others``.

    scikit-learn equivalent: ``StandardScaler().fit(x_train)`` then ``transform`` (its
    ``sklearn.preprocessing.scale`` fits on the one array it transforms).
    """
    return _fit_apply(StandardScaler(with_mean, with_std), x_train, others)


def min_max_scale(
    x_train, *others, feature_range: tuple[float, float] = (0, 1), clip: bool = False
):
    r"""Min-max scale with the training range: fit on ``x_train``, transform it and
    ``others``.

    $$
    x' = a + (x - m_\text{train})\,\frac{b - a}{M_\text{train} - m_\text{train}}
    $$

    Args:
        x_train: ``(n_samples, n_features)``, the data the minimum and maximum come
            from.
        *others: more arrays with the same number of features, transformed, not fitted.
        feature_range: the target interval $(a, b)$, as in `MinMaxScaler`.
        clip: clip the results to ``feature_range``.

    Returns:
        The transformed ``x_train`` alone, or a tuple of it and each transformed array
        of ``others``.

    scikit-learn equivalent:
    ``MinMaxScaler(feature_range).fit(x_train)`` then ``transform``.
    """
    return _fit_apply(MinMaxScaler(feature_range, clip), x_train, others)


def one_hot(labels, num_classes: int = -1) -> np.ndarray:
    r"""One-hot encode integer class labels: a trailing axis with a 1 at each label.

    $$
    \text{out}[\ldots, c] = [\,\text{labels}[\ldots] = c\,]
    $$

    Args:
        labels: integer class indices, any shape.
        num_classes: $C$; ``-1`` infers it as ``labels.max() + 1``.

    Shape:
        ``labels`` ``(*)`` of integers in $[0, C)$; returns ``(*, C)``, int64.

    Returns:
        The int64 array of shape ``(*labels.shape, C)``.

    PyTorch equivalent: ``torch.nn.functional.one_hot(labels, num_classes)``.
    Differences from PyTorch: any integer dtype is accepted (torch wants int64), and
    errors are ``TypeError`` / ``ValueError`` naming the argument (torch raises
    ``RuntimeError``).
    """
    labels = np.asarray(labels)
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"labels must hold integer class indices, got dtype {labels.dtype}"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes < -1 or num_classes == 0:
        raise ValueError(f"num_classes must be -1 (infer) or >= 1, got {num_classes}")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError(
                "num_classes must be given for empty labels: it cannot be inferred"
            )
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {labels.min()}")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"labels must be < num_classes = {num_classes}, got {labels.max()}"
        )
    # compare every label with every class index: (*, 1) == (C,) -> (*, C)
    return (labels[..., None] == np.arange(num_classes)).astype(np.int64)
