"""Normalization layers: `BatchNorm1d`, `BatchNorm2d` and `LayerNorm`.

The batch-norm layers keep torch's buffers (``running_mean``, ``running_var`` with the
unbiased variance, and ``num_batches_tracked``, an int64 count) under torch's
``state_dict`` keys, so a ``torch.nn.BatchNorm2d`` state loads into them and back.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlref._checks import check_floating, check_positive_int, check_real
from dlref.numpy.functional.normalization import (_normalized_shape, batch_norm, batch_norm_backward,
                                                  layer_norm, layer_norm_backward)
from dlref.numpy.nn.module import Module, Parameter


def _check_float_dtype(dtype) -> None:
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating-point dtype, got {np.dtype(dtype)}")


def _check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


class _BatchNorm(Module):
    """What `BatchNorm1d` and `BatchNorm2d` share; they differ only in the input ranks they accept."""

    _ranks: tuple[int, ...] = ()
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype=np.float32, *,
                 bias: bool = True):
        super().__init__()
        check_positive_int("num_features", num_features)
        check_real("eps", eps, low=0.0)
        if momentum is not None:
            check_real("momentum", momentum, 0.0, 1.0)
        for name, value in (("affine", affine), ("track_running_stats", track_running_stats), ("bias", bias)):
            _check_bool(name, value)
        _check_float_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            # gamma = 1, beta = 0: the layer starts as a pure standardization
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to 1, bias to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def _check_input(self, input: np.ndarray) -> None:
        check_floating("input", input)
        if np.ndim(input) not in self._ranks:
            raise ValueError(f"{type(self).__name__} expected {self._layout} input, got shape {np.shape(input)}")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expected input with {self.num_features} channels "
                f"(dim 1), got {input.shape[1]} channels (input shape {np.shape(input)})"
            )

    def forward(self, input: np.ndarray) -> np.ndarray:
        self._check_input(input)
        # torch's rule: the running averages are updated in training mode when tracked;
        # momentum=None means the cumulative average, factor 1/(number of batches so far)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training mode, and in evaluation mode without running statistics
        use_batch_stats = self.training or self.running_mean is None
        running_mean = self.running_mean if (not self.training or self.track_running_stats) else None
        running_var = self.running_var if (not self.training or self.track_running_stats) else None
        weight = self.weight.data if self.weight is not None else None
        bias = self.bias.data if self.bias is not None else None
        # evaluation mode: keep copies of the statistics used, for backward
        stats = (None, None) if use_batch_stats else (running_mean.copy(), running_var.copy())
        self._save(input=input, stats=stats, use_batch_stats=use_batch_stats)
        return batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, factor, self.eps)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input, (mean, var), use_batch_stats = self._saved("input", "stats", "use_batch_stats")
        weight = self.weight.data if self.weight is not None else None
        bias = self.bias.data if self.bias is not None else None
        grad_input, grad_weight, grad_bias = batch_norm_backward(
            grad_output, input, mean, var, weight, bias, training=use_batch_stats, eps=self.eps)
        if self.weight is not None:
            self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    r"""Batch normalization over a ``(N, C)`` or ``(N, C, L)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Training mode normalizes with the batch's mean and biased variance per channel (over
    ``N``, and ``L``) and updates the running statistics:
    ``running = (1 - momentum) * running + momentum * batch``, with the **unbiased** batch
    variance for ``running_var``; ``momentum=None`` gives the cumulative average
    (``momentum = 1 / num_batches_tracked``). Evaluation mode normalizes with the running
    statistics. See `dlref.numpy.functional.batch_norm`.

    Arguments:
        num_features: $C$, the number of channels.
        eps: $\epsilon$, added to the variance (default ``1e-5``).
        momentum: weight of the new batch in the running averages (default 0.1), or
            ``None`` for a cumulative average.
        affine: learn ``weight`` $\gamma$ (initialized to 1) and ``bias`` $\beta$ (0).
        track_running_stats: keep running statistics; when ``False`` the batch statistics
            are used in evaluation mode too, and there are no buffers.
        dtype: parameter and buffer dtype (default ``np.float32``).
        bias: with ``affine=True``, learn $\beta$ too (keyword only, torch's addition of 2.x).

    Shapes: input ``(N, C)`` or ``(N, C, L)``; output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm1d``; ``state_dict`` keys ``weight``,
    ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``.
    """

    _ranks = (2, 3)
    _layout = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    r"""Batch normalization over a ``(N, C, H, W)`` input, per channel.

    Each channel is normalized over the batch and all $H \times W$ positions, so a
    convolutional feature map keeps one $\gamma$, one $\beta$ and one pair of running
    statistics per channel. Training, evaluation, momentum and the unbiased running
    variance are as in `BatchNorm1d`; arguments are the same.

    Shapes: input ``(N, C, H, W)``; output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm2d``, same ``state_dict`` keys.
    """

    _ranks = (4,)
    _layout = "4-D (N, C, H, W)"


class LayerNorm(Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions of each example.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    $\mu$ and the biased $\sigma^2$ are computed per example, so the layer behaves the same
    in training and evaluation and for any batch size. See
    `dlref.numpy.functional.layer_norm`.

    Arguments:
        normalized_shape: an int or a tuple, the trailing dimensions of the input.
        eps: $\epsilon$ (default ``1e-5``).
        elementwise_affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0), both of
            shape ``normalized_shape``.
        bias: with ``elementwise_affine=True``, learn $\beta$ too.
        dtype: parameter dtype (default ``np.float32``).

    Shapes: input ``(*, *normalized_shape)``; output the same.

    PyTorch equivalent: ``torch.nn.LayerNorm``; ``state_dict`` keys ``weight``, ``bias``.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=np.float32):
        super().__init__()
        shape = _normalized_shape(normalized_shape)
        check_real("eps", eps, low=0.0)
        _check_bool("elementwise_affine", elementwise_affine)
        _check_bool("bias", bias)
        _check_float_dtype(dtype)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, input: np.ndarray) -> np.ndarray:
        weight = self.weight.data if self.weight is not None else None
        bias = self.bias.data if self.bias is not None else None
        self._save(input=input)
        return layer_norm(input, self.normalized_shape, weight, bias, self.eps)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        input = self._saved("input")
        weight = self.weight.data if self.weight is not None else None
        bias = self.bias.data if self.bias is not None else None
        grad_input, grad_weight, grad_bias = layer_norm_backward(
            grad_output, input, self.normalized_shape, weight, bias, self.eps)
        if self.weight is not None:
            self.weight.accumulate_grad(grad_weight)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_bias)
        return grad_input

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
