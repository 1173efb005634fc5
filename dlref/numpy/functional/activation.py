r"""Activation functions and their backward passes.

Every function here is elementwise except `softmax` and `log_softmax`, which
normalise along one dimension. Each ``f`` has ``f_backward(grad_output, input, **same
keywords)``, which returns $\partial L/\partial x$ given
$\partial L/\partial y$.

Numerical stability is part of the contract: no function overflows, divides by zero or
warns for finite inputs, including $|x| = 10^4$. The stable forms are:

* sigmoid from $z = e^{-|x|} \le 1$, so ``exp`` never overflows;
* tanh and their derivatives from the same $z$, so a derivative is still accurate
  where the function itself has rounded to $\pm 1$;
* softmax and log-softmax with the maximum subtracted first (the log-sum-exp trick);
* ELU from ``expm1`` of $\min(x, 0)$, GELU from ``erfc`` (accurate in the left tail).

NumPy has no ``erf``: GELU uses `dlref.numpy.special.erfc`, vectorized from W. J. Cody's
rational approximations (1969), accurate to a few units in the last place in float64.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from dlref._checks import check_choice, check_dim, check_floating, check_real
from dlref._norm_args import check_grad_output
from dlref.numpy.special import erfc

__all__ = [
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "relu",
    "relu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "softmax",
    "softmax_backward",
    "log_softmax",
    "log_softmax_backward",
    "gelu",
    "gelu_backward",
    "silu",
    "silu_backward",
    "elu",
    "elu_backward",
]


# -- argument checks -------------------------------------------------------------------


def _check_grad(grad_output, input) -> None:
    """A backward pass's arguments: a floating ``input``, and ``grad_output`` of its
    shape and dtype."""
    check_floating("input", input)
    check_grad_output(grad_output, input)


# -- sigmoid and tanh ------------------------------------------------------------------


def sigmoid(input: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid $\sigma(x) = 1 / (1 + e^{-x})$, elementwise.

    Stable form: with $z = e^{-|x|} \in (0, 1]$,
    $\sigma(x) = 1/(1+z)$ for $x \ge 0$ and $z/(1+z)$ for $x < 0$.
    The naive formula computes $e^{1000}$ at $x = -1000$, which overflows
    to ``inf`` (with a RuntimeWarning) before the division brings it back to 0.

    Args:
        input: floating-point array.

    Shape:
        any; the output has the shape and dtype of ``input``, values in $(0, 1)$
        (rounding to exactly 0 or 1 far out in the tails).

    Returns:
        $\sigma(x)$.

    PyTorch equivalent: ``torch.sigmoid`` / ``torch.nn.functional.sigmoid``.

    Differences from PyTorch: integer inputs are rejected (torch promotes them to
    float).
    """
    check_floating("input", input)
    x = np.asarray(input)
    # z = e^{-|x|} in (0, 1]: never overflows
    z = np.exp(-np.abs(x))
    # sigma(x) = 1/(1+z) for x >= 0,  z/(1+z) for x < 0
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_backward(grad_output: np.ndarray, input: np.ndarray) -> np.ndarray:
    r"""Gradient of `sigmoid`: $\partial L/\partial x = g\,\sigma(x)(1 - \sigma(x))$.

    $\sigma'(x) = \sigma(x)\,\sigma(-x) = z/(1+z)^2$ with $z = e^{-|x|}$: the
    same value as $\sigma(1-\sigma)$, without the cancellation in $1 - \sigma$
    once $\sigma$ has rounded to 1. Its maximum is $\sigma'(0) = 1/4$.

    Args:
        grad_output: $g = \partial L/\partial y$, the shape of ``input``.
        input: the ``input`` given to `sigmoid`.

    Returns:
        $\partial L/\partial x$, the shape and dtype of ``input``.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    z = np.exp(-np.abs(input))
    # sigma'(x) = sigma(x) sigma(-x) = z / (1 + z)^2
    return grad_output * (z / ((1.0 + z) * (1.0 + z)))


def tanh(input: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent $\tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x}) = 2\sigma(2x) -
    1$, elementwise.

    Args:
        input: floating-point array.

    Shape:
        any; output has the shape and dtype of ``input``, values in $(-1, 1)$.
        ``np.tanh`` is already stable, so it is used as it stands.

    Returns:
        $\tanh(x)$.

    PyTorch equivalent: ``torch.tanh`` / ``torch.nn.functional.tanh``.
    """
    check_floating("input", input)
    return np.tanh(input)


def tanh_backward(grad_output: np.ndarray, input: np.ndarray) -> np.ndarray:
    r"""Gradient of `tanh`: $\partial L/\partial x = g\,(1 - \tanh^2 x)$.

    $1 - \tanh^2 x = \operatorname{sech}^2 x = 4z/(1+z)^2$ with $z = e^{-2|x|}$,
    computed in that form so that it stays accurate (``tanh'(20)`` is about ``1.7e-17``)
    where $\tanh x$ has rounded to $\pm 1$ and $1 - \tanh^2 x$ would give 0.
    Its maximum is $\tanh'(0) = 1$; $\tanh'(5) \approx 1.8 \times 10^{-4}$.

    Args:
        grad_output: $g$, the shape of ``input``.
        input: the ``input`` given to `tanh`.

    Returns:
        $\partial L/\partial x$, the shape and dtype of ``input``.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    z = np.exp(-2.0 * np.abs(input))
    # tanh'(x) = 1 - tanh(x)^2 = 4z / (1 + z)^2
    return grad_output * (4.0 * z / ((1.0 + z) * (1.0 + z)))


# -- rectifiers ------------------------------------------------------------------------


def relu(input: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit $\mathrm{ReLU}(x) = \max(0, x)$, elementwise.

    Range $[0, \infty)$: positive inputs pass unchanged, however large.

    Args:
        input: floating-point array, any shape.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    Returns:
        Array of the shape and dtype of ``input``. NaN stays NaN, as in torch.

    PyTorch equivalent: ``torch.nn.functional.relu`` (``inplace`` is not offered: NumPy
    functions here never modify their input).

    References:
        V. Nair, G. E. Hinton (2010), "Rectified linear units improve restricted
        Boltzmann machines", ICML.
    """
    check_floating("input", input)
    # max(0, x)
    return np.maximum(input, 0)


def relu_backward(grad_output: np.ndarray, input: np.ndarray) -> np.ndarray:
    r"""Gradient of `relu`: $g \cdot [x > 0]$ (0 at $x = 0$, as torch chooses).

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    # ReLU'(x) = 1 if x > 0 else 0
    return np.where(input > 0, grad_output, 0)


def leaky_relu(input: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU: $x$ for $x > 0$, $a x$ otherwise ($a$ = ``negative_slope``).

    A fixed, deterministic small slope for negative inputs, so a unit whose inputs are
    all negative still passes a gradient. (The randomized variant, RReLU, draws $a$
    during training; this function never draws anything.)

    Args:
        input: floating-point array, any shape.
        negative_slope: $a$, default 0.01 (torch's).

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    Returns:
        Array of the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.leaky_relu`` (no ``inplace``).

    References:
        A. L. Maas, A. Y. Hannun, A. Y. Ng (2013), "Rectifier nonlinearities improve
        neural network acoustic models", ICML Workshop on Deep Learning for Audio,
        Speech and Language Processing.
    """
    check_floating("input", input)
    check_real("negative_slope", negative_slope)
    x = np.asarray(input)
    a = x.dtype.type(negative_slope)
    # f(x) = x if x > 0 else a x
    return np.where(x > 0, x, a * x)


def leaky_relu_backward(
    grad_output: np.ndarray, input: np.ndarray, negative_slope: float = 0.01
) -> np.ndarray:
    r"""Gradient of `leaky_relu`: $g$ where $x > 0$, $a g$ elsewhere (including 0, as
    torch).

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    check_real("negative_slope", negative_slope)
    a = np.asarray(input).dtype.type(negative_slope)
    # f'(x) = 1 if x > 0 else a
    return np.where(input > 0, grad_output, a * grad_output)


def elu(input: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit: $x$ for $x > 0$, $\alpha(e^x - 1)$ otherwise.

    Smooth for $\alpha = 1$, saturating to $-\alpha$ for very negative inputs, so mean
    activations sit closer to 0 than ReLU's. Stable form: ``alpha * expm1(min(x, 0))``,
    so $e^x$ is never evaluated at a large positive $x$, and ``expm1`` keeps accuracy
    near 0.

    Args:
        input: floating-point array, any shape.
        alpha: $\alpha$, default 1.0. Any real number, as in torch's out-of-place ELU.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    Returns:
        Array of the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.elu`` (no ``inplace``).

    References:
        D.-A. Clevert, T. Unterthiner, S. Hochreiter (2016), "Fast and accurate deep
        network learning by exponential linear units (ELUs)", ICLR,
        https://arxiv.org/abs/1511.07289
    """
    check_floating("input", input)
    check_real("alpha", alpha)
    x = np.asarray(input)
    alpha = x.dtype.type(alpha)
    # f(x) = x if x > 0 else alpha (e^x - 1), with e^x taken at min(x, 0) only
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_backward(
    grad_output: np.ndarray, input: np.ndarray, alpha: float = 1.0
) -> np.ndarray:
    r"""Gradient of `elu`: $g$ where $x > 0$, $g\,\alpha e^x$ elsewhere ($\alpha$ at 0,
    as torch).

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    check_real("alpha", alpha)
    x = np.asarray(input)
    alpha = x.dtype.type(alpha)
    # f'(x) = alpha e^x if x <= 0 else 1
    # (torch's branch: a NaN input passes g through, as in torch)
    return np.where(x <= 0, grad_output * alpha * np.exp(np.minimum(x, 0)), grad_output)


# -- smooth gates: SiLU and GELU -------------------------------------------------------


def silu(input: np.ndarray) -> np.ndarray:
    r"""Sigmoid-weighted linear unit (Swish with $\beta = 1$): $x\,\sigma(x)$,
    elementwise.

    Uses the stable `sigmoid`, so ``silu(-1e4)`` is ``-0.0`` with no overflow.

    Args:
        input: floating-point array, any shape.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    Returns:
        Array of the shape and dtype of ``input``; minimum about $-0.278$ at
        $x \approx -1.278$.

    PyTorch equivalent: ``torch.nn.functional.silu`` (no ``inplace``).

    References:
        S. Elfwing, E. Uchibe, K. Doya (2018), "Sigmoid-weighted linear units for neural
        network function approximation in reinforcement learning", Neural Networks 107,
        https://arxiv.org/abs/1702.03118; P. Ramachandran, B. Zoph, Q. V. Le (2017),
        "Searching for activation functions", https://arxiv.org/abs/1710.05941
    """
    check_floating("input", input)
    # f(x) = x sigma(x);
    # x = -inf (and x = inf in a derivative) gives inf * 0 = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        return input * sigmoid(input)


def silu_backward(grad_output: np.ndarray, input: np.ndarray) -> np.ndarray:
    r"""Gradient of `silu`: $g\,(\sigma(x) + x\,\sigma(x)\,\sigma(-x))$.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    s = sigmoid(input)
    # sigma'(x) = sigma(x) sigma(-x), computed without 1 - sigma
    z = np.exp(-np.abs(input))
    ds = z / ((1.0 + z) * (1.0 + z))
    # f'(x) = sigma(x) + x sigma'(x)
    # inf * 0 = NaN at x = +-inf, as in torch: silently
    with np.errstate(invalid="ignore"):
        return grad_output * (s + input * ds)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_KAPPA = 0.044715  # the cubic coefficient of the tanh approximation


def gelu(input: np.ndarray, approximate: str = "none") -> np.ndarray:
    r"""Gaussian error linear unit $x\,\Phi(x)$, with $\Phi$ the standard normal CDF.

    ``approximate='none'``: $\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)$, which
    equals $\tfrac12(1 + \operatorname{erf}(x/\sqrt2))$ but keeps its relative accuracy
    for negative $x$ (where $1 + \operatorname{erf}$ cancels).

    ``approximate='tanh'``:
    $\tfrac12 x \left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)$.

    Args:
        input: floating-point array, any shape.
        approximate: ``'none'`` (default) or ``'tanh'``, as in torch.

    Shape:
        input ``(*)``, any shape; output the same shape and dtype.

    Returns:
        Array of the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.gelu``.

    References:
        D. Hendrycks, K. Gimpel (2016), "Gaussian error linear units (GELUs)",
        https://arxiv.org/abs/1606.08415
    """
    check_floating("input", input)
    check_choice("approximate", approximate, ("none", "tanh"))
    x = np.asarray(input)
    if approximate == "tanh":
        # u = sqrt(2/pi) (x + kappa x^3)
        u = _SQRT_2_OVER_PI * (x + _KAPPA * x * x * x)
        # f(x) = x/2 (1 + tanh(u))
        # inf * 0 = NaN at x = +-inf, as in torch: silently
        with np.errstate(invalid="ignore"):
            return 0.5 * x * (1.0 + np.tanh(u))
    # Phi(x) = erfc(-x / sqrt 2) / 2
    Phi = 0.5 * erfc(-x * _INV_SQRT_2)
    # f(x) = x Phi(x)
    # inf * 0 = NaN at x = +-inf, as in torch: silently
    with np.errstate(invalid="ignore"):
        return x * Phi


def gelu_backward(
    grad_output: np.ndarray, input: np.ndarray, approximate: str = "none"
) -> np.ndarray:
    r"""Gradient of `gelu`.

    Exact: $f'(x) = \Phi(x) + x\,\varphi(x)$ with $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$.
    Tanh form: with $u = \sqrt{2/\pi}(x + 0.044715x^3)$ and $t = \tanh u$, $f'(x) =
    \tfrac12(1 + t) + \tfrac12 x (1 - t^2) \sqrt{2/\pi}(1 + 3 \cdot 0.044715 x^2)$.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    check_choice("approximate", approximate, ("none", "tanh"))
    x = np.asarray(input)
    if approximate == "tanh":
        u = _SQRT_2_OVER_PI * (x + _KAPPA * x * x * x)
        t = np.tanh(u)
        # du/dx = sqrt(2/pi) (1 + 3 kappa x^2)
        du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _KAPPA * x * x)
        # 1 - tanh(u)^2 = 4w / (1 + w)^2 with w =
        # e^{-2|u|}  (accurate where t rounds to +-1)
        w = np.exp(-2.0 * np.abs(u))
        dt = 4.0 * w / ((1.0 + w) * (1.0 + w))
        # f'(x) = (1 + t)/2 + x/2 (1 - t^2) du/dx
        # inf * 0 = NaN at x = +-inf, as in torch: silently
        with np.errstate(invalid="ignore"):
            return grad_output * (0.5 * (1.0 + t) + 0.5 * x * dt * du)
    Phi = 0.5 * erfc(-x * _INV_SQRT_2)
    # phi(x) = e^{-x^2/2} / sqrt(2 pi)
    phi = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    # f'(x) = Phi(x) + x phi(x)
    # inf * 0 = NaN at x = +-inf, as in torch: silently
    with np.errstate(invalid="ignore"):
        return grad_output * (Phi + x * phi)


# -- softmax and log-softmax -----------------------------------------------------------


def _at_least_1d(x: np.ndarray) -> np.ndarray:
    return x.reshape(1) if x.ndim == 0 else x  # a 0-D input is one class: (1,)


def softmax(input: np.ndarray, dim: int = -1) -> np.ndarray:
    r"""Softmax along ``dim``: $\mathrm{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}$.

    Stable form: with $m = \max_j x_j$, $\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j
    e^{x_j -
    m}$, the same value (the factor $e^{-m}$ cancels), but every exponent is $\le 0$, so
    nothing overflows and the largest term is exactly 1 (the sum cannot underflow to 0).
    Entries of ``-inf`` (masking) get probability 0. A slice that is all ``-inf``, or
    holds ``+inf``, has no defined softmax: the result is NaN there, as in torch
    (without a NumPy warning).

    Args:
        input: floating-point array (logits).
        dim: the dimension to normalise over, default ``-1``.

    Shape:
        any; output like ``input``; slices along ``dim`` are non-negative and sum to 1.

    Returns:
        Probabilities, the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.softmax(input, dim)``.

    Differences from PyTorch: ``dim`` defaults to ``-1``, and ``dim=None`` is a
    ``TypeError`` (torch's ``dim=None`` picks a dimension implicitly, which is
    deprecated: dlref does not guess which dimension holds the classes); a ``dim`` out
    of range raises ``ValueError`` (torch: ``IndexError``); no ``dtype`` argument.

    References:
        J. S. Bridle (1990), "Probabilistic interpretation of feedforward classification
        network outputs, with relationships to statistical pattern recognition",
        Neurocomputing, NATO ASI Series F 68, Springer.
    """
    check_floating("input", input)
    x = np.asarray(input)
    axis = check_dim(dim, x.ndim)
    if x.size == 0:
        return x.copy()
    x1 = _at_least_1d(x)
    # m = max_j x_j
    m = np.max(x1, axis=axis, keepdims=True)
    # e_i = exp(x_i - m) <= 1;
    # a slice holding +inf or only -inf gives inf - inf = NaN, as in torch
    with np.errstate(invalid="ignore"):
        e = np.exp(x1 - m)
    # softmax_i = e_i / sum_j e_j
    return (e / np.sum(e, axis=axis, keepdims=True)).reshape(x.shape)


def softmax_backward(
    grad_output: np.ndarray, input: np.ndarray, dim: int = -1
) -> np.ndarray:
    r"""Gradient of `softmax`: $\partial L/\partial x = s \odot (g - \langle g,
    s\rangle)$.

    The Jacobian is $\partial s_i/\partial x_j = s_i(\delta_{ij} - s_j)$, so the
    vector-Jacobian product needs no $n \times n$ matrix:
    $(\partial L/\partial x)_j = s_j (g_j - \sum_i g_i s_i)$.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    x = np.asarray(input)
    axis = check_dim(dim, x.ndim)
    s = _at_least_1d(softmax(x, dim))
    g = _at_least_1d(np.asarray(grad_output))
    # an inf in g (or a NaN slice of s) gives inf * 0 or inf - inf = NaN, as in torch:
    # silently
    with np.errstate(invalid="ignore"):
        # <g, s> along dim
        gs = np.sum(g * s, axis=axis, keepdims=True)
        # dL/dx_j = s_j (g_j - <g, s>)
        return (s * (g - gs)).reshape(x.shape)


def log_softmax(input: np.ndarray, dim: int = -1) -> np.ndarray:
    r"""Log of `softmax` along ``dim``: $x_i - \log\sum_j e^{x_j}$.

    Stable form (log-sum-exp): with $m = \max_j x_j$, $\log\sum_j e^{x_j} = m +
    \log\sum_j e^{x_j - m}$. Computing ``log(softmax(x))`` instead loses everything
    below the smallest positive float: a probability that underflows to 0 gives
    ``-inf``, where this form gives the exact, finite log-probability.

    Args:
        input: floating-point array (logits).
        dim: the dimension to normalise over, default ``-1``.

    Shape:
        input ``(*)``, any shape; output the same shape; each slice along ``dim`` is
        normalised.

    Returns:
        Log-probabilities (all $\le 0$), the shape and dtype of ``input``.

    PyTorch equivalent: ``torch.nn.functional.log_softmax(input, dim)``.

    Differences from PyTorch: as for `softmax`.
    """
    check_floating("input", input)
    x = np.asarray(input)
    axis = check_dim(dim, x.ndim)
    if x.size == 0:
        return x.copy()
    x1 = _at_least_1d(x)
    m = np.max(x1, axis=axis, keepdims=True)
    # a slice holding +inf or only -inf gives inf - inf = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        shifted = x1 - m
        # log sum_j e^{x_j} = m + log sum_j e^{x_j - m};
        # log_softmax_i = (x_i - m) - log sum_j e^{x_j - m}
        return (
            shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ).reshape(x.shape)


def log_softmax_backward(
    grad_output: np.ndarray, input: np.ndarray, dim: int = -1
) -> np.ndarray:
    r"""Gradient of `log_softmax`: $\partial L/\partial x = g - \mathrm{softmax}(x)
    \sum_i g_i$.

    From $\partial y_i/\partial x_j = \delta_{ij} - s_j$.

    Differences from PyTorch: ``grad_output`` must have the dtype of ``input`` (else a
    ``TypeError``), where torch's autograd casts a gradient of another dtype silently.
    """
    _check_grad(grad_output, input)
    x = np.asarray(input)
    axis = check_dim(dim, x.ndim)
    s = _at_least_1d(softmax(x, dim))
    g = _at_least_1d(np.asarray(grad_output))
    # dL/dx_j = g_j - s_j sum_i g_i;
    # an inf in g gives inf - inf or inf * 0 = NaN, as in torch: silently
    with np.errstate(invalid="ignore"):
        return (g - s * np.sum(g, axis=axis, keepdims=True)).reshape(x.shape)
