r"""`BatchNorm2d` and `LayerNorm` as ``torch.nn.Module`` subclasses, from tensor primitives.

The statistics are computed with ``mean`` and ``square``; autograd differentiates through
them, so the backward pass through the batch statistics comes for free. Neither module
calls ``F.batch_norm`` or ``F.layer_norm``: the tests compare against those.

Parameter and buffer names are torch's (``weight``, ``bias``, ``running_mean``,
``running_var``, ``num_batches_tracked``), so ``state_dict`` loads across in both directions.
"""

from __future__ import annotations

import torch
from torch import nn

from dlref._checks import check_positive_int, check_real
from dlref.numpy.functional.normalization import _normalized_shape


def _check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


def _check_dtype(dtype) -> None:
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype}")


class BatchNorm2d(nn.Module):
    r"""Batch normalization of a ``(N, C, H, W)`` input, per channel.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    Training mode: $\mu$, $\sigma^2$ are the channel's mean and biased variance over
    ``N``, ``H`` and ``W``, and (with ``track_running_stats``) the buffers are updated as
    ``running = (1 - momentum) * running + momentum * batch`` with the **unbiased** batch
    variance; ``momentum=None`` gives the cumulative average
    (``momentum = 1 / num_batches_tracked``). Evaluation mode: the running statistics, or
    the batch's when ``track_running_stats=False``.

    Arguments:
        num_features: $C$.
        eps: $\epsilon$ (default ``1e-5``).
        momentum: weight of the new batch in the running averages (0.1), or ``None``.
        affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0).
        track_running_stats: keep ``running_mean``, ``running_var``, ``num_batches_tracked``.
        device: where the parameters and buffers live.
        dtype: the dtype of the parameters and running statistics.
        bias: with ``affine=True``, learn $\beta$ too (keyword only, as torch 2.x).

    Shapes: input ``(N, C, H, W)``, output the same.

    PyTorch equivalent: ``torch.nn.BatchNorm2d``: same arguments, names, ``state_dict``
    keys and ``repr``. Difference: a wrong channel count raises ``ValueError`` naming both
    counts (torch: ``RuntimeError`` from ``F.batch_norm``).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__()
        check_positive_int("num_features", num_features)
        check_real("eps", eps, low=0.0)
        if momentum is not None:
            check_real("momentum", momentum, 0.0, 1.0)
        for name, value in (("affine", affine), ("track_running_stats", track_running_stats), ("bias", bias)):
            _check_bool(name, value)
        _check_dtype(dtype)
        factory = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, **factory))
            if bias:
                self.bias = nn.Parameter(torch.zeros(num_features, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if input.dim() != 4:
            raise ValueError(f"BatchNorm2d expected 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d({self.num_features}) expected input with {self.num_features} channels (dim 1), "
                f"got {input.shape[1]} channels (input shape {tuple(input.shape)})"
            )
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            n = input.numel() // input.shape[1]                 # values per channel: N H W
            if n <= 1:
                raise ValueError(
                    f"Expected more than 1 value per channel when training, got input of shape {tuple(input.shape)}"
                )
            # mu = mean over N, H, W                             (1, C, 1, 1)
            mu = input.mean(dim=(0, 2, 3), keepdim=True)
            # sigma^2 = mean of (x - mu)^2  (biased)             (1, C, 1, 1)
            var = (input - mu).square().mean(dim=(0, 2, 3), keepdim=True)
            if self.training and self.track_running_stats:
                with torch.no_grad():
                    self.num_batches_tracked += 1
                    m = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                    # running <- (1 - m) running + m batch, with the unbiased variance n/(n-1) sigma^2
                    self.running_mean.mul_(1 - m).add_(m * mu.reshape(-1))
                    self.running_var.mul_(1 - m).add_(m * n / (n - 1) * var.reshape(-1))
        else:
            mu = self.running_mean.reshape(1, -1, 1, 1)          # (1, C, 1, 1)
            var = self.running_var.reshape(1, -1, 1, 1)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        x_hat = (input - mu) * torch.rsqrt(var + self.eps)
        # y = gamma x_hat + beta
        if self.weight is not None:
            x_hat = x_hat * self.weight.reshape(1, -1, 1, 1)
        if self.bias is not None:
            x_hat = x_hat + self.bias.reshape(1, -1, 1, 1)
        return x_hat

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class LayerNorm(nn.Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions of each example.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    with the mean and biased variance of each example's trailing block; the same in
    training and evaluation.

    Arguments:
        normalized_shape: an int or a tuple, the trailing dimensions.
        eps: $\epsilon$ (default ``1e-5``).
        elementwise_affine: learn ``weight`` $\gamma$ (1) and ``bias`` $\beta$ (0), of shape
            ``normalized_shape``.
        bias: with ``elementwise_affine=True``, learn $\beta$ too.
        device: where the parameters live.
        dtype: the dtype of the parameters.

    Shapes: input ``(*, *normalized_shape)``, output the same.

    PyTorch equivalent: ``torch.nn.LayerNorm``: same arguments, names and ``repr``.
    Difference: a shape mismatch raises ``ValueError`` (torch: ``RuntimeError``).
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        shape = _normalized_shape(normalized_shape)
        check_real("eps", eps, low=0.0)
        _check_bool("elementwise_affine", elementwise_affine)
        _check_bool("bias", bias)
        _check_dtype(dtype)
        factory = {"device": device, "dtype": dtype}
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(shape, **factory))
            if bias:
                self.bias = nn.Parameter(torch.zeros(shape, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        k = len(self.normalized_shape)
        if input.dim() < k or tuple(input.shape[-k:]) != self.normalized_shape:
            raise ValueError(
                f"normalized_shape={list(self.normalized_shape)} must equal the trailing dimensions of input: "
                f"expected input of shape (*, {', '.join(map(str, self.normalized_shape))}), "
                f"got {tuple(input.shape)}"
            )
        dims = tuple(range(-k, 0))                               # the normalized dimensions
        # mu, sigma^2 per example                                (*, 1, ..., 1)
        mu = input.mean(dim=dims, keepdim=True)
        var = (input - mu).square().mean(dim=dims, keepdim=True)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        y = (input - mu) * torch.rsqrt(var + self.eps)
        # y = gamma x_hat + beta (broadcast from the right)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
