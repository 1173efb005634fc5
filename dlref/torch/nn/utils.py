r"""Gradient clipping from tensor primitives: `clip_grad_norm_` and `clip_grad_value_`.

Written with ``abs``, ``pow``, ``sum``, ``amax``, ``clamp`` and in-place ``mul_``; never
calls ``torch.nn.utils.clip_grad_norm_``/``clip_grad_value_`` (the tests compare against
them) nor ``torch.linalg.vector_norm``.
"""

from __future__ import annotations

import math
import types
import warnings
from typing import Iterable

import torch

from dlref._checks import check_bool, check_norm_type, check_optional_bool, check_real

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _tensor_list(parameters) -> list[torch.Tensor]:
    """``parameters`` as a list of tensors (a generator is consumed once); TypeError
    otherwise."""
    if isinstance(parameters, torch.Tensor):
        return [parameters]
    if isinstance(parameters, torch.nn.Module):
        raise TypeError(
            "parameters must be a Tensor or an iterable of Tensors, got a Module; "
            "pass module.parameters()"
        )
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Iterable):
        raise TypeError(
            "parameters must be a Tensor or an iterable of Tensors, got "
            f"{type(parameters).__name__}"
        )
    is_generator = isinstance(parameters, types.GeneratorType)
    params = list(parameters)
    if is_generator and not params:
        warnings.warn(
            "`parameters` is an empty generator, no gradient clipping will occur.",
            stacklevel=3,
        )
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"parameters[{i}] must be a Tensor, got {type(p).__name__}")
        if p.grad is not None and not p.grad.is_floating_point():
            raise TypeError(
                f"parameters[{i}].grad must have a floating-point dtype, got "
                f"{p.grad.dtype}"
            )
    return params


def _vector_norm(g: torch.Tensor, p: float) -> torch.Tensor:
    """The p-norm of all entries of ``g``, a 0-d tensor in ``g``'s dtype (0 for an empty
    tensor)."""
    a = g.detach().abs().flatten()  # (n,)
    if a.numel() == 0:
        return a.new_zeros(())
    if p == math.inf:
        # ||g||_inf = max_i |g_i|
        return a.amax()
    if p == 1.0:
        # ||g||_1 = sum_i |g_i|
        return a.sum()
    if p == 2.0:
        # ||g||_2 = sqrt(sum_i g_i^2)
        return (a * a).sum().sqrt()
    # ||g||_p = (sum_i |g_i|^p)^(1/p)
    return a.pow(p).sum().pow(1.0 / p)


@torch.no_grad()
def clip_grad_norm_(
    parameters: torch.Tensor | Iterable[torch.Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> torch.Tensor:
    r"""Rescale the gradients in place so that their total p-norm is at most
    ``max_norm``.

    $$\|g\|_p = \Big\|\big(\|g_1\|_p, \dots, \|g_k\|_p\big)\Big\|_p, \qquad
      c = \min\Big(\frac{\text{max\_norm}}{\|g\|_p + 10^{-6}},\ 1\Big), \qquad
      g_i \leftarrow c\, g_i$$

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``);
            those whose ``grad`` is ``None`` are skipped.
        max_norm: the largest allowed total norm, $\ge 0$.
        norm_type: $p > 0$, or ``inf`` / ``'inf'``. Default 2.
        error_if_nonfinite: raise ``RuntimeError`` when the total norm is NaN or
            infinite.
        foreach: accepted for compatibility (a speed option in torch); ignored.

    Returns:
        The total norm before clipping, a 0-d tensor (``tensor(0.)`` when no gradient).

    PyTorch equivalent: ``torch.nn.utils.clip_grad_norm_``.

    Differences from PyTorch: a negative ``max_norm`` and ``norm_type <= 0`` raise
    ``ValueError`` (torch flips the gradients' sign, or computes a norm of norms that is
    not the norm of the whole vector); ``max_norm`` must be a number and
    ``error_if_nonfinite`` and ``foreach`` bools (torch takes the string ``'1'`` and any
    truthy flag); an empty gradient has norm 0 for every ``p``;
    gradients on several devices are not supported (torch moves the norms to the first
    one); complex gradients are not supported.
    """
    params = _tensor_list(parameters)
    check_real("max_norm", max_norm, low=0.0)
    p = check_norm_type(norm_type)
    check_bool("error_if_nonfinite", error_if_nonfinite)
    check_optional_bool("foreach", foreach)

    grads = [param.grad for param in params if param.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    # ||g||_p = || (||g_1||_p, ..., ||g_k||_p) ||_p ; stack promotes mixed dtypes
    norms = torch.stack([_vector_norm(g, p) for g in grads])  # (k,)
    total_norm = _vector_norm(norms, p)
    if error_if_nonfinite and not bool(torch.isfinite(total_norm)):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale "
            "the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    # c = min(max_norm / (||g|| + 1e-6), 1)
    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = clip_coef.clamp(max=1.0)
    for g in grads:
        # g_i <- c g_i, in place
        g.mul_(clip_coef_clamped)
    return total_norm


@torch.no_grad()
def clip_grad_value_(
    parameters: torch.Tensor | Iterable[torch.Tensor],
    clip_value: float,
    foreach: bool | None = None,
) -> None:
    r"""Clamp every gradient entry into ``[-clip_value, clip_value]``, in place.

    $$g_j \leftarrow \min\big(\max(g_j, -\text{clip\_value}),\ \text{clip\_value}\big)$$

    Args:
        parameters: a tensor or an iterable of tensors; those without ``grad`` are
            skipped.
        clip_value: the largest allowed absolute value, $\ge 0$.
        foreach: accepted for compatibility; ignored.

    PyTorch equivalent: ``torch.nn.utils.clip_grad_value_``.

    Differences from PyTorch: a negative ``clip_value`` raises ``ValueError`` (torch
    sets every entry to it); ``clip_value`` must be a number and ``foreach`` a bool or
    None (torch takes the string ``'1'`` and any truthy ``foreach``); an empty list of
    parameters does nothing (torch's foreach kernel raises there).
    """
    params = _tensor_list(parameters)
    check_real("clip_value", clip_value, low=0.0)
    check_optional_bool("foreach", foreach)
    for param in params:
        if param.grad is not None:
            # g_j <- clamp(g_j, -c, c), in place
            param.grad.clamp_(min=-clip_value, max=clip_value)
