"""Normalization layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm` and
`InstanceNorm2d`.

The layers keep torch's parameters and buffers (``running_mean``, ``running_var`` with
the unbiased variance, and ``num_batches_tracked``, an int64 count) under torch's
``state_dict`` keys, so a ``torch.nn.BatchNorm2d`` (or ``GroupNorm``, ...) state loads
into them and back. Each ``forward`` calls the function of
`dlref.numpy.functional.normalization` and saves what ``backward`` needs.
"""

from __future__ import annotations

import numpy as np

from dlref._checks import check_bool, check_float_dtype
from dlref._norm_args import (
    as_normalized_shape,
    check_eps,
    check_layer_input,
    check_norm_layer_args,
    check_num_groups,
)
from dlref.numpy.functional.normalization import (
    batch_norm,
    batch_norm_backward,
    group_norm,
    group_norm_backward,
    instance_norm,
    instance_norm_backward,
    layer_norm,
    layer_norm_backward,
)
from dlref.numpy.nn.module import Module, Parameter


def _affine_parameters(module: Module, shape, affine: bool, bias: bool, dtype) -> None:
    """``weight`` = 1 and ``bias`` = 0 of ``shape`` when ``affine``; registered as None
    otherwise (torch's names)."""
    if affine:
        # gamma = 1, beta = 0: the layer starts as a pure standardization
        module.weight = Parameter(np.ones(shape, dtype=dtype))
        if bias:
            module.bias = Parameter(np.zeros(shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _running_buffers(module: Module, num_features: int, track: bool, dtype) -> None:
    """``running_mean`` = 0, ``running_var`` = 1, ``num_batches_tracked`` = 0 (int64)
    when ``track``; else None."""
    if track:
        module.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        module.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        module.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
    else:
        module.register_buffer("running_mean", None)
        module.register_buffer("running_var", None)
        module.register_buffer("num_batches_tracked", None)


def _data(param: Parameter | None):
    return None if param is None else param.data


def _accumulate(module: Module, grad_weight, grad_bias) -> None:
    if module.weight is not None:
        module.weight.accumulate_grad(grad_weight)
    if module.bias is not None:
        module.bias.accumulate_grad(grad_bias)


def _norm_layer_init(
    module: Module,
    num_features: int,
    eps,
    momentum,
    affine,
    track_running_stats,
    dtype,
    bias,
) -> None:
    """The constructor of the batch and instance norm layers: checks, attributes,
    parameters, buffers."""
    check_norm_layer_args(
        num_features,
        eps,
        momentum,
        {"affine": affine, "track_running_stats": track_running_stats, "bias": bias},
        dtype,
        allow_none_dtype=False,
    )
    module.num_features = num_features
    module.eps = eps
    module.momentum = momentum
    module.affine = affine
    module.track_running_stats = track_running_stats
    _affine_parameters(module, num_features, affine, bias, dtype)
    _running_buffers(module, num_features, track_running_stats, dtype)


def _reset_running_stats(module: Module) -> None:
    """running_mean = 0, running_var = 1, num_batches_tracked = 0 (when tracked)."""
    if module.track_running_stats:
        module.running_mean[...] = 0
        module.running_var[...] = 1
        module.num_batches_tracked[...] = 0


def _reset_parameters(module: Module) -> None:
    """Reset the running statistics, and weight to 1, bias to 0."""
    _reset_running_stats(module)
    if module.weight is not None:
        module.weight.data[...] = 1
    if module.bias is not None:
        module.bias.data[...] = 0


class _BatchNorm(Module):
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
        dtype=np.float32,
        *,
        bias: bool = True,
    ):
        super().__init__()
        _norm_layer_init(
            self, num_features, eps, momentum, affine, track_running_stats, dtype, bias
        )

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        _reset_running_stats(self)

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to 1, bias to 0."""
        _reset_parameters(self)

    def forward(self, input: np.ndarray) -> np.ndarray:
        check_layer_input(
            type(self).__name__, input, self._ranks, self._layout, self.num_features
        )
        # torch's rule: the running averages are updated in training mode when tracked;
        # momentum=None means the cumulative average,
        # factor 1/(number of batches so far)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training mode,
        # and in evaluation mode without running statistics
        use_batch_stats = self.training or self.running_mean is None
        running_mean = (
            self.running_mean
            if (not self.training or self.track_running_stats)
            else None
        )
        running_var = (
            self.running_var
            if (not self.training or self.track_running_stats)
            else None
        )
        # evaluation mode: keep copies of the statistics used, for backward
        stats = (
            (None, None)
            if use_batch_stats
            else (running_mean.copy(), running_var.copy())
        )
        self._save(input=input, stats=stats, use_batch_stats=use_batch_stats)
        return batch_norm(
            input,
            running_mean,
            running_var,
            _data(self.weight),
            _data(self.bias),
            use_batch_stats,
            factor,
            self.eps,
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, (mean, var), use_batch_stats = self._saved(
            "input", "stats", "use_batch_stats"
        )
        grad_input, grad_weight, grad_bias = batch_norm_backward(
            grad_output,
            input,
            mean,
            var,
            _data(self.weight),
            _data(self.bias),
            training=use_batch_stats,
            eps=self.eps,
        )
        _accumulate(self, grad_weight, grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization over a ``(N, C)`` or ``(N, C, L)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Training mode normalizes with the batch's mean and biased variance per channel (over
    ``N``, and ``L``) and updates the running statistics: ``running = (1 - momentum) *
    running + momentum * batch``, with the **unbiased** batch variance for
    ``running_var``; ``momentum=None`` gives the cumulative average
    (``momentum = 1 / num_batches_tracked``). Evaluation mode normalizes with the
    running statistics. See `dlref.numpy.functional.batch_norm`.

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$, added to the variance (default ``1e-5``).
        momentum: weight of the new batch in the running averages (default 0.1), or
            ``None`` for a cumulative average.
        affine: learn ``weight`` $\gamma$ (initialized to 1) and ``bias`` $\beta$ (0).
        track_running_stats: keep running statistics; when ``False`` the batch
            statistics are used in evaluation mode too, and there are no buffers.
        dtype: parameter and buffer dtype (default ``np.float32``).
        bias: with ``affine=True``, learn $\beta$ too (keyword only, torch's addition of
            2.x).

    Shape:
        input ``(N, C)`` or ``(N, C, L)``; output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm1d``; ``state_dict`` keys ``weight``,
    ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``.

    Differences from PyTorch: ``eps`` must be a finite number > 0, ``momentum`` in
    $[0, 1]$ or ``None``, and the flags bools (torch tests them for truth); wrong inputs
    raise ``ValueError``.
    """

    _ranks = (2, 3)
    _layout = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization over a ``(N, C, H, W)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Each channel is normalized over the batch and all $H \times W$ positions, so a
    convolutional feature map keeps one $\gamma$, one $\beta$ and one pair of running
    statistics per channel. Training, evaluation, momentum and the unbiased running
    variance are as in `BatchNorm1d`.

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``.
        affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        track_running_stats: keep running statistics (else batch statistics in
            evaluation too).
        dtype: parameter and buffer dtype (default ``np.float32``).
        bias: with ``affine=True``, learn $\beta$ too (keyword only).

    Shape:
        input ``(N, C, H, W)``; output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm2d``, same ``state_dict`` keys.

    Differences from PyTorch: ``eps`` must be a finite number > 0, ``momentum`` in
    $[0, 1]$ or ``None``, and the flags bools (torch tests them for truth); wrong inputs
    raise ``ValueError``.
    """

    _ranks = (4,)
    _layout = "4-D (N, C, H, W)"


class LayerNorm(Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions of each
    example.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    $\mu$ and the biased $\sigma^2$ are computed per example, so the layer behaves the
    same in training and evaluation and for any batch size. See
    `dlref.numpy.functional.layer_norm`.

    Args:
        normalized_shape: an int or a tuple, the trailing dimensions of the input.
        eps: $\epsilon > 0$ (default ``1e-5``).
        elementwise_affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0), both
            of shape ``normalized_shape``.
        bias: with ``elementwise_affine=True``, learn $\beta$ too.
        dtype: parameter dtype (default ``np.float32``).

    Shape:
        input ``(*, *normalized_shape)``; output the same.

    PyTorch equivalent: ``torch.nn.LayerNorm``; ``state_dict`` keys ``weight``,
    ``bias``.

    Differences from PyTorch: ``eps`` must be a finite number > 0, and the flags bools
    (torch tests them for truth).
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=np.float32,
    ):
        super().__init__()
        shape = as_normalized_shape(normalized_shape)
        check_eps(eps)
        check_bool("elementwise_affine", elementwise_affine)
        check_bool("bias", bias)
        check_float_dtype("dtype", dtype)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._save(input=input)
        return layer_norm(
            input, self.normalized_shape, _data(self.weight), _data(self.bias), self.eps
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input = self._saved("input")
        grad_input, grad_weight, grad_bias = layer_norm_backward(
            grad_output,
            input,
            self.normalized_shape,
            _data(self.weight),
            _data(self.bias),
            self.eps,
        )
        _accumulate(self, grad_weight, grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    r"""Group normalization: each example normalized over groups of
    ``num_channels / num_groups`` channels.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,k}}{\sqrt{\sigma^2_{n,k} + \epsilon}} +
    \beta_c,
    \qquad c \in \text{group } k$$

    with $\mu_{n,k}$, $\sigma^2_{n,k}$ over one group's channels and all their
    positions. No running statistics: training and evaluation compute the same function,
    for any batch size. See `dlref.numpy.functional.group_norm`.

    Args:
        num_groups: $G$, which must divide ``num_channels``.
        num_channels: $C$, the channels of the input (dim 1).
        eps: $\epsilon > 0$ (default ``1e-5``).
        affine: learn a per-channel ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        dtype: parameter dtype (default ``np.float32``).
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C, *)``; output the same.

    PyTorch equivalent: ``torch.nn.GroupNorm``; ``state_dict`` keys ``weight``,
    ``bias``.

    Differences from PyTorch: ``eps`` must be a finite number > 0, and ``affine`` a bool
    (torch tests it for truth); errors are ``ValueError``.

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
        dtype=np.float32,
        *,
        bias: bool = True,
    ):
        super().__init__()
        check_num_groups(num_groups, num_channels)
        check_eps(eps)
        check_bool("affine", affine)
        check_bool("bias", bias)
        check_float_dtype("dtype", dtype)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, num_channels, affine, bias, dtype)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, input: np.ndarray) -> np.ndarray:
        check_layer_input(
            "GroupNorm",
            input,
            range(2, 64),
            "at least 2-D (N, C, *)",
            self.num_channels,
            label=f"GroupNorm({self.num_groups}, {self.num_channels})",
        )
        self._save(input=input)
        return group_norm(
            input, self.num_groups, _data(self.weight), _data(self.bias), self.eps
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input = self._saved("input")
        grad_input, grad_weight, grad_bias = group_norm_backward(
            grad_output,
            input,
            self.num_groups,
            _data(self.weight),
            _data(self.bias),
            self.eps,
        )
        _accumulate(self, grad_weight, grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
            f"affine={self.affine}, bias={self.bias is not None}"
        )


class InstanceNorm2d(Module):
    r"""Instance normalization of a ``(N, C, H, W)`` or ``(C, H, W)`` input: each
    channel of each example alone.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}} +
    \beta_c$$

    with $\mu_{n,c}$, $\sigma^2_{n,c}$ over the $H W$ positions. torch's rules, which
    differ from batch norm's defaults:

    * ``affine=False`` and ``track_running_stats=False`` by default: no parameters, no
      buffers, and each instance's own statistics in training **and** evaluation.
    * With ``track_running_stats=True``, training updates ``running_mean`` and
      ``running_var`` with the batch average of the per-instance statistics (see
      `dlref.numpy.functional.instance_norm`), and evaluation normalizes with them.
      ``num_batches_tracked`` is kept (in the ``state_dict``) but, as in torch, never
      incremented; ``momentum=None`` means 0 (the running statistics stay as they are).

    Args:
        num_features: $C$, the number of channels.
        eps: $\epsilon > 0$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``
            (0).
        affine: learn a per-channel ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0)
            (default ``False``).
        track_running_stats: keep running statistics and use them in evaluation mode
            (default ``False``).
        dtype: parameter and buffer dtype (default ``np.float32``).
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shape:
        input ``(N, C, H, W)`` or ``(C, H, W)``; output the same.

    PyTorch equivalent: ``torch.nn.InstanceNorm2d``; ``state_dict`` keys ``weight``,
    ``bias`` (when affine) and ``running_mean``, ``running_var``,
    ``num_batches_tracked`` (when tracking).

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
        dtype=np.float32,
        *,
        bias: bool = True,
    ):
        super().__init__()
        _norm_layer_init(
            self, num_features, eps, momentum, affine, track_running_stats, dtype, bias
        )

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        _reset_running_stats(self)

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to 1, bias to 0."""
        _reset_parameters(self)

    def forward(self, input: np.ndarray) -> np.ndarray:
        check_layer_input(
            "InstanceNorm2d",
            input,
            (3, 4),
            "3-D (C, H, W) or 4-D (N, C, H, W)",
            self.num_features,
            unbatched_rank=3,
        )
        x = input[None] if input.ndim == 3 else input  # (N, C, H, W)
        # torch's rule: the instance's own statistics
        # unless evaluating with running ones
        use_input_stats = self.training or not self.track_running_stats
        factor = 0.0 if self.momentum is None else self.momentum
        stats = (
            (None, None)
            if use_input_stats or self.running_mean is None
            else (self.running_mean.copy(), self.running_var.copy())
        )
        self._save(
            input=x,
            stats=stats,
            use_input_stats=use_input_stats,
            unbatched=input.ndim == 3,
        )
        y = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            _data(self.weight),
            _data(self.bias),
            use_input_stats,
            factor,
            self.eps,
        )
        return y[0] if input.ndim == 3 else y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x, (mean, var), use_input_stats, unbatched = self._saved(
            "input", "stats", "use_input_stats", "unbatched"
        )
        g = grad_output[None] if unbatched else grad_output  # (N, C, H, W)
        grad_input, grad_weight, grad_bias = instance_norm_backward(
            g,
            x,
            mean,
            var,
            _data(self.weight),
            _data(self.bias),
            use_input_stats,
            eps=self.eps,
        )
        _accumulate(self, grad_weight, grad_bias)
        return grad_input[0] if unbatched else grad_input

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )
