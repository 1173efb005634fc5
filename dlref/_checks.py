"""Argument checks shared by both backends.

Every public function checks its arguments before computing and raises a ``ValueError``
(or ``TypeError`` for a wrong type) whose message names the argument, what was expected
and what came. These helpers keep those messages uniform.
"""

from __future__ import annotations

import numbers

import numpy as np


def shape_of(x) -> tuple[int, ...]:
    """The shape of a NumPy array or a torch tensor as a plain tuple."""
    return tuple(int(n) for n in x.shape)


def check_floating(name: str, x) -> None:
    """Raise TypeError unless ``x`` is a floating-point array or tensor."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        raise TypeError(f"{name} must be an array or tensor, got {type(x).__name__}")
    is_float = getattr(dtype, "is_floating_point", None)  # torch.dtype
    if is_float is None:
        is_float = np.issubdtype(dtype, np.floating)
    if not is_float:
        raise TypeError(f"{name} must have a floating-point dtype, got {dtype}")


def check_ndim(name: str, x, allowed: tuple[int, ...] | range, what: str = "") -> None:
    """Raise ValueError unless ``x.ndim`` is one of ``allowed``."""
    if x.ndim not in allowed:
        dims = " or ".join(str(d) for d in allowed)
        extra = f" {what}" if what else ""
        raise ValueError(f"{name} must be {dims}-D{extra}, got shape {shape_of(x)}")


def check_last_dim(name: str, x, size: int, what: str = "") -> None:
    """Raise ValueError unless the last dimension of ``x`` has ``size`` entries."""
    if x.ndim == 0 or x.shape[-1] != size:
        extra = f" ({what})" if what else ""
        raise ValueError(f"{name} must have shape (*, {size}){extra}, got shape {shape_of(x)}")


def check_same_shape(name: str, x, other_name: str, other) -> None:
    """Raise ValueError unless ``x`` and ``other`` have the same shape (no broadcasting)."""
    if shape_of(x) != shape_of(other):
        raise ValueError(
            f"{name} and {other_name} must have the same shape, got {shape_of(x)} and {shape_of(other)}"
        )


def check_positive_int(name: str, value) -> None:
    """Raise TypeError/ValueError unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def check_real(name: str, value, low: float | None = None, high: float | None = None,
               low_inclusive: bool = True, high_inclusive: bool = True) -> None:
    """Raise TypeError/ValueError unless ``value`` is a real number inside the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value}")


def check_choice(name: str, value, choices: tuple) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def check_reduction(reduction: str) -> None:
    """Losses take torch's ``reduction``: 'none', 'mean' or 'sum'."""
    check_choice("reduction", reduction, ("none", "mean", "sum"))


def check_class_targets(name: str, target, num_classes: int, ignore_index: int | None = None) -> None:
    """Raise unless ``target`` holds integer class indices in [0, num_classes)."""
    dtype = target.dtype
    is_int = getattr(dtype, "is_floating_point", None)
    is_int = (not is_int and not getattr(dtype, "is_complex", False)) if is_int is not None \
        else np.issubdtype(dtype, np.integer)
    if not is_int:
        raise TypeError(f"{name} must hold integer class indices, got dtype {dtype}")
    values = np.asarray(target.detach().cpu() if hasattr(target, "detach") else target)
    if ignore_index is not None:
        values = values[values != ignore_index]
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"{name} must hold class indices in [0, {num_classes - 1}], "
            f"got values in [{values.min()}, {values.max()}]"
        )
