"""Argument checks shared by both backends (the ground floor below ``dlref.numpy`` and
``dlref.torch``).

Every public function checks its arguments before computing and raises a ``ValueError``
(or ``TypeError`` for a wrong type) whose message names the argument, what was expected
and what came. These helpers keep those messages uniform: one rule, one place, one error
type for one kind of mistake (a wrong type is a ``TypeError``; a wrong value or shape is
a ``ValueError``). They accept NumPy arrays and torch tensors alike and import neither
backend of dlref (torch is never imported here).

Geometry (pairs, padding, output sizes of convolution and pooling) lives beside this
module in `dlref._geometry`.
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
        raise ValueError(
            f"{name} must have shape (*, {size}){extra}, got shape {shape_of(x)}"
        )


def check_same_shape(name: str, x, other_name: str, other) -> None:
    """Raise ValueError unless ``x`` and ``other`` have the same shape (no
    broadcasting)."""
    if shape_of(x) != shape_of(other):
        raise ValueError(
            f"{name} and {other_name} must have the same shape, got {shape_of(x)} "
            f"and {shape_of(other)}"
        )


def check_positive_int(name: str, value) -> None:
    """Raise TypeError/ValueError unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def check_real(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """Raise TypeError/ValueError unless ``value`` is a real number inside the given
    interval."""
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


def check_class_targets(
    name: str, target, num_classes: int, ignore_index: int | None = None
) -> None:
    """Raise unless ``target`` holds integer class indices in [0, num_classes)."""
    dtype = target.dtype
    is_int = getattr(dtype, "is_floating_point", None)
    is_int = (
        (not is_int and not getattr(dtype, "is_complex", False))
        if is_int is not None
        else np.issubdtype(dtype, np.integer)
    )
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


def check_bool(name: str, value) -> None:
    """Raise TypeError unless ``value`` is a bool (Python's, or NumPy's
    ``np.bool_``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


def check_optional_bool(name: str, value) -> None:
    """Raise TypeError unless ``value`` is None or a bool."""
    if value is not None and not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be None or a bool, got {type(value).__name__}")


def check_int(name: str, value, minimum: int | None = None) -> None:
    """Raise TypeError unless ``value`` is an int (not a bool); ValueError if below
    ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def check_dim_type(dim) -> None:
    """Raise TypeError unless ``dim`` is an int (not a bool, not None: dlref has no
    implicit dim)."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(
            f"dim must be an int, got {type(dim).__name__} "
            "(dlref has no implicit dim; torch's implicit choice is deprecated)"
        )


def check_dim(dim, ndim: int) -> int:
    """Return ``dim`` as a non-negative axis of an ``ndim``-D array (0-D counts as 1-D,
    as in torch).

    A non-int ``dim`` (None included) is a TypeError: dlref has no implicit dim (torch's
    implicit choice is deprecated); an out-of-range one is a ValueError.
    """
    check_dim_type(dim)
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise ValueError(
            f"dim must be in [{-size}, {size - 1}] for a {ndim}-D input, got {dim}"
        )
    return int(dim) % size


def check_float_dtype(name: str, dtype, allow_none: bool = False) -> None:
    """Raise TypeError unless ``dtype`` is a floating-point dtype (NumPy's or a
    ``torch.dtype``)."""
    if dtype is None and allow_none:
        return
    is_float = getattr(dtype, "is_floating_point", None)  # torch.dtype
    if is_float is None:
        try:
            is_float = np.issubdtype(np.dtype(dtype), np.floating)
        except TypeError:
            is_float = False
    if not is_float:
        raise TypeError(f"{name} must be a floating-point dtype, got {dtype}")


def check_same_dtype(name: str, x, other_name: str, other) -> None:
    """Raise TypeError unless two floating arrays or tensors share one dtype (torch
    never promotes them silently)."""
    if other is not None and x.dtype != other.dtype:
        raise TypeError(
            f"{name} and {other_name} must have the same dtype, got {x.dtype} and "
            f"{other.dtype}"
        )


def check_torch_float_dtype(name: str, dtype) -> None:
    """Raise TypeError unless ``dtype`` is None or a floating-point ``torch.dtype``
    (torch is not imported)."""
    if dtype is None:
        return
    is_torch_dtype = (
        type(dtype).__module__ == "torch" and type(dtype).__name__ == "dtype"
    )
    if not (is_torch_dtype and dtype.is_floating_point):
        raise TypeError(f"{name} must be a floating-point torch.dtype, got {dtype}")


def check_generator(name: str, generator):
    """A ``numpy.random.Generator`` argument; ``None`` gives a fresh, unseeded one."""
    if generator is None:
        return np.random.default_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator or None, got "
            f"{type(generator).__name__}"
        )
    return generator


def check_norm_type(norm_type) -> float:
    """A p-norm's ``norm_type`` as a float p > 0 or inf (``'inf'`` accepted, as torch's
    docs allow)."""
    if isinstance(norm_type, str):
        try:
            value = float(norm_type)
        except ValueError:
            raise ValueError(
                f"norm_type must be a number > 0 or 'inf', got {norm_type!r}"
            ) from None
    elif isinstance(norm_type, numbers.Real) and not isinstance(norm_type, bool):
        value = float(norm_type)
    else:
        raise TypeError(
            f"norm_type must be a number > 0 or 'inf', got {type(norm_type).__name__}"
        )
    if not value > 0:  # also catches NaN and -inf
        raise ValueError(f"norm_type must be a number > 0 or 'inf', got {norm_type!r}")
    return value
