r"""Batch, layer, group and instance normalization, with their backward passes.

All four standardize activations and then apply a learned per-feature scale $\gamma$
(``weight``) and shift $\beta$ (``bias``):

$$\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}},
\qquad y = \gamma\,\hat x + \beta.$$

They differ only in which values share one $\mu$ and one $\sigma^2$. For an
``(N, C, *)`` input (``*`` the spatial positions, $S$ of them):

* **batch norm**: one channel over the batch and every position ($N S$ values). Training
  uses the batch's statistics and updates running averages; evaluation uses the
  averages.
* **layer norm**: one example over its trailing ``normalized_shape`` dimensions.
* **group norm**: one example over a group of $C/G$ channels and every position.
* **instance norm**: one example's channel over its positions ($S$ values); running
  averages are optional, as in torch.

The variance that normalizes is the biased one (divide by $n$); running variances are
updated with the unbiased one (divide by $n - 1$), as torch does.

Shared backward: with $g = \partial L/\partial y$, $\hat g = \gamma g$,
$\hat\sigma = \sqrt{\sigma^2+\epsilon}$ and $\langle\cdot\rangle$ the mean over the $n$
values that share $\mu$ and $\sigma^2$,

$$\frac{\partial L}{\partial x} = \frac{1}{\hat\sigma}\Big(\hat g - \langle \hat
g\rangle
- \hat x\,\langle \hat g\,\hat x\rangle\Big).$$

The two subtracted terms are the gradient flowing through $\mu$ and through $\sigma^2$;
when the statistics are constants (running statistics in evaluation mode) they vanish
and $\partial L/\partial x = \hat g/\hat\sigma$.
"""

from __future__ import annotations

import numpy as np

from dlref._norm_args import (
    check_batch_norm_args,
    check_grad_output,
    check_group_norm_args,
    check_instance_norm_args,
    check_layer_norm_args,
)

__all__ = [
    "batch_norm",
    "batch_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "group_norm",
    "group_norm_backward",
    "instance_norm",
    "instance_norm_backward",
]


# -- helpers ---------------------------------------------------------------------------


def _working_precision(x: np.ndarray) -> np.ndarray:
    """float16 is computed in float32 (a sum of many float16 values overflows at
    65504)."""
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _check_updatable(running_mean, running_var) -> None:
    """Running statistics updated in place must be writeable NumPy arrays."""
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if not (isinstance(value, np.ndarray) and value.flags.writeable):
            raise TypeError(
                f"{name} must be a writeable NumPy array: training updates it in place"
            )


def _channel_shape(x: np.ndarray) -> tuple[int, ...]:
    """The shape that broadcasts a (C,) vector over an (N, C, *) array: (1, C, 1, ...,
    1)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _per_channel(value, x: np.ndarray) -> np.ndarray:
    """A (C,) weight, bias or statistic as (1, C, 1, ..., 1), in x's dtype."""
    return np.asarray(value, dtype=x.dtype).reshape(_channel_shape(x))


def _affine(x_hat: np.ndarray, weight, bias) -> np.ndarray:
    """y = gamma x_hat + beta per channel, with gamma = 1 and beta = 0 when absent."""
    y = x_hat if weight is None else x_hat * _per_channel(weight, x_hat)
    return y if bias is None else y + _per_channel(bias, x_hat)


def _cast(grad, like):
    """A parameter gradient in the parameter's dtype (None for an absent parameter)."""
    return None if grad is None else grad.astype(np.asarray(like).dtype, copy=False)


# -- batch norm ------------------------------------------------------------------------


def batch_norm(
    input: np.ndarray,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Batch normalization: standardize each channel over the batch, then scale and
    shift it.

    $$y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta$$

    In training mode $\mu$ and $\sigma^2$ are the mean and the biased variance of each
    channel over the batch (and every spatial position), and the running statistics,
    when given, are updated **in place** with torch's momentum convention and the
    **unbiased** batch variance ($n$ values per channel):

    $$\text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu, \qquad
    \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} +
    m\,\tfrac{n}{n-1}\sigma^2.$$

    In evaluation mode $\mu$ and $\sigma^2$ are ``running_mean`` and ``running_var``,
    and nothing is updated.

    Args:
        input: floating-point array, channels on axis 1.
        running_mean: running mean (a writeable array, updated in place when
            ``training=True``), or ``None`` together with ``running_var`` to use only
            batch statistics (then ``training`` must be ``True``).
        running_var: running (unbiased) variance, updated in place likewise, or
            ``None``.
        weight: $\gamma$, or ``None`` for 1.
        bias: $\beta$, or ``None`` for 0.
        training: use the batch's statistics and update the running ones.
        momentum: $m$, the weight of the new batch in the running averages, in $[0, 1]$
            (torch's convention: the opposite of an exponential-moving-average "decay"
            $1 - m$, as in Keras' ``momentum=0.99``).
        eps: $\epsilon > 0$, added to the variance before the square root.

    Shape:
        input ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or any ``(N, C, *)``;
        ``running_mean``, ``running_var``, ``weight``, ``bias`` ``(C,)``; output as
        input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.batch_norm`` (same arguments and
    defaults).

    Differences from PyTorch: wrong shapes raise ``ValueError`` (torch:
    ``RuntimeError``); ``eps`` must be a finite number > 0 (in evaluation mode too) and
    ``momentum`` in $[0, 1]$ (torch takes any number); ``weight`` and ``bias`` must be
    ``(C,)`` (torch takes any shape with $C$ elements); a training batch with at most
    one value per channel is refused (torch computes on an empty one); float16 is
    computed in float32.

    References:
        S. Ioffe, C. Szegedy (2015), "Batch normalization: accelerating deep network
        training by reducing internal covariate shift", ICML,
        https://arxiv.org/abs/1502.03167
    """
    check_batch_norm_args(
        input, running_mean, running_var, weight, bias, training, momentum, eps
    )
    if training and running_mean is not None:
        _check_updatable(running_mean, running_var)
    x = _working_precision(input)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel
        if training:
            # mu = mean of x over the batch and spatial positions   (1, C, 1, ...)
            mu = x.mean(axis=axes, keepdims=True)
            # sigma^2 = mean of (x - mu)^2   (biased: divide by n)   (1, C, 1, ...)
            var = np.square(x - mu).mean(axis=axes, keepdims=True)
            if running_mean is not None:
                n = x.size // x.shape[1]  # values per channel
                # running_mean <- (1 - m) running_mean + m mu
                running_mean *= 1 - momentum
                running_mean += momentum * mu.reshape(-1)
                # running_var <- (1 - m) running_var + m n/(n-1) sigma^2   (unbiased)
                running_var *= 1 - momentum
                running_var += momentum * (n / (n - 1)) * var.reshape(-1)
        else:
            # (1, C, 1, ...)
            mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        x_hat = (x - mu) / np.sqrt(var + x.dtype.type(eps))
        # y = gamma x_hat + beta
        return _affine(x_hat, weight, bias).astype(input.dtype, copy=False)


def batch_norm_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    r"""Gradients of `batch_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g = \gamma g$ and $\langle\cdot\rangle$ the
    mean over a channel's $n$ values (batch and spatial positions):

    $$\frac{\partial L}{\partial \gamma} = \sum g\,\hat x, \qquad
    \frac{\partial L}{\partial \beta} = \sum g,$$

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat x\rangle\Big)
    \quad\text{(training: through the batch statistics)},$$

    and $\partial L/\partial x = \hat g /
    \sqrt{\sigma^2+\epsilon}$ in evaluation mode, where $\mu$ and $\sigma^2$ are the
    running statistics, constants.

    The batch statistics are recomputed from ``input``; the running statistics are read
    (in evaluation mode) but never updated here.

    Args:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `batch_norm`.
        running_mean: as given to `batch_norm`. In evaluation mode pass the running
            statistics the forward pass used (not ones a later training step has
            updated); in training mode they are not used.
        running_var: likewise.
        weight: $\gamma$ as given to `batch_norm`, or ``None``.
        bias: $\beta$ as given to `batch_norm`, or ``None``.
        training: as given to `batch_norm`: whether the batch statistics were used.
        momentum: as given to `batch_norm` (not used: nothing is updated here).
        eps: as given to `batch_norm`.

    Shape:
        ``grad_output`` and ``input`` ``(N, C, *)``; ``weight``, ``bias`` ``(C,)``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight``
        and ``bias``; ``grad_weight`` / ``grad_bias`` is ``None`` when ``weight`` /
        ``bias`` is. The running statistics get no gradient (torch's are buffers, not
        parameters).

    PyTorch equivalent: autograd through ``torch.nn.functional.batch_norm``.

    Differences from PyTorch: as for `batch_norm`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    check_batch_norm_args(
        input, running_mean, running_var, weight, bias, training, momentum, eps
    )
    check_grad_output(grad_output, input)
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel
        if training:
            mu = x.mean(axis=axes, keepdims=True)  # (1, C, 1, ...)
            var = np.square(x - mu).mean(axis=axes, keepdims=True)
        else:
            mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))  # (1, C, 1, ...)
        x_hat = (x - mu) * inv_std
        # dL/dbeta = sum g,  dL/dgamma = sum g x_hat             (C,)
        grad_bias = g.sum(axis=axes) if bias is not None else None
        grad_weight = (g * x_hat).sum(axis=axes) if weight is not None else None
        # gamma / sqrt(sigma^2 + eps), per channel                  (1, C, 1, ...)
        scale = inv_std if weight is None else inv_std * _per_channel(weight, x)
        if training:
            # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps) with
            # g_hat = gamma g; gamma is constant over a channel's n values, so it
            # factors out of the bracket
            # (torch's order: an inf gamma gives inf there, not inf - inf)
            grad_input = scale * (
                g
                - g.mean(axis=axes, keepdims=True)
                - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)
            )
        else:
            # mu and sigma^2 are constants:
            # dL/dx = g_hat / sqrt(sigma^2 + eps) = gamma g / sqrt(sigma^2 + eps)
            grad_input = scale * g
        return (
            grad_input.astype(input.dtype, copy=False),
            _cast(grad_weight, weight),
            _cast(grad_bias, bias),
        )


# -- layer norm ------------------------------------------------------------------------


def layer_norm(
    input: np.ndarray,
    normalized_shape,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Layer normalization: standardize each example over its last dimensions.

    $$y = \gamma\odot\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta,$$

    with $\mu$ and $\sigma^2$ (biased) the mean and variance of each example's trailing
    ``normalized_shape`` block. Nothing depends on the other examples of the batch, so
    training and evaluation compute the same function; there are no running statistics.

    Args:
        input: floating-point array.
        normalized_shape: an int or a tuple: the trailing dimensions to normalize over.
        weight: $\gamma$, or ``None`` for 1.
        bias: $\beta$, or ``None`` for 0.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(*, *normalized_shape)``; ``weight`` and ``bias`` ``normalized_shape``
        (elementwise, not per channel); output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.layer_norm``.

    Differences from PyTorch: a mismatch raises ``ValueError`` (torch:
    ``RuntimeError``); ``eps`` must be a finite number > 0; float16 is computed in
    float32. As in torch, ``normalized_shape`` is a sequence (the `LayerNorm` layer also
    takes an int).

    References:
        J. L. Ba, J. R. Kiros, G. E. Hinton (2016), "Layer normalization",
        https://arxiv.org/abs/1607.06450
    """
    shape = check_layer_norm_args(input, normalized_shape, weight, bias, eps)
    x = _working_precision(input)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = tuple(range(x.ndim - len(shape), x.ndim))  # the normalized dimensions
        # mu, sigma^2 per example                                  (*, 1, ..., 1)
        mu = x.mean(axis=axes, keepdims=True)
        var = np.square(x - mu).mean(axis=axes, keepdims=True)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        x_hat = (x - mu) / np.sqrt(var + x.dtype.type(eps))
        # y = gamma x_hat + beta,
        # gamma and beta of shape normalized_shape (broadcast from the right)
        y = x_hat if weight is None else x_hat * np.asarray(weight, dtype=x.dtype)
        if bias is not None:
            y = y + np.asarray(bias, dtype=x.dtype)
        return y.astype(input.dtype, copy=False)


def layer_norm_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    normalized_shape,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
):
    r"""Gradients of `layer_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g = \gamma\odot g$ and $\langle\cdot\rangle$
    the mean over one example's normalized elements:

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat
    x\rangle\Big),\qquad
    \frac{\partial L}{\partial \gamma} = \sum_{\text{batch}} g\odot\hat x,\qquad
    \frac{\partial L}{\partial \beta} = \sum_{\text{batch}} g.$$

    Args:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `layer_norm`.
        normalized_shape: as given to `layer_norm`.
        weight: $\gamma$, or ``None``.
        bias: $\beta$, or ``None``.
        eps: as given to `layer_norm`.

    Shape:
        ``grad_output`` and ``input`` ``(*, *normalized_shape)``; ``weight``, ``bias``
        ``normalized_shape``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight``
        and ``bias``; ``None`` for an absent ``weight`` or ``bias``.

    PyTorch equivalent: autograd through ``torch.nn.functional.layer_norm``.

    Differences from PyTorch: as for `layer_norm`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    shape = check_layer_norm_args(input, normalized_shape, weight, bias, eps)
    check_grad_output(grad_output, input)
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = tuple(range(x.ndim - len(shape), x.ndim))  # normalized dimensions
        batch_axes = tuple(range(x.ndim - len(shape)))  # the leading dimensions
        mu = x.mean(axis=axes, keepdims=True)  # (*, 1, ..., 1)
        var = np.square(x - mu).mean(axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))  # (*, 1, ..., 1)
        x_hat = (x - mu) * inv_std
        # dL/dbeta = sum over the batch of g,
        # dL/dgamma = sum of g x_hat   normalized_shape
        grad_bias = g.sum(axis=batch_axes) if bias is not None else None
        grad_weight = (g * x_hat).sum(axis=batch_axes) if weight is not None else None
        # g_hat = gamma g
        g_hat = g if weight is None else g * np.asarray(weight, dtype=x.dtype)
        # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps)
        grad_input = inv_std * (
            g_hat
            - g_hat.mean(axis=axes, keepdims=True)
            - x_hat * (g_hat * x_hat).mean(axis=axes, keepdims=True)
        )
        return (
            grad_input.astype(input.dtype, copy=False),
            _cast(grad_weight, weight),
            _cast(grad_bias, bias),
        )


# -- group norm ------------------------------------------------------------------------


def group_norm(
    input: np.ndarray,
    num_groups: int,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Group normalization: standardize each example over groups of channels, then
    scale and shift.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,k}}{\sqrt{\sigma^2_{n,k} + \epsilon}} +
    \beta_c,
    \qquad c \in \text{group } k,$$

    the $C$ channels split into $G$ consecutive groups of $C/G$; $\mu_{n,k}$ and the
    biased $\sigma^2_{n,k}$ are taken over the $C/G$ channels of group $k$ of example
    $n$ and all their positions ($C S / G$ values). Nothing depends on the other
    examples, so training and evaluation agree and any batch size works.
    ``num_groups=1`` normalizes each example over all of ``(C, *)`` (layer norm with
    per-channel $\gamma$, $\beta$); ``num_groups=C`` normalizes each channel of each
    example alone (instance norm).

    Args:
        input: floating-point array, channels on axis 1.
        num_groups: $G$, which must divide the number of channels $C$.
        weight: $\gamma$, one per channel, or ``None`` for 1.
        bias: $\beta$, one per channel, or ``None`` for 0.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(N, C, *)``; ``weight``, ``bias`` ``(C,)``; output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.group_norm`` (same arguments and
    defaults).

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument (torch: ``RuntimeError``); ``eps`` must be a finite number > 0; an empty
    input is refused; float16 is computed in float32. Like torch, an input with
    $N \cdot C/G \cdot S = 1$ is refused.

    References:
        Y. Wu, K. He (2018), "Group normalization", ECCV,
        https://arxiv.org/abs/1803.08494
    """
    check_group_norm_args(input, num_groups, weight, bias, eps)
    x = _working_precision(input)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        N, C, G = x.shape[0], x.shape[1], num_groups
        M = x.size // (N * G)  # values per group: C/G * S
        xg = x.reshape(N, G, M)  # (N, G, C/G * S)
        # mu, sigma^2 per example and group (biased)                (N, G, 1)
        mu = xg.mean(axis=2, keepdims=True)
        var = np.square(xg - mu).mean(axis=2, keepdims=True)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        # (N, C, *)
        x_hat = ((xg - mu) / np.sqrt(var + x.dtype.type(eps))).reshape(x.shape)
        # y = gamma_c x_hat + beta_c
        return _affine(x_hat, weight, bias).astype(input.dtype, copy=False)


def group_norm_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    num_groups: int,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    eps: float = 1e-5,
):
    r"""Gradients of `group_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g_{n,c} = \gamma_c g_{n,c}$ and
    $\langle\cdot\rangle$ the mean over the $C S/G$ values of one group of one example:

    $$\frac{\partial L}{\partial \gamma_c} = \sum_{n,\,s} g\,\hat x, \qquad
    \frac{\partial L}{\partial \beta_c} = \sum_{n,\,s} g, \qquad
    \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat x\rangle\Big).$$

    $\gamma$ scales per channel but the statistics are per group, so $\hat g$ is formed
    in the ``(N, C, *)`` layout and then regrouped to ``(N, G, C S/G)`` for the means.

    Args:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `group_norm`.
        num_groups: as given to `group_norm`.
        weight: $\gamma$, or ``None``.
        bias: $\beta$, or ``None``.
        eps: as given to `group_norm`.

    Shape:
        ``grad_output`` and ``input`` ``(N, C, *)``; ``weight``, ``bias`` ``(C,)``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight``
        and ``bias``; ``None`` for an absent ``weight`` or ``bias``.

    PyTorch equivalent: autograd through ``torch.nn.functional.group_norm``.

    Differences from PyTorch: as for `group_norm`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    check_group_norm_args(input, num_groups, weight, bias, eps)
    check_grad_output(grad_output, input)
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        N, C, G = x.shape[0], x.shape[1], num_groups
        M = x.size // (N * G)  # values per group
        channel_axes = (0,) + tuple(range(2, x.ndim))  # sum over examples and positions
        # forward again: the statistics of each group
        xg = x.reshape(N, G, M)  # (N, G, C/G * S)
        mu = xg.mean(axis=2, keepdims=True)  # (N, G, 1)
        var = np.square(xg - mu).mean(axis=2, keepdims=True)  # (N, G, 1)
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))  # (N, G, 1)
        x_hat = ((xg - mu) * inv_std).reshape(x.shape)  # (N, C, *)
        # dL/dbeta_c = sum over n and s of g;  dL/dgamma_c = sum of g x_hat       (C,)
        grad_bias = g.sum(axis=channel_axes) if bias is not None else None
        grad_weight = (g * x_hat).sum(axis=channel_axes) if weight is not None else None
        # g_hat = dL/dx_hat = gamma_c g, regrouped like x              (N, G, C/G * S)
        g_hat = (g if weight is None else g * _per_channel(weight, x)).reshape(N, G, M)
        x_hat_g = x_hat.reshape(N, G, M)  # (N, G, C/G * S)
        # the two means over each group: <g_hat> and <g_hat x_hat>            (N, G, 1)
        mean_g_hat = g_hat.mean(axis=2, keepdims=True)
        mean_g_hat_x_hat = (g_hat * x_hat_g).mean(axis=2, keepdims=True)
        # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps)
        # (N, C, *)
        grad_input = (
            inv_std * (g_hat - mean_g_hat - x_hat_g * mean_g_hat_x_hat)
        ).reshape(x.shape)
        return (
            grad_input.astype(input.dtype, copy=False),
            _cast(grad_weight, weight),
            _cast(grad_bias, bias),
        )


# -- instance norm ---------------------------------------------------------------------


def instance_norm(
    input: np.ndarray,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Instance normalization: standardize each channel of each example over its
    positions.

    $$y_{n,c} = \gamma_c\,\frac{x_{n,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}} +
    \beta_c,$$

    with $\mu_{n,c}$ and the biased $\sigma^2_{n,c}$ over the $S$ spatial positions of
    channel $c$ of example $n$ (``use_input_stats=True``). Running statistics, when
    given, are updated in place, as torch does, with the **batch average** of the
    per-instance statistics (the variance unbiased over the $S$ positions):

    $$\text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} +
    m\,\tfrac1N\textstyle\sum_n \mu_{n,c},
    \qquad \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} +
    m\,\tfrac1N\sum_n
    \tfrac{S}{S-1}\sigma^2_{n,c}.$$

    With ``use_input_stats=False`` the running statistics normalize instead (the layer's
    evaluation mode when it tracks them) and nothing is updated.

    Args:
        input: floating-point array, channels on axis 1, more than one position per
            channel when ``use_input_stats=True``.
        running_mean: running mean per channel (a writeable array, updated in place when
            ``use_input_stats=True``), or ``None``; required when
            ``use_input_stats=False``.
        running_var: running (unbiased) variance per channel, or ``None`` likewise.
        weight: $\gamma$, one per channel, or ``None`` for 1.
        bias: $\beta$, one per channel, or ``None`` for 0.
        use_input_stats: normalize with each instance's own statistics (and update the
            running ones), or with the running statistics.
        momentum: $m$, the weight of the new batch in the running averages, in $[0, 1]$.
        eps: $\epsilon > 0$, added to the variance.

    Shape:
        input ``(N, C, *)``; ``running_mean``, ``running_var``, ``weight``, ``bias``
        ``(C,)``; output as input.

    Returns:
        $y$, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.instance_norm`` (same arguments and
    defaults).

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument; ``eps`` must be a finite number > 0 and ``momentum`` in $[0, 1]$ (torch
    takes any number); ``running_mean`` must have the input's dtype like ``running_var``
    (torch casts a ``running_mean`` of another dtype silently); float16 is computed in
    float32.

    References:
        D. Ulyanov, A. Vedaldi, V. Lempitsky (2016), "Instance normalization: the
        missing ingredient for fast stylization", https://arxiv.org/abs/1607.08022
    """
    check_instance_norm_args(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )
    if use_input_stats and running_mean is not None:
        _check_updatable(running_mean, running_var)
    x = _working_precision(input)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = tuple(range(2, x.ndim))  # the spatial positions
        if use_input_stats:
            # mu, sigma^2 per example and channel (biased)            (N, C, 1, ...)
            mu = x.mean(axis=axes, keepdims=True)
            var = np.square(x - mu).mean(axis=axes, keepdims=True)
            if running_mean is not None:
                S = x.size // (x.shape[0] * x.shape[1])  # positions per channel
                N, C = x.shape[:2]
                # running_mean <- (1 - m) running_mean + m * mean over the batch of mu
                running_mean *= 1 - momentum
                running_mean += momentum * mu.reshape(N, C).mean(axis=0)
                # running_var <- (1 - m) running_var + m *
                # mean over the batch of S/(S-1) sigma^2
                running_var *= 1 - momentum
                running_var += momentum * (S / (S - 1)) * var.reshape(N, C).mean(axis=0)
        else:
            # (1, C, 1, ...)
            mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
        # x_hat = (x - mu) / sqrt(sigma^2 + eps)
        x_hat = (x - mu) / np.sqrt(var + x.dtype.type(eps))
        # y = gamma_c x_hat + beta_c
        return _affine(x_hat, weight, bias).astype(input.dtype, copy=False)


def instance_norm_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    r"""Gradients of `instance_norm` for ``input``, ``weight`` and ``bias``.

    With $g = \partial L/\partial y$, $\hat g = \gamma g$ and $\langle\cdot\rangle$ the
    mean over the $S$ positions of one channel of one example:

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
    \Big(\hat g - \langle \hat g\rangle - \hat x\,\langle \hat g\,\hat
    x\rangle\Big),\qquad
    \frac{\partial L}{\partial \gamma_c} = \sum_{n,\,s} g\,\hat x, \qquad
    \frac{\partial L}{\partial \beta_c} = \sum_{n,\,s} g;$$

    with ``use_input_stats=False`` the statistics are the running ones, constants, and
    $\partial L/\partial x = \hat g/\sqrt{\sigma^2 + \epsilon}$.

    Args:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `instance_norm`.
        running_mean: as given to `instance_norm` (with ``use_input_stats=False``, the
            values the forward pass used); not updated here.
        running_var: likewise.
        weight: $\gamma$, or ``None``.
        bias: $\beta$, or ``None``.
        use_input_stats: as given to `instance_norm`.
        momentum: as given to `instance_norm` (not used).
        eps: as given to `instance_norm`.

    Shape:
        ``grad_output`` and ``input`` ``(N, C, *)``; ``weight``, ``bias`` ``(C,)``.

    Returns:
        ``(grad_input, grad_weight, grad_bias)``, the shapes of ``input``, ``weight``
        and ``bias``; ``None`` for an absent ``weight`` or ``bias``.

    PyTorch equivalent: autograd through ``torch.nn.functional.instance_norm``.

    Differences from PyTorch: as for `instance_norm`; and ``grad_output`` must have the
    dtype of ``input`` (else a ``TypeError``), where torch's autograd casts a gradient
    of another dtype silently.
    """
    check_instance_norm_args(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )
    check_grad_output(grad_output, input)
    x = _working_precision(input)
    g = grad_output.astype(x.dtype, copy=False)
    # an inf gives inf - inf = NaN in its statistics (and a NaN spreads through them),
    # as in torch: silently
    with np.errstate(invalid="ignore"):
        axes = tuple(range(2, x.ndim))  # the spatial positions
        channel_axes = (0,) + axes  # sum over examples and positions
        if use_input_stats:
            mu = x.mean(axis=axes, keepdims=True)  # (N, C, 1, ...)
            var = np.square(x - mu).mean(axis=axes, keepdims=True)
        else:
            # (1, C, 1, ...)
            mu, var = _per_channel(running_mean, x), _per_channel(running_var, x)
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
        x_hat = (x - mu) * inv_std
        # dL/dbeta_c = sum g,  dL/dgamma_c = sum g x_hat               (C,)
        grad_bias = g.sum(axis=channel_axes) if bias is not None else None
        grad_weight = (g * x_hat).sum(axis=channel_axes) if weight is not None else None
        # gamma_c / sqrt(sigma^2 + eps)
        scale = inv_std if weight is None else inv_std * _per_channel(weight, x)
        if use_input_stats:
            # dL/dx = (g_hat - <g_hat> - x_hat <g_hat x_hat>) / sqrt(sigma^2 + eps),
            # means per instance, with g_hat = gamma_c g; gamma_c is constant over an
            # instance's positions,
            # so it factors out of the bracket
            # (torch's order: an inf gamma gives inf there, not inf - inf)
            grad_input = scale * (
                g
                - g.mean(axis=axes, keepdims=True)
                - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)
            )
        else:
            # constant statistics:
            # dL/dx = g_hat / sqrt(sigma^2 + eps) = gamma_c g / sqrt(sigma^2 + eps)
            grad_input = scale * g
        return (
            grad_input.astype(input.dtype, copy=False),
            _cast(grad_weight, weight),
            _cast(grad_bias, bias),
        )
