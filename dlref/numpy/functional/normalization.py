r"""Batch normalization and layer normalization, with their backward passes.

Both standardize activations and then apply a learned per-feature scale $\gamma$
(``weight``) and shift $\beta$ (``bias``):

$$\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma\,\hat x + \beta.$$

They differ in what $\mu$ and $\sigma^2$ are averaged over:

* **batch norm**: per channel, over the batch and every spatial position (axes
  ``(0, 2, 3, ...)`` of an ``(N, C, *)`` input). Training uses the batch's statistics and
  updates running averages; evaluation uses the running averages.
* **layer norm**: per example, over the trailing ``normalized_shape`` dimensions. Training
  and evaluation compute the same thing.

The variance that normalizes is the biased one (divide by $n$); the running variance is
updated with the unbiased batch variance (divide by $n - 1$), as torch does.

Shared backward: with $g = \partial L/\partial y$, $\hat g = \gamma g$, $\hat\sigma =
\sqrt{\sigma^2+\epsilon}$ and means $\langle\cdot\rangle$ over the $n$ normalized elements,

$$\frac{\partial L}{\partial x} = \frac{1}{\hat\sigma}\Big(\hat g - \langle \hat g\rangle
- \hat x\,\langle \hat g\,\hat x\rangle\Big).$$

The two subtracted terms are the gradient flowing through $\mu$ and through $\sigma^2$;
when the statistics are constants (batch norm in evaluation mode) they vanish and
$\partial L/\partial x = \hat g/\hat\sigma$.
"""

from __future__ import annotations

import numbers

import numpy as np

from dlref._checks import check_floating, check_real, shape_of

__all__ = ["batch_norm", "batch_norm_backward", "layer_norm", "layer_norm_backward"]


# -- helpers ----------------------------------------------------------------------------------


def _working_precision(x: np.ndarray) -> np.ndarray:
    """float16 is computed in float32 (a sum of many float16 values overflows at 65504)."""
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _check_flag(name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


def _check_eps(eps) -> None:
    check_real("eps", eps, low=0.0)


def _check_per_channel(name: str, value, num_channels: int, writeable: bool = False) -> None:
    """``value`` must be a floating (C,) array (running statistics, weight, bias)."""
    check_floating(name, value)
    if shape_of(value) != (num_channels,):
        raise ValueError(
            f"{name} must have shape ({num_channels},), one entry per channel of input "
            f"(dim 1), got shape {shape_of(value)}"
        )
    if writeable and not (isinstance(value, np.ndarray) and value.flags.writeable):
        raise TypeError(f"{name} must be a writeable NumPy array: training updates it in place")


def _check_batch_norm_args(input, running_mean, running_var, weight, bias, training, momentum, eps) -> None:
    check_floating("input", input)
    if input.ndim < 2:
        raise ValueError(f"input must be at least 2-D (N, C, *), got shape {shape_of(input)}")
    C = input.shape[1]
    _check_flag("training", training)
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise TypeError(
            f"momentum must be a real number, got {type(momentum).__name__} (as in torch's "
            "F.batch_norm; the cumulative average of momentum=None belongs to the modules, "
            "which pass 1/num_batches_tracked)"
        )
    check_real("momentum", momentum, 0.0, 1.0)
    _check_eps(eps)
    if training and eps <= 0.0:
        raise ValueError(f"eps must be positive in training mode (as torch requires), got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must both be arrays or both be None")
    if running_mean is not None:
        _check_per_channel("running_mean", running_mean, C, writeable=training)
        _check_per_channel("running_var", running_var, C, writeable=training)
    elif not training:
        raise ValueError("running_mean and running_var must be given in evaluation mode (training=False)")
    if weight is not None:
        _check_per_channel("weight", weight, C)
    if bias is not None:
        _check_per_channel("bias", bias, C)
    if training:
        n = input.size // C if C else 0
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input of shape {shape_of(input)}"
            )


def _channel_layout(input: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes reduced by batch norm, and the shape that broadcasts a (C,) vector over input."""
    axes = (0,) + tuple(range(2, input.ndim))                 # every axis but the channel
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)     # (1, C, 1, ..., 1)
    return axes, shape


def _batch_stats(x: np.ndarray, axes) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance, shapes (1, C, 1, ...), by the two-pass formula."""
    # mu = mean of x over the batch and spatial positions
    mu = x.mean(axis=axes, keepdims=True)
    # sigma^2 = mean of (x - mu)^2   (biased: divide by n)
    var = np.square(x - mu).mean(axis=axes, keepdims=True)
    return mu, var


def _affine(x_hat: np.ndarray, weight, bias, shape) -> np.ndarray:
    """y = gamma * x_hat + beta, with gamma = 1 and beta = 0 when absent."""
    y = x_hat if weight is None else x_hat * np.asarray(weight, dtype=x_hat.dtype).reshape(shape)
    if bias is not None:
        y = y + np.asarray(bias, dtype=x_hat.dtype).reshape(shape)
    return y


# -- batch norm -------------------------------------------------------------------------------


def batch_norm(input: np.ndarray, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: np.ndarray | None = None, bias: np.ndarray | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> np.ndarray:
    r"""Batch normalization: standardize each channel, then scale and shift it.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    In training mode $\mu$ and $\sigma^2$ are the mean and the biased variance of each
    channel over the batch (and every spatial position), and the running statistics, when
    given, are updated **in place** with torch's momentum convention and the **unbiased**
    batch variance ($n$ values per channel):

    $$\text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu, \qquad
    \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\,\tfrac{n}{n-1}\sigma^2.$$

    In evaluation mode $\mu$ and $\sigma^2$ are ``running_mean`` and ``running_var``, and
    nothing is updated.

    Shapes: input ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or any ``(N, C, *)``;
    ``running_mean``, ``running_var``, ``weight``, ``bias`` ``(C,)``; output as input.

    Arguments:
        input: floating-point array, channels on axis 1.
        running_mean: running mean, ``(C,)`` (a writeable array, updated in place when
            ``training=True``), or ``None`` together with ``running_var`` to use only batch
            statistics (then ``training`` must be ``True``).
        running_var: running (unbiased) variance, ``(C,)``, updated in place likewise, or
            ``None``.
        weight: $\gamma$, or ``None`` for 1.
        bias: $\beta$, or ``None`` for 0.
        training: use the batch's statistics and update the running ones.
        momentum: $m$, the weight of the new batch in the running averages, in $[0, 1]$
            (torch's convention: the opposite of an exponential-moving-average "decay"
            $1 - m$, as in Keras' ``momentum=0.99``).
        eps: $\epsilon$, added to the variance before the square root.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.batch_norm`` (same arguments and defaults).

    References:
        S. Ioffe, C. Szegedy (2015), "Batch normalization: accelerating deep network
        training by reducing internal covariate shift", ICML, https://arxiv.org/abs/1502.03167

    Differences from PyTorch: wrong shapes raise ``ValueError`` (torch: ``RuntimeError``);
    float16 is computed in float32.
    """
    _check_batch_norm_args(input, running_mean, running_var, weight, bias, training, momentum, eps)
    x = _working_precision(input)
    axes, shape = _channel_layout(x)
    if training:
        mu, var = _batch_stats(x, axes)                       # (1, C, 1, ...)
        if running_mean is not None:
            n = x.size // x.shape[1]                          # values per channel
            # running_mean <- (1 - m) running_mean + m mu
            running_mean *= 1 - momentum
            running_mean += momentum * mu.reshape(-1)
            # running_var <- (1 - m) running_var + m n/(n-1) sigma^2   (unbiased)
            running_var *= 1 - momentum
            running_var += momentum * (n / (n - 1)) * var.reshape(-1)
    else:
        mu = np.asarray(running_mean, dtype=x.dtype).reshape(shape)
        var = np.asarray(running_var, dtype=x.dtype).reshape(shape)
    # 1 / sqrt(sigma^2 + eps)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    x_hat = (x - mu) * inv_std
    # y = gamma x_hat + beta
    return _affine(x_hat, weight, bias, shape).astype(input.dtype, copy=False)


def batch_norm_backward(grad_output: np.ndarray, input: np.ndarray, running_mean: np.ndarray | None,
                        running_var: np.ndarray | None, weight: np.ndarray | None = None,
                        bias: np.ndarray | None = None, training: bool = False, momentum: float = 0.1,
                        eps: float = 1e-5):
    r"""Gradients of `batch_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g = \gamma g$ and $\langle\cdot\rangle$ the mean
    over a channel's $n$ values (batch and spatial positions):

    $$\frac{\partial L}{\partial \gamma} = \sum g\,\hat x, \qquad
    \frac{\partial L}{\partial \beta} = \sum g,$$

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat x\rangle\Big)
    \quad\text{(training: through the batch statistics)},$$

    and $\partial L/\partial x = \hat g / \sqrt{\sigma^2+\epsilon}$ in evaluation mode, where
    $\mu$ and $\sigma^2$ are the running statistics, constants.

    The batch statistics are recomputed from ``input``; the running statistics are read
    (in evaluation mode) but never updated here.

    Arguments:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `batch_norm`.
        running_mean: as given to `batch_norm`. In evaluation mode pass the running
            statistics the forward pass used (not ones a later training step has updated);
            in training mode they are not used.
        running_var: likewise.
        weight: $\gamma$ as given to `batch_norm`, or ``None``.
        bias: $\beta$ as given to `batch_norm`, or ``None``.
        training: as given to `batch_norm`: whether the batch statistics were used.
        momentum: as given to `batch_norm` (not used: nothing is updated here).
        eps: as given to `batch_norm`.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight`` and
        ``bias``; ``grad_weight`` / ``grad_bias`` is ``None`` when ``weight`` / ``bias`` is.
        The running statistics get no gradient (torch's are buffers, not parameters).
    """
    _check_batch_norm_args(input, running_mean, running_var, weight, bias, training, momentum, eps)
    check_floating("grad_output", grad_output)
    if shape_of(grad_output) != shape_of(input):
        raise ValueError(f"grad_output must have the shape of input {shape_of(input)}, got {shape_of(grad_output)}")
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    axes, shape = _channel_layout(x)
    if training:
        mu, var = _batch_stats(x, axes)
    else:
        mu = np.asarray(running_mean, dtype=x.dtype).reshape(shape)
        var = np.asarray(running_var, dtype=x.dtype).reshape(shape)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))           # (1, C, 1, ...)
    x_hat = (x - mu) * inv_std
    # dL/dbeta = sum g,  dL/dgamma = sum g x_hat             (C,)
    grad_bias = g.sum(axis=axes) if bias is not None else None
    grad_weight = (g * x_hat).sum(axis=axes) if weight is not None else None
    # g_hat = dL/dx_hat = gamma g
    g_hat = g if weight is None else g * np.asarray(weight, dtype=x.dtype).reshape(shape)
    if training:
        # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps)
        grad_input = inv_std * (g_hat - g_hat.mean(axis=axes, keepdims=True)
                                - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True))
    else:
        # mu and sigma^2 are constants: dL/dx = g_hat / sqrt(sigma^2 + eps)
        grad_input = g_hat * inv_std

    def cast(a, like):
        return None if a is None else a.astype(np.asarray(like).dtype, copy=False)

    return grad_input.astype(input.dtype, copy=False), cast(grad_weight, weight), cast(grad_bias, bias)


# -- layer norm -------------------------------------------------------------------------------


def _normalized_shape(normalized_shape) -> tuple[int, ...]:
    """torch accepts an int or a sequence of ints."""
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        normalized_shape = (normalized_shape,)
    try:
        result = tuple(normalized_shape)
    except TypeError:
        raise TypeError(f"normalized_shape must be an int or a sequence of ints, "
                        f"got {type(normalized_shape).__name__}") from None
    if not result or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
                             for n in result):
        raise ValueError(f"normalized_shape must be a non-empty sequence of positive ints, got {normalized_shape!r}")
    return tuple(int(n) for n in result)


def _check_layer_norm_args(input, normalized_shape, weight, bias, eps) -> tuple[int, ...]:
    check_floating("input", input)
    shape = _normalized_shape(normalized_shape)
    if shape_of(input)[input.ndim - len(shape):] != shape or input.ndim < len(shape):
        raise ValueError(
            f"normalized_shape={list(shape)} must equal the trailing dimensions of input: expected "
            f"input of shape (*, {', '.join(map(str, shape))}), got {shape_of(input)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            check_floating(name, value)
            if shape_of(value) != shape:
                raise ValueError(f"{name} must have shape normalized_shape={shape}, got {shape_of(value)}")
    _check_eps(eps)
    return shape


def layer_norm(input: np.ndarray, normalized_shape, weight: np.ndarray | None = None,
               bias: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
    r"""Layer normalization: standardize each example over its last dimensions.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta,$$

    with $\mu$ and $\sigma^2$ (biased) the mean and variance of each example's trailing
    ``normalized_shape`` block. Nothing depends on the other examples of the batch, so
    training and evaluation compute the same function; there are no running statistics.

    Shapes: input ``(*, *normalized_shape)``; ``weight`` and ``bias`` ``normalized_shape``
    (elementwise, not per channel); output as input.

    Arguments:
        input: floating-point array.
        normalized_shape: an int or a tuple: the trailing dimensions to normalize over.
        weight: $\gamma$, or ``None`` for 1.
        bias: $\beta$, or ``None`` for 0.
        eps: $\epsilon$, added to the variance.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.layer_norm``.

    References:
        J. L. Ba, J. R. Kiros, G. E. Hinton (2016), "Layer normalization",
        https://arxiv.org/abs/1607.06450

    Differences from PyTorch: a mismatch raises ``ValueError`` (torch: ``RuntimeError``);
    float16 is computed in float32.
    """
    shape = _check_layer_norm_args(input, normalized_shape, weight, bias, eps)
    x = _working_precision(input)
    axes = tuple(range(x.ndim - len(shape), x.ndim))          # the normalized dimensions
    # mu, sigma^2 per example                                  (*, 1, ..., 1)
    mu = x.mean(axis=axes, keepdims=True)
    var = np.square(x - mu).mean(axis=axes, keepdims=True)
    # x_hat = (x - mu) / sqrt(sigma^2 + eps)
    x_hat = (x - mu) / np.sqrt(var + x.dtype.type(eps))
    # y = gamma x_hat + beta, gamma and beta of shape normalized_shape (broadcast from the right)
    y = x_hat if weight is None else x_hat * np.asarray(weight, dtype=x.dtype)
    if bias is not None:
        y = y + np.asarray(bias, dtype=x.dtype)
    return y.astype(input.dtype, copy=False)


def layer_norm_backward(grad_output: np.ndarray, input: np.ndarray, normalized_shape,
                        weight: np.ndarray | None = None, bias: np.ndarray | None = None, eps: float = 1e-5):
    r"""Gradients of `layer_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g = \gamma\odot g$ and $\langle\cdot\rangle$ the
    mean over one example's normalized elements:

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat x\rangle\Big),\qquad
    \frac{\partial L}{\partial \gamma} = \sum_{\text{batch}} g\odot\hat x,\qquad
    \frac{\partial L}{\partial \beta} = \sum_{\text{batch}} g.$$

    Arguments:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `layer_norm`.
        normalized_shape: as given to `layer_norm`.
        weight: $\gamma$, or ``None``.
        bias: $\beta$, or ``None``.
        eps: as given to `layer_norm`.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight`` and
        ``bias``; ``None`` for an absent ``weight`` or ``bias``.
    """
    shape = _check_layer_norm_args(input, normalized_shape, weight, bias, eps)
    check_floating("grad_output", grad_output)
    if shape_of(grad_output) != shape_of(input):
        raise ValueError(f"grad_output must have the shape of input {shape_of(input)}, got {shape_of(grad_output)}")
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    axes = tuple(range(x.ndim - len(shape), x.ndim))          # normalized dimensions
    batch_axes = tuple(range(x.ndim - len(shape)))            # the leading dimensions
    mu = x.mean(axis=axes, keepdims=True)
    var = np.square(x - mu).mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))          # (*, 1, ..., 1)
    x_hat = (x - mu) * inv_std
    # dL/dbeta = sum over the batch of g, dL/dgamma = sum of g x_hat      normalized_shape
    grad_bias = g.sum(axis=batch_axes) if bias is not None else None
    grad_weight = (g * x_hat).sum(axis=batch_axes) if weight is not None else None
    # g_hat = gamma g
    g_hat = g if weight is None else g * np.asarray(weight, dtype=x.dtype)
    # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps)
    grad_input = inv_std * (g_hat - g_hat.mean(axis=axes, keepdims=True)
                            - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True))

    def cast(a, like):
        return None if a is None else a.astype(np.asarray(like).dtype, copy=False)

    return grad_input.astype(input.dtype, copy=False), cast(grad_weight, weight), cast(grad_bias, bias)
