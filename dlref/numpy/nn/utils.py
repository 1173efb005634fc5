r"""Gradient clipping: `clip_grad_norm_` and `clip_grad_value_`, as in
``torch.nn.utils``.

Both act in place on the ``.grad`` of each `Parameter`, after the backward pass and
before the optimizer step:

* `clip_grad_norm_` rescales *all* gradients by one factor so that their joint p-norm is
  at most ``max_norm``: the update keeps its direction and only gets shorter.
* `clip_grad_value_` clamps every gradient entry into ``[-clip_value, clip_value]``:
  entries are cut independently, so the direction of the update changes.
"""

from __future__ import annotations

import math
import types
import warnings
from typing import Iterable

import numpy as np

from dlref._checks import check_bool, check_norm_type, check_optional_bool, check_real
from dlref.numpy.nn.module import Module, Parameter

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _parameter_list(parameters) -> list[Parameter]:
    """``parameters`` as a list of Parameters (a generator is consumed once); TypeError
    otherwise."""
    if isinstance(parameters, Parameter):
        return [parameters]
    if isinstance(parameters, Module):
        raise TypeError(
            "parameters must be a Parameter or an iterable of Parameters, got a "
            "Module; pass module.parameters()"
        )
    if isinstance(parameters, (np.ndarray, str, bytes)) or not isinstance(
        parameters, Iterable
    ):
        raise TypeError(
            "parameters must be a Parameter or an iterable of Parameters, "
            f"got {type(parameters).__name__}"
        )
    is_generator = isinstance(parameters, types.GeneratorType)
    params = list(parameters)
    if is_generator and not params:
        # torch warns here too:
        # an exhausted generator is a common slip (parameters() used twice)
        warnings.warn(
            "`parameters` is an empty generator, no gradient clipping will occur.",
            stacklevel=3,
        )
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(
                f"parameters[{i}] must be a Parameter, got {type(p).__name__}"
            )
        if p.grad is not None and not (
            isinstance(p.grad, np.ndarray) and np.issubdtype(p.grad.dtype, np.floating)
        ):
            what = (
                p.grad.dtype
                if isinstance(p.grad, np.ndarray)
                else type(p.grad).__name__
            )
            raise TypeError(
                f"parameters[{i}].grad must be a floating-point NumPy array or None, "
                f"got {what}"
            )
    return params


def _vector_norm(g: np.ndarray, p: float) -> np.ndarray:
    r"""The p-norm of all entries of ``g``, in ``g``'s dtype (0 for an empty array)."""
    a = np.abs(g).ravel()  # (n,)
    if a.size == 0:
        return np.zeros((), dtype=g.dtype)
    if p == math.inf:
        # ||g||_inf = max_i |g_i|
        return a.max()
    if p == 1.0:
        # ||g||_1 = sum_i |g_i|
        return a.sum()
    if p == 2.0:
        # ||g||_2 = sqrt(sum_i g_i^2)
        return np.sqrt(np.dot(a, a))
    p_ = g.dtype.type(p)
    # ||g||_p = (sum_i |g_i|^p)^(1/p)
    return np.sum(a**p_) ** np.reciprocal(p_)


def clip_grad_norm_(
    parameters: Parameter | Iterable[Parameter],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> np.ndarray:
    r"""Rescale the gradients in place so that their total p-norm is at most
    ``max_norm``.

    The gradients of all parameters are treated as one long vector $g$. Its norm
    equals the norm of the per-parameter norms, which is how it is computed:

    $$\|g\|_p = \Big\|\big(\|g_1\|_p, \dots, \|g_k\|_p\big)\Big\|_p, \qquad
      c = \min\Big(\frac{\text{max\_norm}}{\|g\|_p + 10^{-6}},\ 1\Big), \qquad
      g_i \leftarrow c\, g_i$$

    With $p = \infty$, $\|g\|_\infty = \max_j |g_j|$. Every gradient is scaled
    by the same $c \le 1$, so the direction of $g$ is kept.

    Args:
        parameters: a `Parameter` or an iterable of them (e.g. ``model.parameters()``).
            Parameters whose ``grad`` is ``None`` are skipped.
        max_norm: the largest allowed total norm, a number $\ge 0$ (``inf`` clips
            nothing).
        norm_type: $p$ of the p-norm, a number $> 0$, or ``inf`` (also the
            string ``'inf'``). Default 2.
        error_if_nonfinite: raise ``RuntimeError`` (before changing anything) when the
            total norm is NaN or infinite. With ``False`` such gradients are scaled
            anyway, which turns them into NaN and zeros, exactly as torch does.
        foreach: accepted for compatibility with torch (a speed option there); ignored.

    Returns:
        The total norm of the gradients *before* clipping, a 0-d array in the gradients'
        dtype (their promoted dtype if they differ; float32 ``0.0`` when there is no
        gradient, as torch returns ``tensor(0.)``).

    Raises:
        TypeError: ``parameters`` is not a Parameter or an iterable of Parameters, or a
            ``grad`` is not a floating-point array.
        ValueError: ``max_norm`` is negative or NaN, or ``norm_type`` is not > 0.
        RuntimeError: ``error_if_nonfinite=True`` and the total norm is not finite.

    PyTorch equivalent: ``torch.nn.utils.clip_grad_norm_`` (same arguments, same
    $10^{-6}$ in the denominator, same in-place update, same warning for an empty
    generator).

    Differences from PyTorch: torch accepts a negative ``max_norm`` (it flips the sign
    of every gradient) and ``norm_type <= 0`` (for which the norm of norms is no longer
    the norm of the whole vector); here both raise ``ValueError``. ``max_norm`` must be
    a number and ``error_if_nonfinite`` and ``foreach`` bools (``TypeError``; torch
    converts ``max_norm`` with ``float()``, so it takes the string ``'1'``, and takes
    any truthy value for the flags). An empty gradient has norm 0 for every ``p`` (torch
    raises for ``p = inf`` on an empty tensor). Like torch, the norm is computed without
    rescaling, so in float32 it overflows to ``inf`` once a gradient entry exceeds about
    ``1.8e19``; ``error_if_nonfinite=True`` catches that.

    References:
        Pascanu, Mikolov, Bengio (2013), On the difficulty of training recurrent neural
        networks, https://arxiv.org/abs/1211.5063
    """
    params = _parameter_list(parameters)
    check_real("max_norm", max_norm, low=0.0)
    p = check_norm_type(norm_type)
    check_bool("error_if_nonfinite", error_if_nonfinite)
    check_optional_bool("foreach", foreach)

    grads = [param.grad for param in params if param.grad is not None]
    if not grads:
        # torch returns tensor(0.) in its default dtype
        return np.zeros((), dtype=np.float32)

    # inf/NaN gradients propagate silently, as in torch
    with np.errstate(over="ignore", invalid="ignore"):
        # ||g||_p = || (||g_1||_p, ..., ||g_k||_p) ||_p
        norms = np.stack([_vector_norm(g, p) for g in grads])  # (k,), dtypes promoted
        total_norm = _vector_norm(norms, p)
        if error_if_nonfinite and not np.isfinite(total_norm):
            raise RuntimeError(
                f"The total norm of order {p} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and "
                "scale the gradients by the non-finite norm anyway, set "
                "`error_if_nonfinite=False`"
            )
        dtype = total_norm.dtype.type
        # c = min(max_norm / (||g|| + 1e-6), 1); NaN stays NaN, as torch.clamp keeps it
        clip_coef = dtype(max_norm) / (total_norm + dtype(1e-6))
        clip_coef_clamped = np.minimum(clip_coef, dtype(1.0))
        for g in grads:
            # g_i <- c g_i, in place (the arrays the parameters hold)
            np.multiply(g, clip_coef_clamped, out=g, casting="same_kind")
    return np.asarray(total_norm)


def clip_grad_value_(
    parameters: Parameter | Iterable[Parameter],
    clip_value: float,
    foreach: bool | None = None,
) -> None:
    r"""Clamp every gradient entry into ``[-clip_value, clip_value]``, in place.

    $$g_j \leftarrow \min\big(\max(g_j, -\text{clip\_value}),\ \text{clip\_value}\big)$$

    Each entry is cut on its own, so unlike `clip_grad_norm_` the direction of the
    gradient changes whenever some entries are cut and others are not.

    Args:
        parameters: a `Parameter` or an iterable of them; those whose ``grad`` is
            ``None`` are skipped.
        clip_value: the largest allowed absolute value, a number $\ge 0$.
        foreach: accepted for compatibility with torch; ignored.

    Returns:
        ``None``, as torch.

    Raises:
        TypeError: ``parameters`` is not a Parameter or an iterable of Parameters.
        ValueError: ``clip_value`` is negative or NaN.

    PyTorch equivalent: ``torch.nn.utils.clip_grad_value_``.

    Differences from PyTorch: torch accepts a negative ``clip_value`` and then sets
    every entry to ``clip_value``; here that raises ``ValueError``. ``clip_value`` must
    be a number and ``foreach`` a bool or None (``TypeError``; torch takes the string
    ``'1'`` and any truthy ``foreach``).
    """
    params = _parameter_list(parameters)
    check_real("clip_value", clip_value, low=0.0)
    check_optional_bool("foreach", foreach)
    for param in params:
        if param.grad is not None:
            g = param.grad
            # g_j <- clamp(g_j, -c, c), in place
            np.clip(g, g.dtype.type(-clip_value), g.dtype.type(clip_value), out=g)
