"""Argument checks of the losses, shared by both backends (the ground floor below
``dlref.numpy`` and ``dlref.torch``).

Each rule of the loss functions (``dlref.numpy.functional.loss``,
``dlref.torch.functional.loss``) and of their modules (``dlref.numpy.nn.loss``,
``dlref.torch.nn.loss``) lives here once. The checks read only ``.shape``, ``.ndim``,
``.dtype`` and element-wise comparisons, so they take NumPy arrays and torch tensors
alike; like `dlref._checks`, this module imports numpy and never torch, nor either
backend of dlref.

Every check raises before any computation: ``TypeError`` for a wrong type or dtype,
``ValueError`` for a wrong value or shape, with a message that names the argument.

One dtype per call: a floating ``target``, ``weight`` or ``pos_weight`` must have the
input's dtype (`check_input_dtype`). Torch has no one rule here: it promotes
(``mse_loss``, ``l1_loss``, ``kl_div``), casts to the input's dtype (``huber_loss``, the
binary losses' weights), takes the target's dtype (``binary_cross_entropy_with_logits``)
or raises (``binary_cross_entropy``, the class weights of ``cross_entropy``,
``nll_loss`` and ``multi_margin_loss``), depending on the loss.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from dlref._checks import (
    check_bool,
    check_choice,
    check_class_targets,
    check_floating,
    check_int,
    check_real,
    check_reduction,
    check_same_shape,
    shape_of,
)

# kl_div's reductions:
# torch's three, and 'batchmean' (the sum divided by the batch size)
KL_DIV_REDUCTIONS = ("none", "batchmean", "sum", "mean")


# -- generic rules ---------------------------------------------------------------------


def _is_floating_dtype(dtype) -> bool:
    """Whether a NumPy dtype or a ``torch.dtype`` is floating point."""
    is_float = getattr(dtype, "is_floating_point", None)  # torch.dtype
    return (
        bool(is_float)
        if is_float is not None
        else bool(np.issubdtype(dtype, np.floating))
    )


def _numel(x) -> int:
    return math.prod(shape_of(x))


_NUMPY_KINDS = (np.ndarray, np.generic)  # arrays, and NumPy scalars such as np.int64(3)


def check_same_kind(name: str, x, input) -> None:
    """Raise TypeError unless ``x`` is an array of ``input``'s kind: a NumPy array, or a
    torch tensor."""
    numpy_input = isinstance(input, _NUMPY_KINDS)
    same = (
        isinstance(x, _NUMPY_KINDS)
        if numpy_input
        else (
            not isinstance(x, _NUMPY_KINDS)
            and hasattr(x, "shape")
            and hasattr(x, "dtype")
        )
    )
    if not same:
        kind = "a NumPy array" if numpy_input else "a torch tensor"
        raise TypeError(f"{name} must be {kind}, got {type(x).__name__}")


def check_input_dtype(name: str, x, input) -> None:
    """Raise TypeError unless the floating array ``x`` has ``input``'s dtype (no silent
    promotion or cast)."""
    if x.dtype != input.dtype:
        raise TypeError(
            f"{name} must have input's dtype {input.dtype}, got {x.dtype} "
            f"(dlref never mixes precisions in a loss: cast one of them)"
        )


def check_broadcasts_to(name: str, w, shape: tuple, input) -> None:
    """Raise unless ``w`` (a weight) is a floating array of ``input``'s kind and dtype
    that broadcasts to ``shape`` without enlarging it."""
    check_floating(name, w)
    check_same_kind(name, w, input)
    check_input_dtype(name, w, input)
    try:
        joint = np.broadcast_shapes(shape_of(w), tuple(shape))
    except ValueError:
        joint = None
    if joint != tuple(shape):
        raise ValueError(
            f"{name} of shape {shape_of(w)} must broadcast to the input's shape "
            f"{tuple(shape)}"
        )


def check_unit_interval(name: str, x) -> None:
    """Raise ValueError unless every value of ``x`` is in [0, 1] (a NaN fails too)."""
    if _numel(x) and not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError(
            f"{name} must hold values in [0, 1], got values in [{float(x.min())}, "
            f"{float(x.max())}]"
        )


def check_nonnegative(name: str, x) -> None:
    """Raise ValueError unless every value of ``x`` is >= 0 (a NaN fails too)."""
    if _numel(x) and not bool((x >= 0).all()):
        raise ValueError(
            f"{name} must hold values >= 0, got a minimum of {float(x.min())}"
        )


def check_grad_output_type(grad_output) -> None:
    """Raise TypeError unless ``grad_output`` is a Python float or a floating array or
    tensor.

    ``None``, a list, a string, a bool, an int or an integer array are refused: a NumPy
    conversion would turn some of them into an all-NaN or integer gradient without a
    word.
    """
    if isinstance(grad_output, float):
        return
    if getattr(grad_output, "dtype", None) is None or not hasattr(grad_output, "shape"):
        raise TypeError(
            "grad_output must be a float or a floating-point array, got "
            f"{type(grad_output).__name__}"
        )
    if not _is_floating_dtype(grad_output.dtype):
        raise TypeError(
            f"grad_output must have a floating-point dtype, got {grad_output.dtype}"
        )


def check_grad_output(grad_output, loss_shape: tuple, reduction: str) -> None:
    """Raise unless ``grad_output`` is floating (TypeError) with the loss's shape
    (ValueError).

    The loss's shape is ``()`` for a reduced loss (a Python float is accepted there) and
    the unreduced loss's shape for ``reduction='none'``.
    """
    check_grad_output_type(grad_output)
    shape = () if isinstance(grad_output, float) else shape_of(grad_output)
    if reduction == "none":
        if shape != tuple(loss_shape):
            raise ValueError(
                f"grad_output must have the loss's shape {tuple(loss_shape)} for "
                f"reduction='none', got {shape}"
            )
    elif shape != ():
        raise ValueError(
            f"grad_output must be a scalar for reduction={reduction!r}, got shape "
            f"{shape}"
        )


# -- element-wise losses ---------------------------------------------------------------


def check_pointwise(input, target, reduction: str) -> None:
    """Checks shared by the element-wise losses: floating input and target of one shape
    and dtype, a known reduction."""
    check_floating("input", input)
    check_floating("target", target)
    check_same_kind("target", target, input)
    check_input_dtype("target", target, input)
    check_same_shape("input", input, "target", target)
    check_reduction(reduction)


def check_binary(input, target, weight, reduction: str, pos_weight=None) -> None:
    """Checks of the binary cross-entropies: pointwise, and weights that broadcast to
    the input."""
    check_pointwise(input, target, reduction)
    if weight is not None:
        check_broadcasts_to("weight", weight, shape_of(input), input)
    if pos_weight is not None:
        check_broadcasts_to("pos_weight", pos_weight, shape_of(input), input)


def check_probabilities(input, target) -> None:
    """binary_cross_entropy takes probabilities: input and target in [0, 1]."""
    check_unit_interval("input", input)
    check_unit_interval("target", target)


def check_kl_div(input, target, reduction: str, log_target) -> None:
    """Checks of kl_div: pointwise, 'batchmean' among the reductions, a target >= 0
    unless in log space."""
    check_floating("input", input)
    check_floating("target", target)
    check_same_kind("target", target, input)
    check_input_dtype("target", target, input)
    check_same_shape("input", input, "target", target)
    check_choice("reduction", reduction, KL_DIV_REDUCTIONS)
    check_bool("log_target", log_target)
    if not log_target:
        check_nonnegative("target", target)


# -- class losses ----------------------------------------------------------------------


def check_ignore_index(ignore_index) -> None:
    """Raise TypeError unless ``ignore_index`` is an int (not a bool)."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(
            f"ignore_index must be an int, got {type(ignore_index).__name__}"
        )


def check_optional_weight(name: str, weight) -> None:
    """A module's ``weight`` or ``pos_weight``: None or a floating array or tensor."""
    if weight is not None:
        check_floating(name, weight)


def check_class_weight(weight, C: int, input) -> None:
    """Raise unless ``weight`` is None or a ``(C,)`` array of ``input``'s kind and
    dtype, one weight per class."""
    if weight is not None:
        check_floating("weight", weight)
        check_same_kind("weight", weight, input)
        check_input_dtype("weight", weight, input)
        if shape_of(weight) != (C,):
            raise ValueError(
                f"weight must have shape (C,) = ({C},), one weight per class of input "
                f"of shape {shape_of(input)}, got {shape_of(weight)}"
            )


def num_classes(input) -> int:
    """The number of classes C: dimension 1 of ``(N, C, ...)``, dimension 0 of
    ``(C,)``."""
    return int(input.shape[1 if input.ndim > 1 else 0])


def check_class_input(input, weight, reduction: str, ignore_index) -> int:
    """Checks shared by cross_entropy and nll_loss; returns the number of classes C."""
    check_floating("input", input)
    if input.ndim < 1:
        raise ValueError(
            "input must have shape (C,), (N, C) or (N, C, d1, ...), got shape "
            f"{shape_of(input)}"
        )
    C = num_classes(input)
    if C < 1:
        raise ValueError(
            "input must have at least one class along dimension "
            f"{1 if input.ndim > 1 else 0}, got shape {shape_of(input)}"
        )
    check_reduction(reduction)
    check_ignore_index(ignore_index)
    check_class_weight(weight, C, input)
    return C


def index_target_shape(input) -> tuple:
    """The shape class indices must have: (N, d1, ...) for input (N, C, d1, ...); () for
    input (C,)."""
    shape = shape_of(input)
    return shape[:1] + shape[2:] if len(shape) > 1 else ()


def check_index_target(
    input, target, C: int, ignore_index: int | None, probabilities_allowed: bool
) -> None:
    """Raise unless ``target`` holds class indices of the right shape, in [0, C) (or
    ``ignore_index``)."""
    check_same_kind("target", target, input)
    expected = index_target_shape(input)
    if shape_of(target) != expected:
        also = (
            f" (class indices) or {shape_of(input)} (class probabilities)"
            if probabilities_allowed
            else " (class indices)"
        )
        raise ValueError(
            f"target must have shape {expected}{also} for input of shape "
            f"{shape_of(input)}, got {shape_of(target)}"
        )
    # NumPy's and torch's bool: not class indices
    if str(target.dtype) in ("bool", "torch.bool"):
        raise TypeError(
            f"target must hold integer class indices, got dtype {target.dtype}"
        )
    check_class_targets("target", target, C, ignore_index)


def is_probability_target(input, target) -> bool:
    """cross_entropy reads a target with the input's shape as class probabilities."""
    return shape_of(target) == shape_of(input)


def check_cross_entropy(
    input, target, weight, ignore_index, reduction: str, label_smoothing
) -> None:
    """All the checks of cross_entropy, for class-index and class-probability
    targets."""
    C = check_class_input(input, weight, reduction, ignore_index)
    check_real("label_smoothing", label_smoothing, 0.0, 1.0)
    check_same_kind("target", target, input)
    if is_probability_target(input, target):
        if not _is_floating_dtype(target.dtype):
            raise TypeError(
                f"target has the shape of input {shape_of(input)}, so it is read as "
                "class probabilities and must be floating point, got dtype "
                f"{target.dtype} (class indices have shape "
                f"{index_target_shape(input)})"
            )
        check_input_dtype("target", target, input)
        if ignore_index >= 0:
            raise ValueError(
                "ignore_index is not supported with class-probability targets, got "
                f"{ignore_index}"
            )
    else:
        check_index_target(input, target, C, ignore_index, probabilities_allowed=True)


def check_nll(input, target, weight, ignore_index, reduction: str) -> None:
    """All the checks of nll_loss."""
    C = check_class_input(input, weight, reduction, ignore_index)
    check_index_target(input, target, C, ignore_index, probabilities_allowed=False)


def check_margin_options(p, margin) -> None:
    """multi_margin_loss's ``p`` (the int 1 or 2) and ``margin`` (a real number)."""
    check_int("p", p)
    check_choice("p", p, (1, 2))
    check_real("margin", margin)


def check_multi_margin(input, target, p, margin, weight, reduction: str) -> int:
    """All the checks of multi_margin_loss; returns the number of classes C."""
    check_floating("input", input)
    if input.ndim not in (1, 2):
        raise ValueError(
            f"input must have shape (C,) or (N, C), got shape {shape_of(input)}"
        )
    C = int(input.shape[-1])
    if C < 1:
        raise ValueError(
            "input must have at least one class along its last dimension, got shape "
            f"{shape_of(input)}"
        )
    check_margin_options(p, margin)
    check_class_weight(weight, C, input)
    check_reduction(reduction)
    check_index_target(input, target, C, None, probabilities_allowed=False)
    return C
