r"""Normalization layers as ``torch.nn.Module`` subclasses, on the twins of
`dlref.torch.functional`.

`BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm` and `InstanceNorm2d` keep torch's
parameters and buffers (``weight``, ``bias``, ``running_mean``, ``running_var``,
``num_batches_tracked``) under torch's names, decide which statistics to use exactly as
``torch.nn`` does, and call `dlref.torch.functional.batch_norm` (``layer_norm``,
``group_norm``, ``instance_norm``), written from tensor primitives. So ``state_dict``
loads across in both directions, and no torch normalization op runs.
"""

from __future__ import annotations

import torch
from torch import nn

from dlref._checks import check_bool, check_float_dtype
from dlref._norm_args import (
    as_normalized_shape,
    check_eps,
    check_layer_input,
    check_norm_layer_args,
    check_num_groups,
)
from dlref.torch.functional.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
)

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d"]


def _check_input(
    name: str, input, ranks, layout: str, num_features: int, **kwargs
) -> None:
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
    check_layer_input(name, input, ranks, layout, num_features, **kwargs)


def _affine_parameters(
    module: nn.Module, shape, affine: bool, bias: bool, factory: dict
) -> None:
    """``weight`` = 1 and ``bias`` = 0 of ``shape`` when ``affine``; registered as None
    otherwise (torch's names)."""
    if affine:
        module.weight = nn.Parameter(torch.ones(shape, **factory))
        if bias:
            module.bias = nn.Parameter(torch.zeros(shape, **factory))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _running_buffers(
    module: nn.Module, num_features: int, track: bool, factory: dict
) -> None:
    """``running_mean`` = 0, ``running_var`` = 1, ``num_batches_tracked`` = 0 (int64)
    when ``track``; else None."""
    if track:
        module.register_buffer("running_mean", torch.zeros(num_features, **factory))
        module.register_buffer("running_var", torch.ones(num_features, **factory))
        module.register_buffer(
            "num_batches_tracked",
            torch.tensor(0, dtype=torch.long, device=factory["device"]),
        )
    else:
        module.register_buffer("running_mean", None)
        module.register_buffer("running_var", None)
        module.register_buffer("num_batches_tracked", None)


class _NormBase(nn.Module):
    """Constructor, resets and ``repr`` shared by the batch-norm layers and
    `InstanceNorm2d` (torch's _NormBase)."""

    def __init__(
        self,
        num_features: int,
        eps: float,
        momentum: float | None,
        affine: bool,
        track_running_stats: bool,
        device,
        dtype,
        bias: bool,
    ):
        super().__init__()
        check_norm_layer_args(
            num_features,
            eps,
            momentum,
            {
                "affine": affine,
                "track_running_stats": track_running_stats,
                "bias": bias,
            },
            dtype,
            allow_none_dtype=True,
        )
        factory = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, num_features, affine, bias, factory)
        _running_buffers(self, num_features, track_running_stats, factory)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to 1, bias to 0."""
        self.reset_running_stats()
        with torch.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """What `BatchNorm1d` and `BatchNorm2d` share; they differ only in the input ranks
    they accept."""

    _ranks: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__(
            num_features,
            eps,
            momentum,
            affine,
            track_running_stats,
            device,
            dtype,
            bias,
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        _check_input(
            type(self).__name__, input, self._ranks, self._layout, self.num_features
        )
        # torch's rule: the running averages are updated in training mode when tracked;
        # momentum=None means the cumulative average,
        # factor 1/(number of batches so far)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training mode,
        # and in evaluation mode without running statistics
        use_batch_stats = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if tracked else None,
            self.running_var if tracked else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization of a ``(N, C)`` or ``(N, C, L)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Training mode: $\mu$, $\sigma^2$ are the channel's mean and biased variance over
    ``N`` (and ``L``), and (with ``track_running_stats``) the buffers are updated as
    ``running = (1 - momentum) * running + momentum * batch`` with the **unbiased**
    batch variance; ``momentum=None`` gives the cumulative average
    (``momentum = 1 / num_batches_tracked``). Evaluation mode: the running statistics,
    or the batch's when ``track_running_stats=False``. See
    `dlref.torch.functional.batch_norm`.

    Args:
        num_features: $C$.
        eps: $\epsilon > 0$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``.
        affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        track_running_stats: keep ``running_mean``, ``running_var``,
            ``num_batches_tracked``.
        device: where the parameters and buffers live.
        dtype: the dtype of the parameters and running statistics.
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C)`` or ``(N, C, L)``, output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm1d``: same arguments, names, ``state_dict``
    keys and ``repr``.

    Differences from PyTorch: a wrong input raises ``ValueError`` naming both channel
    counts (torch: ``RuntimeError`` from ``F.batch_norm``); ``eps`` must be a finite
    number > 0, ``momentum`` in $[0, 1]$ or ``None``, and the flags bools (torch tests
    them for truth).
    """

    _ranks = (2, 3)
    _layout = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization of a ``(N, C, H, W)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Each channel is normalized over ``N``, ``H`` and ``W``; training, evaluation,
    momentum and the unbiased running variance are as in `BatchNorm1d`.

    Args:
        num_features: $C$.
        eps: $\epsilon > 0$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``.
        affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        track_running_stats: keep ``running_mean``, ``running_var``,
            ``num_batches_tracked``.
        device: where the parameters and buffers live.
        dtype: the dtype of the parameters and running statistics.
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C, H, W)``, output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm2d``: same arguments, names, ``state_dict``
    keys and ``repr``.

    Differences from PyTorch: a wrong input raises ``ValueError`` naming both channel
    counts (torch: ``RuntimeError`` from ``F.batch_norm``); ``eps`` must be a finite
    number > 0, ``momentum`` in $[0, 1]$ or ``None``, and the flags bools (torch tests
    them for truth).
    """

    _ranks = (4,)
    _layout = "4-D (N, C, H, W)"


class LayerNorm(nn.Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions of each
    example.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    with the mean and biased variance of each example's trailing block; the same in
    training and evaluation. See `dlref.torch.functional.layer_norm`.

    Args:
        normalized_shape: an int or a tuple, the trailing dimensions.
        eps: $\epsilon > 0$ (default ``1e-5``).
        elementwise_affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0), of
            shape ``normalized_shape``.
        bias: with ``elementwise_affine=True``, learn $\beta$ too.
        device: where the parameters live.
        dtype: the dtype of the parameters.

    Shape:
        input ``(*, *normalized_shape)``, output the same.

    PyTorch equivalent: ``torch.nn.LayerNorm``: same arguments, names and ``repr``.

    Differences from PyTorch: a shape mismatch raises ``ValueError`` (torch:
    ``RuntimeError``); ``eps`` must be a finite number > 0, and the flags bools (torch
    tests them for truth).
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        shape = as_normalized_shape(normalized_shape)
        check_eps(eps)
        check_bool("elementwise_affine", elementwise_affine)
        check_bool("bias", bias)
        check_float_dtype("dtype", dtype, allow_none=True)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(
            self, shape, elementwise_affine, bias, {"device": device, "dtype": dtype}
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return layer_norm(
            input, self.normalized_shape, self.weight, self.bias, self.eps
        )

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(nn.Module):
    r"""Group normalization: each example normalized over groups of
    ``num_channels / num_groups`` channels.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,k}}{\sqrt{\sigma^2_{n,k} + \epsilon}} +
    \beta_c,
    \qquad c \in \text{group } k$$

    No running statistics: the same in training and evaluation, for any batch size. See
    `dlref.torch.functional.group_norm`.

    Args:
        num_groups: $G$, which must divide ``num_channels``.
        num_channels: $C$, the channels of the input (dim 1).
        eps: $\epsilon > 0$ (default ``1e-5``).
        affine: learn a per-channel ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        device: where the parameters live.
        dtype: the dtype of the parameters.
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C, *)``, output the same.

    PyTorch equivalent: ``torch.nn.GroupNorm``: same arguments, names, ``state_dict``
    keys and ``repr``.

    Differences from PyTorch: errors are ``ValueError`` naming the argument; ``eps``
    must be a finite number > 0, and ``affine`` a bool (torch tests it for truth).

    References:
        Y. Wu, K. He (2018), "Group normalization", ECCV,
        https://arxiv.org/abs/1803.08494
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        check_num_groups(num_groups, num_channels)
        check_eps(eps)
        check_bool("affine", affine)
        check_bool("bias", bias)
        check_float_dtype("dtype", dtype, allow_none=True)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(
            self, num_channels, affine, bias, {"device": device, "dtype": dtype}
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        _check_input(
            "GroupNorm",
            input,
            range(2, 64),
            "at least 2-D (N, C, *)",
            self.num_channels,
            label=f"GroupNorm({self.num_groups}, {self.num_channels})",
        )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
            f"affine={self.affine}, bias={self.bias is not None}"
        )


class InstanceNorm2d(_NormBase):
    r"""Instance normalization of a ``(N, C, H, W)`` or ``(C, H, W)`` input: each
    channel of each example alone.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}} +
    \beta_c$$

    torch's rules: no parameters (``affine=False``) and no buffers
    (``track_running_stats=False``) by default, each instance's own statistics in
    training and evaluation. With ``track_running_stats=True`` training updates the
    running statistics with batch averages of the per-instance ones and evaluation uses
    them; ``num_batches_tracked`` is kept but, as in torch, never incremented, and
    ``momentum=None`` means 0. See `dlref.torch.functional.instance_norm`.

    Args:
        num_features: $C$.
        eps: $\epsilon > 0$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``
            (0).
        affine: learn a per-channel ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0)
            (default ``False``).
        track_running_stats: keep running statistics and use them in evaluation mode
            (default ``False``).
        device: where the parameters and buffers live.
        dtype: the dtype of the parameters and running statistics.
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``, output the same.

    PyTorch equivalent: ``torch.nn.InstanceNorm2d``: same arguments, names,
    ``state_dict`` keys and ``repr``.

    Differences from PyTorch: a channel count other than ``num_features`` is a
    ``ValueError`` also when ``affine=False`` (torch only warns then); ``eps`` must be a
    finite number > 0, ``momentum`` in $[0, 1]$ or ``None``, and the flags bools (torch
    tests them for truth).

    References:
        D. Ulyanov, A. Vedaldi, V. Lempitsky (2016), "Instance normalization: the
        missing ingredient for fast stylization", https://arxiv.org/abs/1607.08022
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__(
            num_features,
            eps,
            momentum,
            affine,
            track_running_stats,
            device,
            dtype,
            bias,
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        _check_input(
            "InstanceNorm2d",
            input,
            (3, 4),
            "3-D (C, H, W) or 4-D (N, C, H, W)",
            self.num_features,
            unbatched_rank=3,
        )
        x = input.unsqueeze(0) if input.ndim == 3 else input  # (N, C, H, W)
        # torch's rule: the instance's own statistics
        # unless evaluating with running ones
        use_input_stats = self.training or not self.track_running_stats
        factor = 0.0 if self.momentum is None else self.momentum
        y = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input_stats,
            factor,
            self.eps,
        )
        return y.squeeze(0) if input.ndim == 3 else y
