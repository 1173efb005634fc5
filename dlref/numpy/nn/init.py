"""Weight initialization, with torch's formulas, defaults and names.

Each function fills a `Parameter` (or a NumPy array) in place and returns it. The random
draws come from an explicit ``numpy.random.Generator`` (``generator=``, as torch's own
``generator`` keyword); with ``None`` a fresh, unseeded one is used.

Fans follow torch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_choice, check_real
from dlref.numpy.nn.module import Parameter

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def _array(tensor) -> np.ndarray:
    if isinstance(tensor, Parameter):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"tensor must be a Parameter or a numpy.ndarray, got {type(tensor).__name__}")


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is None:
        return np.random.default_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The gain that keeps activations' variance steady through a nonlinearity (torch's table).

    ``linear``/``conv``/``sigmoid``: 1; ``tanh``: 5/3; ``relu``: :math:`\sqrt 2`;
    ``leaky_relu`` with slope ``a``: :math:`\sqrt{2/(1+a^2)}` (``a`` defaults to 0.01);
    ``selu``: 3/4.

    PyTorch equivalent: ``torch.nn.init.calculate_gain``.
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        check_real("param", slope)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"nonlinearity must be one of {_LINEAR_LIKE + ('tanh', 'relu', 'leaky_relu', 'selu')}, got {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``; needs at least 2 dimensions."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(f"tensor must have at least 2 dimensions to have a fan in and out, got shape {shape}")
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None):
    """Fill with draws from :math:`U(a, b)`. PyTorch equivalent: ``torch.nn.init.uniform_``."""
    x = _array(tensor)
    x[...] = _rng(generator).uniform(a, b, size=x.shape)
    return tensor


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None):
    r"""Fill with draws from :math:`\mathcal N(\text{mean}, \text{std}^2)`. PyTorch: ``torch.nn.init.normal_``."""
    check_real("std", std, low=0.0)
    x = _array(tensor)
    x[...] = _rng(generator).normal(mean, std, size=x.shape)
    return tensor


def constant_(tensor, val: float):
    """Fill with ``val``. PyTorch equivalent: ``torch.nn.init.constant_``."""
    _array(tensor)[...] = val
    return tensor


def zeros_(tensor):
    """Fill with zeros. Every unit of a layer then computes the same thing (see the page on symmetry)."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with ones. PyTorch equivalent: ``torch.nn.init.ones_``."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, generator: np.random.Generator | None = None):
    r"""Glorot/Xavier uniform: :math:`U(-a, a)`, :math:`a = \text{gain}\sqrt{6/(\text{fan\_in}+\text{fan\_out})}`.

    Keeps the variance of activations and of gradients roughly constant across layers for
    activations that are linear near zero (tanh, sigmoid with gain 1).

    PyTorch equivalent: ``torch.nn.init.xavier_uniform_``.
    Reference: Glorot and Bengio, 2010, "Understanding the difficulty of training deep
    feedforward neural networks".
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    # std = gain * sqrt(2 / (fan_in + fan_out)); a uniform on (-a, a) has std a / sqrt(3)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator: np.random.Generator | None = None):
    r"""Glorot/Xavier normal: :math:`\mathcal N(0, \sigma^2)`, :math:`\sigma = \text{gain}\sqrt{2/(\text{fan\_in}+\text{fan\_out})}`.

    PyTorch equivalent: ``torch.nn.init.xavier_normal_``.
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a: float, mode: str, nonlinearity: str) -> float:
    check_choice("mode", mode, ("fan_in", "fan_out"))
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = calculate_gain(nonlinearity, a)
    # std = gain / sqrt(fan): keeps E[x^2] constant through ReLU layers
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None):
    r"""He/Kaiming uniform: :math:`U(-b, b)`, :math:`b = \text{gain}\sqrt{3/\text{fan}}`.

    ``a`` is the negative slope of the leaky ReLU that follows (0 for ReLU). Torch's default
    ``nonlinearity='leaky_relu'`` with ``a=0`` gives the ReLU gain :math:`\sqrt 2`.
    ``nn.Linear`` and ``nn.Conv2d`` use ``a=sqrt(5)``, i.e. :math:`U(\pm 1/\sqrt{\text{fan\_in}})`.

    PyTorch equivalent: ``torch.nn.init.kaiming_uniform_``.
    Reference: He et al., 2015, "Delving Deep into Rectifiers".
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None):
    r"""He/Kaiming normal: :math:`\mathcal N(0, \sigma^2)`, :math:`\sigma = \text{gain}/\sqrt{\text{fan}}`.

    PyTorch equivalent: ``torch.nn.init.kaiming_normal_``.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator)
