r"""Batch, layer, group and instance normalization from tensor primitives; autograd
gives the backward.

Each function standardizes with ``mean`` and ``square`` over the values that share one
$\mu$ and one $\sigma^2$, as the NumPy backend's functions do, and lets autograd
differentiate through the statistics (the boxed formula of the NumPy backward passes
comes out of it). Running statistics are updated in place under ``torch.no_grad()``, as
torch's kernels update them. The argument checks are the backend-neutral ones of
`dlref._norm_args`, so both backends accept and reject the same calls with the same
messages.

None of ``torch.nn.functional.batch_norm``, ``layer_norm``, ``group_norm``,
``instance_norm`` (nor ``torch.batch_norm``, ``torch.native_batch_norm``, ...) is called
here: the tests compare against them, and make them raise while the twins run.
"""

from __future__ import annotations

import math

import torch

from dlref._norm_args import (
    check_batch_norm_args,
    check_group_norm_args,
    check_instance_norm_args,
    check_layer_norm_args,
)

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


# -- helpers ---------------------------------------------------------------------------


def _check_tensors(**tensors) -> None:
    """Each argument given must be a torch.Tensor on the device of the first one
    (``input``)."""
    device = None
    for name, value in tensors.items():
        if value is None:
            continue
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(value).__name__}"
            )
        if device is None:
            device = value.device
        elif value.device != device:
            raise ValueError(
                f"{name} must be on the device of input ({device}), got {value.device}"
            )


def _working_precision(x: torch.Tensor) -> torch.Tensor:
    """float16 and bfloat16 are computed in float32, as the NumPy backend computes
    float16."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def _per_channel(value: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A (C,) weight, bias or statistic as (1, C, 1, ..., 1), in x's dtype."""
    return value.to(x.dtype).reshape((1, -1) + (1,) * (x.ndim - 2))


def _affine(x_hat: torch.Tensor, weight, bias) -> torch.Tensor:
    """y = gamma x_hat + beta per channel, with gamma = 1 and beta = 0 when absent."""
    y = x_hat if weight is None else x_hat * _per_channel(weight, x_hat)
    return y if bias is None else y + _per_channel(bias, x_hat)


def _update_running(
    running: torch.Tensor, batch_value: torch.Tensor, momentum: float
) -> None:
    """running <- (1 - m) running + m batch_value, in place and outside autograd."""
    with torch.no_grad():
        running.mul_(1 - momentum).add_(momentum * batch_value.to(running.dtype))


# -- the four normalizations -----------------------------------------------------------


def batch_norm(
    input: torch.Tensor,
    running_mean: torch.Tensor | None,
    running_var: torch.Tensor | None,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> torch.Tensor:
    r"""Batch normalization: standardize each channel over the batch, then scale and
    shift it.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Training mode: $\mu$, $\sigma^2$ are each channel's mean and biased variance over
    the batch and every position ($n$ values), and the running statistics, when given,
    are updated in place with the **unbiased** variance: $\text{running\_mean}
    \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu$, $\text{running\_var} \leftarrow
    (1 - m)\,\text{running\_var} +
    m\,\tfrac{n}{n-1}\sigma^2$. Evaluation mode: $\mu$, $\sigma^2$ are the running
    statistics.

    Args:
        input: floating-point tensor, channels on dim 1.
        running_mean: running mean (updated in place in training mode), or ``None``
            together with ``running_var`` (then ``training`` must be ``True``).
        running_var: running unbiased variance, or ``None``.
        weight: $\gamma$, or ``None`` for 1.
        bias: $\beta$, or ``None`` for 0.
        training: use the batch's statistics and update the running ones.
        momentum: $m \in [0, 1]$, the weight of the new batch in the running averages.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(N, C, *)``; ``running_mean``, ``running_var``, ``weight``, ``bias``
        ``(C,)``; output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.batch_norm`` (not called here).

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument; ``eps`` must be a finite number > 0 (in evaluation mode too) and
    ``momentum`` in $[0, 1]$ (torch takes any number); ``weight`` and ``bias`` must be
    ``(C,)`` (torch takes any shape with $C$ elements); float16 and bfloat16 are
    computed in float32. As in torch, the parameters must have the input's dtype
    (float32 ones with a float16 or bfloat16 input).

    References:
        S. Ioffe, C. Szegedy (2015), "Batch normalization: accelerating deep network
        training by reducing internal covariate shift", ICML,
        https://arxiv.org/abs/1502.03167
    """
    _check_tensors(
        input=input,
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    check_batch_norm_args(
        input, running_mean, running_var, weight, bias, training, momentum, eps
    )
    x = _working_precision(input)
    dims = (0,) + tuple(range(2, x.ndim))  # every dim but the channel
    if training:
        # mu = mean over the batch and positions;
        # sigma^2 = mean of (x - mu)^2 (biased)   (1, C, 1, ...)
        mu = x.mean(dim=dims, keepdim=True)
        var = (x - mu).square().mean(dim=dims, keepdim=True)
        if running_mean is not None:
            n = x.numel() // x.shape[1]  # values per channel
            _update_running(running_mean, mu.reshape(-1), momentum)
            # the running variance is the unbiased one: n/(n-1) sigma^2
            _update_running(running_var, var.reshape(-1) * (n / (n - 1)), momentum)
    else:
        # (1, C, 1, ...)
        mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    x_hat = (x - mu) * torch.rsqrt(var + eps)
    # y = gamma x_hat + beta
    return _affine(x_hat, weight, bias).to(input.dtype)


def layer_norm(
    input: torch.Tensor,
    normalized_shape,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    eps: float = 1e-5,
) -> torch.Tensor:
    r"""Layer normalization: standardize each example over its trailing
    ``normalized_shape`` dimensions.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    with $\mu$ and the biased $\sigma^2$ of each example's trailing block; no running
    statistics, the same in training and evaluation.

    Args:
        input: floating-point tensor.
        normalized_shape: an int or a tuple, the trailing dimensions.
        weight: $\gamma$ of shape ``normalized_shape``, or ``None`` for 1.
        bias: $\beta$ of shape ``normalized_shape``, or ``None`` for 0.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(*, *normalized_shape)``; ``weight``, ``bias`` ``normalized_shape``;
        output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.layer_norm`` (not called here).

    Differences from PyTorch: a mismatch raises ``ValueError`` (torch:
    ``RuntimeError``); ``eps`` must be a finite number > 0; float16 and bfloat16 are
    computed in float32. As in torch, ``normalized_shape`` is a sequence (the
    `LayerNorm` layer also takes an int).

    References:
        J. L. Ba, J. R. Kiros, G. E. Hinton (2016), "Layer normalization",
        https://arxiv.org/abs/1607.06450
    """
    _check_tensors(input=input, weight=weight, bias=bias)
    shape = check_layer_norm_args(input, normalized_shape, weight, bias, eps)
    x = _working_precision(input)
    dims = tuple(range(x.ndim - len(shape), x.ndim))  # the normalized dimensions
    # mu, sigma^2 per example                                   (*, 1, ..., 1)
    mu = x.mean(dim=dims, keepdim=True)
    var = (x - mu).square().mean(dim=dims, keepdim=True)
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    y = (x - mu) * torch.rsqrt(var + eps)
    # y = gamma x_hat + beta, broadcast from the right
    if weight is not None:
        y = y * weight.to(y.dtype)
    if bias is not None:
        y = y + bias.to(y.dtype)
    return y.to(input.dtype)


def group_norm(
    input: torch.Tensor,
    num_groups: int,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    eps: float = 1e-5,
) -> torch.Tensor:
    r"""Group normalization: standardize each example over groups of $C/G$ channels,
    then scale and shift.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,k}}{\sqrt{\sigma^2_{n,k} + \epsilon}} +
    \beta_c,
    \qquad c \in \text{group } k$$

    with $\mu_{n,k}$ and the biased $\sigma^2_{n,k}$ over the $C/G$ channels of group
    $k$ of example $n$ and all their positions.

    Args:
        input: floating-point tensor, channels on dim 1.
        num_groups: $G$, which must divide the number of channels.
        weight: $\gamma$, one per channel, or ``None`` for 1.
        bias: $\beta$, one per channel, or ``None`` for 0.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(N, C, *)``; ``weight``, ``bias`` ``(C,)``; output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.group_norm`` (not called here).

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument; ``eps`` must be a finite number > 0; an empty input is refused; float16
    and bfloat16 are computed in float32.

    References:
        Y. Wu, K. He (2018), "Group normalization", ECCV,
        https://arxiv.org/abs/1803.08494
    """
    _check_tensors(input=input, weight=weight, bias=bias)
    check_group_norm_args(input, num_groups, weight, bias, eps)
    x = _working_precision(input)
    N, G = x.shape[0], num_groups
    xg = x.reshape(N, G, x.numel() // (N * G))  # (N, G, C/G * S)
    # mu, sigma^2 per example and group (biased)                 (N, G, 1)
    mu = xg.mean(dim=2, keepdim=True)
    var = (xg - mu).square().mean(dim=2, keepdim=True)
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    x_hat = ((xg - mu) * torch.rsqrt(var + eps)).reshape(x.shape)  # (N, C, *)
    # y = gamma_c x_hat + beta_c
    return _affine(x_hat, weight, bias).to(input.dtype)


def instance_norm(
    input: torch.Tensor,
    running_mean: torch.Tensor | None = None,
    running_var: torch.Tensor | None = None,
    weight: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> torch.Tensor:
    r"""Instance normalization: standardize each channel of each example over its
    positions.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}} +
    \beta_c$$

    with $\mu_{n,c}$, $\sigma^2_{n,c}$ over the $S$ positions
    (``use_input_stats=True``). Running statistics, when given, are updated in place
    with the batch average of the per-instance statistics (variance unbiased over $S$):
    $\text{running\_mean} \leftarrow (1-m)\,\text{running\_mean} +
    m\,\tfrac1N\sum_n\mu_{n,c}$, $\text{running\_var} \leftarrow
    (1-m)\,\text{running\_var} + m\,\tfrac1N\sum_n\tfrac{S}{S-1}\sigma^2_{n,c}$. With
    ``use_input_stats=False`` the running statistics normalize instead.

    Args:
        input: floating-point tensor, channels on dim 1.
        running_mean: running mean per channel, or ``None`` (required when
            ``use_input_stats=False``).
        running_var: running unbiased variance per channel, or ``None`` likewise.
        weight: $\gamma$, one per channel, or ``None`` for 1.
        bias: $\beta$, one per channel, or ``None`` for 0.
        use_input_stats: each instance's own statistics (and update the running ones),
            or the running statistics.
        momentum: $m \in [0, 1]$.
        eps: $\epsilon > 0$.

    Shape:
        input ``(N, C, *)``; ``running_mean``, ``running_var``, ``weight``, ``bias``
        ``(C,)``; output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.instance_norm`` (not called here).

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument; ``eps`` must be a finite number > 0 and ``momentum`` in $[0, 1]$ (torch
    takes any number); ``running_mean`` must have the input's dtype like ``running_var``
    (torch casts a ``running_mean`` of another dtype silently); float16 and bfloat16 are
    computed in float32.

    References:
        D. Ulyanov, A. Vedaldi, V. Lempitsky (2016), "Instance normalization: the
        missing ingredient for fast stylization", https://arxiv.org/abs/1607.08022
    """
    _check_tensors(
        input=input,
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    check_instance_norm_args(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )
    x = _working_precision(input)
    if use_input_stats:
        N, C = x.shape[:2]
        S = math.prod(x.shape[2:])  # positions per channel (> 1)
        dims = tuple(range(2, x.ndim))  # the positions
        # mu, sigma^2 per example and channel (biased)             (N, C, 1, ...)
        mu = x.mean(dim=dims, keepdim=True)
        var = (x - mu).square().mean(dim=dims, keepdim=True)
        if running_mean is not None:
            # batch averages of the per-instance mean and unbiased variance     (C,)
            _update_running(running_mean, mu.reshape(N, C).mean(dim=0), momentum)
            _update_running(
                running_var, (var.reshape(N, C) * (S / (S - 1))).mean(dim=0), momentum
            )
    else:
        # (1, C, 1, ...)
        mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    x_hat = (x - mu) * torch.rsqrt(var + eps)
    # y = gamma_c x_hat + beta_c
    return _affine(x_hat, weight, bias).to(input.dtype)
