"""Weight initialization, with torch's formulas, defaults and names.

Each function fills a `Parameter` (or a NumPy array) in place and returns its argument.
The random draws come from an explicit ``numpy.random.Generator`` (``generator=``, as
torch's own ``generator`` keyword); with ``None`` a fresh, unseeded one is used.

Fans follow torch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``. A ``Linear`` weight
``(out_features, in_features)`` therefore has ``fan_in = in_features``.

Differences from ``torch.nn.init``: arguments are checked first (a ``ValueError`` or
``TypeError`` naming the argument, where torch sometimes raises a ``RuntimeError``, an
``OverflowError``, or accepts the value: torch reads ``True`` as 1, ``a=None`` in the
Kaiming functions as the slope 0.01, and fills a tensor with NaN for a NaN bound); the
bounds of ``uniform_`` (and so ``xavier_uniform_``'s gain) must be finite; the Xavier
functions leave a weight with no fan at all (shape ``(0, 0, ...)``) as it is, where
torch raises ``ZeroDivisionError``; ``calculate_fan_in_and_fan_out`` is public (torch's
is the private ``_calculate_fan_in_and_fan_out``); ``trunc_normal_``, ``eye_``,
``dirac_``, ``orthogonal_`` and ``sparse_`` are not implemented.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dlref._checks import check_choice, check_floating, check_real
from dlref.numpy.nn.module import Parameter

_LINEAR_LIKE = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
_NONLINEARITIES = _LINEAR_LIKE + ("tanh", "relu", "leaky_relu", "selu")


def _array(tensor) -> np.ndarray:
    """The array that ``tensor`` (a Parameter or an ndarray) holds, written in place."""
    if isinstance(tensor, Parameter):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(
        f"tensor must be a Parameter or a numpy.ndarray, got {type(tensor).__name__}"
    )


def _float_array(tensor) -> np.ndarray:
    """As `_array`, for the random fills: an integer array cannot hold the draws."""
    x = _array(tensor)
    check_floating("tensor", x)
    return x


def _check_finite(name: str, value, low: float | None = None) -> None:
    """A finite real number (>= ``low``): an infinite bound or scale cannot be drawn
    from."""
    check_real(name, value, low=low)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is None:
        return np.random.default_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            "generator must be a numpy.random.Generator or None, got "
            f"{type(generator).__name__}"
        )
    return generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain for a nonlinearity: the factor that keeps activations'
    scale steady.

    | nonlinearity | gain |
    |---|---|
    | ``linear``, ``conv{1,2,3}d``, ``conv_transpose{1,2,3}d``, ``sigmoid`` | $1$ |
    | ``tanh`` | $5/3$ |
    | ``relu`` | $\sqrt 2$ |
    | ``leaky_relu`` (negative slope ``param``) | $\sqrt{2 / (1 + \text{param}^2)}$ |
    | ``selu`` | $3/4$ |

    Args:
        nonlinearity: the name of the function that follows the layer
            (``torch.nn.functional`` name).
        param: the negative slope for ``'leaky_relu'`` (default 0.01); ignored
            otherwise.

    Returns:
        The gain, a float.

    PyTorch equivalent: ``torch.nn.init.calculate_gain``. Differences from PyTorch:
    returns ``1.0`` where torch returns the int ``1``; a non-number ``param`` raises
    ``TypeError`` (torch: ``ValueError``).
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        negative_slope = 0.01 if param is None else param
        check_real("param", negative_slope)
        try:
            # gain = sqrt(2 / (1 + a^2)):
            # E[leaky_relu(z)^2] = (1 + a^2) / 2 * E[z^2] for symmetric z
            return math.sqrt(2.0 / (1 + negative_slope**2))
        # a^2 beyond the float range (torch lets the OverflowError out)
        except OverflowError:
            raise ValueError(
                f"param must be a negative slope whose square is a float, got {param}"
            ) from None
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"nonlinearity must be one of {_NONLINEARITIES}, got {nonlinearity!r}"
    )


def calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    r"""``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``.

    $$
    \text{fan\_in} = \text{in}\prod \text{kernel},
    \qquad \text{fan\_out} = \text{out}\prod \text{kernel}
    $$

    Args:
        tensor: a Parameter or array with at least 2 dimensions.

    Returns:
        ``(fan_in, fan_out)``, two ints.

    PyTorch equivalent: ``torch.nn.init._calculate_fan_in_and_fan_out`` (private there).
    """
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            "tensor must have at least 2 dimensions to have a fan in and out, got "
            f"shape {shape}"
        )
    receptive_field = math.prod(shape[2:])  # 1 for a 2-D weight
    fan_in = shape[1] * receptive_field
    fan_out = shape[0] * receptive_field
    return fan_in, fan_out


def _calculate_correct_fan(tensor, mode: str) -> int:
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, got {type(mode).__name__}")
    mode = mode.lower()  # torch accepts 'FAN_IN' too
    check_choice("mode", mode, ("fan_in", "fan_out"))
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(
    tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
):
    r"""Fill with independent draws from $\mathcal U(a, b)$.

    Args:
        tensor: a floating-point Parameter or array, filled in place.
        a: lower bound.
        b: upper bound (``a <= b``).
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself.

    PyTorch equivalent: ``torch.nn.init.uniform_``.
    """
    _check_finite("a", a)
    _check_finite("b", b, low=a)
    if not math.isfinite(b - a):
        raise ValueError(f"b - a must be a finite float, got a={a} and b={b}")
    x = _float_array(tensor)
    rng = _rng(generator)
    x[...] = rng.uniform(a, b, size=x.shape)
    return tensor


def normal_(
    tensor,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
):
    r"""Fill with independent draws from $\mathcal N(\text{mean}, \text{std}^2)$.

    Args:
        tensor: a floating-point Parameter or array, filled in place.
        mean: mean of the normal distribution.
        std: standard deviation (``>= 0``).
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself.

    PyTorch equivalent: ``torch.nn.init.normal_``.
    """
    check_real("mean", mean)
    check_real("std", std, low=0.0)
    x = _float_array(tensor)
    rng = _rng(generator)
    x[...] = rng.normal(mean, std, size=x.shape)
    return tensor


def constant_(tensor, val: float):
    """Fill with ``val``; returns ``tensor``. PyTorch equivalent:
    ``torch.nn.init.constant_``."""
    check_real("val", val)
    _array(tensor)[...] = val
    return tensor


def zeros_(tensor):
    """Fill with zeros; returns ``tensor``. PyTorch equivalent:
    ``torch.nn.init.zeros_``.

    Weights set this way leave every hidden unit of a layer computing the same function,
    and training cannot tell them apart (see the initialization page on symmetry).
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with ones; returns ``tensor``. PyTorch equivalent:
    ``torch.nn.init.ones_``."""
    return constant_(tensor, 1.0)


def _is_empty(x: np.ndarray) -> bool:
    if x.size == 0:
        warnings.warn(
            "Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3
        )
        return True
    return False


def _check_gain(gain, finite: bool) -> None:
    """Xavier's ``gain``: a number >= 0 (a negative one is no scale; torch raises in the
    draw), finite for the uniform (whose bounds must be finite)."""
    if finite:
        _check_finite("gain", gain, low=0.0)
    else:
        check_real("gain", gain, low=0.0)


def xavier_uniform_(
    tensor, gain: float = 1.0, generator: np.random.Generator | None = None
):
    r"""Glorot/Xavier uniform initialization: $\mathcal U(-a, a)$ with

    $$
    a = \text{gain}\sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}
    $$

    so that $\operatorname{Var}[w] = \text{gain}^2\,\frac{2}{\text{fan\_in} +
    \text{fan\_out}}$ (a uniform on $(-a, a)$ has variance $a^2/3$). The compromise
    between $1/\text{fan\_in}$ (steady forward variance) and $1/\text{fan\_out}$ (steady
    backward variance) for activations that are linear near zero.

    Args:
        tensor: a floating-point Parameter or array of shape ``(out, in, *kernel)``,
            filled in place.
        gain: scale factor, a finite number >= 0, e.g. ``calculate_gain('tanh')``.
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself.

    PyTorch equivalent: ``torch.nn.init.xavier_uniform_``.

    References:
        Glorot and Bengio, 2010, "Understanding the difficulty of training deep
        feedforward neural networks", AISTATS.
        https://proceedings.mlr.press/v9/glorot10a.html
    """
    _check_gain(gain, finite=True)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    # a (0, 0, ...) weight: nothing to fill (torch divides by zero)
    if fan_in + fan_out == 0:
        return tensor
    # std = gain * sqrt(2 / (fan_in + fan_out))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    # U(-a, a) has std a / sqrt(3)
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(
    tensor, gain: float = 1.0, generator: np.random.Generator | None = None
):
    r"""Glorot/Xavier normal initialization: $\mathcal N(0, \sigma^2)$ with

    $$
    \sigma = \text{gain}\sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}
    $$

    Args:
        tensor: a floating-point Parameter or array of shape ``(out, in, *kernel)``,
            filled in place.
        gain: scale factor, a finite number >= 0, e.g. ``calculate_gain('tanh')``.
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself.

    PyTorch equivalent: ``torch.nn.init.xavier_normal_``.

    References:
        Glorot and Bengio, 2010, "Understanding the difficulty of training deep
        feedforward neural networks", AISTATS.
        https://proceedings.mlr.press/v9/glorot10a.html
    """
    _check_gain(gain, finite=False)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    # a (0, 0, ...) weight: nothing to fill (torch divides by zero)
    if fan_in + fan_out == 0:
        return tensor
    # sigma = gain * sqrt(2 / (fan_in + fan_out))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
):
    r"""He/Kaiming uniform initialization: $\mathcal U(-b, b)$ with

    $$
    b = \text{gain}\sqrt{\frac{3}{\text{fan}}},
    \qquad \operatorname{Var}[w] = \frac{\text{gain}^2}{\text{fan}}
    $$

    where ``fan`` is ``fan_in`` (steady forward variance, the default) or ``fan_out``
    (steady backward variance). With ReLU (gain $\sqrt 2$) this keeps
    $E[x^2]$ constant from layer to layer. ``a`` is the negative slope of the
    leaky ReLU that follows (0 for ReLU): torch's default ``nonlinearity='leaky_relu'``
    with ``a=0`` gives the ReLU gain $\sqrt 2$. ``nn.Linear`` and ``nn.Conv2d``
    call this with ``a=sqrt(5)``: gain $\sqrt{1/3}$, i.e.
    $\mathcal U(\pm 1/\sqrt{\text{fan\_in}})$.

    Args:
        tensor: a floating-point Parameter or array of shape ``(out, in, *kernel)``,
            filled in place.
        a: negative slope of the leaky ReLU after this layer (used only with
            ``'leaky_relu'``).
        mode: ``'fan_in'`` (default) or ``'fan_out'``.
        nonlinearity: the function after this layer, a name accepted by
            `calculate_gain`.
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself; a zero-element tensor is left as it is, with a warning (as
        torch does).

    PyTorch equivalent: ``torch.nn.init.kaiming_uniform_``.

    References:
        He, Zhang, Ren and Sun, 2015, "Delving Deep into Rectifiers: Surpassing
        Human-Level Performance on ImageNet Classification", ICCV.
        https://arxiv.org/abs/1502.01852
    """
    if _is_empty(_array(tensor)):
        return tensor
    check_real("a", a)
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    # std = gain / sqrt(fan)
    std = gain / math.sqrt(fan)
    # U(-b, b) has std b / sqrt(3)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
):
    r"""He/Kaiming normal initialization: $\mathcal N(0, \sigma^2)$ with

    $$
    \sigma = \frac{\text{gain}}{\sqrt{\text{fan}}}
    $$

    Args:
        tensor: a floating-point Parameter or array of shape ``(out, in, *kernel)``,
            filled in place.
        a: negative slope of the leaky ReLU after this layer (used only with
            ``'leaky_relu'``).
        mode: ``'fan_in'`` (default) or ``'fan_out'``.
        nonlinearity: the function after this layer, a name accepted by
            `calculate_gain`.
        generator: the ``numpy.random.Generator`` to draw from (``None``: a fresh one).

    Returns:
        ``tensor`` itself; a zero-element tensor is left as it is, with a warning (as
        torch does).

    PyTorch equivalent: ``torch.nn.init.kaiming_normal_``.

    References:
        He, Zhang, Ren and Sun, 2015, "Delving Deep into Rectifiers: Surpassing
        Human-Level Performance on ImageNet Classification", ICCV.
        https://arxiv.org/abs/1502.01852
    """
    if _is_empty(_array(tensor)):
        return tensor
    check_real("a", a)
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    # sigma = gain / sqrt(fan)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
